/*
 * api-lookup-auth.c: GET hash_details and POST lookup when
 * lookup.require_auth is on: the token check (on a worker thread, it reads
 * the database), then the same inline answer as without it.
 */
#include "config.h"

#include "identity/auth.h"
#include "identity/identity.h"

void mxg_identity_hash_details_authed(struct mxg_req *r)
{
	struct mxg_is_account acct;

	if (mxg_identity_auth_or_reply(r, 0, &acct) == 0)
		mxg_identity_hash_details(r);
}

void mxg_identity_lookup_authed(struct mxg_req *r)
{
	struct mxg_is_account acct;

	if (mxg_identity_auth_or_reply(r, 0, &acct) == 0)
		mxg_identity_lookup(r);
}
