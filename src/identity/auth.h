/*
 * auth.h: who is calling an authenticated Identity Service endpoint.
 *
 * An identity-server token comes from POST /account/register (an OpenID
 * token checked at the caller's homeserver).  It is sent as
 * "Authorization: Bearer <token>" (or, for old clients and Synapse's
 * hash_details, the access_token query argument) and is stored hashed.
 * While the account has not accepted the current terms, every authenticated
 * endpoint but POST /terms and POST /account/logout answers 403
 * M_TERMS_NOT_SIGNED.
 *
 * Handlers that authenticate touch the database: their routes are
 * MXG_ROUTE_BLOCKING.
 */
#ifndef MXG_IDENTITY_AUTH_H
#define MXG_IDENTITY_AUTH_H

#include "http/http.h"

struct mxg_is_account {
	const char *user_id;		/* "@alice:example.org", request arena */
	const char *token_hash;		/* the stored hash of the token used */
	bool terms_accepted;		/* the current terms version, or no terms */
};

enum mxg_is_auth_flags {
	MXG_IS_AUTH_NO_TERMS = 1u << 0,	/* do not gate on terms (POST /terms, logout) */
};

/*
 * Authenticate the request.  Returns 0 with *acct_r filled, or -1 after
 * replying 401 M_UNAUTHORIZED (no or unknown or expired token), 403
 * M_TERMS_NOT_SIGNED, or 503 M_UNKNOWN (database down).
 */
int mxg_identity_auth_or_reply(struct mxg_req *r, unsigned int flags,
			       struct mxg_is_account *acct_r);

/* The token the request carries (Bearer header, else the access_token
 * query argument), or NULL.  Owned by the request. */
const char *mxg_identity_auth_token(struct mxg_req *r);

#endif
