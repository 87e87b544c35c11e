/*
 * api-token.c: POST /oauth2/token (RFC 6749 3.2): the client is
 * authenticated, then the grant it names is worked out.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/base64.h"
#include "core/crypto.h"
#include "oauth/api.h"
#include "oauth/authorize.h"
#include "oauth/device.h"
#include "oauth/idtoken.h"
#include "oauth/jose.h"
#include "oauth/provision.h"
#include "oauth/oauth.h"
#include "oauth/scope.h"
#include "oauth/sessions.h"

/* The successful answer (RFC 6749 5.1); the tokens are wiped after.
 * id_token (may be NULL) is freed. */
static void reply_tokens(struct mxg_req *r, struct mxg_oauth_tokens *t, const char *scope,
			 char *id_token)
{
	json_t *body = json_pack("{s:s, s:s, s:s}", "access_token", t->access, "token_type",
				 "Bearer", "scope", scope);

	if (body != NULL && id_token != NULL)
		json_object_set_new(body, "id_token", json_string(id_token));
	free(id_token);

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
	reply_tokens(r, &t, scope, NULL);
}

/* RFC 7636 4.6: BASE64URL(SHA256(verifier)) == challenge. */
static bool pkce_ok(const char *challenge, const char *verifier)
{
	unsigned char d[MXG_SHA256_LEN];
	char enc[MXG_BASE64_ENCODED_SIZE(MXG_SHA256_LEN)];
	size_t n = verifier != NULL ? strlen(verifier) : 0;

	if (n < 43 || n > 128 ||
	    strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		   "-._~") != n)
		return false;
	mxg_sha256(verifier, n, d);
	mxg_base64_encode(d, sizeof(d), enc, sizeof(enc), MXG_B64_URL | MXG_B64_NOPAD);
	return mxg_const_streq(enc, challenge);
}

/* An ID token when the scope asks for one: NULL without openid (or
 * *failed when it cannot be made). */
static char *maybe_id_token(struct mxg_oauth *p, const char *scope, const char *client_id,
			    const char *user_id, const char *nonce, long long auth_time_ms,
			    const char *access, bool *failed)
{
	struct mxg_error err;
	char *tok;

	*failed = false;
	if (user_id == NULL || !mxg_oauth_scope_has(scope, "openid"))
		return NULL;
	mxg_error_clear(&err);
	tok = mxg_oauth_id_token(p, client_id, user_id, nonce, auth_time_ms, access,
				 mxg_oauth_now_ms(), &err);
	if (tok == NULL) {
		mxg_error("oauth: ID token: %s", err.msg);
		*failed = true;
	}
	return tok;
}

/* What a user's grant gives: a new session for client c (its device from
 * the scope), answered with its tokens and, with openid, an ID token.
 * code: the authorization code it came from (linked, so that a replay of
 * the code can end the session), or NULL. */
struct user_grant {
	const char *user_id, *scope, *browser_session, *nonce, *code, *how;
	long long auth_time_ms;
};

static void start_user_session(struct mxg_req *r, const struct mxg_oauth_client *c,
			       const struct user_grant *ug)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_session_spec spec = {
		.kind = "oauth", .client_id = c->client_id, .user_id = ug->user_id,
		.scope = ug->scope, .device_id = mxg_oauth_scope_device(mxg_req_arena(r),
									ug->scope),
		.browser_session = ug->browser_session, .auth_time_ms = ug->auth_time_ms,
		.ip = mxg_req_client_ip(r), .user_agent = mxg_req_header(r, "User-Agent"),
		.expires = true, .refresh = mxg_oauth_client_has_grant(c, "refresh_token"),
	};
	struct mxg_oauth_tokens t;
	struct mxg_error err;
	char *id_token;
	bool failed;

	mxg_error_clear(&err);
	/* The homeserver must know the user and device before the token. */
	if (mxg_oauth_provision_login(p, ug->user_id, spec.device_id, c->client_name,
				      mxg_req_arena(r), &err) < 0) {
		mxg_error("oauth: provisioning %s at the homeserver: %s", ug->user_id, err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "The homeserver cannot be "
				      "reached now");
		return;
	}
	if (mxg_oauth_session_create(p, &spec, mxg_oauth_now_ms(), &t, &err) < 0 ||
	    (ug->code != NULL && mxg_oauth_code_session(p, ug->code, t.session_id, &err) < 0)) {
		mxg_error("oauth: %s for %s: %s", ug->how, c->client_id, err.msg);
		explicit_bzero(&t, sizeof(t));
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "Cannot store the session");
		return;
	}
	id_token = maybe_id_token(p, ug->scope, c->client_id, ug->user_id, ug->nonce,
				  ug->auth_time_ms, t.access, &failed);
	if (failed) {
		explicit_bzero(&t, sizeof(t));
		mxg_oauth_reply_error(r, 500, "server_error", "Cannot sign the ID token");
		return;
	}
	mxg_info("oauth: session %s for %s with client %s (%s)", t.session_id, ug->user_id,
		 c->client_id, ug->how);
	reply_tokens(r, &t, ug->scope, id_token);
}

/* RFC 6749 4.1.3 with PKCE: the code, once, by the client it was for. */
static void grant_authorization_code(struct mxg_req *r, const struct mxg_oauth_client *c,
				     const struct mxg_form *form)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *code = mxg_form_param(form, "code");
	const char *redirect_uri = mxg_form_param(form, "redirect_uri");
	const char *verifier = mxg_form_param(form, "code_verifier");
	struct mxg_oauth_code_grant g;
	struct mxg_error err;
	long long now = mxg_oauth_now_ms();

	if (code == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "code is missing");
		return;
	}
	mxg_error_clear(&err);
	switch (mxg_oauth_code_take(p, MXG_TOKEN_CODE, code, now, mxg_req_arena(r), &g, &err)) {
	case MXG_CODE_TAKEN:
		break;
	case MXG_CODE_REPLAYED:
		/* RFC 6749 4.1.2: what the code gave is no longer trusted. */
		if (g.session_id != NULL && strcmp(g.client_id, c->client_id) == 0) {
			json_t *gone = json_array();

			if (mxg_oauth_session_end(p, g.session_id, now, gone, &err) == 0)
				mxg_warning("oauth: a code of client %s was used twice: session %s "
					    "ended", c->client_id, g.session_id);
			mxg_oauth_devices_gone(p, gone, mxg_req_arena(r));
		}
		mxg_oauth_reply_error(r, 400, "invalid_grant", "The code was used before");
		return;
	case MXG_CODE_EXPIRED:
		mxg_oauth_reply_error(r, 400, "invalid_grant", "The code has expired");
		return;
	case MXG_CODE_UNKNOWN:
		mxg_oauth_reply_error(r, 400, "invalid_grant", "Unknown code");
		return;
	default:
		mxg_error("oauth: code exchange: %s", err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "The database is "
				      "unavailable");
		return;
	}
	if (strcmp(g.client_id, c->client_id) != 0) {
		mxg_oauth_reply_error(r, 400, "invalid_grant", "The code was issued to another "
				      "client");
		return;
	}
	if (redirect_uri == NULL || strcmp(redirect_uri, g.redirect_uri) != 0) {
		mxg_oauth_reply_error(r, 400, "invalid_grant", "redirect_uri is not the one of the "
				      "authorization request");
		return;
	}
	if (g.code_challenge != NULL ? !pkce_ok(g.code_challenge, verifier) : verifier != NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_grant", g.code_challenge != NULL ?
				      "code_verifier does not match the code_challenge" :
				      "code_verifier without a code_challenge");
		return;
	}
	start_user_session(r, c, &(struct user_grant){
		.user_id = g.user_id, .scope = g.scope, .browser_session = g.browser_session,
		.nonce = g.nonce, .code = code, .how = "authorization code",
		.auth_time_ms = g.auth_time_ms });
}

/* RFC 6749 6, with rotation (see mxg_oauth_refresh). */
static void grant_refresh_token(struct mxg_req *r, const struct mxg_oauth_client *c,
				const struct mxg_form *form)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *token = mxg_form_param(form, "refresh_token");
	struct mxg_oauth_token_info info;
	struct mxg_oauth_tokens t;
	struct mxg_error err;
	long long auth_time = 0;
	char *id_token;
	bool failed;

	if (token == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "refresh_token is missing");
		return;
	}
	mxg_error_clear(&err);
	switch (mxg_oauth_refresh(p, token, c->client_id, mxg_oauth_now_ms(), mxg_req_arena(r),
				  &info, &auth_time, &t, &err)) {
	case MXG_REFRESH_OK:
		break;
	case MXG_REFRESH_REPLAYED:
		mxg_warning("oauth: a spent refresh token of session %s (client %s) came back: "
			    "the session is ended", info.session_id, c->client_id);
		mxg_oauth_devices_gone(p, json_pack("[{s:s?, s:s?}]", "user_id", info.user_id,
						    "device_id", info.device_id), mxg_req_arena(r));
		mxg_oauth_reply_error(r, 400, "invalid_grant", "The refresh token was used before");
		return;
	case MXG_REFRESH_INVALID:
		mxg_oauth_reply_error(r, 400, "invalid_grant", "Unknown, expired or revoked refresh "
				      "token");
		return;
	default:
		mxg_error("oauth: refresh: %s", err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "The database is "
				      "unavailable");
		return;
	}
	id_token = maybe_id_token(p, info.scope, c->client_id, info.user_id, NULL, auth_time,
				  t.access, &failed);
	if (failed) {
		explicit_bzero(&t, sizeof(t));
		mxg_oauth_reply_error(r, 500, "server_error", "Cannot sign the ID token");
		return;
	}
	reply_tokens(r, &t, info.scope, id_token);
}

/* RFC 8628 3.4/3.5: the device polls until the user has decided. */
static void grant_device_code(struct mxg_req *r, const struct mxg_oauth_client *c,
			      const struct mxg_form *form)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *code = mxg_form_param(form, "device_code");
	struct mxg_oauth_device_grant g;
	struct mxg_error err;
	long long now = mxg_oauth_now_ms();

	if (code == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "device_code is missing");
		return;
	}
	mxg_error_clear(&err);
	switch (mxg_oauth_device_poll(p, code, c->client_id, now, mxg_req_arena(r), &g, &err)) {
	case MXG_DEVICE_APPROVED:
		break;
	case MXG_DEVICE_PENDING:
		mxg_oauth_reply_error(r, 400, "authorization_pending", "The user has not decided yet");
		return;
	case MXG_DEVICE_SLOW_DOWN:
		mxg_oauth_reply_error(r, 400, "slow_down", "Poll every %d s at most",
				      MXG_DEVICE_INTERVAL_S);
		return;
	case MXG_DEVICE_DENIED:
		mxg_oauth_reply_error(r, 400, "access_denied", "The user declined");
		return;
	case MXG_DEVICE_EXPIRED:
		mxg_oauth_reply_error(r, 400, "expired_token", "The device code has expired");
		return;
	case MXG_DEVICE_INVALID:
		mxg_oauth_reply_error(r, 400, "invalid_grant", "Unknown or spent device code");
		return;
	default:
		mxg_error("oauth: device code: %s", err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "The database is "
				      "unavailable");
		return;
	}
	start_user_session(r, c, &(struct user_grant){
		.user_id = g.user_id, .scope = g.scope, .how = "device grant",
		.auth_time_ms = g.auth_time_ms });
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
	if (strcmp(grant, "authorization_code") == 0)
		grant_authorization_code(r, &client, &form);
	else if (strcmp(grant, "refresh_token") == 0)
		grant_refresh_token(r, &client, &form);
	else if (strcmp(grant, "client_credentials") == 0)
		grant_client_credentials(r, &client, &form);
	else if (strcmp(grant, "urn:ietf:params:oauth:grant-type:device_code") == 0)
		grant_device_code(r, &client, &form);
	else
		mxg_oauth_reply_error(r, 400, "unsupported_grant_type", "Grant type %s is not "
				      "supported", grant);
}
