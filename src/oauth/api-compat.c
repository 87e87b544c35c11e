/*
 * api-compat.c: the compat login of the provider (login.interception:
 * oauth), for clients that do not speak OAuth while the homeserver
 * delegates its authentication to mxgate (MSC3861): GET and POST
 * /_matrix/client/{r0,v3}/login (m.login.password, and m.login.token after
 * the SSO round trip of login/sso/redirect and the provider's /sso page,
 * api-sso.c), /logout, /logout/all and /refresh.
 *
 * A login is a session of the provider of kind "compat" (client
 * "legacy", the full client API scope) with a device of its own, which
 * introspection reports as device_id; without refresh_token: true its
 * access token does not expire, as a homeserver's own would not.  Outside
 * oauth mode these paths go to the homeserver.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "login/login.h"
#include "matrix/login.h"
#include "matrix/matrix.h"
#include "oauth/authorize.h"
#include "oauth/oauth.h"
#include "oauth/provision.h"
#include "oauth/scope.h"
#include "oauth/sessions.h"

#define DEVICE_ID_LEN 10
#define MAX_DEVICE_ID 255

static bool compat_mode(struct mxg_req *r)
{
	const struct mxg_app *app = mxg_req_app(r);

	return app->oauth != NULL &&
	       app->config->login.interception == MXG_LOGIN_INTERCEPT_OAUTH;
}

void mxg_oauth_compat_flows(struct mxg_req *r)
{
	mxg_reply_json(r, 200, json_pack("{s:[{s:s}, {s:s, s:b, s:b, s:[]}, {s:s}]}", "flows",
		"type", "m.login.password",
		"type", "m.login.sso", "oauth_aware_preferred", 1,
		"org.matrix.msc3824.delegated_oidc_compatibility", 1, "identity_providers",
		"type", "m.login.token"));
}

/* The device the client asked for, or a new one; NULL when unusable. */
static const char *device_for(struct mxg_req *r, const json_t *body)
{
	const json_t *d = json_object_get(body, "device_id");
	char *id;

	if (json_is_string(d)) {
		const char *s = json_string_value(d);
		size_t n = json_string_length(d);

		if (n == 0 || n > MAX_DEVICE_ID || strlen(s) != n)
			return NULL;
		for (size_t i = 0; i < n; i++)
			if (!isgraph((unsigned char)s[i]))
				return NULL;
		return s;
	}
	if (d != NULL && !json_is_null(d))
		return NULL;
	id = mxg_arena_alloc(mxg_req_arena(r), DEVICE_ID_LEN + 1);
	if (mxg_random_token(id, DEVICE_ID_LEN) < 0)
		return NULL;
	for (char *p = id; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return id;
}

/* The login name and medium mxg_login_attempt takes for id. */
static void login_name(const struct mxg_login_ident *id, struct mxg_login_request *rq)
{
	if (id->type == MXG_LOGIN_ID_USER) {
		rq->id = id->user;
		rq->medium = NULL;
	} else {
		rq->id = id->address;
		rq->medium = id->medium;
	}
}

static void reply_login_refusal(struct mxg_req *r, enum mxg_login_result res,
				const struct mxg_login_outcome *out, const struct mxg_error *err)
{
	char retry[32];

	switch (res) {
	case MXG_LOGIN_REFUSED:
		mxg_reply_error(r, 403, "M_FORBIDDEN", "Invalid username or password");
		return;
	case MXG_LOGIN_LOCKED:
		snprintf(retry, sizeof(retry), "%lld", (out->retry_after_ms + 999) / 1000);
		mxg_reply_header(r, "Retry-After", retry);
		mxg_reply_error_extra(r, 429, "M_LIMIT_EXCEEDED", json_pack("{s:I}", "retry_after_ms",
				      (json_int_t)out->retry_after_ms),
				      "Too many failed attempts; try again later");
		return;
	default:
		mxg_warning("compat login: %s", err->msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "An identity store is unavailable; try again "
				"later");
		return;
	}
}

/* A password login: the user, or NULL after the refusal. */
static const char *password_login(struct mxg_req *r, const json_t *body)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_login_request rq = { .client_ip = mxg_req_client_ip(r) };
	struct mxg_login_ident_error ie;
	struct mxg_login_ident id;
	struct mxg_login_outcome out;
	struct mxg_error err;
	enum mxg_login_result res;
	const json_t *pw;

	if (mxg_login_identifier_parse(body, mxg_req_arena(r), &id, &ie) < 0) {
		mxg_reply_error(r, 400, ie.errcode, "%s", ie.message);
		return NULL;
	}
	pw = json_object_get(body, "password");
	if (!json_is_string(pw) || strlen(json_string_value(pw)) != json_string_length(pw)) {
		mxg_reply_error(r, 400, pw == NULL ? "M_MISSING_PARAM" : "M_INVALID_PARAM",
				"password must be a string");
		return NULL;
	}
	login_name(&id, &rq);
	rq.password = json_string_value(pw);
	rq.password_len = json_string_length(pw);
	mxg_error_clear(&err);
	res = mxg_login_attempt(app, &rq, mxg_req_arena(r), &out, &err);
	if (res != MXG_LOGIN_OK) {
		reply_login_refusal(r, res, &out, &err);
		return NULL;
	}
	return out.person.user_id;
}

/* An m.login.token login (the compat SSO's): the user, or NULL after the
 * refusal. */
static const char *token_login(struct mxg_req *r, const json_t *body)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *token = json_string_value(json_object_get(body, "token"));
	struct mxg_oauth_code_grant g;
	struct mxg_error err;

	if (token == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAM", "token is required");
		return NULL;
	}
	mxg_error_clear(&err);
	switch (mxg_oauth_code_take(p, MXG_TOKEN_LOGIN, token, mxg_oauth_now_ms(),
				    mxg_req_arena(r), &g, &err)) {
	case MXG_CODE_TAKEN:
		return g.user_id;
	case MXG_CODE_ERROR:
		mxg_error("compat login: login token: %s", err.msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "The database is unavailable");
		return NULL;
	default:
		mxg_reply_error(r, 403, "M_FORBIDDEN", "Invalid or expired login token");
		return NULL;
	}
}

void mxg_oauth_compat_login(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_oauth *p = app->oauth;
	struct mxg_oauth_tokens t;
	struct mxg_error err;
	const json_t *body, *type, *name;
	const char *device, *user_id, *kind;
	bool refresh;
	json_t *answer;

	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	type = json_object_get(body, "type");
	kind = json_string_value(type);
	if (kind == NULL || (strcmp(kind, "m.login.password") != 0 &&
			     strcmp(kind, "m.login.token") != 0)) {
		mxg_reply_error(r, 400, "M_UNKNOWN", "Unknown login type; this server takes "
				"m.login.password, m.login.token (after SSO), or OAuth 2.0");
		return;
	}
	device = device_for(r, body);
	if (device == NULL) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "device_id must be 1 to 255 printable "
				"characters");
		return;
	}
	refresh = json_is_true(json_object_get(body, "refresh_token"));
	name = json_object_get(body, "initial_device_display_name");
	user_id = strcmp(kind, "m.login.token") == 0 ? token_login(r, body) :
		  password_login(r, body);
	if (user_id == NULL)
		return;
	mxg_error_clear(&err);
	if (mxg_oauth_provision_login(p, user_id, device, json_string_value(name),
				      mxg_req_arena(r), &err) < 0) {
		mxg_error("compat login: provisioning %s: %s", user_id, err.msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "The homeserver cannot be reached now");
		return;
	}
	if (mxg_oauth_session_create(p, &(struct mxg_oauth_session_spec){
			.kind = "compat", .client_id = MXG_COMPAT_CLIENT, .user_id = user_id,
			.scope = MXG_SCOPE_API, .device_id = device,
			.auth_time_ms = mxg_oauth_now_ms(), .ip = mxg_req_client_ip(r),
			.user_agent = mxg_req_header(r, "User-Agent"), .refresh = refresh,
			.expires = refresh, .compat = true,
		}, mxg_oauth_now_ms(), &t, &err) < 0) {
		mxg_error("compat login: %s", err.msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "Cannot store the session now");
		return;
	}
	mxg_info("compat login (%s): %s on device %s (session %s)", kind, user_id, device,
		 t.session_id);
	answer = json_pack("{s:s, s:s, s:s, s:s}", "user_id", user_id, "access_token", t.access,
			   "device_id", device, "home_server", app->config->server_name);
	if (refresh) {
		json_object_set_new(answer, "refresh_token", json_string(t.refresh));
		json_object_set_new(answer, "expires_in_ms", json_integer(t.expires_in_s * 1000));
	}
	explicit_bzero(&t, sizeof(t));
	mxg_oauth_reply_json(r, 200, answer);
}

/* GET /login/sso/redirect[/{idpId}]?redirectUrl=: to the provider's
 * page, which logs the browser in, asks the user, and comes back to
 * redirectUrl with a loginToken. */
void mxg_oauth_compat_sso_redirect(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *back = mxg_req_query(r, "redirectUrl");
	struct mxg_buf loc = MXG_BUF_INIT;

	if (!compat_mode(r)) {
		mxg_matrix_forward(r, NULL, NULL, 0);
		return;
	}
	if (back == NULL || back[0] == '\0') {
		mxg_reply_error(r, 400, "M_MISSING_PARAM", "redirectUrl is required");
		return;
	}
	mxg_buf_append_str(&loc, p->base);
	mxg_buf_append_str(&loc, "/sso?redirectUrl=");
	mxg_buf_append_urlenc(&loc, back);
	mxg_reply_header(r, "Location", loc.data);
	mxg_reply_raw(r, 302, "text/plain", "", 0);
	mxg_buf_free(&loc);
}

static void unknown_token(struct mxg_req *r)
{
	mxg_reply_error_extra(r, 401, "M_UNKNOWN_TOKEN", json_pack("{s:b}", "soft_logout", 0),
			      "Unknown or expired access token");
}

/* The caller's live session: 1 with *info, 0 after a 401, -1 after a 503. */
static int caller(struct mxg_req *r, struct mxg_oauth *p, struct mxg_oauth_token_info *info)
{
	const char *token = mxg_req_bearer(r);
	struct mxg_error err;
	int found;

	if (token == NULL) {
		mxg_reply_error(r, 401, "M_MISSING_TOKEN", "Missing access token");
		return 0;
	}
	mxg_error_clear(&err);
	found = mxg_oauth_token_lookup(p, token, mxg_oauth_now_ms(), true, mxg_req_arena(r), info,
				       &err);
	if (found < 0) {
		mxg_error("compat logout: %s", err.msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "The database is unavailable");
		return -1;
	}
	if (found == 0 || !info->active || info->refresh || info->user_id == NULL) {
		unknown_token(r);
		return 0;
	}
	return 1;
}

void mxg_oauth_compat_logout(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_token_info info;
	struct mxg_error err;
	json_t *gone;
	bool all;
	int n;

	if (!compat_mode(r)) {
		mxg_matrix_forward(r, NULL, NULL, 0);
		return;
	}
	if (caller(r, p, &info) <= 0)
		return;
	all = strstr(mxg_req_path(r), "/logout/all") != NULL;
	mxg_error_clear(&err);
	gone = json_array();
	n = all ? mxg_oauth_sessions_end_user(p, info.user_id, NULL, mxg_oauth_now_ms(), gone,
					      &err) :
	      mxg_oauth_session_end(p, info.session_id, mxg_oauth_now_ms(), gone, &err);
	mxg_oauth_devices_gone(p, gone, mxg_req_arena(r));
	if (n < 0) {
		mxg_error("compat logout: %s", err.msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "The database is unavailable");
		return;
	}
	mxg_info("compat logout: %s%s", info.user_id, all ? ", every session" : "");
	mxg_reply_json(r, 200, json_object());
}

void mxg_oauth_compat_refresh(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_token_info info;
	struct mxg_oauth_tokens t;
	struct mxg_error err;
	const json_t *body, *token;
	long long auth_time = 0;
	json_t *answer;

	if (!compat_mode(r)) {
		mxg_matrix_forward(r, NULL, NULL, 0);
		return;
	}
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	token = json_object_get(body, "refresh_token");
	if (!json_is_string(token)) {
		mxg_reply_error(r, 400, token == NULL ? "M_MISSING_PARAM" : "M_INVALID_PARAM",
				"refresh_token must be a string");
		return;
	}
	mxg_error_clear(&err);
	switch (mxg_oauth_refresh(p, json_string_value(token), MXG_COMPAT_CLIENT,
				  mxg_oauth_now_ms(), mxg_req_arena(r), &info, &auth_time, &t, &err)) {
	case MXG_REFRESH_OK:
		break;
	case MXG_REFRESH_ERROR:
		mxg_error("compat refresh: %s", err.msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "The database is unavailable");
		return;
	case MXG_REFRESH_REPLAYED:
		mxg_warning("compat refresh: a spent refresh token of session %s came back: the "
			    "session is ended", info.session_id);
		mxg_oauth_devices_gone(p, json_pack("[{s:s?, s:s?}]", "user_id", info.user_id,
						    "device_id", info.device_id), mxg_req_arena(r));
		unknown_token(r);
		return;
	default:
		unknown_token(r);
		return;
	}
	answer = json_pack("{s:s, s:s, s:I}", "access_token", t.access, "refresh_token", t.refresh,
			   "expires_in_ms", (json_int_t)(t.expires_in_s * 1000));
	explicit_bzero(&t, sizeof(t));
	mxg_oauth_reply_json(r, 200, answer);
}
