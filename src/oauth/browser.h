/*
 * browser.h: a browser's login at the provider's pages, and the CSRF
 * token of its forms.
 *
 * The login is a cookie (mxgate_session) holding an mxbs_ token whose hash
 * names a row of oauth_browser_sessions; the CSRF token is a second cookie
 * (mxgate_csrf, SameSite=Strict) that every form repeats in a hidden field
 * (double submit): a page of another site can make a browser post to us
 * but can neither read nor set that cookie.  Cookies are HttpOnly, and
 * Secure when the issuer is https.
 */
#ifndef MXG_OAUTH_BROWSER_H
#define MXG_OAUTH_BROWSER_H

#include <stdbool.h>

#include "http/http.h"
#include "oauth/token.h"

struct mxg_form;
struct mxg_oauth;

struct mxg_oauth_browser {
	char id_hash[MXG_TOKEN_HASH_SIZE];
	const char *user_id;		/* "@alice:example.org" */
	long long auth_time_ms;
};

/* The browser's live login: 1 with *b, 0 when none, -1 database error. */
int mxg_oauth_browser_get(struct mxg_oauth *p, struct mxg_req *r, struct mxg_oauth_browser *b);

/* A new login for user_id (cookie set on the reply); -1 on failure. */
int mxg_oauth_browser_start(struct mxg_oauth *p, struct mxg_req *r, const char *user_id,
			    struct mxg_oauth_browser *b);

/* End the login (cookie cleared on the reply). */
int mxg_oauth_browser_end(struct mxg_oauth *p, struct mxg_req *r, const char *id_hash);

/* The CSRF token for this browser's forms (set as a cookie when new). */
const char *mxg_oauth_csrf_token(struct mxg_oauth *p, struct mxg_req *r);

/* Does the form's csrf field match the browser's cookie? */
bool mxg_oauth_csrf_ok(struct mxg_req *r, const struct mxg_form *form);

#endif
