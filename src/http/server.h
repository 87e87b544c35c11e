/*
 * server.h: the HTTP server as `mxgate serve` drives it.
 *
 * One struct mxg_server holds the route tables, the worker pool for blocking
 * handlers, and one libmicrohttpd daemon per listener (epoll, internal
 * thread pool).  Each listener serves only the routes of its resources.
 */
#ifndef MXG_SERVER_H
#define MXG_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "http/http.h"

struct mxg_app;
struct mxg_server;

/* The reverse proxy to the homeserver (proxy.h); base_url NULL: off. */
struct mxg_proxy_settings {
	const char *base_url;		/* no trailing '/' */
	long long connect_timeout_ms;
	long long timeout_ms;		/* a whole exchange */
	const char *ca_file;
	bool tls_verify;
	unsigned long long max_body;	/* request bodies: 413 above */
	unsigned int max_exchanges;	/* at once: 503 above */
};

struct mxg_server_settings {
	unsigned int threads;		/* event threads per listener; 0 = cores */
	unsigned int workers;		/* worker threads for blocking routes */
	unsigned int worker_queue;	/* queued blocking requests before 503 */
	size_t max_body_size;		/* 413 M_TOO_LARGE above */
	unsigned int connection_timeout_s;	/* idle connection timeout */
	bool access_log;		/* one info line per request */
	struct mxg_proxy_settings proxy;
};

/* Returns 0 with *srv_r, or -1 + err.  app is passed to handlers. */
int mxg_server_create(const struct mxg_server_settings *settings, struct mxg_app *app,
		      struct mxg_server **srv_r, struct mxg_error *err);

/* Register a route table ending in a {0} entry (not copied: static tables).
 * Only before the first listener opens. */
void mxg_server_add_routes(struct mxg_server *srv, const struct mxg_route *routes);

/* Open a listener ("127.0.0.1", "::1", "0.0.0.0") serving the resources in
 * mask.  port 0 picks a free port; *port_r (may be NULL) gets the real one. */
int mxg_server_listen(struct mxg_server *srv, const char *host, int port,
		      unsigned int resource_mask, int *port_r, struct mxg_error *err);

/*
 * Graceful stop: stop accepting, let in-flight requests finish for at most
 * timeout_ms, then close everything.  Returns the number of requests still
 * in flight that were cut off (0 on a clean drain).
 */
unsigned int mxg_server_shutdown(struct mxg_server *srv, long long timeout_ms);

/* Free after shutdown; *srv = NULL. */
void mxg_server_destroy(struct mxg_server **srv);

/* Routes served by the http module itself: GET /health, GET /metrics. */
extern const struct mxg_route mxg_health_routes[];

#endif
