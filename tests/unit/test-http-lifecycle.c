/*
 * test-http-lifecycle.c: the HTTP server under load and while it stops,
 * over loopback with libcurl: the busy limit (503 with the workers and
 * their queue full), /metrics and /health, a client gone while its request
 * is suspended, and graceful shutdown (drain, cut-off, idle keep-alive).
 * One request at a time is in test-http.c; the test server and the curl
 * helpers in http-test-util.c.
 *
 * Every curl transfer has a timeout and every wait a deadline; waits poll a
 * condition, never sleep for a fixed time hoping something happened.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "http/internal.h"
#include "http/server.h"
#include "http-test-util.h"
#include "test.h"

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

int main(void)
{
	char logpath[] = "/tmp/test-http-lifecycle-log-XXXXXX";
	struct mxg_server *srv;
	int port = 0;

	http_test_init(logpath);
	srv = start(&port, NULL);
	test_begin("server listens on port 0 and reports the real port");
	test_assert(srv != NULL && port > 0);
	test_end();
	if (srv != NULL) {
		/* test_metrics_health counts the 503s of test_busy: keep them in order. */
		test_busy(port);
		test_metrics_health(port);
		test_disconnect_suspended(srv, port);
		test_drain();
		test_cutoff();
		test_shutdown_idle(&srv, port);
	}

	http_test_deinit(logpath);
	return test_done("test-http-lifecycle");
}
