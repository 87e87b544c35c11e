/*
 * api-logout.c: RP-initiated logout (OpenID Connect RP-Initiated Logout
 * 1.0), the provider's end_session_endpoint, GET or POST /oauth2/logout.
 *
 * The application names itself by client_id or by an ID token we signed
 * (id_token_hint; an expired one is fine, it only says who).  The user
 * confirms on a page (a logout must not be something another site can
 * trigger: the page's form carries the CSRF token); then the browser's
 * login ends, with the sessions that application got through it, and the
 * browser goes back to post_logout_redirect_uri when that is one of the
 * application's redirect URIs.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "oauth/api.h"
#include "oauth/authorize.h"
#include "oauth/browser.h"
#include "oauth/jose.h"
#include "oauth/keys.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/provision.h"
#include "oauth/sessions.h"

static const char *param(struct mxg_req *r, const struct mxg_form *form, const char *name)
{
	const char *v = form != NULL ? mxg_form_param(form, name) : mxg_req_query(r, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The client the request names (id_token_hint first); NULL when none can
 * be trusted.  *bad: a hint that is not ours. */
static const char *client_named(struct mxg_req *r, struct mxg_oauth *p, const char *hint,
				const char *client_id, bool *bad)
{
	struct mxg_jws jws;
	struct mxg_error err;
	const char *aud = NULL;

	*bad = false;
	if (hint == NULL)
		return client_id;
	mxg_error_clear(&err);
	if (mxg_jws_parse(hint, &jws, &err) < 0 ||
	    !mxg_oauth_keys_verify(p->keys, &jws, mxg_oauth_now_ms()) ||
	    json_string_value(json_object_get(jws.payload, "iss")) == NULL ||
	    strcmp(json_string_value(json_object_get(jws.payload, "iss")), p->issuer) != 0) {
		mxg_jws_clear(&jws);
		*bad = true;
		return NULL;
	}
	aud = json_string_value(json_object_get(jws.payload, "aud"));
	if (aud == NULL && json_is_array(json_object_get(jws.payload, "aud")))
		aud = json_string_value(json_array_get(json_object_get(jws.payload, "aud"), 0));
	aud = aud != NULL ? mxg_arena_strdup(mxg_req_arena(r), aud) : NULL;
	mxg_jws_clear(&jws);
	if (aud == NULL || (client_id != NULL && strcmp(client_id, aud) != 0)) {
		*bad = true;
		return NULL;
	}
	return aud;
}

void mxg_oauth_api_logout(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_form form, *fp = NULL;
	struct mxg_oauth_client c = { 0 };
	struct mxg_oauth_browser b;
	struct mxg_error err;
	const char *client_id, *redirect, *state, *source = NULL;
	bool bad, have_client = false;
	int have;

	if (mxg_req_method(r) == MXG_POST) {
		if (mxg_oauth_read_form(r, &form) < 0)
			return;
		fp = &form;
	}
	client_id = client_named(r, p, param(r, fp, "id_token_hint"), param(r, fp, "client_id"),
				 &bad);
	if (bad) {
		mxg_oauth_error_page(r, 400, "error_logout_hint", NULL);
		return;
	}
	mxg_error_clear(&err);
	if (client_id != NULL) {
		int found = mxg_oauth_client_find(p, client_id, mxg_req_arena(r), &c, &err);

		if (found < 0) {
			mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
			return;
		}
		have_client = found == 1;
	}
	redirect = param(r, fp, "post_logout_redirect_uri");
	state = param(r, fp, "state");
	if (redirect != NULL) {
		/* Only to where the application itself may be sent. */
		if (!have_client || !mxg_oauth_redirect_uri_ok(&c, redirect)) {
			mxg_oauth_error_page(r, 400, "error_logout_redirect", NULL);
			return;
		}
		source = mxg_oauth_redirect_source(mxg_req_arena(r), redirect);
	}
	if (fp == NULL || !mxg_oauth_csrf_ok(r, fp)) {
		/* The confirmation page (a GET, or a POST from elsewhere). */
		mxg_oauth_page(r, 200, "logout", json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}",
			       "client_id", have_client ? c.client_id : NULL,
			       "client_name", have_client ? (c.client_name != NULL ? c.client_name :
							    c.client_id) : NULL,
			       "post_logout_redirect_uri", redirect, "state", state,
			       "id_token_hint", param(r, fp, "id_token_hint")), source);
		return;
	}
	have = mxg_oauth_browser_get(p, r, &b);
	if (have < 0) {
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (have == 1) {
		if (have_client) {
			json_t *gone = json_array();

			(void)mxg_oauth_sessions_end_browser(p, b.id_hash, c.client_id,
							     mxg_oauth_now_ms(), gone, &err);
			mxg_oauth_devices_gone(p, gone, mxg_req_arena(r));
		}
		(void)mxg_oauth_browser_end(p, r, b.id_hash);
		mxg_info("oauth: %s signed out%s%s", b.user_id, have_client ? " from " : "",
			 have_client ? c.client_id : "");
	}
	if (redirect != NULL) {
		struct mxg_buf loc = MXG_BUF_INIT;

		mxg_buf_append_str(&loc, redirect);
		if (state != NULL) {
			mxg_buf_append_str(&loc, strchr(redirect, '?') != NULL ? "&state=" : "?state=");
			mxg_buf_append_urlenc(&loc, state);
		}
		mxg_reply_header(r, "Location", loc.data);
		mxg_reply_raw(r, 303, "text/plain", "", 0);
		mxg_buf_free(&loc);
		return;
	}
	mxg_oauth_page(r, 200, "logged_out", NULL, NULL);
}
