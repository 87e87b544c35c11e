/*
 * test-http-client.c: the outbound HTTP client without the network: URL
 * building and redaction, and against a tiny server on 127.0.0.1 in a
 * thread: a JSON answer, a bad status, the response cap, a timeout and a
 * refused connection.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/arena.h"
#include "http/client.h"
#include "test.h"

/* --- URLs ------------------------------------------------------------------------ */

static void test_url(void)
{
	static const struct {
		const char *base, *path;
		const char *query[5];
		const char *want;
	} cases[] = {
		{ "https://hs.example", "/_matrix/x", { NULL }, "https://hs.example/_matrix/x" },
		{ "https://hs.example/", "/_matrix/x", { NULL }, "https://hs.example/_matrix/x" },
		{ "http://h:8008//", "a", { NULL }, "http://h:8008/a" },
		{ "https://h", "/u", { "access_token", "a b&c=d/é", NULL },
		  "https://h/u?access_token=a%20b%26c%3Dd%2F%C3%A9" },
		{ "https://h", "/u", { "a", "1", "b", "-._~", NULL }, "https://h/u?a=1&b=-._~" },
		{ "https://h", "/u?x=1", { "a", "2", NULL }, "https://h/u?x=1&a=2" },
	};
	struct mxg_arena *a = mxg_arena_create(1024);

	test_begin("url building");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mxg_http_client_url(a, cases[i].base, cases[i].path,
						      cases[i].query[0] != NULL ? cases[i].query :
						      NULL);
		test_assert_idx(strcmp(got, cases[i].want) == 0, i);
	}
	test_end();
	mxg_arena_destroy(&a);
}

static void test_redact(void)
{
	char buf[64];

	test_begin("redact drops query and fragment");
	mxg_http_client_redact("https://h/u?access_token=secret", buf, sizeof(buf));
	test_assert(strcmp(buf, "https://h/u") == 0);
	mxg_http_client_redact("https://h/u#frag", buf, sizeof(buf));
	test_assert(strcmp(buf, "https://h/u") == 0);
	mxg_http_client_redact("https://h/u", buf, 5);
	test_assert(strcmp(buf, "http") == 0);
	test_end();
}

/* --- a local server ---------------------------------------------------------------- */

enum behaviour { ANSWER, SILENT };

struct server {
	int fd, port;
	enum behaviour how;
	const char *reply;	/* whole HTTP response */
	size_t body_repeat;	/* > 0: a body of that many 'x' after reply */
	pthread_t thread;
};

static void *serve_one(void *arg)
{
	struct server *s = arg;
	char buf[4096];
	int c = accept(s->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	(void)!read(c, buf, sizeof(buf));	/* the request; small enough */
	if (s->how == ANSWER) {
		/* send(MSG_NOSIGNAL): the client may hang up first (the cap). */
		(void)!send(c, s->reply, strlen(s->reply), MSG_NOSIGNAL);
		memset(buf, 'x', sizeof(buf));
		for (size_t left = s->body_repeat; left > 0;) {
			size_t n = left < sizeof(buf) ? left : sizeof(buf);
			ssize_t w = send(c, buf, n, MSG_NOSIGNAL);

			if (w <= 0)
				break;
			left -= (size_t)w;
		}
	} else {
		/* Hold the connection until the client gives up. */
		while (read(c, buf, sizeof(buf)) > 0)
			;
	}
	close(c);
	return NULL;
}

static int server_start(struct server *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(s->fd, 4) < 0 || getsockname(s->fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	s->port = ntohs(sin.sin_port);
	return pthread_create(&s->thread, NULL, serve_one, s) == 0 ? 0 : -1;
}

static void server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static char *url_of(struct server *s, char *buf, size_t size)
{
	snprintf(buf, size, "http://127.0.0.1:%d/path?access_token=SECRET", s->port);
	return buf;
}

static void test_json_ok(void)
{
	struct server s = { .how = ANSWER,
			    .reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				     "Content-Length: 16\r\nConnection: close\r\n\r\n"
				     "{\"sub\":\"@a:b\"}  " };
	struct mxg_http_client_req req = { .timeout_ms = 5000 };
	struct mxg_error err;
	json_t *json;
	long status;
	char url[128];

	test_begin("json answer");
	test_assert(server_start(&s) == 0);
	req.url = url_of(&s, url, sizeof(url));
	mxg_error_clear(&err);
	test_assert(mxg_http_client_json(&req, &status, &json, &err) == 0);
	test_assert(status == 200);
	test_assert(strcmp(json_string_value(json_object_get(json, "sub")), "@a:b") == 0);
	json_decref(json);
	server_stop(&s);
	test_end();
}

static void test_bad_status(void)
{
	struct server s = { .how = ANSWER,
			    .reply = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 29\r\n"
				     "Connection: close\r\n\r\n{\"errcode\":\"M_UNKNOWN_TOKEN\"}" };
	struct mxg_http_client_req req = { .timeout_ms = 5000 };
	struct mxg_error err;
	json_t *json;
	long status;
	char url[128];

	test_begin("bad status keeps the body, hides the token");
	test_assert(server_start(&s) == 0);
	req.url = url_of(&s, url, sizeof(url));
	mxg_error_clear(&err);
	test_assert(mxg_http_client_json(&req, &status, &json, &err) == -1);
	test_assert(err.code == MXG_HTTPC_ERR_STATUS && status == 401);
	test_assert(json != NULL && json_object_get(json, "errcode") != NULL);
	test_assert(strstr(err.msg, "SECRET") == NULL);
	json_decref(json);
	server_stop(&s);
	test_end();
}

static void test_www_authenticate(void)
{
	struct server s = { .how = ANSWER,
			    .reply = "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer\r\n"
				     "Content-Length: 2\r\nConnection: close\r\n\r\n{}" };
	struct server s2 = { .how = ANSWER,
			     .reply = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n"
				      "Connection: close\r\n\r\n{}" };
	struct mxg_http_client_req req = { .timeout_ms = 5000, .insecure = false };
	struct mxg_http_client_resp resp;
	struct mxg_error err;
	char url[128];

	test_begin("WWW-Authenticate is reported, its absence too");
	test_assert(server_start(&s) == 0);
	req.url = url_of(&s, url, sizeof(url));
	mxg_error_clear(&err);
	test_assert(mxg_http_client_request(&req, &resp, &err) == 0);
	test_assert(resp.status == 401 && resp.www_authenticate);
	mxg_http_client_resp_free(&resp);
	server_stop(&s);
	test_assert(server_start(&s2) == 0);
	req.url = url_of(&s2, url, sizeof(url));
	test_assert(mxg_http_client_request(&req, &resp, &err) == 0);
	test_assert(resp.status == 401 && !resp.www_authenticate);
	mxg_http_client_resp_free(&resp);
	server_stop(&s2);
	test_end();
}

static void test_too_large(void)
{
	/* No Content-Length: the cap must hold while streaming too. */
	struct server s = { .how = ANSWER, .body_repeat = 64 * 1024,
			    .reply = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" };
	struct server s2 = { .how = ANSWER, .body_repeat = 10000,
			     .reply = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" };
	struct mxg_http_client_req req = { .timeout_ms = 5000, .max_response = 5 * 1024 };
	struct mxg_http_client_resp resp;
	struct mxg_error err;
	char url[128];

	test_begin("response cap");
	test_assert(server_start(&s) == 0);
	req.url = url_of(&s, url, sizeof(url));
	mxg_error_clear(&err);
	test_assert(mxg_http_client_request(&req, &resp, &err) == -1);
	test_assert(err.code == MXG_HTTPC_ERR_TOO_LARGE);
	test_assert(strstr(err.msg, "SECRET") == NULL);
	server_stop(&s);
	test_assert(server_start(&s2) == 0);
	req.url = url_of(&s2, url, sizeof(url));
	test_assert(mxg_http_client_request(&req, &resp, &err) == -1);
	test_assert(err.code == MXG_HTTPC_ERR_TOO_LARGE);
	server_stop(&s2);
	test_end();
}

static void test_timeout(void)
{
	struct server s = { .how = SILENT };
	struct mxg_http_client_req req = { .timeout_ms = 300 };
	struct mxg_http_client_resp resp;
	struct mxg_error err;
	char url[128];

	test_begin("timeout");
	test_assert(server_start(&s) == 0);
	req.url = url_of(&s, url, sizeof(url));
	mxg_error_clear(&err);
	test_assert(mxg_http_client_request(&req, &resp, &err) == -1);
	test_assert(err.code == MXG_HTTPC_ERR_TIMEOUT);
	test_assert(strstr(err.msg, "SECRET") == NULL);
	server_stop(&s);
	test_end();
}

static void test_refused(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct mxg_http_client_req req = { .timeout_ms = 2000 };
	struct mxg_http_client_resp resp;
	struct mxg_error err;
	char url[128];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	test_begin("refused, and only http(s)");
	/* A port that was free a moment ago and has no listener. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	test_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	test_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sin.sin_port));
	req.url = url;
	mxg_error_clear(&err);
	test_assert(mxg_http_client_request(&req, &resp, &err) == -1);
	test_assert(err.code == MXG_HTTPC_ERR_REFUSED);
	req.url = "file:///etc/passwd";
	test_assert(mxg_http_client_request(&req, &resp, &err) == -1);
	test_assert(err.code == MXG_HTTPC_ERR_INTERNAL);
	test_end();
}

int main(void)
{
	test_url();
	test_redact();
	test_json_ok();
	test_bad_status();
	test_www_authenticate();
	test_too_large();
	test_timeout();
	test_refused();
	return test_done("test-http-client");
}
