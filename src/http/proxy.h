/*
 * proxy.h: the reverse proxy to the homeserver, a server-level fallback:
 * a request on a `client` listener that no route takes goes to the
 * homeserver as it came (raw path and query, headers but the hop-by-hop
 * ones, the body streamed) and its answer comes back streamed.  Memory per
 * exchange stays bounded (two PROXY_BUF buffers) whatever the body sizes:
 * a full buffer suspends the side that fills it.
 *
 * Each exchange runs libcurl on a thread of its own (a long-poll /sync
 * holds it for its whole timeout); a thread that is done waits a while for
 * the next exchange, and leaves its easy handle, with its keep-alive
 * connection to the homeserver, for whoever comes next.
 */
#ifndef MXG_HTTP_PROXY_H
#define MXG_HTTP_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "core/error.h"

struct mxg_req;
struct mxg_proxy;
struct mxg_proxy_settings;

/* Shared state (idle easy handles, count of exchanges); NULL when off. */
struct mxg_proxy_hub;

int mxg_proxy_hub_create(const struct mxg_proxy_settings *set, struct mxg_proxy_hub **hub_r,
			 struct mxg_error *err);
/* Shutdown: every exchange ends within about a second. */
void mxg_proxy_hub_stop(struct mxg_proxy_hub *hub);
void mxg_proxy_hub_destroy(struct mxg_proxy_hub **hub);

/* Should r (whose route lookup failed) go to the homeserver? */
bool mxg_proxy_takes(const struct mxg_proxy_hub *hub, const struct mxg_req *r);

/*
 * The access handler's calls for a proxied request, from its first to the
 * one that queues the answer: starts the exchange, feeds it the body,
 * queues the streamed response (or a 413/502/503/504 of our own).
 */
enum MHD_Result mxg_proxy_on_call(struct mxg_proxy_hub *hub, struct mxg_req *r,
				  const char *upload_data, size_t *upload_data_size);

/* NOTIFY_COMPLETED: the client is gone; the exchange stops at once. */
void mxg_proxy_on_completed(struct mxg_req *r);

#endif
