/*
 * xmatrix.h: requests a homeserver signs for the identity server
 * ("Authorization: X-Matrix origin=..,key=..,sig=..,destination=.."), as
 * Synapse sends POST /3pid/unbind.
 *
 * The signed object is {method, uri, origin, destination_is, content,
 * signatures: {origin: {key: sig}}} with destination_is our server_name
 * (sydent's form); it is checked with the origin's key (hs-keys.h).
 */
#ifndef MXG_IDENTITY_XMATRIX_H
#define MXG_IDENTITY_XMATRIX_H

#include <stdbool.h>

#include <jansson.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_config;

struct mxg_xmatrix {
	const char *origin;		/* lower-cased server name */
	const char *key;		/* "ed25519:..." */
	const char *sig;		/* base64 signature */
	const char *destination;	/* NULL when absent */
};

/* True when header is an X-Matrix authorization (case-insensitive scheme). */
bool mxg_xmatrix_is(const char *header);

/*
 * Parse an X-Matrix header: comma-separated name=value pairs, values bare or
 * in double quotes (backslash escapes), unknown names ignored.  Returns 0
 * with *x filled (arena strings), or -1 when origin, key or sig is missing,
 * origin is not a server name or the syntax is broken.
 */
int mxg_xmatrix_parse(struct mxg_arena *arena, const char *header, struct mxg_xmatrix *x);

/*
 * Check the signature of the request (method, uri: the path as sent;
 * content: the JSON body, may be NULL) made by x->origin for us
 * (cfg->server_name).  Returns 0 when valid, or -1 with err: a destination
 * other than us, an unknown key, an unfetchable key or a wrong signature.
 */
int mxg_xmatrix_verify(const struct mxg_config *cfg, const struct mxg_xmatrix *x,
		       const char *method, const char *uri, const json_t *content,
		       struct mxg_error *err);

#endif
