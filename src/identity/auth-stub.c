/*
 * auth-stub.c: TEMPORARY placeholder for mxg_identity_auth_or_reply() until
 * the accounts work lands: every request is authenticated as
 * @test:<server_name> with the terms accepted.  Removed at merge.
 */
#include "config.h"

#include "core/app.h"
#include "core/arena.h"
#include "core/mxconfig.h"
#include "identity/auth.h"

int mxg_identity_auth_or_reply(struct mxg_req *r, unsigned int flags,
			       struct mxg_is_account *acct_r)
{
	(void)flags;
	acct_r->user_id = mxg_arena_printf(mxg_req_arena(r), "@test:%s",
					   mxg_req_app(r)->config->server_name);
	acct_r->token_hash = "";
	acct_r->terms_accepted = true;
	return 0;
}
