/*
 * test-http.c: the HTTP server end to end over loopback with libcurl, one
 * request at a time: replies, CORS, 404/405/413, bodies, keep-alive,
 * blocking routes, hostile input, the access log and listen errors.  Busy
 * limits, /metrics, /health and shutdown are in test-http-lifecycle.c; the
 * test server and the curl helpers in http-test-util.c.
 *
 * Every curl transfer has a timeout and every wait a deadline; waits poll a
 * condition, never sleep for a fixed time hoping something happened.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/json.h"
#include "http/internal.h"
#include "http/server.h"
#include "http-test-util.h"
#include "test.h"

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
	test_begin("JSON object bodies");
	test_assert(http(h, "POST", port, ID "/json", "{\"a\":1,\"b\":2}", 13, NULL, &rs) ==
		    CURLE_OK);
	test_assert(rs.status == 200 && json_integer_value(json_object_get(rs.json, "keys")) == 2);
	test_assert(http(h, "POST", port, ID "/json", "[1]", 3, NULL, &rs) == CURLE_OK);
	test_assert(rs.status == 400);
	test_assert_streq(errcode(&rs), "M_BAD_JSON");
	test_end();

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
	struct mxg_server *srv;
	int port = 0, cport = 0;

	http_test_init(logpath);
	srv = start(&port, &cport);
	test_begin("server listens on port 0 and reports the real port");
	test_assert(srv != NULL && port > 0 && cport > 0 && port != cport);
	test_end();
	if (srv != NULL) {
		test_replies(port, cport);
		test_hostile(port);
		test_access_log(logpath);
		mxg_server_shutdown(srv, 5000);
		mxg_server_destroy(&srv);
	}
	test_listen_errors();

	http_test_deinit(logpath);
	return test_done("test-http");
}
