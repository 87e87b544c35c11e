/*
 * login.c: GET and POST /_matrix/client/{r0,v3}/login on the `client`
 * resource (login.interception).  GET relays the homeserver's flows, with
 * m.login.password added when a store can check passwords; POST of
 * m.login.password goes through login-service.c; every other login type,
 * and everything while interception is off, goes to the homeserver as it
 * came.  In oauth mode both are the OAuth provider's compat login.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "matrix/homeserver.h"
#include "matrix/login.h"
#include "matrix/matrix.h"
#include "oauth/oauth.h"
#include "stores/chain.h"

static bool stores_check_passwords(const struct mxg_app *app)
{
	for (size_t i = 0; i < mxg_store_chain_count(app->stores); i++)
		if (mxg_store_chain_get(app->stores, i)->driver->authenticate != NULL)
			return true;
	return false;
}

/* Add {"type":"m.login.password"} to a flows answer that lacks it. */
static json_t *with_password_flow(const char *text, size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	json_t *flows = json_object_get(doc, "flows"), *f;
	size_t i;

	if (!json_is_array(flows)) {
		json_decref(doc);
		return NULL;
	}
	json_array_foreach(flows, i, f) {
		if (json_is_string(json_object_get(f, "type")) &&
		    strcmp(json_string_value(json_object_get(f, "type")), "m.login.password") == 0)
			return doc;
	}
	json_array_insert_new(flows, 0, json_pack("{s:s}", "type", "m.login.password"));
	return doc;
}

void mxg_matrix_login_flows(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_http_client_resp resp;
	struct mxg_error err;
	json_t *flows;

	if (app->config->login.interception == MXG_LOGIN_INTERCEPT_OFF) {
		mxg_matrix_forward(r, NULL, NULL, 0);
		return;
	}
	if (app->config->login.interception == MXG_LOGIN_INTERCEPT_OAUTH) {
		mxg_oauth_compat_flows(r);
		return;
	}
	mxg_error_clear(&err);
	if (mxg_hs_request(app->config, &(struct mxg_hs_call){
			.path = mxg_req_path(r),
			.client_ip = mxg_req_client_ip(r),
		}, &resp, &err) < 0) {
		mxg_matrix_relay_failure(r, &err);
		return;
	}
	flows = NULL;
	if (resp.status == 200 && app->config->login.interception == MXG_LOGIN_INTERCEPT_JWT &&
	    stores_check_passwords(app))
		flows = with_password_flow(resp.body, resp.len);
	if (flows != NULL)
		mxg_reply_json(r, 200, flows);
	else
		mxg_matrix_relay(r, &resp);
	mxg_http_client_resp_free(&resp);
}

static void reply_outcome(struct mxg_req *r, enum mxg_hs_login_result res,
			  struct mxg_hs_login *out, const struct mxg_error *err)
{
	char retry[32];

	switch (res) {
	case MXG_HS_LOGIN_RELAY:
		mxg_matrix_relay(r, &out->resp);
		mxg_http_client_resp_free(&out->resp);
		return;
	case MXG_HS_LOGIN_HS_FAILED:
		mxg_matrix_relay_failure(r, err);
		return;
	case MXG_HS_LOGIN_REFUSED:
		/* One text for every cause: the answer must not tell a wrong
		 * password from an unknown or disabled user. */
		mxg_reply_error(r, 403, "M_FORBIDDEN", "Invalid username or password");
		return;
	case MXG_HS_LOGIN_LOCKED:
		/* Retry-After is in whole seconds, rounded up. */
		snprintf(retry, sizeof(retry), "%lld", (out->retry_after_ms + 999) / 1000);
		mxg_reply_header(r, "Retry-After", retry);
		mxg_reply_error_extra(r, 429, "M_LIMIT_EXCEEDED",
				      json_pack("{s:I}", "retry_after_ms",
						(json_int_t)out->retry_after_ms),
				      "Too many failed attempts; try again later");
		return;
	case MXG_HS_LOGIN_UNAVAILABLE:
		mxg_warning("login: %s", err->msg);
		mxg_reply_error(r, 503, "M_UNKNOWN",
				"An identity store is unavailable; try again later");
		return;
	case MXG_HS_LOGIN_INTERNAL:
		break;
	}
	mxg_error("login: %s", err->msg);
	mxg_reply_error(r, 500, "M_UNKNOWN", "Internal error");
}

void mxg_matrix_login(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	int mode = app->config->login.interception;
	const json_t *body, *type, *pw;
	struct mxg_login_ident_error ie;
	struct mxg_login_ident id;
	enum mxg_hs_login_result res;
	struct mxg_hs_login out;
	struct mxg_error err;

	if (mode == MXG_LOGIN_INTERCEPT_OFF) {
		mxg_matrix_forward(r, NULL, NULL, 0);
		return;
	}
	if (mode == MXG_LOGIN_INTERCEPT_OAUTH) {
		mxg_oauth_compat_login(r);
		return;
	}
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	type = json_object_get(body, "type");
	if (!json_is_string(type) || strcmp(json_string_value(type), "m.login.password") != 0) {
		/* Token, JWT, SSO, application-service logins: the homeserver's. */
		mxg_matrix_forward(r, NULL, NULL, 0);
		return;
	}
	if (mxg_login_identifier_parse(body, mxg_req_arena(r), &id, &ie) < 0) {
		mxg_reply_error(r, 400, ie.errcode, "%s", ie.message);
		return;
	}
	mxg_error_clear(&err);
	if (mode == MXG_LOGIN_INTERCEPT_PASSTHROUGH) {
		res = mxg_matrix_login_passthrough(app, body, &id, mxg_req_path(r),
						   mxg_req_client_ip(r), mxg_req_arena(r), &out,
						   &err);
		reply_outcome(r, res, &out, &err);
		return;
	}
	pw = json_object_get(body, "password");
	if (pw == NULL || json_is_null(pw)) {
		mxg_reply_error(r, 400, "M_MISSING_PARAM", "password is required");
		return;
	}
	if (!json_is_string(pw) || strlen(json_string_value(pw)) != json_string_length(pw)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "password must be a string");
		return;
	}
	res = mxg_matrix_login_jwt(app, body, &id, json_string_value(pw), json_string_length(pw),
				   mxg_req_path(r), mxg_req_client_ip(r), mxg_req_arena(r), &out,
				   &err);
	reply_outcome(r, res, &out, &err);
}
