/*
 * api-sso.c: the provider's side of the compat login's m.login.sso: GET
 * /sso?redirectUrl= logs the browser in (the login page) and asks the
 * user to confirm the application at that address may sign in as them;
 * POST /sso sends the browser back there with a single-use loginToken
 * (2 minutes) that the client exchanges at POST /login (m.login.token).
 *
 * The confirmation is what keeps a page of another site from sending a
 * logged-in browser to an address of its choosing with a token.
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
#include "oauth/oauth.h"
#include "oauth/pages.h"

/* The address the token may go to: an http(s) URL, or a private-use
 * scheme of a native app; NULL when unusable. */
static const char *target(const char *url)
{
	const char *colon;

	if (url == NULL || url[0] == '\0' || strchr(url, '#') != NULL)
		return NULL;
	colon = strchr(url, ':');
	if (colon == NULL || colon == url)
		return NULL;
	return url;
}

static const char *host_of(struct mxg_arena *a, const char *url)
{
	const char *s = strstr(url, "://");

	if (s == NULL)
		return mxg_arena_strndup(a, url, strcspn(url, ":"));
	s += 3;
	return mxg_arena_strndup(a, s, strcspn(s, "/?#"));
}

void mxg_oauth_api_sso_page(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *back = target(mxg_req_query(r, "redirectUrl"));
	struct mxg_oauth_browser b;
	int have;

	if (back == NULL) {
		mxg_oauth_error_page(r, 400, "error_sso_target", NULL);
		return;
	}
	have = mxg_oauth_browser_get(p, r, &b);
	if (have < 0) {
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (have == 0) {
		mxg_oauth_page(r, 200, "login", json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "fields",
			       "name", "next", "value", "sso", "name", "redirect_url", "value", back),
			       NULL);
		return;
	}
	mxg_oauth_page(r, 200, "sso_confirm", json_pack("{s:s, s:s, s:s}", "redirect_url", back,
		       "host", host_of(mxg_req_arena(r), back), "user_id", b.user_id),
		       mxg_oauth_redirect_source(mxg_req_arena(r), back));
}

void mxg_oauth_api_sso_confirm(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	char token[MXG_TOKEN_SIZE];
	struct mxg_oauth_browser b;
	struct mxg_buf loc = MXG_BUF_INIT;
	struct mxg_form form;
	struct mxg_error err;
	const char *back;
	int have;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	if (!mxg_oauth_csrf_ok(r, &form)) {
		mxg_oauth_error_page(r, 403, "error_csrf", NULL);
		return;
	}
	back = target(mxg_form_param(&form, "redirect_url"));
	if (back == NULL) {
		mxg_oauth_error_page(r, 400, "error_sso_target", NULL);
		return;
	}
	have = mxg_oauth_browser_get(p, r, &b);
	if (have <= 0) {
		mxg_oauth_error_page(r, have < 0 ? 503 : 401, have < 0 ? "error_unavailable" :
				     "error_not_signed_in", NULL);
		return;
	}
	mxg_error_clear(&err);
	if (mxg_oauth_login_token_issue(p, back, &b, token, &err) < 0) {
		mxg_error("oauth: sso login token: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	mxg_info("oauth: %s signs in by SSO at %s", b.user_id, host_of(mxg_req_arena(r), back));
	mxg_buf_append_str(&loc, back);
	mxg_buf_append_str(&loc, strchr(back, '?') != NULL ? "&loginToken=" : "?loginToken=");
	mxg_buf_append_str(&loc, token);
	explicit_bzero(token, sizeof(token));
	mxg_reply_header(r, "Location", loc.data);
	mxg_reply_header(r, "Cache-Control", "no-store");
	mxg_reply_raw(r, 303, "text/plain", "", 0);
	explicit_bzero(loc.data, loc.len);
	mxg_buf_free(&loc);
}
