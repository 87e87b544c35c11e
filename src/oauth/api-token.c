/*
 * api-token.c: POST /oauth2/token (RFC 6749 3.2): the client is
 * authenticated, then the grant it names is worked out.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "oauth/api.h"
#include "oauth/oauth.h"
#include "oauth/scope.h"
#include "oauth/sessions.h"

/* The successful answer (RFC 6749 5.1); the tokens are wiped after. */
static void reply_tokens(struct mxg_req *r, struct mxg_oauth_tokens *t, const char *scope)
{
	json_t *body = json_pack("{s:s, s:s, s:s}", "access_token", t->access, "token_type",
				 "Bearer", "scope", scope);

	if (body != NULL && t->expires_in_s > 0)
		json_object_set_new(body, "expires_in", json_integer(t->expires_in_s));
	if (body != NULL && t->refresh[0] != '\0')
		json_object_set_new(body, "refresh_token", json_string(t->refresh));
	explicit_bzero(t, sizeof(*t));
	if (body == NULL) {
		mxg_oauth_reply_error(r, 500, "server_error", "Out of memory");
		return;
	}
	mxg_oauth_reply_json(r, 200, body);
}

/* RFC 6749 4.4: the client's own access, no user, no refresh token. */
static void grant_client_credentials(struct mxg_req *r, const struct mxg_oauth_client *c,
				     const struct mxg_form *form)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *why = NULL, *scope;
	struct mxg_oauth_session_spec spec = {
		.kind = "client", .client_id = c->client_id, .ip = mxg_req_client_ip(r),
		.user_agent = mxg_req_header(r, "User-Agent"), .expires = true,
	};
	struct mxg_oauth_tokens t;
	struct mxg_error err;

	scope = mxg_oauth_scope_check(mxg_req_arena(r), c, mxg_form_param(form, "scope"), false,
				      &why);
	if (scope == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_scope", "%s", why);
		return;
	}
	spec.scope = scope;
	mxg_error_clear(&err);
	if (mxg_oauth_session_create(p, &spec, mxg_oauth_now_ms(), &t, &err) < 0) {
		mxg_error("oauth: client_credentials for %s: %s", c->client_id, err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "Cannot store the grant");
		return;
	}
	mxg_info("oauth: client %s got a client_credentials session %s", c->client_id,
		 t.session_id);
	reply_tokens(r, &t, scope);
}

void mxg_oauth_api_token(struct mxg_req *r)
{
	struct mxg_oauth_client client;
	struct mxg_form form;
	const char *grant;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	grant = mxg_form_param(&form, "grant_type");
	if (grant == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "grant_type is missing");
		return;
	}
	if (mxg_oauth_authenticate_or_reply(r, &form, &client) < 0)
		return;
	if (!mxg_oauth_client_has_grant(&client, grant)) {
		mxg_oauth_reply_error(r, 400, "unauthorized_client", "This client may not use "
				      "the %s grant", grant);
		return;
	}
	if (strcmp(grant, "client_credentials") == 0)
		grant_client_credentials(r, &client, &form);
	else
		mxg_oauth_reply_error(r, 400, "unsupported_grant_type", "Grant type %s is not "
				      "supported", grant);
}
