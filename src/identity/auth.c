/*
 * auth.c: the identity-server token check every authenticated endpoint
 * starts with, and the terms gate behind it.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "identity/accounts.h"
#include "identity/auth.h"
#include "identity/identity.h"

const char *mxg_identity_auth_token(struct mxg_req *r)
{
	const char *h = mxg_req_bearer(r);

	if (h != NULL)
		return h;
	/* Spec v1.20 dropped it; Synapse still sends it on hash_details. */
	h = mxg_req_query(r, "access_token");
	return h != NULL && *h != '\0' ? h : NULL;
}

int mxg_identity_auth_or_reply(struct mxg_req *r, unsigned int flags,
			       struct mxg_is_account *acct_r)
{
	struct mxg_app *app = mxg_req_app(r);
	const char *token = mxg_identity_auth_token(r);
	struct mxg_is_token_info info;
	struct mxg_error err;
	int found;

	memset(acct_r, 0, sizeof(*acct_r));
	if (token == NULL) {
		mxg_reply_error(r, 401, "M_UNAUTHORIZED", "An identity server token is required");
		return -1;
	}
	mxg_error_clear(&err);
	found = mxg_is_token_lookup(app->db, mxg_req_arena(r), token, &info, &err);
	if (found < 0) {
		mxg_identity_db_error_reply(r, "auth", &err);
		return -1;
	}
	if (found == 0) {
		mxg_reply_error(r, 401, "M_UNAUTHORIZED", "Unknown or expired token");
		return -1;
	}
	acct_r->user_id = info.user_id;
	acct_r->token_hash = mxg_arena_strdup(mxg_req_arena(r), info.hash);
	acct_r->terms_accepted = strcmp(info.terms_version,
					app->config->identity.terms_version) == 0;
	if (!acct_r->terms_accepted && !(flags & MXG_IS_AUTH_NO_TERMS)) {
		mxg_reply_error(r, 403, "M_TERMS_NOT_SIGNED", "Terms not signed");
		return -1;
	}
	return 0;
}
