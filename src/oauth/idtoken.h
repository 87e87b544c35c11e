/*
 * idtoken.h: OpenID Connect ID tokens (Core 2, 3.1.3.6): signed RS256
 * with the provider's current RSA key, its kid in the header.
 */
#ifndef MXG_OAUTH_IDTOKEN_H
#define MXG_OAUTH_IDTOKEN_H

#include "core/error.h"

struct mxg_oauth;

/* The subject of a user: the localpart of user_id, in arena-free storage
 * of out (size bytes). */
void mxg_oauth_subject(const char *user_id, char *out, size_t size);

/*
 * An ID token for user_id to client_id: iss, sub, aud, exp, iat,
 * auth_time, nonce (when not NULL) and at_hash of access_token.  Returns a
 * malloc'd string, or NULL with err.
 */
char *mxg_oauth_id_token(struct mxg_oauth *p, const char *client_id, const char *user_id,
			 const char *nonce, long long auth_time_ms, const char *access_token,
			 long long now_ms, struct mxg_error *err);

#endif
