/*
 * api-revoke.c: POST /oauth2/revoke (RFC 7009, as the Matrix OAuth API
 * reads it): revoking a token ends its whole session, and the answer is
 * 200 whether or not the token was known.
 *
 * A client that presents credentials must present the right ones (401
 * otherwise); with none at all, holding the token is proof enough to end
 * it, as the Matrix spec asks: revocation only ever takes access away.
 */
#include "config.h"

#include "core/app.h"
#include "core/log.h"
#include "oauth/api.h"
#include "oauth/oauth.h"
#include "oauth/provision.h"
#include "oauth/sessions.h"

void mxg_oauth_api_revoke(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_client client;
	struct mxg_oauth_token_info info;
	struct mxg_form form;
	struct mxg_error err;
	const char *token;
	long long now = mxg_oauth_now_ms();
	int found;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	if ((mxg_form_param(&form, "client_id") != NULL ||
	     mxg_form_param(&form, "client_assertion") != NULL ||
	     mxg_req_header(r, "Authorization") != NULL) &&
	    mxg_oauth_authenticate_or_reply(r, &form, &client) < 0)
		return;
	token = mxg_form_param(&form, "token");
	if (token == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "token is missing");
		return;
	}
	mxg_error_clear(&err);
	found = mxg_oauth_token_lookup(p, token, now, false, mxg_req_arena(r), &info, &err);
	if (found > 0) {
		json_t *gone = json_array();

		if (mxg_oauth_session_end(p, info.session_id, now, gone, &err) == 0)
			mxg_info("oauth: session %s of client %s ended by revocation",
				 info.session_id, info.client_id);
		mxg_oauth_devices_gone(p, gone, mxg_req_arena(r));
	}
	if (found < 0 || err.msg[0] != '\0') {
		mxg_error("oauth: revocation: %s", err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "The database is "
				      "unavailable");
		return;
	}
	mxg_oauth_reply_json(r, 200, json_object());
}
