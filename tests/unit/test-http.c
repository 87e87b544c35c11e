/*
 * test-http.c: the HTTP server end to end over loopback with libcurl:
 * replies, CORS, 404/405/413, keep-alive, blocking routes and the busy
 * limit, /metrics and /health, hostile input, the access log, and graceful
 * shutdown (drain, cut-off, idle keep-alive, a client gone while suspended).
 *
 * Every curl transfer has a timeout and every wait a deadline; waits poll a
 * condition, never sleep for a fixed time hoping something happened.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
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
#include "core/json.h"
#include "core/log.h"
#include "http/internal.h"
#include "http/server.h"
#include "test.h"

#define ID "/_matrix/identity/v2"

/* --- the gate: a blocking handler that waits until the test opens it --- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond;
static bool gate_open;
static int gate_entered;
static long gate_max_ms = 10000;	/* a handler never waits longer */

static struct timespec deadline_ms(long ms)
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

static bool past(const struct timespec *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->tv_sec || (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

static void gate_reset(bool open, long max_ms)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	gate_entered = 0;
	gate_max_ms = max_ms;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static bool gate_wait_entered(int n, long ms)
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

static void h_empty(struct mxg_req *r)
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

static const struct mxg_route test_routes[] = {
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

struct resp {
	long status;
	char body[16384];
	size_t len;
	char headers[8192];
	size_t hlen;
	json_t *json;
};

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
static const char *header(const struct resp *rs, const char *name)
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

static void setup(CURL *h, struct resp *rs, const char *method, int port, const char *path)
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

static CURLcode finish(CURL *h, CURLcode rc, struct resp *rs)
{
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
	json_decref(rs->json);
	rs->json = json_loadb(rs->body, rs->len, 0, NULL);
	return rc;
}

/* One request on handle h (reused: keep-alive). body NULL = none. */
static CURLcode http(CURL *h, const char *method, int port, const char *path,
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

static const char *errcode(const struct resp *rs)
{
	return json_string_value(json_object_get(rs->json, "errcode"));
}

static bool has_cors(const struct resp *rs)
{
	const char *v;

	return (v = header(rs, "Access-Control-Allow-Origin")) != NULL && strcmp(v, "*") == 0 &&
	       (v = header(rs, "Access-Control-Allow-Methods")) != NULL &&
	       strcmp(v, "GET, POST, PUT, DELETE, OPTIONS") == 0 &&
	       (v = header(rs, "Access-Control-Allow-Headers")) != NULL &&
	       strcmp(v, "Origin, X-Requested-With, Content-Type, Accept, Authorization") == 0;
}

/* --- servers --- */

static struct mxg_app app;	/* db NULL: /health answers 503 */

static struct mxg_server *start(int *port, int *client_port)
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
static int raw_connect(int port)
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

/* Send data, then read until the server closes or ms pass.  Returns the
 * bytes read (into buf, NUL-terminated), -1 on timeout. */
static ssize_t raw_exchange(int port, const char *data, size_t len, char *buf, size_t cap,
			    long ms)
{
	struct timespec d = deadline_ms(ms);
	int fd = raw_connect(port);
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (len > 0 && send(fd, data, len, MSG_NOSIGNAL) < 0) {
		close(fd);
		return -1;
	}
	while (!past(&d)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(fd, buf + got, cap - 1 - got, 0);
		if (n <= 0 || got + (size_t)n >= cap - 1) {
			if (n > 0)
				got += (size_t)n;
			buf[got] = '\0';
			close(fd);
			return (ssize_t)got;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return -1;
}

static bool server_alive(int port)
{
	CURL *h = curl_easy_init();
	struct resp rs = { 0 };
	bool ok = http(h, "GET", port, ID, NULL, 0, NULL, &rs) == CURLE_OK && rs.status == 200;

	json_decref(rs.json);
	curl_easy_cleanup(h);
	return ok;
}

static char first_id[MXG_REQ_ID_LEN + 1];

/* --- cases --- */

struct upload {
	size_t left;
};

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t len = size * n < u->left ? size * n : u->left;

	memset(buf, 'b', len);
	u->left -= len;
	return len;
}

static long num_connects(CURL *h)
{
	long n = -1;

	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &n);
	return n;
}

static const char *member(const struct resp *rs, const char *key)
{
	return json_string_value(json_object_get(rs->json, key));
}

static void test_replies(int port, int cport)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = curl_slist_append(NULL, "X-Test: t-value");
	struct resp rs = { 0 };

	test_begin("JSON reply with params, query, header, CORS");
	test_assert(http(h, "GET", port, ID "/echo/hello?x=1&access_token=SECRET", NULL, 0, hdrs,
			 &rs) == CURLE_OK);
	test_assert(rs.status == 200);
	test_assert_streq(header(&rs, "Content-Type"), "application/json");
	test_assert(has_cors(&rs));
	test_assert_streq(member(&rs, "word"), "hello");
	test_assert_streq(member(&rs, "q"), "1");
	test_assert_streq(member(&rs, "h"), "t-value");
	test_assert_streq(member(&rs, "ip"), "127.0.0.1");
	test_assert_streq(member(&rs, "path"), ID "/echo/hello");
	test_assert(member(&rs, "id") != NULL && strlen(member(&rs, "id")) == MXG_REQ_ID_LEN);
	if (member(&rs, "id") != NULL)
		snprintf(first_id, sizeof(first_id), "%s", member(&rs, "id"));
	test_end();

	test_begin("request ids differ; trailing slash matches");
	test_assert(http(h, "GET", port, ID "/echo/again", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(member(&rs, "id") != NULL && strcmp(member(&rs, "id"), first_id) != 0);
	test_assert(http(h, "GET", port, ID "/", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 200 && strcmp(rs.body, "{}") == 0);
	test_end();

	test_begin("OPTIONS preflight");
	test_assert(http(h, "OPTIONS", port, ID "/no/such/path", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 200 && strcmp(rs.body, "{}") == 0 && has_cors(&rs));
	test_assert(http(h, "OPTIONS", cport, "/_matrix/client/v3/login", NULL, 0, NULL, &rs) ==
		    CURLE_OK);
	test_assert(rs.status == 200 && has_cors(&rs));
	/* Not a resource of that listener: routed, and unknown. */
	test_assert(http(h, "OPTIONS", port, "/_matrix/client/v3/login", NULL, 0, NULL, &rs) ==
		    CURLE_OK);
	test_assert(rs.status == 404);
	test_end();

	test_begin("404 and 405 are M_UNRECOGNIZED");
	test_assert(http(h, "GET", port, ID "/nope", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 404 && has_cors(&rs));
	test_assert_streq(errcode(&rs), "M_UNRECOGNIZED");
	test_assert(member(&rs, "error") != NULL);
	test_assert(http(h, "GET", port, "/nope", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 404 && header(&rs, "Access-Control-Allow-Origin") == NULL);
	test_assert(http(h, "POST", port, ID, "{}", 2, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 405);
	test_assert_streq(errcode(&rs), "M_UNRECOGNIZED");
	test_assert_streq(header(&rs, "Allow"), "GET, HEAD");
	test_assert(http(h, "GET", port, "/_matrix/client/v3/only-client", NULL, 0, NULL, &rs) ==
		    CURLE_OK);
	test_assert(rs.status == 404);
	test_assert(http(h, "GET", cport, "/_matrix/client/v3/only-client", NULL, 0, NULL, &rs) ==
		    CURLE_OK);
	test_assert(rs.status == 200);
	test_end();

	test_begin("HEAD is GET without a body");
	test_assert(http(h, "HEAD", port, ID "/echo/x", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 200 && rs.len == 0);
	test_assert_streq(header(&rs, "Content-Type"), "application/json");
	test_end();

	test_begin("body limit: 413 M_TOO_LARGE, exact limit accepted");
	{
		static char big[2000];
		CURL *c = curl_easy_init();
		struct curl_slist *ch = curl_slist_append(NULL, "Transfer-Encoding: chunked");
		struct upload up = { 5000 };

		memset(big, 'a', sizeof(big));
		test_assert(http(h, "POST", port, ID "/len", big, sizeof(big), NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 413);
		test_assert_streq(errcode(&rs), "M_TOO_LARGE");
		test_assert(http(h, "POST", port, ID "/len", big, 1024, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 200 &&
			    json_integer_value(json_object_get(rs.json, "len")) == 1024);
		/* Chunked, no Content-Length: read to the end, then 413. */
		ch = curl_slist_append(ch, "Expect:");
		setup(c, &rs, "POST", port, ID "/len");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, ch);
		test_assert(finish(c, curl_easy_perform(c), &rs) == CURLE_OK);
		test_assert(rs.status == 413);
		test_assert_streq(errcode(&rs), "M_TOO_LARGE");
		/* The body was consumed: the connection stays usable. */
		test_assert(http(c, "GET", port, ID, NULL, 0, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 200 && num_connects(c) == 0);
		curl_slist_free_all(ch);
		curl_easy_cleanup(c);
	}
	test_end();

	test_begin("body with NUL bytes and invalid UTF-8");
	test_assert(http(h, "POST", port, ID "/len", "a\0b\xff", 4, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 200);
	test_assert(json_integer_value(json_object_get(rs.json, "len")) == 4);
	test_assert(json_integer_value(json_object_get(rs.json, "nul_at")) == 1);
	test_end();

	test_begin("JSON bodies: M_NOT_JSON, M_BAD_JSON");
	test_assert(http(h, "POST", port, ID "/json", "not json", 8, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 400);
	test_assert_streq(errcode(&rs), "M_NOT_JSON");
	test_end();
	{
		struct mxg_error e = { 0 };
		json_t *probe = mxg_json_parse_object("{}", 2, &e);

		if (probe == NULL) {
			test_skip("JSON object bodies", "mxg_json_parse_object not implemented here");
		} else {
			test_begin("JSON object bodies");
			test_assert(http(h, "POST", port, ID "/json", "{\"a\":1,\"b\":2}", 13, NULL,
					 &rs) == CURLE_OK);
			test_assert(rs.status == 200 &&
				    json_integer_value(json_object_get(rs.json, "keys")) == 2);
			test_assert(http(h, "POST", port, ID "/json", "[1]", 3, NULL, &rs) == CURLE_OK);
			test_assert(rs.status == 400);
			test_assert_streq(errcode(&rs), "M_BAD_JSON");
			test_end();
		}
		json_decref(probe);
	}

	test_begin("no reply is 500; 429 with Retry-After; raw reply; header injection refused");
	test_assert(http(h, "GET", port, ID "/noreply", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 500);
	test_assert_streq(errcode(&rs), "M_UNKNOWN");
	test_assert(http(h, "GET", port, ID "/limited", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 429);
	test_assert_streq(header(&rs, "Retry-After"), "2");
	test_assert(header(&rs, "X-Bad") == NULL && header(&rs, "Injected") == NULL);
	test_assert_streq(errcode(&rs), "M_LIMIT_EXCEEDED");
	test_assert(json_integer_value(json_object_get(rs.json, "retry_after_ms")) == 2000);
	test_assert(http(h, "GET", port, ID "/raw", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 200 && strcmp(rs.body, "hello") == 0);
	test_assert_streq(header(&rs, "Content-Type"), "text/plain");
	test_end();

	test_begin("blocking route runs on a worker");
	test_assert(http(h, "GET", port, ID "/worker/abc", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 200 && json_is_true(json_object_get(rs.json, "worker")));
	test_assert_streq(member(&rs, "p"), "abc");
	test_assert(has_cors(&rs));
	test_end();

	test_begin("keep-alive: one connection for inline, blocking, error replies");
	{
		CURL *k = curl_easy_init();

		test_assert(http(k, "GET", port, ID, NULL, 0, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 200 && num_connects(k) == 1);
		test_assert(http(k, "GET", port, ID "/echo/x", NULL, 0, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 200 && num_connects(k) == 0);
		test_assert(http(k, "GET", port, ID "/worker/y", NULL, 0, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 200 && num_connects(k) == 0);
		test_assert(http(k, "POST", port, ID "/len", "xyz", 3, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 200 && num_connects(k) == 0);
		test_assert(http(k, "GET", port, ID "/nope", NULL, 0, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 404 && num_connects(k) == 0);
		test_assert(http(k, "GET", port, ID, NULL, 0, NULL, &rs) == CURLE_OK);
		test_assert(rs.status == 200 && num_connects(k) == 0);
		curl_easy_cleanup(k);
	}
	test_end();

	json_decref(rs.json);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
}

/* Drive a multi handle until every transfer is done or ms pass; results
 * land in rs[] (by the easy handle's private index).  open_after: open the
 * gate once that many transfers are done (0: never). */
static int drive(CURLM *m, CURL **hs, struct resp *rs, int n, int open_after, long ms)
{
	struct timespec d = deadline_ms(ms);
	int done = 0;
	bool opened = false;

	while (done < n && !past(&d)) {
		CURLMsg *msg;
		int running, q;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &q)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (int i = 0; i < n; i++)
				if (hs[i] == msg->easy_handle)
					finish(hs[i], msg->data.result, &rs[i]);
			done++;
		}
		if (open_after > 0 && done >= open_after && !opened) {
			gate_reset(true, 10000);
			opened = true;
		}
		curl_multi_poll(m, NULL, 0, 50, NULL);
	}
	return done;
}

static void test_busy(int port)
{
	enum { N = 32, ADMITTED = 6 };	/* 2 workers + queue of 4 */
	CURLM *m = curl_multi_init();
	CURL *hs[N];
	struct resp *rs = calloc(N, sizeof(*rs));
	int n200 = 0, n503 = 0, busy_msgs = 0, done;

	test_begin("32 concurrent blocking requests, 2 workers, queue 4: 503 busy, no hang");
	gate_reset(false, 10000);
	for (int i = 0; i < N; i++) {
		hs[i] = curl_easy_init();
		setup(hs[i], &rs[i], "GET", port, ID "/gate");
		curl_multi_add_handle(m, hs[i]);
	}
	done = drive(m, hs, rs, N, N - ADMITTED, 15000);
	test_assert(done == N);
	for (int i = 0; i < N; i++) {
		if (rs[i].status == 200)
			n200++;
		if (rs[i].status == 503) {
			n503++;
			if (errcode(&rs[i]) != NULL && strcmp(errcode(&rs[i]), "M_UNKNOWN") == 0 &&
			    strstr(rs[i].body, "busy") != NULL)
				busy_msgs++;
		}
		curl_multi_remove_handle(m, hs[i]);
		curl_easy_cleanup(hs[i]);
		json_decref(rs[i].json);
	}
	test_assert(n200 == ADMITTED);
	test_assert(n503 == N - ADMITTED && busy_msgs == n503);
	test_end();
	curl_multi_cleanup(m);
	free(rs);
}

static void test_metrics_health(int port)
{
	CURL *h = curl_easy_init();
	struct resp rs = { 0 };
	const char *rss;

	test_begin("/metrics in Prometheus text format");
	test_assert(http(h, "GET", port, "/metrics", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 200);
	test_assert(header(&rs, "Content-Type") != NULL &&
		    strncmp(header(&rs, "Content-Type"), "text/plain", 10) == 0);
	test_assert(strstr(rs.body, "# TYPE mxgate_http_requests_total counter\n") != NULL);
	test_assert(strstr(rs.body, "mxgate_http_requests_total{class=\"2xx\"} ") != NULL);
	test_assert(strstr(rs.body, "mxgate_http_requests_total{class=\"4xx\"} ") != NULL);
	test_assert(strstr(rs.body, "\nmxgate_http_rejected_busy_total 26\n") != NULL);
	test_assert(strstr(rs.body, "\nmxgate_http_requests_in_flight 1\n") != NULL);
	test_assert(strstr(rs.body, "\nmxgate_http_worker_queue_depth 0\n") != NULL);
	rss = strstr(rs.body, "\nprocess_resident_memory_bytes ");
	test_assert(rss != NULL && strtoull(rss + 31, NULL, 10) > 0);
	test_end();

	test_begin("/health is 503 without a database");
	test_assert(http(h, "GET", port, "/health", NULL, 0, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 503);
	test_assert_streq(errcode(&rs), "M_UNKNOWN");
	test_assert_streq(member(&rs, "error"), "database unavailable");
	test_end();
	json_decref(rs.json);
	curl_easy_cleanup(h);
}

static void test_hostile(int port)
{
	static char huge[120000];
	static const char nul_line[] = "GET /\0\0 HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n";
	static const char bad_path[] = "GET " ID "/echo/%ff%fe%00x%0a HTTP/1.1\r\nHost: x\r\n"
		"Connection: close\r\n\r\n";
	static const char bad_len[] = "POST " ID "/len HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 99999999999999999999999\r\n\r\n";
	static const char slow[] = "GET " ID " HTTP/1.1\r\nHo";
	char buf[4096];
	int len;

	test_begin("hostile input: huge headers, NULs, garbage, bad escapes, bad length");
	len = snprintf(huge, sizeof(huge), "GET " ID " HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(huge + len, 'a', sizeof(huge) - (size_t)len - 5);
	memcpy(huge + sizeof(huge) - 5, "\r\n\r\n", 5);
	test_assert(raw_exchange(port, huge, sizeof(huge) - 1, buf, sizeof(buf), 5000) >= 0);
	test_assert(buf[0] == '\0' || strncmp(buf, "HTTP/1.1 4", 10) == 0);
	test_assert(raw_exchange(port, nul_line, sizeof(nul_line) - 1, buf, sizeof(buf), 5000) >= 0);
	test_assert(raw_exchange(port, garbage, sizeof(garbage) - 1, buf, sizeof(buf), 5000) >= 0);
	test_assert(raw_exchange(port, bad_path, sizeof(bad_path) - 1, buf, sizeof(buf), 5000) >= 0);
	test_assert(strncmp(buf, "HTTP/1.1 ", 9) == 0);
	test_assert(raw_exchange(port, bad_len, sizeof(bad_len) - 1, buf, sizeof(buf), 5000) >= 0);
	test_assert(strncmp(buf, "HTTP/1.1 4", 10) == 0 || buf[0] == '\0');
	test_assert(server_alive(port));
	test_end();

	test_begin("slow client is dropped after the connection timeout");
	test_assert(raw_exchange(port, slow, sizeof(slow) - 1, buf, sizeof(buf), 8000) >= 0);
	test_assert(server_alive(port));
	test_end();
}

static void test_disconnect_suspended(struct mxg_server *srv, int port)
{
	static const char req[] = "GET " ID "/gate HTTP/1.1\r\nHost: x\r\n\r\n";
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct timespec d;
	int fd;

	test_begin("client gone while its request is suspended");
	gate_reset(false, 10000);
	fd = raw_connect(port);
	test_assert(fd >= 0 && send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) > 0);
	test_assert(gate_wait_entered(1, 5000));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));	/* RST */
	close(fd);
	gate_reset(true, 10000);
	d = deadline_ms(5000);
	while (atomic_load(&srv->metrics.in_flight) > 0 && !past(&d))
		poll(NULL, 0, 10);
	test_assert(atomic_load(&srv->metrics.in_flight) == 0);
	test_assert(server_alive(port));
	test_end();
}

static void test_access_log(const char *path)
{
	static char text[1 << 20];
	char want[128];
	struct timespec d = deadline_ms(5000);
	bool found = false;

	test_begin("access log: method, path without query, status; request id on handler lines");
	snprintf(want, sizeof(want), "127.0.0.1 GET %s/echo/hello 200 ", ID);
	while (!found && !past(&d)) {
		FILE *f = fopen(path, "r");
		size_t n = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;

		if (f != NULL)
			fclose(f);
		text[n] = '\0';
		found = strstr(text, want) != NULL;
		if (!found)
			poll(NULL, 0, 10);
	}
	test_assert(found);
	test_assert(strstr(text, "SECRET") == NULL && strstr(text, "t-value") == NULL);
	snprintf(want, sizeof(want), "[%s] http: echo handler ran", first_id);
	test_assert(first_id[0] != '\0' && strstr(text, want) != NULL);
	test_end();
}

static struct mxg_server *drain_srv;
static unsigned int drain_cut = 99;

static void *shutdown_thread(void *arg)
{
	(void)arg;
	drain_cut = mxg_server_shutdown(drain_srv, 5000);
	return NULL;
}

static void test_drain(void)
{
	int port = 0, n;
	CURLM *m = curl_multi_init();
	CURL *h = curl_easy_init();
	struct resp rs = { 0 };
	struct timespec d;
	pthread_t t;
	bool refused = false;

	test_begin("graceful shutdown lets an in-flight request finish, refuses new ones");
	drain_srv = start(&port, NULL);
	test_assert(drain_srv != NULL);
	gate_reset(false, 10000);
	setup(h, &rs, "GET", port, ID "/gate");
	curl_multi_add_handle(m, h);
	d = deadline_ms(5000);
	do {
		int running;

		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 20, NULL);
	} while (!gate_wait_entered(1, 0) && !past(&d));
	test_assert(gate_wait_entered(1, 0));
	pthread_create(&t, NULL, shutdown_thread, NULL);
	d = deadline_ms(5000);
	while (!refused && !past(&d)) {
		CURL *p = curl_easy_init();
		struct resp prs = { 0 };

		curl_easy_setopt(p, CURLOPT_FORBID_REUSE, 1L);
		refused = http(p, "GET", port, ID, NULL, 0, NULL, &prs) == CURLE_COULDNT_CONNECT;
		json_decref(prs.json);
		curl_easy_cleanup(p);
	}
	test_assert(refused);
	gate_reset(true, 10000);
	n = drive(m, &h, &rs, 1, 0, 10000);
	test_assert(n == 1 && rs.status == 200);
	test_assert_streq(member(&rs, "gate"), "passed");
	test_assert_streq(header(&rs, "Connection"), "close");
	pthread_join(t, NULL);
	test_assert(drain_cut == 0);
	mxg_server_destroy(&drain_srv);
	test_end();
	curl_multi_remove_handle(m, h);
	curl_easy_cleanup(h);
	curl_multi_cleanup(m);
	json_decref(rs.json);
}

static void test_cutoff(void)
{
	int port = 0;
	CURLM *m = curl_multi_init();
	CURL *h = curl_easy_init();
	struct resp rs = { 0 };
	struct mxg_server *srv;
	struct timespec d;

	test_begin("shutdown timeout cuts off a request that does not finish");
	srv = start(&port, NULL);
	test_assert(srv != NULL);
	gate_reset(false, 300);	/* the handler gives up after 300 ms */
	setup(h, &rs, "GET", port, ID "/gate");
	curl_multi_add_handle(m, h);
	d = deadline_ms(5000);
	do {
		int running;

		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 20, NULL);
	} while (!gate_wait_entered(1, 0) && !past(&d));
	test_assert(mxg_server_shutdown(srv, 50) == 1);
	test_assert(drive(m, &h, &rs, 1, 0, 5000) == 1);	/* answered or closed, no hang */
	mxg_server_destroy(&srv);
	test_end();
	curl_multi_remove_handle(m, h);
	curl_easy_cleanup(h);
	curl_multi_cleanup(m);
	json_decref(rs.json);
}

static void test_shutdown_idle(struct mxg_server **srv, int port)
{
	CURL *h = curl_easy_init();
	struct resp rs = { 0 };
	struct timespec t0, t1;
	struct mxg_error err = { 0 };

	test_begin("idle keep-alive connections do not hold shutdown up");
	test_assert(http(h, "GET", port, ID, NULL, 0, NULL, &rs) == CURLE_OK && rs.status == 200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_assert(mxg_server_shutdown(*srv, 5000) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	test_assert(t1.tv_sec - t0.tv_sec < 2);
	test_assert(mxg_server_listen(*srv, "127.0.0.1", 0, MXG_RES_IDENTITY, NULL, &err) == -1);
	mxg_server_destroy(srv);
	test_assert(*srv == NULL);
	test_end();
	json_decref(rs.json);
	curl_easy_cleanup(h);
}

static void test_listen_errors(void)
{
	static const struct mxg_route bad[] = {
		{ MXG_GET, "/x/{", MXG_RES_IDENTITY, h_empty, 0 },
		{ 0 },
	};
	struct mxg_server_settings set = { .workers = 1 };
	struct mxg_server *srv = NULL;
	struct mxg_error err = { 0 };
	int port = 0;

	test_begin("listen: bad addresses, IPv6, bad routes");
	test_assert(mxg_server_create(&set, &app, &srv, &err) == 0);
	test_assert(mxg_server_listen(srv, "not-an-address", 0, MXG_RES_IDENTITY, NULL, &err) == -1);
	test_assert(strstr(err.msg, "not-an-address") != NULL);
	test_assert(mxg_server_listen(srv, "127.0.0.1", 70000, MXG_RES_IDENTITY, NULL, &err) == -1);
	if (mxg_server_listen(srv, "[::1]", 0, MXG_RES_IDENTITY, &port, &err) == 0)
		test_assert(port > 0);
	else
		fprintf(stderr, "  (no IPv6 loopback here: %s)\n", err.msg);
	mxg_server_destroy(&srv);
	test_assert(mxg_server_create(&set, &app, &srv, &err) == 0);
	mxg_server_add_routes(srv, bad);
	test_assert(mxg_server_listen(srv, "127.0.0.1", 0, MXG_RES_IDENTITY, NULL, &err) == -1);
	mxg_server_destroy(&srv);
	test_end();
}

int main(void)
{
	char logpath[] = "/tmp/test-http-log-XXXXXX";
	pthread_condattr_t ca;
	struct mxg_server *srv;
	int port = 0, cport = 0, fd;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&gate_cond, &ca);
	fd = mkstemp(logpath);
	if (fd >= 0)
		close(fd);
	mxg_log_open(logpath, MXG_LOG_DEBUG);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	srv = start(&port, &cport);
	test_begin("server listens on port 0 and reports the real port");
	test_assert(srv != NULL && port > 0 && cport > 0 && port != cport);
	test_end();
	if (srv != NULL) {
		test_replies(port, cport);
		test_busy(port);
		test_metrics_health(port);
		test_hostile(port);
		test_disconnect_suspended(srv, port);
		test_access_log(logpath);
		test_drain();
		test_cutoff();
		test_shutdown_idle(&srv, port);
	}
	test_listen_errors();

	mxg_log_close();
	{
		/* The server's log, for whoever reads this test's output. */
		char buf[4096];
		FILE *f = fopen(logpath, "r");
		size_t n, total = 0;

		while (f != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0 && total < (1u << 16)) {
			fwrite(buf, 1, n, stderr);
			total += n;
		}
		if (f != NULL)
			fclose(f);
	}
	unlink(logpath);
	curl_global_cleanup();
	return test_done("test-http");
}
