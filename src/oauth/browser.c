/*
 * browser.c: browser logins and CSRF tokens (see browser.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "http/form.h"
#include "oauth/browser.h"
#include "oauth/oauth.h"

#define SESSION_COOKIE "mxgate_session"
#define CSRF_COOKIE "mxgate_csrf"
#define CSRF_LEN 32

static bool secure(const struct mxg_oauth *p)
{
	return strncmp(p->issuer, "https://", 8) == 0;
}

static void set_cookie(struct mxg_oauth *p, struct mxg_req *r, const char *name, const char *value,
		       const char *same_site, long long max_age_s)
{
	char age[48] = "";

	if (max_age_s >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%lld", max_age_s);
	mxg_reply_header(r, "Set-Cookie", mxg_arena_printf(mxg_req_arena(r),
			 "%s=%s; Path=/; HttpOnly; SameSite=%s%s%s", name, value, same_site,
			 secure(p) ? "; Secure" : "", age));
}

int mxg_oauth_browser_get(struct mxg_oauth *p, struct mxg_req *r, struct mxg_oauth_browser *b)
{
	const char *token = mxg_req_cookie(r, SESSION_COOKIE);
	char since[24];
	const char *const params[] = { b->id_hash, since };
	struct mxg_db_result *res = NULL;
	struct mxg_error err;
	int found = 0;

	memset(b, 0, sizeof(*b));
	if (token == NULL || mxg_token_kind(token) != MXG_TOKEN_BROWSER)
		return 0;
	mxg_token_hash(token, b->id_hash);
	mxg_db_num(since, mxg_oauth_now_ms() - p->conf->browser_session_lifetime_ms);
	mxg_error_clear(&err);
	if (mxg_db_query(p->db, "SELECT user_id, auth_time FROM oauth_browser_sessions"
			 " WHERE id_hash = $1 AND finished_at IS NULL AND created_at > $2", 2,
			 params, &res, &err) < 0) {
		mxg_error("oauth: browser session: %s", err.msg);
		return -1;
	}
	if (mxg_db_result_rows(res) == 1) {
		b->user_id = mxg_arena_strdup(mxg_req_arena(r), mxg_db_result_get(res, 0, 0));
		b->auth_time_ms = mxg_db_result_ll(res, 0, 1);
		found = 1;
	}
	mxg_db_result_free(&res);
	return found;
}

int mxg_oauth_browser_start(struct mxg_oauth *p, struct mxg_req *r, const char *user_id,
			    struct mxg_oauth_browser *b)
{
	char token[MXG_TOKEN_SIZE], now[24];
	const char *ua = mxg_req_header(r, "User-Agent");
	const char *const params[] = { b->id_hash, user_id, now, ua };
	long long now_ms = mxg_oauth_now_ms();
	struct mxg_error err;

	memset(b, 0, sizeof(*b));
	if (mxg_token_mint(MXG_TOKEN_BROWSER, token) < 0)
		return -1;
	mxg_token_hash(token, b->id_hash);
	mxg_db_num(now, now_ms);
	mxg_error_clear(&err);
	if (mxg_db_query(p->db, "INSERT INTO oauth_browser_sessions (id_hash, user_id, auth_time,"
			 " created_at, last_active_at, user_agent) VALUES ($1, $2, $3, $3, $3, $4)",
			 4, params, NULL, &err) < 0) {
		mxg_error("oauth: starting a browser session: %s", err.msg);
		explicit_bzero(token, sizeof(token));
		return -1;
	}
	set_cookie(p, r, SESSION_COOKIE, token, "Lax", p->conf->browser_session_lifetime_ms / 1000);
	explicit_bzero(token, sizeof(token));
	b->user_id = mxg_arena_strdup(mxg_req_arena(r), user_id);
	b->auth_time_ms = now_ms;
	return 0;
}

int mxg_oauth_browser_end(struct mxg_oauth *p, struct mxg_req *r, const char *id_hash)
{
	char now[24];
	const char *const params[] = { id_hash, now };
	struct mxg_error err;

	mxg_db_num(now, mxg_oauth_now_ms());
	set_cookie(p, r, SESSION_COOKIE, "", "Lax", 0);
	mxg_error_clear(&err);
	if (mxg_db_query(p->db, "UPDATE oauth_browser_sessions SET finished_at = $2"
			 " WHERE id_hash = $1 AND finished_at IS NULL", 2, params, NULL, &err) < 0) {
		mxg_error("oauth: ending a browser session: %s", err.msg);
		return -1;
	}
	return 0;
}

static bool csrf_shaped(const char *v)
{
	return v != NULL && strlen(v) == CSRF_LEN &&
	       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
	       CSRF_LEN;
}

const char *mxg_oauth_csrf_token(struct mxg_oauth *p, struct mxg_req *r)
{
	const char *have = mxg_req_cookie(r, CSRF_COOKIE);
	char *fresh;

	if (csrf_shaped(have))
		return have;
	fresh = mxg_arena_alloc(mxg_req_arena(r), CSRF_LEN + 1);
	if (fresh == NULL || mxg_random_token(fresh, CSRF_LEN) < 0)
		return "";
	set_cookie(p, r, CSRF_COOKIE, fresh, "Strict", -1);
	return fresh;
}

bool mxg_oauth_csrf_ok(struct mxg_req *r, const struct mxg_form *form)
{
	const char *cookie = mxg_req_cookie(r, CSRF_COOKIE);
	const char *field = mxg_form_get(form, "csrf");

	return csrf_shaped(cookie) && field != NULL && mxg_const_streq(cookie, field);
}
