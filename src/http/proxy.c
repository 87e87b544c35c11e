/*
 * proxy.c: the reverse proxy to the homeserver (see proxy.h).
 *
 * Two threads meet in struct mxg_proxy: MHD's event thread (the access
 * handler feeding the request body, the content reader draining the
 * answer) and the exchange's own thread running curl_easy_perform (whose
 * read and write callbacks block on the condition variable).  Each side
 * that finds a buffer full, or empty, waits: curl's thread on the
 * condition, MHD's connection by being suspended; whoever changes the
 * buffers wakes the other.  A suspend and its resume are both made under
 * the lock, so a resume can never overtake the suspend it answers.
 */
#include "config.h"

#include <errno.h>
#include <time.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/arena.h"
#include "core/log.h"
#include "http/internal.h"
#include "http/proxy.h"
#include "http/proxy-request.h"

#define PROXY_BUF	(64 * 1024)
#define MAX_HEADERS	100
/* A client that reads nothing for this long is given up (the exchange's
 * thread must not wait for ever on a full buffer). */
#define STALL_MS	(60 * 1000)

/* Idle easy handles kept with their keep-alive connection to the
 * homeserver (libcurl's shared connection cache is not safe across
 * threads; a handle's own cache is, one thread at a time). */
#define IDLE_HANDLES	64
/* An exchange thread with nothing to do ends after this long. */
#define THREAD_IDLE_S	30

struct mxg_proxy_hub {
	struct mxg_proxy_settings set;
	pthread_mutex_t idle_lock;
	CURL *idle[IDLE_HANDLES];
	size_t nidle;
	atomic_uint exchanges;		/* running or queued */
	atomic_bool stopping;		/* the server is shutting down */

	/* exchange threads: q_lock guards the rest */
	pthread_mutex_t q_lock;
	pthread_cond_t q_cond;
	struct mxg_proxy *queue, *queue_tail;	/* waiting for a thread */
	unsigned int queued, waiting, threads;
};

struct header {
	char *name, *value;
};

struct mxg_proxy {
	struct mxg_proxy_hub *hub;
	struct mxg_proxy *next;		/* in the hub's queue */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;			/* the request, the thread, the response */

	struct MHD_Connection *conn;	/* NULL once the client is gone */
	bool suspended;			/* by us, waiting for the other side */

	/* request body, client -> homeserver (PROXY_BUF, allocated on use:
	 * most requests have none, and zeroing 128 KiB per request showed) */
	char *up;
	size_t up_len, up_off;
	unsigned long long up_total;
	bool up_eof;

	/* answer head */
	bool head_done;
	long status;
	struct header headers[MAX_HEADERS];
	size_t nheaders;
	long long content_length;	/* -1: unknown */

	/* answer body, homeserver -> client (PROXY_BUF, allocated on use) */
	char *down;
	size_t down_len, down_off;
	bool down_eof, down_error;
	size_t sent;			/* to the client, for the access log */

	/* the exchange failed before any answer: our own error reply */
	unsigned int fail_status;
	const char *fail_msg;

	/* what the thread needs, prepared on the event thread */
	CURL *easy;
	struct mxg_proxy_request req;
};

/* --- the hub --- */

int mxg_proxy_hub_create(const struct mxg_proxy_settings *set, struct mxg_proxy_hub **hub_r,
			 struct mxg_error *err)
{
	struct mxg_proxy_hub *hub;
	pthread_condattr_t ca;

	*hub_r = NULL;
	if (set->base_url == NULL)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return mxg_error_set(err, 1, "proxy: curl_global_init failed");
	hub = calloc(1, sizeof(*hub));
	if (hub == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	hub->set = *set;
	pthread_mutex_init(&hub->idle_lock, NULL);
	pthread_mutex_init(&hub->q_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hub->q_cond, &ca);
	pthread_condattr_destroy(&ca);
	*hub_r = hub;
	return 0;
}

void mxg_proxy_hub_stop(struct mxg_proxy_hub *hub)
{
	if (hub == NULL)
		return;
	atomic_store(&hub->stopping, true);
	pthread_mutex_lock(&hub->q_lock);
	pthread_cond_broadcast(&hub->q_cond);
	pthread_mutex_unlock(&hub->q_lock);
}

static unsigned int threads_left(struct mxg_proxy_hub *hub)
{
	unsigned int n;

	pthread_mutex_lock(&hub->q_lock);
	n = hub->threads;
	pthread_mutex_unlock(&hub->q_lock);
	return n;
}

void mxg_proxy_hub_destroy(struct mxg_proxy_hub **hubp)
{
	struct mxg_proxy_hub *hub = *hubp;

	if (hub == NULL)
		return;
	/* Exchange threads hold the hub: they end within a second of the
	 * stop (progress callback), or at their client's stall limit. */
	mxg_proxy_hub_stop(hub);
	for (int i = 0; i < 5000 && threads_left(hub) > 0; i++) {
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
	}
	if (threads_left(hub) > 0) {
		mxg_error("proxy: %u exchange thread(s) did not stop; leaving them the hub",
			  threads_left(hub));
		*hubp = NULL;
		return;
	}
	while (hub->nidle > 0)
		curl_easy_cleanup(hub->idle[--hub->nidle]);
	pthread_mutex_destroy(&hub->idle_lock);
	pthread_cond_destroy(&hub->q_cond);
	pthread_mutex_destroy(&hub->q_lock);
	free(hub);
	*hubp = NULL;
}

bool mxg_proxy_takes(const struct mxg_proxy_hub *hub, const struct mxg_req *r)
{
	/* The other APIs a client listener may also serve are mxgate's own:
	 * an unknown path there is a 404, not the homeserver's business. */
	static const char *const own[] = { "/_matrix/identity/", "/_matrix-internal/" };

	if (hub == NULL || (r->lst->resource_mask & MXG_RES_CLIENT) == 0 || r->method == 0)
		return false;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strncmp(r->path, own[i], strlen(own[i])) == 0)
			return false;
	return true;
}

/* --- the exchange --- */

static void clear_headers(struct mxg_proxy *px);

static void px_unref(struct mxg_proxy *px)
{
	int left;

	pthread_mutex_lock(&px->lock);
	left = --px->refs;
	pthread_mutex_unlock(&px->lock);
	if (left > 0)
		return;
	clear_headers(px);
	free(px->up);
	free(px->down);
	mxg_proxy_request_clear(&px->req);
	pthread_cond_destroy(&px->cond);
	pthread_mutex_destroy(&px->lock);
	free(px);
}

/* Wake MHD's side if we suspended it (lock held). */
static void wake_client(struct mxg_proxy *px)
{
	if (px->suspended && px->conn != NULL) {
		px->suspended = false;
		MHD_resume_connection(px->conn);
	}
}

/* Suspend MHD's side until the thread changes something (lock held). */
static void wait_for_thread(struct mxg_proxy *px)
{
	px->suspended = true;
	MHD_suspend_connection(px->conn);
}

/*
 * Wait on the condition (lock held) for the other side; false when the
 * exchange must end instead: the server is stopping, or the client has
 * not moved for STALL_MS (*waited_ms counts across calls).
 */
static bool wait_for_client(struct mxg_proxy *px, long long *waited_ms)
{
	struct timespec t;

	if (atomic_load(&px->hub->stopping) || *waited_ms >= STALL_MS)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += 1;		/* to notice a stop */
	if (pthread_cond_timedwait(&px->cond, &px->lock, &t) == ETIMEDOUT)
		*waited_ms += 1000;
	else
		*waited_ms = 0;
	return true;
}

static void clear_headers(struct mxg_proxy *px)
{
	for (size_t i = 0; i < px->nheaders; i++) {
		free(px->headers[i].name);
		free(px->headers[i].value);
	}
	px->nheaders = 0;
	px->content_length = -1;
}

static void keep_header(struct mxg_proxy *px, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len), *v;
	size_t nlen;

	if (colon == NULL || px->nheaders == MAX_HEADERS)
		return;
	nlen = (size_t)(colon - line);
	v = colon + 1;
	while (v < line + len && (*v == ' ' || *v == '\t'))
		v++;
	if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
		px->content_length = strtoll(v, NULL, 10);
		return;			/* MHD sends its own */
	}
	/* MHD adds Date itself; hop-by-hop headers are the connection's. */
	if (mxg_proxy_hop_by_hop(line, nlen) || (nlen == 4 && strncasecmp(line, "Date", 4) == 0))
		return;
	px->headers[px->nheaders].name = strndup(line, nlen);
	px->headers[px->nheaders].value = strndup(v, (size_t)(line + len - v));
	if (px->headers[px->nheaders].name != NULL && px->headers[px->nheaders].value != NULL)
		px->nheaders++;
	else {
		free(px->headers[px->nheaders].name);
		free(px->headers[px->nheaders].value);
	}
}

static size_t on_header(char *line, size_t size, size_t n, void *cls)
{
	struct mxg_proxy *px = cls;
	size_t len = size * n;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	pthread_mutex_lock(&px->lock);
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new status line: what an interim 1xx said is void. */
		clear_headers(px);
	} else if (len > 0) {
		keep_header(px, line, len);
	} else {
		long status = 0;

		curl_easy_getinfo(px->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200) {
			/* The client is woken by the first body bytes or the
			 * end of the exchange: one wake-up, not two, for the
			 * usual answer that comes in one piece. */
			px->status = status;
			px->head_done = true;
		}
	}
	pthread_mutex_unlock(&px->lock);
	return size * n;
}

/* curl's read callback: the request body, as the client sends it. */
static size_t on_read(char *buf, size_t size, size_t n, void *cls)
{
	struct mxg_proxy *px = cls;
	size_t max = size * n, got;
	long long waited = 0;

	pthread_mutex_lock(&px->lock);
	while (px->up_len == 0 && !px->up_eof && px->conn != NULL)
		if (!wait_for_client(px, &waited))
			break;
	if (px->up_len == 0) {
		bool eof = px->up_eof;

		pthread_mutex_unlock(&px->lock);
		return eof ? 0 : CURL_READFUNC_ABORT;
	}
	got = px->up_len < max ? px->up_len : max;
	memcpy(buf, px->up + px->up_off, got);
	px->up_off += got;
	px->up_len -= got;
	if (px->up_len == 0)
		px->up_off = 0;
	wake_client(px);
	pthread_mutex_unlock(&px->lock);
	return got;
}

/*
 * Is the client worth waking for what has come so far?  An answer of known
 * length is usually all in one piece, and the end of the exchange wakes
 * the client anyway: one resume per answer, not two.  A stream of unknown
 * length (chunked) goes on as it comes, and a long answer once the buffer
 * is half full.  (Lock held.)
 */
static bool wake_on_data(const struct mxg_proxy *px)
{
	return px->content_length < 0 || px->down_len >= PROXY_BUF / 2;
}

/* curl's write callback: the answer body, into the buffer the client
 * drains; a full buffer makes the homeserver wait (TCP back-pressure). */
static size_t on_write(char *data, size_t size, size_t n, void *cls)
{
	struct mxg_proxy *px = cls;
	size_t len = size * n, done = 0;
	long long waited = 0;

	pthread_mutex_lock(&px->lock);
	if (px->down == NULL && (px->down = malloc(PROXY_BUF)) == NULL)
		len = 0;
	while (done < len) {
		size_t room;

		if (px->conn == NULL)
			break;
		if (px->down_off + px->down_len == PROXY_BUF && px->down_off > 0) {
			memmove(px->down, px->down + px->down_off, px->down_len);
			px->down_off = 0;
		}
		room = PROXY_BUF - px->down_off - px->down_len;
		if (room == 0) {
			if (!wait_for_client(px, &waited))
				break;
			continue;
		}
		if (room > len - done)
			room = len - done;
		memcpy(px->down + px->down_off + px->down_len, data + done, room);
		px->down_len += room;
		done += room;
		if (wake_on_data(px))
			wake_client(px);
	}
	pthread_mutex_unlock(&px->lock);
	return done;		/* short: curl aborts the transfer */
}

/* Called about once a second even when idle: how a stop reaches a thread
 * inside curl_easy_perform (a long-poll /sync). */
static int on_progress(void *cls, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct mxg_proxy *px = cls;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&px->hub->stopping) ? 1 : 0;
}

static CURL *take_easy(struct mxg_proxy_hub *hub)
{
	CURL *c = NULL;

	pthread_mutex_lock(&hub->idle_lock);
	if (hub->nidle > 0)
		c = hub->idle[--hub->nidle];
	pthread_mutex_unlock(&hub->idle_lock);
	return c != NULL ? c : curl_easy_init();
}

static void give_back_easy(struct mxg_proxy_hub *hub, CURL *c)
{
	curl_easy_reset(c);	/* options go; the open connection stays */
	pthread_mutex_lock(&hub->idle_lock);
	if (hub->nidle < IDLE_HANDLES && !atomic_load(&hub->stopping)) {
		hub->idle[hub->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&hub->idle_lock);
	if (c != NULL)
		curl_easy_cleanup(c);
}

static CURL *easy_for(struct mxg_proxy *px)
{
	const struct mxg_proxy_settings *set = &px->hub->set;
	CURL *c = take_easy(px->hub);

	if (c == NULL)
		return NULL;
	if (curl_easy_setopt(c, CURLOPT_URL, px->req.url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)set->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)set->connect_timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, set->tls_verify ? 1L : 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, set->tls_verify ? 2L : 0L) != CURLE_OK ||
	    (set->ca_file != NULL && curl_easy_setopt(c, CURLOPT_CAINFO, set->ca_file) != CURLE_OK) ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, px->req.headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, px) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, px) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, px) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
	    /* Bodies pass through as they are: no decoding of gzip. */
	    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTP_TRANSFER_DECODING, 1L) != CURLE_OK) {
		curl_easy_cleanup(c);
		return NULL;
	}
	if (px->req.head_only) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (px->req.has_body) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, px);
		if (px->req.body_length >= 0)
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)px->req.body_length);
	}
	if (strcmp(px->req.method, "GET") != 0 && !px->req.head_only)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, px->req.method);
	return c;
}

static void run_exchange(struct mxg_proxy *px)
{
	CURLcode rc = CURLE_FAILED_INIT;
	char errbuf[CURL_ERROR_SIZE] = "";

	px->easy = easy_for(px);
	if (px->easy != NULL) {
		curl_easy_setopt(px->easy, CURLOPT_ERRORBUFFER, errbuf);
		rc = curl_easy_perform(px->easy);
	}
	pthread_mutex_lock(&px->lock);
	if (rc == CURLE_OK && px->head_done) {
		px->down_eof = true;
	} else if (px->head_done) {
		/* Too late for a status of our own: the answer is cut short. */
		px->down_error = true;
		if (px->conn != NULL)
			mxg_warning("proxy: %s: cut off mid-answer: %s", px->req.method,
				    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	} else if (atomic_load(&px->hub->stopping)) {
		px->fail_status = 503;
		px->fail_msg = "Server shutting down";
	} else {
		bool slow = rc == CURLE_OPERATION_TIMEDOUT;

		px->fail_status = slow ? 504 : 502;
		px->fail_msg = slow ? "The homeserver did not answer in time" :
			       "The homeserver is unreachable";
		if (px->conn != NULL)
			mxg_warning("proxy: homeserver: %s",
				    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	}
	wake_client(px);
	pthread_mutex_unlock(&px->lock);
	if (px->easy != NULL) {
		/* A failed exchange may have left its connection half-used. */
		if (rc == CURLE_OK)
			give_back_easy(px->hub, px->easy);
		else
			curl_easy_cleanup(px->easy);
	}
	atomic_fetch_sub(&px->hub->exchanges, 1);
	px_unref(px);
}

/*
 * An exchange thread: runs its first exchange, then waits for the next
 * (a thread and its stack cost more than a short exchange) for up to
 * THREAD_IDLE_S before it ends.
 */
static void *exchange_thread(void *arg)
{
	struct mxg_proxy *px = arg;
	struct mxg_proxy_hub *hub = px->hub;

	for (;;) {
		struct timespec t;

		run_exchange(px);
		px = NULL;
		pthread_mutex_lock(&hub->q_lock);
		hub->waiting++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec += THREAD_IDLE_S;
		while (hub->queue == NULL && !atomic_load(&hub->stopping))
			if (pthread_cond_timedwait(&hub->q_cond, &hub->q_lock, &t) == ETIMEDOUT)
				break;
		hub->waiting--;
		if (hub->queue != NULL) {
			px = hub->queue;
			hub->queue = px->next;
			hub->queued--;
		} else {
			hub->threads--;
		}
		pthread_mutex_unlock(&hub->q_lock);
		if (px == NULL)
			return NULL;
	}
}

/* Hand px to a waiting thread, or to a new one.  -1 when neither. */
static int dispatch_exchange(struct mxg_proxy_hub *hub, struct mxg_proxy *px)
{
	pthread_attr_t ta;
	pthread_t t;
	int rc;

	pthread_mutex_lock(&hub->q_lock);
	/* More threads waiting than jobs queued: one of them takes it. */
	if (hub->waiting > hub->queued) {
		px->next = NULL;
		if (hub->queue == NULL)
			hub->queue = px;
		else
			hub->queue_tail->next = px;
		hub->queue_tail = px;
		hub->queued++;
		pthread_mutex_unlock(&hub->q_lock);
		/* After the unlock: the thread woken does not wake into a
		 * lock still held. */
		pthread_cond_signal(&hub->q_cond);
		return 0;
	}
	hub->threads++;
	pthread_mutex_unlock(&hub->q_lock);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	/* curl and TLS need little stack: 256 KiB, not the default 8 MiB. */
	pthread_attr_setstacksize(&ta, 256 * 1024);
	rc = pthread_create(&t, &ta, exchange_thread, px);
	pthread_attr_destroy(&ta);
	if (rc != 0) {
		pthread_mutex_lock(&hub->q_lock);
		hub->threads--;
		pthread_mutex_unlock(&hub->q_lock);
		return -1;
	}
	return 0;
}

/* --- the client's side (MHD's event thread) --- */

static int start(struct mxg_proxy_hub *hub, struct mxg_req *r)
{
	pthread_condattr_t ca;
	struct mxg_proxy *px;

	if (atomic_load(&hub->stopping)) {
		mxg_reply_error(r, 503, "M_UNKNOWN", "Server shutting down");
		return -1;
	}
	if (atomic_fetch_add(&hub->exchanges, 1) >= hub->set.max_exchanges) {
		atomic_fetch_sub(&hub->exchanges, 1);
		mxg_warning("proxy: %u exchanges at once, refusing more "
			    "(homeserver.proxy_max_connections)", hub->set.max_exchanges);
		mxg_reply_error(r, 503, "M_UNKNOWN", "Too many requests in flight; try again");
		return -1;
	}
	px = calloc(1, sizeof(*px));
	if (px == NULL)
		goto fail;
	px->hub = hub;
	px->conn = r->conn;
	px->content_length = -1;
	px->refs = 2;			/* the request and the thread */
	pthread_mutex_init(&px->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&px->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (mxg_proxy_request_build(px->hub->set.base_url, r, &px->req) < 0) {
		px->refs = 1;
		px_unref(px);
		goto fail;
	}
	if (dispatch_exchange(hub, px) < 0) {
		px->refs = 1;
		px_unref(px);
		goto fail;
	}
	r->proxy = px;
	return 0;
fail:
	atomic_fetch_sub(&hub->exchanges, 1);
	mxg_reply_error(r, 503, "M_UNKNOWN", "Cannot reach the homeserver now");
	return -1;
}

static ssize_t read_answer(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct mxg_proxy *px = cls;
	ssize_t n = 0;

	(void)pos;
	pthread_mutex_lock(&px->lock);
	if (px->down_len > 0) {
		size_t got = px->down_len < max ? px->down_len : max;

		memcpy(buf, px->down + px->down_off, got);
		px->down_off += got;
		px->down_len -= got;
		if (px->down_len == 0)
			px->down_off = 0;
		px->sent += got;
		pthread_cond_broadcast(&px->cond);
		n = (ssize_t)got;
	} else if (px->down_error) {
		n = MHD_CONTENT_READER_END_WITH_ERROR;
	} else if (px->down_eof) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else if (px->conn != NULL) {
		/* Nothing yet: MHD would call again at once; sleep instead. */
		wait_for_thread(px);
	}
	pthread_mutex_unlock(&px->lock);
	return n;
}

static void answer_done(void *cls)
{
	px_unref(cls);
}

static enum MHD_Result queue_answer(struct mxg_req *r, struct mxg_proxy *px)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	uint64_t size;

	/* Under the lock: the head is complete and no longer changes. */
	/* HEAD: MHD sends the length and never asks for the body. */
	size = px->status == 204 || px->status == 304 ? 0 :
	       px->content_length >= 0 ? (uint64_t)px->content_length : MHD_SIZE_UNKNOWN;
	if (px->down_eof && !px->req.head_only && px->down_off == 0 &&
	    (size == MHD_SIZE_UNKNOWN || size == px->down_len)) {
		/* The whole answer is here (the usual case): MHD takes the
		 * buffer and needs nothing more of the exchange. */
		if (px->down == NULL)
			resp = MHD_create_response_from_buffer(0, (void *)"",
							       MHD_RESPMEM_PERSISTENT);
		else
			resp = MHD_create_response_from_buffer_with_free_callback(px->down_len,
										  px->down,
										  free);
		if (resp != NULL) {
			px->sent = px->down_len;
			px->down = NULL;
			px->down_len = 0;
		}
	} else {
		px->refs++;		/* the response's */
		resp = MHD_create_response_from_callback(size, 32 * 1024, read_answer, px,
							 answer_done);
		if (resp == NULL)
			px->refs--;
	}
	if (resp == NULL)
		return MHD_NO;
	for (size_t i = 0; i < px->nheaders; i++)
		MHD_add_response_header(resp, px->headers[i].name, px->headers[i].value);
	if (atomic_load_explicit(&r->srv->draining, memory_order_relaxed))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(r->conn, (unsigned int)px->status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		r->queued = true;
		r->status = (unsigned int)px->status;
		mxg_http_metrics_count_status(&r->srv->metrics, r->status);
	}
	return ret;
}

enum MHD_Result mxg_proxy_on_call(struct mxg_proxy_hub *hub, struct mxg_req *r,
				  const char *upload_data, size_t *upload_data_size)
{
	struct mxg_proxy *px = r->proxy;
	enum MHD_Result ret;

	if (px == NULL) {
		const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
							     "Content-Length");

		if (cl != NULL && strtoull(cl, NULL, 10) > hub->set.max_body) {
			mxg_reply_error(r, 413, "M_TOO_LARGE", "Request body too large");
			return mxg_http_reply_queue(r);
		}
		if (start(hub, r) < 0)
			return mxg_http_reply_queue(r);
		return MHD_YES;
	}
	pthread_mutex_lock(&px->lock);
	if (px->fail_status != 0) {
		unsigned int status = px->fail_status;
		const char *msg = px->fail_msg;

		if (*upload_data_size > 0) {
			/* The rest of the body goes nowhere; answering before
			 * it is read would reset the client's connection. */
			*upload_data_size = 0;
			pthread_mutex_unlock(&px->lock);
			return MHD_YES;
		}
		pthread_mutex_unlock(&px->lock);
		mxg_reply_error(r, status, "M_UNKNOWN", "%s", msg);
		return mxg_http_reply_queue(r);
	}
	if (*upload_data_size > 0) {
		size_t room, n;

		if (px->up == NULL && (px->up = malloc(PROXY_BUF)) == NULL) {
			pthread_mutex_unlock(&px->lock);
			return MHD_NO;
		}
		if (px->up_total + *upload_data_size > hub->set.max_body) {
			pthread_mutex_unlock(&px->lock);
			mxg_reply_error(r, 413, "M_TOO_LARGE", "Request body too large");
			return mxg_http_reply_queue(r);
		}
		if (px->up_off > 0 && px->up_len > 0)
			memmove(px->up, px->up + px->up_off, px->up_len);
		px->up_off = 0;
		room = PROXY_BUF - px->up_len;
		n = *upload_data_size < room ? *upload_data_size : room;
		memcpy(px->up + px->up_len, upload_data, n);
		px->up_len += n;
		px->up_total += n;
		*upload_data_size -= n;
		pthread_cond_broadcast(&px->cond);
		if (*upload_data_size > 0)
			wait_for_thread(px);	/* called again with the rest */
		pthread_mutex_unlock(&px->lock);
		return MHD_YES;
	}
	if (!px->up_eof) {
		px->up_eof = true;
		pthread_cond_broadcast(&px->cond);
	}
	if (!px->head_done) {
		wait_for_thread(px);
		pthread_mutex_unlock(&px->lock);
		return MHD_YES;
	}
	ret = queue_answer(r, px);
	pthread_mutex_unlock(&px->lock);
	return ret;
}

void mxg_proxy_on_completed(struct mxg_req *r)
{
	struct mxg_proxy *px = r->proxy;

	if (px == NULL)
		return;
	pthread_mutex_lock(&px->lock);
	px->conn = NULL;
	px->suspended = false;
	r->reply_len = px->sent;
	pthread_cond_broadcast(&px->cond);
	pthread_mutex_unlock(&px->lock);
	r->proxy = NULL;
	px_unref(px);
}
