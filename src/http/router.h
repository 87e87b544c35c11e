/*
 * router.h: path pattern matching for the HTTP server (internal to src/http).
 *
 * Route tables are compiled once, before the listeners open, into arrays of
 * segments; a match splits the request path on the stack and compares
 * segment counts, then lengths, then bytes, so it allocates nothing but the
 * captured parameters (from the request arena).
 */
#ifndef MXG_HTTP_ROUTER_H
#define MXG_HTTP_ROUTER_H

#include <stddef.h>

#include "core/error.h"
#include "http/http.h"

struct mxg_arena;
struct mxg_router;

/* Longest path (in segments) and most {params} a pattern or a path may have. */
#define MXG_ROUTER_MAX_SEGMENTS 32
#define MXG_ROUTER_MAX_PARAMS 8

enum mxg_router_result {
	MXG_ROUTER_FOUND,
	MXG_ROUTER_NOT_FOUND,		/* 404: no route of this listener has the path */
	MXG_ROUTER_BAD_METHOD,		/* 405: path known, method not in any route */
};

struct mxg_router_param {
	const char *name;		/* owned by the router */
	const char *value;		/* decoded segment, in the request arena */
};

struct mxg_router_match {
	const struct mxg_route *route;	/* FOUND */
	unsigned int allowed;		/* BAD_METHOD: union of the path's methods */
	size_t nparams;
	struct mxg_router_param *params;	/* in the arena; NULL when none */
};

struct mxg_router *mxg_router_create(void);
void mxg_router_destroy(struct mxg_router **router);

/* Compile a table ending in a {0} entry (kept by reference).  Returns 0, or
 * -1 + err naming the first bad pattern; nothing is added then. */
int mxg_router_add(struct mxg_router *router, const struct mxg_route *routes,
		   struct mxg_error *err);

/*
 * Match path (decoded, no query string) for method among the routes whose
 * resource is in resource_mask.  HEAD matches routes that allow GET; one
 * trailing slash is ignored.  Parameters are copied into arena (which may be
 * NULL when the caller only wants the result).
 */
enum mxg_router_result mxg_router_match(const struct mxg_router *router,
					unsigned int resource_mask, enum mxg_method method,
					const char *path, struct mxg_arena *arena,
					struct mxg_router_match *match_r);

/* "GET, HEAD, POST" for an Allow header, into buf (always NUL-terminated). */
void mxg_router_format_allow(unsigned int methods, char *buf, size_t size);

#endif
