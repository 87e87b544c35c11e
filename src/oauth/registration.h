/*
 * registration.h: dynamic client registration (RFC 7591) with the Matrix
 * rules of MSC2966: client_uri is required and https; every other URI is
 * on its host or a subdomain; web redirect URIs are https there too;
 * native apps use a loopback http URI (any port) or a private-use scheme
 * that is the client_uri host reversed.  Public clients with the same
 * metadata get the same client_id back (clients register on every login).
 */
#ifndef MXG_OAUTH_REGISTRATION_H
#define MXG_OAUTH_REGISTRATION_H

#include <jansson.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_oauth;

struct mxg_registration_refusal {
	const char *error;		/* invalid_redirect_uri, invalid_client_metadata */
	const char *description;
};

/*
 * Check metadata (a JSON object) and register the client.  Returns the
 * answer (201's body: client_id, its secret when one was issued, and the
 * metadata as registered) or NULL with *refusal (a 400), or NULL with
 * refusal->error NULL and err on a database failure.
 */
json_t *mxg_oauth_register(struct mxg_oauth *p, const json_t *metadata, struct mxg_arena *arena,
			   struct mxg_registration_refusal *refusal, struct mxg_error *err);

#endif
