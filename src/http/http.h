/*
 * http.h: what a request handler sees of the HTTP server.
 *
 * Handlers are plain functions of one request.  A route flagged
 * MXG_ROUTE_BLOCKING (it talks to the database, a store or a peer) runs on a
 * worker thread while its connection is suspended; any other route runs on
 * the event thread and must only touch memory.  Either way a handler sets
 * exactly one reply with mxg_reply_*() before returning; the server queues it.
 *
 * Everything a handler gets from a request (headers, body, path parameters)
 * lives until the request completes; its arena has the same lifetime.
 */
#ifndef MXG_HTTP_H
#define MXG_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct mxg_arena;
struct mxg_app;
struct mxg_req;

enum mxg_method {
	MXG_GET = 1u << 0,
	MXG_HEAD = 1u << 1,
	MXG_POST = 1u << 2,
	MXG_PUT = 1u << 3,
	MXG_DELETE = 1u << 4,
	MXG_PATCH = 1u << 5,
	MXG_OPTIONS = 1u << 6,
};

/* What a listener serves; a route belongs to exactly one. */
enum mxg_resource {
	MXG_RES_IDENTITY = 1u << 0,
	MXG_RES_CLIENT = 1u << 1,
	MXG_RES_OAUTH = 1u << 2,
	MXG_RES_INTERNAL = 1u << 3,
	MXG_RES_ADMIN = 1u << 4,
	MXG_RES_HEALTH = 1u << 5,
	MXG_RES_METRICS = 1u << 6,
};

#define MXG_ROUTE_BLOCKING	(1u << 0)	/* run on a worker thread */

typedef void mxg_handler_fn(struct mxg_req *r);

struct mxg_route {
	unsigned int methods;		/* MXG_GET | MXG_POST ... */
	const char *pattern;		/* "/_matrix/identity/v2/pubkey/{keyId}" */
	enum mxg_resource resource;
	mxg_handler_fn *handler;
	unsigned int flags;		/* MXG_ROUTE_* */
};

/* Resource name <-> bit ("identity", "client", ...).  0 if unknown. */
unsigned int mxg_resource_parse(const char *name);
const char *mxg_resource_name(enum mxg_resource res);

/* --- request --- */
enum mxg_method mxg_req_method(const struct mxg_req *r);
const char *mxg_req_path(const struct mxg_req *r);	/* decoded, no query string */
const char *mxg_req_id(const struct mxg_req *r);	/* unique, for logs */
const char *mxg_req_client_ip(const struct mxg_req *r);
struct mxg_arena *mxg_req_arena(struct mxg_req *r);
struct mxg_app *mxg_req_app(const struct mxg_req *r);

/* Path parameter by name ("keyId"), query argument, header (case-insensitive);
 * NULL when absent. */
const char *mxg_req_param(const struct mxg_req *r, const char *name);
const char *mxg_req_query(const struct mxg_req *r, const char *name);
const char *mxg_req_header(const struct mxg_req *r, const char *name);

/* A cookie's value by name, or NULL. */
const char *mxg_req_cookie(const struct mxg_req *r, const char *name);

/* The token of an "Authorization: Bearer <token>" header, or NULL. */
const char *mxg_req_bearer(const struct mxg_req *r);

/* Raw body (NUL-terminated for convenience; may contain NULs). */
const char *mxg_req_body(const struct mxg_req *r, size_t *len_r);

/* Parse the body as a JSON object.  On failure replies 400 M_NOT_JSON (not
 * JSON at all) or M_BAD_JSON (JSON but not an object) and returns NULL.
 * The object is owned by the request (released when it completes). */
json_t *mxg_req_json_or_reply(struct mxg_req *r);

/* --- reply: exactly one per request --- */

/* body is stolen (decref'ed by the server). */
void mxg_reply_json(struct mxg_req *r, unsigned int status, json_t *body);

/* {"errcode": errcode, "error": <formatted>}. */
void mxg_reply_error(struct mxg_req *r, unsigned int status, const char *errcode,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* As mxg_reply_error with extra members merged into the object (stolen). */
void mxg_reply_error_extra(struct mxg_req *r, unsigned int status, const char *errcode,
			   json_t *extra, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Copies body. */
void mxg_reply_raw(struct mxg_req *r, unsigned int status, const char *content_type,
		   const char *body, size_t len);

/* Extra response header (copied); call before or after the reply is set. */
void mxg_reply_header(struct mxg_req *r, const char *name, const char *value);

bool mxg_req_has_reply(const struct mxg_req *r);

#endif
