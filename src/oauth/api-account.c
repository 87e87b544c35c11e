/*
 * api-account.c: the account page (MSC4191's account_management_uri): who
 * is signed in, the sessions applications hold (client, device, when
 * created and last used, from where), and signing out of one or of all.
 * GET /account takes MSC4191's action and device_id: device_view and
 * device_delete show that device's session first.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "oauth/api.h"
#include "oauth/browser.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/provision.h"
#include "oauth/sessions.h"

static const char *when(struct mxg_arena *a, long long ms)
{
	char buf[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
		return "";
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	return mxg_arena_strdup(a, buf);
}

/* The sessions as the page shows them; the device asked for first. */
static json_t *view(struct mxg_req *r, struct mxg_oauth *p, json_t *list, const char *device)
{
	struct mxg_arena *a = mxg_req_arena(r);
	json_t *out = json_array(), *s;
	size_t i;

	json_array_foreach(list, i, s) {
		const char *cid = json_string_value(json_object_get(s, "client_id"));
		const char *dev = json_string_value(json_object_get(s, "device_id"));
		struct mxg_oauth_client c;
		struct mxg_error err;
		json_t *v;

		if (mxg_oauth_client_find(p, cid, a, &c, &err) != 1)
			c.client_name = NULL;
		v = json_pack("{s:O, s:s, s:O, s:s, s:s, s:O, s:b}", "id", json_object_get(s, "id"),
			      "client", c.client_name != NULL ? c.client_name : cid,
			      "device_id", json_object_get(s, "device_id"),
			      "created", when(a, json_integer_value(json_object_get(s, "created_at"))),
			      "last_used", when(a, json_integer_value(json_object_get(s,
										  "last_active_at"))),
			      "ip", json_object_get(s, "last_ip"),
			      "selected", device != NULL && dev != NULL && strcmp(dev, device) == 0);
		if (json_is_true(json_object_get(v, "selected")))
			json_array_insert_new(out, 0, v);
		else
			json_array_append_new(out, v);
	}
	return out;
}

static void account_page(struct mxg_req *r, struct mxg_oauth *p, const struct mxg_oauth_browser *b,
			 const char *device, const char *notice)
{
	struct mxg_error err;
	json_t *list;

	mxg_error_clear(&err);
	list = mxg_oauth_sessions_of(p, b->user_id, &err);
	if (list == NULL) {
		mxg_error("oauth: account page: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	mxg_oauth_page(r, 200, "account", json_pack("{s:s, s:o, s:s?}", "user_id", b->user_id,
						    "sessions", view(r, p, list, device),
						    "notice", notice), NULL);
	json_decref(list);
}

void mxg_oauth_api_account(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_browser b;
	int have = mxg_oauth_browser_get(p, r, &b);

	if (have < 0) {
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (have == 0) {
		mxg_oauth_page(r, 200, "login", json_pack("{s:[{s:s, s:s}]}", "fields", "name",
							  "next", "value", "account"), NULL);
		return;
	}
	account_page(r, p, &b, mxg_req_query(r, "device_id"), NULL);
}

void mxg_oauth_api_account_sessions(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_browser b;
	struct mxg_form form;
	struct mxg_error err;
	const char *id;
	json_t *gone;
	int have, n;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	if (!mxg_oauth_csrf_ok(r, &form)) {
		mxg_oauth_error_page(r, 403, "error_csrf", NULL);
		return;
	}
	have = mxg_oauth_browser_get(p, r, &b);
	if (have <= 0) {
		mxg_oauth_error_page(r, have < 0 ? 503 : 401, have < 0 ? "error_unavailable" :
				     "error_not_signed_in", NULL);
		return;
	}
	id = mxg_form_param(&form, "session");
	mxg_error_clear(&err);
	gone = json_array();
	n = mxg_oauth_sessions_end_user(p, b.user_id, id, mxg_oauth_now_ms(), gone, &err);
	mxg_oauth_devices_gone(p, gone, mxg_req_arena(r));
	if (n < 0) {
		mxg_error("oauth: ending sessions: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	mxg_info("oauth: %s ended %s (%d)", b.user_id, id != NULL ? "a session" : "all sessions",
		 n);
	if (id == NULL) {
		/* Everything, this browser's login included. */
		(void)mxg_oauth_browser_end(p, r, b.id_hash);
		mxg_oauth_page(r, 200, "logged_out", NULL, NULL);
		return;
	}
	account_page(r, p, &b, NULL, "session_ended");
}
