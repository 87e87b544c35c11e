/*
 * api-device.c: the device authorization grant's endpoints (RFC 8628):
 * POST /oauth2/device for the device, and the /device page where the
 * user, logged in, enters or confirms the user code.  The token endpoint's
 * side is in api-token.c.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "oauth/api.h"
#include "oauth/browser.h"
#include "oauth/device.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/scope.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"

void mxg_oauth_api_device_authorization(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	char device_code[MXG_TOKEN_SIZE], user_code[MXG_USER_CODE_SIZE];
	struct mxg_oauth_client client;
	struct mxg_form form;
	struct mxg_error err;
	const char *scope, *why = NULL;
	char *uri, *complete;

	if (mxg_oauth_read_form(r, &form) < 0 ||
	    mxg_oauth_authenticate_or_reply(r, &form, &client) < 0)
		return;
	if (!mxg_oauth_client_has_grant(&client, DEVICE_GRANT)) {
		mxg_oauth_reply_error(r, 400, "unauthorized_client", "This client may not use the "
				      "device authorization grant");
		return;
	}
	scope = mxg_oauth_scope_check(mxg_req_arena(r), &client, mxg_form_param(&form, "scope"),
				      true, &why);
	if (scope == NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_scope", "%s", why);
		return;
	}
	mxg_error_clear(&err);
	if (mxg_oauth_device_start(p, client.client_id, scope, device_code, user_code, &err) < 0) {
		mxg_error("oauth: device authorization: %s", err.msg);
		mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "Cannot store the grant");
		return;
	}
	uri = mxg_oauth_url(p, "/device");
	complete = mxg_arena_printf(mxg_req_arena(r), "%s?user_code=%s", uri, user_code);
	mxg_oauth_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:s, s:I, s:i}",
		"device_code", device_code, "user_code", user_code, "verification_uri", uri,
		"verification_uri_complete", complete,
		"expires_in", (json_int_t)(p->conf->device_code_lifetime_ms / 1000),
		"interval", MXG_DEVICE_INTERVAL_S));
	explicit_bzero(device_code, sizeof(device_code));
	free(uri);
}

/* The page asking for the code, or confirming the grant it names. */
static void device_page(struct mxg_req *r, struct mxg_oauth *p, const char *user_code,
			const struct mxg_oauth_browser *b)
{
	struct mxg_oauth_device_grant g;
	struct mxg_oauth_client c;
	struct mxg_error err;
	int found;

	if (user_code == NULL) {
		mxg_oauth_page(r, 200, "device", json_object(), NULL);
		return;
	}
	mxg_error_clear(&err);
	found = mxg_oauth_device_find(p, user_code, mxg_req_arena(r), &g, &err);
	if (found > 0)
		found = mxg_oauth_client_find(p, g.client_id, mxg_req_arena(r), &c, &err);
	if (found < 0) {
		mxg_error("oauth: device page: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (found == 0) {
		mxg_oauth_page(r, 404, "device", json_pack("{s:b, s:s}", "error_code", 1,
							   "user_code", user_code), NULL);
		return;
	}
	mxg_oauth_page(r, 200, "device_confirm", json_pack("{s:s, s:s, s:s, s:o}",
		       "user_code", g.user_code, "user_id", b->user_id, "client_name",
		       c.client_name != NULL ? c.client_name : c.client_id,
		       "scopes", mxg_oauth_scope_view(mxg_req_arena(r), g.scope)), NULL);
}

void mxg_oauth_api_device_page(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *code = mxg_req_query(r, "user_code");
	struct mxg_oauth_browser b;
	int have = mxg_oauth_browser_get(p, r, &b);

	if (code != NULL && code[0] == '\0')
		code = NULL;
	if (have < 0) {
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (have == 0) {
		/* Log in first; the login comes back here with the code. */
		json_t *fields = json_pack("[{s:s, s:s}]", "name", "next", "value", "device");

		if (code != NULL)
			json_array_append_new(fields, json_pack("{s:s, s:s}", "name", "user_code",
								"value", code));
		mxg_oauth_page(r, 200, "login", json_pack("{s:o}", "fields", fields), NULL);
		return;
	}
	device_page(r, p, code, &b);
}

void mxg_oauth_api_device_decide(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_device_grant g;
	struct mxg_oauth_browser b;
	struct mxg_form form;
	struct mxg_error err;
	const char *code, *action;
	bool allow;
	int found;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	if (!mxg_oauth_csrf_ok(r, &form)) {
		mxg_oauth_error_page(r, 403, "error_csrf", NULL);
		return;
	}
	found = mxg_oauth_browser_get(p, r, &b);
	if (found <= 0) {
		mxg_oauth_error_page(r, found < 0 ? 503 : 401, found < 0 ? "error_unavailable" :
				     "error_not_signed_in", NULL);
		return;
	}
	code = mxg_form_param(&form, "user_code");
	action = mxg_form_param(&form, "action");
	allow = action != NULL && strcmp(action, "allow") == 0;
	mxg_error_clear(&err);
	found = code != NULL ? mxg_oauth_device_find(p, code, mxg_req_arena(r), &g, &err) : 0;
	if (found > 0)
		found = mxg_oauth_device_decide(p, g.device_hash, b.user_id, b.auth_time_ms, allow,
						&err);
	if (found < 0) {
		mxg_error("oauth: device decision: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (found == 0) {
		mxg_oauth_page(r, 404, "device", json_pack("{s:b, s:s?}", "error_code", 1,
							   "user_code", code), NULL);
		return;
	}
	mxg_info("oauth: %s %s device grant of client %s", b.user_id, allow ? "allowed" : "denied",
		 g.client_id);
	mxg_oauth_page(r, 200, "device_done", json_pack("{s:b}", allow ? "allowed" : "denied", 1),
		       NULL);
}
