/*
 * internal.h: the structures shared by the files of src/http (server,
 * request, reply, health).  Nothing outside src/http includes it: handlers
 * see struct mxg_req only through http.h.
 */
#ifndef MXG_HTTP_INTERNAL_H
#define MXG_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>

#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"

struct mxg_workers;
struct mxg_proxy;
struct mxg_proxy_hub;

#define MXG_REQ_ID_LEN 12

struct mxg_listener {
	struct mxg_listener *next;
	struct mxg_server *srv;
	struct MHD_Daemon *daemon;
	unsigned int resource_mask;
	int port;
	bool quiesced;
};

struct mxg_server {
	struct mxg_server_settings set;
	struct mxg_app *app;
	struct mxg_router *router;
	struct mxg_error route_err;	/* first bad route table, reported by listen */
	struct mxg_workers *workers;
	struct mxg_proxy_hub *proxy;	/* NULL: no reverse proxy */
	struct mxg_listener *listeners;
	struct mxg_http_metrics metrics;
	atomic_bool draining;		/* shutdown began: answer Connection: close */
	pthread_mutex_t drain_lock;	/* with drain_cond: in_flight reached 0 */
	pthread_cond_t drain_cond;
	uint64_t id_seed;
	atomic_uint_fast64_t id_counter;
	bool shut_down;
};

struct mxg_reply_header {
	struct mxg_reply_header *next;
	const char *name, *value;
};

struct mxg_req {
	struct mxg_server *srv;
	struct mxg_listener *lst;
	struct MHD_Connection *conn;
	struct mxg_arena *arena;
	char id[MXG_REQ_ID_LEN + 1];
	struct timespec start;		/* CLOCK_MONOTONIC */
	enum mxg_method method;		/* 0 for a method we do not know */
	const char *method_name;	/* as received (MHD's copy) */
	const char *raw_uri;		/* as the client sent it, query included */
	const char *path;		/* decoded by MHD, no query string; NULL
					 * until the access handler's first call */
	const char *client_ip;		/* computed on first use */
	bool cors;			/* path under /_matrix/ */

	/* Body: stored up to max_body_size, then only counted. */
	char *body;
	size_t body_len, body_cap;
	bool body_too_large;

	struct mxg_router_match match;
	json_t *json;			/* mxg_req_json_or_reply's object */

	/* Reply, set once by a handler. */
	bool has_reply;
	unsigned int status;
	const char *content_type;
	char *reply_body;		/* json_dumps() text, or arena (raw) */
	size_t reply_len;
	bool reply_malloced;		/* json_dumps() text we still own */
	struct mxg_reply_header *headers;
	bool queued;			/* handed to MHD */

	/*
	 * Blocking routes.  refs: one for MHD (dropped at completion), one for
	 * the worker job.  lock guards closed and in_worker so that a worker
	 * resumes the connection only while MHD still has it.
	 */
	atomic_int refs;
	pthread_mutex_t lock;
	bool closed;			/* NOTIFY_COMPLETED ran: conn is gone */
	bool in_worker;			/* handed to the pool, reply not ready */
	bool suspended;

	/* Proxied to the homeserver (proxy.c): decided on the first call. */
	bool proxied;
	struct mxg_proxy *proxy;
};

/* request.c */
/* At the request line (MHD's URI log callback): raw_uri copied. */
struct mxg_req *mxg_http_req_create(struct mxg_listener *lst, struct MHD_Connection *conn,
				    const char *raw_uri);
/* At the access handler's first call: MHD's decoded path and method. */
void mxg_http_req_start(struct mxg_req *r, const char *url, const char *method);
void mxg_http_req_unref(struct mxg_req **r);
/* Store body bytes up to max_body_size; beyond, set body_too_large. */
void mxg_http_req_append_body(struct mxg_req *r, const char *data, size_t len);
/* Pre-size the body buffer from a Content-Length within the limit. */
void mxg_http_req_reserve_body(struct mxg_req *r, size_t len);
/* Run the route's handler on the calling thread with the log context set;
 * a handler that set no reply gets 500. */
void mxg_http_req_run(struct mxg_req *r);
/* Milliseconds since the request started. */
double mxg_http_req_elapsed_ms(const struct mxg_req *r);

/* reply.c */
/* Queue the stored reply on the connection (event thread only). */
enum MHD_Result mxg_http_reply_queue(struct mxg_req *r);
/* The 200 {} answer to a CORS preflight. */
void mxg_http_reply_preflight(struct mxg_req *r);
/* Free a reply body MHD did not take. */
void mxg_http_reply_release(struct mxg_req *r);

#endif
