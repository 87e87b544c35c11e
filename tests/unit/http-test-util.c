/*
 * http-test-util.c: what the HTTP test programs (test-http, test-http-lifecycle)
 * share: a test server with its routes (among them the "gate", a blocking
 * handler that waits until the test opens it), libcurl request helpers that
 * collect status, headers and body, and polling deadlines.  No test cases and
 * no assertions here: the programs assert.
 *
 * Every curl transfer has a timeout and every wait a deadline; waits poll a
 * condition, never sleep for a fixed time hoping something happened.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/app.h"
#include "core/log.h"
#include "http/server.h"
#include "http-test-util.h"

/* --- the gate: a blocking handler that waits until the test opens it --- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond;	/* CLOCK_MONOTONIC: see http_test_init() */
static bool gate_open;
static int gate_entered;
static long gate_max_ms = 10000;	/* a handler never waits longer */

struct timespec deadline_ms(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

bool past(const struct timespec *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->tv_sec || (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

void gate_reset(bool open, long max_ms)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	gate_entered = 0;
	gate_max_ms = max_ms;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

bool gate_wait_entered(int n, long ms)
{
	struct timespec d = deadline_ms(ms);
	bool ok = true;

	pthread_mutex_lock(&gate_lock);
	while (gate_entered < n && ok)
		ok = pthread_cond_timedwait(&gate_cond, &gate_lock, &d) != ETIMEDOUT;
	ok = gate_entered >= n;
	pthread_mutex_unlock(&gate_lock);
	return ok;
}

static void h_gate(struct mxg_req *r)
{
	struct timespec d;

	pthread_mutex_lock(&gate_lock);
	d = deadline_ms(gate_max_ms);
	gate_entered++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		if (pthread_cond_timedwait(&gate_cond, &gate_lock, &d) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&gate_lock);
	mxg_reply_json(r, 200, json_pack("{s:s}", "gate", "passed"));
}

/* --- test routes --- */

void h_empty(struct mxg_req *r)
{
	mxg_reply_json(r, 200, json_object());
}

static void h_echo(struct mxg_req *r)
{
	const char *q = mxg_req_query(r, "x"), *h = mxg_req_header(r, "x-test");

	mxg_info("echo handler ran");
	mxg_reply_json(r, 200, json_pack("{s:s?, s:s?, s:s?, s:s, s:s, s:s}",
					 "word", mxg_req_param(r, "word"), "q", q, "h", h,
					 "id", mxg_req_id(r), "ip", mxg_req_client_ip(r),
					 "path", mxg_req_path(r)));
}

static void h_len(struct mxg_req *r)
{
	size_t len;
	const char *body = mxg_req_body(r, &len);
	const char *nul = memchr(body, '\0', len);

	mxg_reply_json(r, 200, json_pack("{s:I, s:I}", "len", (json_int_t)len,
					 "nul_at", nul != NULL ? (json_int_t)(nul - body) : -1));
}

static void h_json(struct mxg_req *r)
{
	json_t *obj = mxg_req_json_or_reply(r);

	if (obj == NULL)
		return;
	mxg_reply_json(r, 200, json_pack("{s:I}", "keys", (json_int_t)json_object_size(obj)));
}

static void h_worker(struct mxg_req *r)
{
	mxg_reply_json(r, 200, json_pack("{s:b, s:s?}", "worker", 1, "p", mxg_req_param(r, "p")));
}

static void h_noreply(struct mxg_req *r)
{
	(void)r;
}

static void h_limited(struct mxg_req *r)
{
	mxg_reply_header(r, "Retry-After", "2");
	mxg_reply_header(r, "X-Bad", "a\r\nInjected: 1");	/* refused */
	mxg_reply_error_extra(r, 429, "M_LIMIT_EXCEEDED", json_pack("{s:i}", "retry_after_ms", 2000),
			      "Too many requests");
}

static void h_raw(struct mxg_req *r)
{
	mxg_reply_raw(r, 200, "text/plain", "hello", 5);
}

const struct mxg_route test_routes[] = {
	{ MXG_GET, ID, MXG_RES_IDENTITY, h_empty, 0 },
	{ MXG_GET, ID "/echo/{word}", MXG_RES_IDENTITY, h_echo, 0 },
	{ MXG_POST, ID "/len", MXG_RES_IDENTITY, h_len, 0 },
	{ MXG_POST, ID "/json", MXG_RES_IDENTITY, h_json, 0 },
	{ MXG_GET, ID "/gate", MXG_RES_IDENTITY, h_gate, MXG_ROUTE_BLOCKING },
	{ MXG_GET, ID "/worker/{p}", MXG_RES_IDENTITY, h_worker, MXG_ROUTE_BLOCKING },
	{ MXG_GET, ID "/noreply", MXG_RES_IDENTITY, h_noreply, 0 },
	{ MXG_GET, ID "/limited", MXG_RES_IDENTITY, h_limited, 0 },
	{ MXG_GET, ID "/raw", MXG_RES_IDENTITY, h_raw, 0 },
	{ MXG_GET, "/_matrix/client/v3/only-client", MXG_RES_CLIENT, h_empty, 0 },
	{ 0 },
};

/* --- curl helpers --- */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *rs = arg;
	size_t len = size * n, room = sizeof(rs->body) - 1 - rs->len;

	if (len > room)
		len = room;
	memcpy(rs->body + rs->len, p, len);
	rs->len += len;
	rs->body[rs->len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct resp *rs = arg;
	size_t len = size * n, room = sizeof(rs->headers) - 1 - rs->hlen;

	if (len > room)
		len = room;
	memcpy(rs->headers + rs->hlen, p, len);
	rs->hlen += len;
	rs->headers[rs->hlen] = '\0';
	return size * n;
}

/* Value of a response header (copied into a static buffer), or NULL. */
const char *header(const struct resp *rs, const char *name)
{
	static char value[512];
	size_t nlen = strlen(name);

	for (const char *line = rs->headers; *line != '\0';) {
		const char *eol = strstr(line, "\r\n");
		size_t llen = eol != NULL ? (size_t)(eol - line) : strlen(line);

		if (llen > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *v = line + nlen + 1;

			while (*v == ' ')
				v++;
			snprintf(value, sizeof(value), "%.*s", (int)(llen - (size_t)(v - line)), v);
			return value;
		}
		if (eol == NULL)
			break;
		line = eol + 2;
	}
	return NULL;
}

void setup(CURL *h, struct resp *rs, const char *method, int port, const char *path)
{
	char url[512];

	json_decref(rs->json);	/* rs is reused across requests */
	memset(rs, 0, sizeof(*rs));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(h, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "HEAD") == 0 ? NULL : method);
}

CURLcode finish(CURL *h, CURLcode rc, struct resp *rs)
{
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
	json_decref(rs->json);
	rs->json = json_loadb(rs->body, rs->len, 0, NULL);
	return rc;
}

/* One request on handle h (reused: keep-alive). body NULL = none. */
CURLcode http(CURL *h, const char *method, int port, const char *path,
		     const char *body, size_t body_len, struct curl_slist *hdrs, struct resp *rs)
{
	setup(h, rs, method, port, path);
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
				 strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? NULL : method);
		curl_easy_setopt(h, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	return finish(h, curl_easy_perform(h), rs);
}

const char *errcode(const struct resp *rs)
{
	return json_string_value(json_object_get(rs->json, "errcode"));
}

bool has_cors(const struct resp *rs)
{
	const char *v;

	return (v = header(rs, "Access-Control-Allow-Origin")) != NULL && strcmp(v, "*") == 0 &&
	       (v = header(rs, "Access-Control-Allow-Methods")) != NULL &&
	       strcmp(v, "GET, POST, PUT, DELETE, OPTIONS") == 0 &&
	       (v = header(rs, "Access-Control-Allow-Headers")) != NULL &&
	       strcmp(v, "Origin, X-Requested-With, Content-Type, Accept, Authorization") == 0;
}

/* --- servers --- */

struct mxg_app app;	/* db NULL: /health answers 503 */

struct mxg_server *start(int *port, int *client_port)
{
	struct mxg_server_settings set = {
		.threads = 2, .workers = 2, .worker_queue = 4, .max_body_size = 1024,
		.connection_timeout_s = 2, .access_log = true,
	};
	struct mxg_server *srv = NULL;
	struct mxg_error err = { 0 };

	if (mxg_server_create(&set, &app, &srv, &err) < 0) {
		fprintf(stderr, "create: %s\n", err.msg);
		return NULL;
	}
	mxg_server_add_routes(srv, test_routes);
	mxg_server_add_routes(srv, mxg_health_routes);
	if (mxg_server_listen(srv, "127.0.0.1", 0, MXG_RES_IDENTITY | MXG_RES_HEALTH |
			      MXG_RES_METRICS, port, &err) < 0 ||
	    (client_port != NULL &&
	     mxg_server_listen(srv, "localhost", 0, MXG_RES_CLIENT, client_port, &err) < 0)) {
		fprintf(stderr, "listen: %s\n", err.msg);
		mxg_server_destroy(&srv);
	}
	return srv;
}

/* Raw socket to the server, for what curl will not send. */
int raw_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool server_alive(int port)
{
	CURL *h = curl_easy_init();
	struct resp rs = { 0 };
	bool ok = http(h, "GET", port, ID, NULL, 0, NULL, &rs) == CURLE_OK && rs.status == 200;

	json_decref(rs.json);
	curl_easy_cleanup(h);
	return ok;
}

const char *member(const struct resp *rs, const char *key)
{
	return json_string_value(json_object_get(rs->json, key));
}

void http_test_init(char *logpath)
{
	pthread_condattr_t ca;
	int fd;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&gate_cond, &ca);
	fd = mkstemp(logpath);
	if (fd >= 0)
		close(fd);
	mxg_log_open(logpath, MXG_LOG_DEBUG);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_test_deinit(const char *logpath)
{
	char buf[4096];
	FILE *f;
	size_t n, total = 0;

	mxg_log_close();
	/* The server's log, for whoever reads this test's output. */
	f = fopen(logpath, "r");
	while (f != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0 && total < (1u << 16)) {
		fwrite(buf, 1, n, stderr);
		total += n;
	}
	if (f != NULL)
		fclose(f);
	unlink(logpath);
	curl_global_cleanup();
}
