/*
 * http-test-util.h: helpers shared by the HTTP test programs (test-http.c,
 * test-http-lifecycle.c), implemented in http-test-util.c.  Test code only,
 * never linked into libmxgate; the short names are the ones the cases were
 * written with.  Nothing here asserts: the programs do.
 */
#ifndef MXG_HTTP_TEST_UTIL_H
#define MXG_HTTP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/app.h"
#include "http/server.h"

#define ID "/_matrix/identity/v2"

/* Set up the gate's condition variable (on CLOCK_MONOTONIC), open the
 * server log at logpath (a mkstemp() template, filled in) and libcurl.
 * Call once, first. */
void http_test_init(char *logpath);

/* Close the log, copy it (up to 64 KiB) to stderr for whoever reads the
 * test's output, remove it, clean up libcurl. */
void http_test_deinit(const char *logpath);

/* --- deadlines: waits poll, they never sleep hoping --- */

/* A CLOCK_MONOTONIC time ms from now. */
struct timespec deadline_ms(long ms);

/* True once the deadline d has passed. */
bool past(const struct timespec *d);

/* --- the gate: GET ID "/gate" (a blocking route) waits until opened --- */

/* Open or close the gate and forget how many handlers entered; a handler
 * waits at most max_ms, then passes anyway. */
void gate_reset(bool open, long max_ms);

/* Wait up to ms until n handlers have entered the gate; false on timeout
 * (ms 0: just check). */
bool gate_wait_entered(int n, long ms);

/* --- the test server --- */

/* Replies 200 {}; also usable in a test's own route tables. */
void h_empty(struct mxg_req *r);

/* ID, ID "/echo/{word}", "/len", "/json", "/gate", "/worker/{p}",
 * "/noreply", "/limited", "/raw", and "/_matrix/client/v3/only-client". */
extern const struct mxg_route test_routes[];

/* The app the servers get (db NULL: /health answers 503). */
extern struct mxg_app app;

/* A server with test_routes and the health routes, 2 threads, 2 workers, a
 * queue of 4, 1 KiB bodies, a 2 s connection timeout and the access log, on
 * 127.0.0.1 (identity, health, metrics) and, if client_port is not NULL, on
 * localhost (client).  The real ports go to *port and *client_port.
 * Returns NULL (said on stderr) on failure; the caller destroys it. */
struct mxg_server *start(int *port, int *client_port);

/* A raw TCP connection to 127.0.0.1:port, for what curl will not send;
 * -1 on failure. */
int raw_connect(int port);

/* True when GET ID answers 200 on port. */
bool server_alive(int port);

/* --- libcurl --- */

/* One response: the body is cut at 16 KiB and the headers at 8 KiB (both
 * NUL-terminated); json is the parsed body or NULL.  Zero it before first
 * use; json_decref(rs.json) when done. */
struct resp {
	long status;
	char body[16384];
	size_t len;
	char headers[8192];
	size_t hlen;
	json_t *json;
};

/* Value of a response header (copied into a static buffer), or NULL. */
const char *header(const struct resp *rs, const char *name);

/* Prepare h for method on http://127.0.0.1:port/path, collecting into rs
 * (reset; its previous json freed), with timeouts. */
void setup(CURL *h, struct resp *rs, const char *method, int port, const char *path);

/* After a transfer on h ended with rc: fill rs->status and rs->json;
 * returns rc. */
CURLcode finish(CURL *h, CURLcode rc, struct resp *rs);

/* One request on handle h (reused: keep-alive). body NULL = none. */
CURLcode http(CURL *h, const char *method, int port, const char *path,
	      const char *body, size_t body_len, struct curl_slist *hdrs, struct resp *rs);

/* The reply's "errcode", or NULL. */
const char *errcode(const struct resp *rs);

/* A string member of the reply's JSON object, or NULL. */
const char *member(const struct resp *rs, const char *key);

/* True when the reply carries the Matrix CORS headers. */
bool has_cors(const struct resp *rs);

#endif
