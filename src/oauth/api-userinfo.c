/*
 * api-userinfo.c: GET and POST /oauth2/userinfo (OpenID Connect Core
 * 5.3): the claims of the access token's user, from the stores: sub
 * always, preferred_username and name with `profile`, email with `email`
 * (the stores' addresses are the organisation's, so verified).
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "oauth/idtoken.h"
#include "oauth/oauth.h"
#include "oauth/scope.h"
#include "oauth/sessions.h"
#include "stores/chain.h"

static void refuse(struct mxg_req *r, const char *error, const char *why)
{
	mxg_reply_header(r, "WWW-Authenticate", mxg_arena_printf(mxg_req_arena(r),
			 "Bearer error=\"%s\", error_description=\"%s\"", error, why));
	mxg_oauth_reply_json(r, 401, json_pack("{s:s, s:s}", "error", error, "error_description",
					       why));
}

void mxg_oauth_api_userinfo(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const char *token = mxg_req_bearer(r);
	struct mxg_oauth_token_info info;
	struct mxg_person person;
	struct mxg_error err;
	char sub[256];
	json_t *claims;
	int found;

	if (token == NULL) {
		refuse(r, "invalid_request", "An access token is needed (Authorization: Bearer)");
		return;
	}
	mxg_error_clear(&err);
	found = mxg_oauth_token_lookup(app->oauth, token, mxg_oauth_now_ms(), true,
				       mxg_req_arena(r), &info, &err);
	if (found < 0) {
		mxg_error("oauth: userinfo: %s", err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "The database is "
				      "unavailable");
		return;
	}
	if (found == 0 || !info.active || info.refresh || info.user_id == NULL) {
		refuse(r, "invalid_token", "The access token is not valid");
		return;
	}
	if (!mxg_oauth_scope_has(info.scope, "openid")) {
		mxg_reply_header(r, "WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
		mxg_oauth_reply_json(r, 403, json_pack("{s:s, s:s}", "error", "insufficient_scope",
						       "error_description", "openid was not granted"));
		return;
	}
	mxg_oauth_subject(info.user_id, sub, sizeof(sub));
	claims = json_pack("{s:s}", "sub", sub);
	memset(&person, 0, sizeof(person));
	if (mxg_store_chain_profile(app->oauth->stores, info.user_id, mxg_req_arena(r), &person, NULL,
				    &err) != MXG_STORE_OK)
		memset(&person, 0, sizeof(person));	/* sub alone, as the spec allows */
	if (mxg_oauth_scope_has(info.scope, "profile")) {
		json_object_set_new(claims, "preferred_username", json_string(sub));
		if (person.display_name != NULL)
			json_object_set_new(claims, "name", json_string(person.display_name));
	}
	if (mxg_oauth_scope_has(info.scope, "email")) {
		for (size_t i = 0; i < person.threepid_count; i++) {
			if (strcmp(person.threepids[i].medium, "email") == 0) {
				json_object_set_new(claims, "email",
						    json_string(person.threepids[i].address));
				json_object_set_new(claims, "email_verified", json_true());
				break;
			}
		}
	}
	mxg_oauth_reply_json(r, 200, claims);
}
