/*
 * api-introspect.c: POST /oauth2/introspect (RFC 7662), as a homeserver
 * delegating its authentication (Synapse's MAS integration) calls it on
 * every client request it has not cached.
 *
 * The caller is the homeserver (Bearer oauth.homeserver_secret) or an
 * authenticated client: one with `introspection` may look at any token,
 * any other only at its own.  Whatever is unknown, expired, revoked or not
 * the caller's business is {"active": false}, with status 200.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "oauth/api.h"
#include "oauth/idtoken.h"
#include "oauth/oauth.h"
#include "oauth/scope.h"
#include "oauth/sessions.h"

static void reply_inactive(struct mxg_req *r)
{
	mxg_oauth_reply_json(r, 200, json_pack("{s:b}", "active", 0));
}

static json_t *active_answer(struct mxg_req *r, const struct mxg_oauth_token_info *t,
			     long long now_ms)
{
	struct mxg_arena *a = mxg_req_arena(r);
	const char *hdr = mxg_req_header(r, "X-MAS-Supports-Device-Id");
	json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:I}", "active", 1, "scope",
			      mxg_oauth_scope_both_forms(a, t->scope), "client_id", t->client_id,
			      "token_type", t->refresh ? "refresh_token" : "access_token",
			      "iat", (json_int_t)(t->iat_ms / 1000));

	if (o == NULL)
		return NULL;
	if (t->user_id != NULL) {
		/* username is the localpart (what Synapse builds the user ID
		 * from); sub is the same, stable, identifier. */
		char local[256];

		mxg_oauth_subject(t->user_id, local, sizeof(local));
		json_object_set_new(o, "username", json_string(local));
		json_object_set_new(o, "sub", json_string(local));
	}
	if (t->exp_ms > 0) {
		json_object_set_new(o, "exp", json_integer(t->exp_ms / 1000));
		json_object_set_new(o, "expires_in", json_integer((t->exp_ms - now_ms) / 1000));
	}
	if (t->device_id != NULL && hdr != NULL && strcmp(hdr, "1") == 0)
		json_object_set_new(o, "device_id", json_string(t->device_id));
	return o;
}

void mxg_oauth_api_introspect(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *bearer = mxg_req_bearer(r), *token;
	struct mxg_oauth_client client;
	struct mxg_oauth_token_info info;
	struct mxg_form form;
	struct mxg_error err;
	long long now = mxg_oauth_now_ms();
	bool any = false;
	int found;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	if (bearer != NULL) {
		if (p->conf->homeserver_secret == NULL ||
		    !mxg_const_streq(bearer, p->conf->homeserver_secret)) {
			mxg_oauth_reply_error(r, 401, "invalid_client", "Wrong homeserver secret");
			return;
		}
		any = true;
	} else {
		if (mxg_oauth_authenticate_or_reply(r, &form, &client) < 0)
			return;
		if (client.auth_method == MXG_OAUTH_AUTH_NONE) {
			mxg_oauth_reply_error(r, 401, "invalid_client", "A public client may not "
					      "introspect");
			return;
		}
		any = client.introspection;
	}
	token = mxg_form_param(&form, "token");
	if (token == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "token is missing");
		return;
	}
	mxg_error_clear(&err);
	found = mxg_oauth_token_lookup(p, token, now, true, mxg_req_arena(r), &info, &err);
	if (found < 0) {
		mxg_error("oauth: introspection: %s", err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "The database is "
				      "unavailable");
		return;
	}
	if (found == 0 || !info.active ||
	    (!any && strcmp(info.client_id, client.client_id) != 0)) {
		reply_inactive(r);
		return;
	}
	mxg_oauth_reply_json(r, 200, active_answer(r, &info, now));
}
