/*
 * authorize.c: authorization requests, their answers, authorization codes
 * and remembered consent (see authorize.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "oauth/authorize.h"
#include "oauth/browser.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/scope.h"

const char *const mxg_oauth_authz_param_names[] = {
	"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "prompt", "max_age", "login_hint", NULL
};

/* --- redirect URIs --- */

/* "http://host[:port]rest" split; false for anything else. */
static bool split_http(const char *uri, const char **host, size_t *host_len, const char **rest)
{
	const char *h, *end;

	if (strncmp(uri, "http://", 7) != 0)
		return false;
	h = uri + 7;
	if (*h == '[') {
		end = strchr(h, ']');
		if (end == NULL)
			return false;
		end++;
	} else {
		end = h + strcspn(h, ":/?#");
	}
	*host = h;
	*host_len = (size_t)(end - h);
	if (*end == ':') {
		end++;
		if (strspn(end, "0123456789") == 0)
			return false;
		end += strspn(end, "0123456789");
	}
	*rest = end;
	return true;
}

static bool loopback_host(const char *h, size_t len)
{
	return (len == 9 && strncmp(h, "127.0.0.1", 9) == 0) ||
	       (len == 5 && strncmp(h, "[::1]", 5) == 0) ||
	       (len == 9 && strncmp(h, "localhost", 9) == 0);
}

bool mxg_oauth_redirect_uri_ok(const struct mxg_oauth_client *c, const char *uri)
{
	const char *h1, *h2, *r1, *r2;
	size_t l1, l2;

	for (size_t i = 0; i < c->nredirect_uris; i++) {
		const char *reg = c->redirect_uris[i];

		if (strcmp(reg, uri) == 0)
			return true;
		/* RFC 8252 7.3: a native app's loopback redirect may come on
		 * any port; the rest must be the same. */
		if (split_http(reg, &h1, &l1, &r1) && split_http(uri, &h2, &l2, &r2) &&
		    loopback_host(h1, l1) && l1 == l2 && strncmp(h1, h2, l1) == 0 &&
		    strcmp(r1, r2) == 0)
			return true;
	}
	return false;
}

/* --- the request --- */

static bool pkce_value_ok(const char *v)
{
	size_t n = v != NULL ? strlen(v) : 0;

	/* RFC 7636 4.1/4.2: 43 to 128 unreserved characters. */
	return n >= 43 && n <= 128 &&
	       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == n;
}

static enum mxg_authz_check refuse(const char **error, const char **why, const char *e,
				   const char *w)
{
	*error = e;
	*why = w;
	return MXG_AUTHZ_REDIRECT;
}

/* prompt: a space-separated list; "none" alone or not at all. */
static bool parse_prompt(const char *prompt, struct mxg_oauth_authz *a)
{
	int n = 0;

	for (const char *p = prompt; p != NULL && *p != '\0';) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		if (len == 4 && strncmp(p, "none", 4) == 0)
			a->prompt_none = true;
		else if (len == 5 && strncmp(p, "login", 5) == 0)
			a->prompt_login = true;
		else if (len == 7 && strncmp(p, "consent", 7) == 0)
			a->prompt_consent = true;
		else if (len == 6 && strncmp(p, "create", 6) == 0)
			a->prompt_create = true;
		/* select_account is not offered: ignored. */
		n++;
		p += len;
	}
	return !a->prompt_none || n == 1;
}

enum mxg_authz_check mxg_oauth_authz_check(struct mxg_oauth *p, struct mxg_req *r,
					   mxg_oauth_param_fn *get, void *gc,
					   struct mxg_oauth_authz *a, const char **error,
					   const char **why)
{
	struct mxg_arena *arena = mxg_req_arena(r);
	const char *client_id = get(gc, "client_id"), *type, *mode, *method, *max_age;
	struct mxg_error err;
	int found;

	memset(a, 0, sizeof(*a));
	a->max_age_s = -1;
	*why = NULL;
	if (client_id == NULL) {
		*error = "error_no_client";
		return MXG_AUTHZ_PAGE;
	}
	mxg_error_clear(&err);
	found = mxg_oauth_client_find(p, client_id, arena, &a->client, &err);
	if (found < 0) {
		mxg_error("oauth: authorize: %s", err.msg);
		return MXG_AUTHZ_UNAVAILABLE;
	}
	if (found == 0) {
		*error = "error_unknown_client";
		return MXG_AUTHZ_PAGE;
	}
	a->redirect_uri = get(gc, "redirect_uri");
	if (a->redirect_uri == NULL || !mxg_oauth_redirect_uri_ok(&a->client, a->redirect_uri)) {
		*error = "error_redirect_uri";
		return MXG_AUTHZ_PAGE;
	}
	/* From here on errors go back to the client. */
	a->state = get(gc, "state");
	/* The answer goes back as asked where that is valid (the default
	 * for code is the query). */
	mode = get(gc, "response_mode");
	a->response_mode = MXG_MODE_QUERY;
	if (mode != NULL && strcmp(mode, "fragment") == 0)
		a->response_mode = MXG_MODE_FRAGMENT;
	else if (mode != NULL && strcmp(mode, "form_post") == 0)
		a->response_mode = MXG_MODE_FORM_POST;
	else if (mode != NULL && strcmp(mode, "query") != 0)
		return refuse(error, why, "invalid_request", "Unknown response_mode");
	type = get(gc, "response_type");
	if (type == NULL)
		return refuse(error, why, "invalid_request", "response_type is missing");
	if (strcmp(type, "code") != 0)
		return refuse(error, why, "unsupported_response_type", "Only response_type=code "
			      "is supported");
	if (!mxg_oauth_client_has_grant(&a->client, "authorization_code"))
		return refuse(error, why, "unauthorized_client", "This client may not use the "
			      "authorization code grant");
	a->scope = mxg_oauth_scope_check(arena, &a->client, get(gc, "scope"), true, why);
	if (a->scope == NULL)
		return refuse(error, why, "invalid_scope", *why);
	a->code_challenge = get(gc, "code_challenge");
	method = get(gc, "code_challenge_method");
	if (a->code_challenge != NULL || method != NULL) {
		if (method == NULL || strcmp(method, "S256") != 0)
			return refuse(error, why, "invalid_request", "code_challenge_method must be "
				      "S256 (plain is refused)");
		if (!pkce_value_ok(a->code_challenge))
			return refuse(error, why, "invalid_request", "code_challenge must be 43 to "
				      "128 unreserved characters");
	} else if (a->client.auth_method == MXG_OAUTH_AUTH_NONE) {
		return refuse(error, why, "invalid_request", "A public client must use PKCE "
			      "(code_challenge with S256)");
	}
	if (!parse_prompt(get(gc, "prompt"), a))
		return refuse(error, why, "invalid_request", "prompt=none cannot be combined");
	max_age = get(gc, "max_age");
	if (max_age != NULL) {
		char *end;

		a->max_age_s = strtoll(max_age, &end, 10);
		if (*end != '\0' || a->max_age_s < 0)
			return refuse(error, why, "invalid_request", "max_age is not a number of "
				      "seconds");
	}
	a->nonce = get(gc, "nonce");
	a->login_hint = get(gc, "login_hint");
	return MXG_AUTHZ_OK;
}

json_t *mxg_oauth_authz_fields(mxg_oauth_param_fn *get, void *gc)
{
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && mxg_oauth_authz_param_names[i] != NULL; i++) {
		const char *v = get(gc, mxg_oauth_authz_param_names[i]);

		if (v != NULL)
			json_array_append_new(list, json_pack("{s:s, s:s}", "name",
							      mxg_oauth_authz_param_names[i],
							      "value", v));
	}
	return list;
}

/* --- answers --- */

static void append_fields(struct mxg_buf *b, json_t *fields, bool first)
{
	const char *key;
	json_t *v;

	json_object_foreach(fields, key, v) {
		mxg_buf_append_str(b, first ? "" : "&");
		mxg_buf_append_urlenc(b, key);
		mxg_buf_append_str(b, "=");
		mxg_buf_append_urlenc(b, json_string_value(v));
		first = false;
	}
}

const char *mxg_oauth_redirect_source(struct mxg_arena *a, const char *uri)
{
	const char *s = strstr(uri, "://");
	size_t n;

	if (s == NULL)		/* a private-use scheme: "org.example.app:" */
		return mxg_arena_strndup(a, uri, strcspn(uri, ":") + 1);
	n = (size_t)(s + 3 - uri) + strcspn(s + 3, "/?#");
	return mxg_arena_strndup(a, uri, n);
}

void mxg_oauth_authz_respond(struct mxg_req *r, const struct mxg_oauth_authz *a, json_t *fields)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_buf b = MXG_BUF_INIT;

	if (a->state != NULL)
		json_object_set_new(fields, "state", json_string(a->state));
	json_object_set_new(fields, "iss", json_string(p->issuer));
	if (a->response_mode == MXG_MODE_FORM_POST) {
		json_t *list = json_array(), *v;
		const char *key;

		json_object_foreach(fields, key, v)
			json_array_append_new(list, json_pack("{s:s, s:O}", "name", key, "value", v));
		json_decref(fields);
		mxg_oauth_page(r, 200, "form_post", json_pack("{s:s, s:o, s:s}", "action",
			       a->redirect_uri, "fields", list, "client_name",
			       a->client.client_name != NULL ? a->client.client_name :
			       a->client.client_id),
			       mxg_oauth_redirect_source(mxg_req_arena(r), a->redirect_uri));
		return;
	}
	mxg_buf_append_str(&b, a->redirect_uri);
	if (a->response_mode == MXG_MODE_FRAGMENT)
		mxg_buf_append_str(&b, "#");
	else
		mxg_buf_append_str(&b, strchr(a->redirect_uri, '?') != NULL ? "&" : "?");
	append_fields(&b, fields, true);
	json_decref(fields);
	mxg_reply_header(r, "Location", b.data);
	mxg_reply_header(r, "Cache-Control", "no-store");
	mxg_reply_raw(r, 303, "text/plain", "", 0);
	mxg_buf_free(&b);
}

void mxg_oauth_authz_error(struct mxg_req *r, const struct mxg_oauth_authz *a, const char *error,
			   const char *why)
{
	json_t *f = json_pack("{s:s}", "error", error);

	if (why != NULL)
		json_object_set_new(f, "error_description", json_string(why));
	mxg_oauth_authz_respond(r, a, f);
}

/* --- codes --- */

/* A grant row: what a code (or login token) of kind stands for. */
static int grant_insert(struct mxg_oauth *p, enum mxg_token_kind kind, const char *client_id,
			const char *redirect_uri, const char *scope, const char *nonce,
			const char *challenge, const struct mxg_oauth_browser *b,
			long long lifetime_ms, char code[MXG_TOKEN_SIZE], struct mxg_error *err)
{
	char hash[MXG_TOKEN_HASH_SIZE], now[24], exp[24], auth[24];
	long long now_ms = mxg_oauth_now_ms();
	const char *const params[] = {
		hash, client_id, redirect_uri, scope, nonce, challenge, b->user_id, b->id_hash, auth,
		now, exp,
	};

	if (mxg_token_mint(kind, code) < 0)
		return mxg_error_set(err, 5, "no randomness for a code");
	mxg_token_hash(code, hash);
	mxg_db_num(now, now_ms);
	mxg_db_num(exp, now_ms + lifetime_ms);
	mxg_db_num(auth, b->auth_time_ms);
	return mxg_db_query(p->db, "INSERT INTO oauth_grants (code_hash, client_id, redirect_uri,"
			    " scope, nonce, code_challenge, user_id, browser_session, auth_time,"
			    " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
			    " $10, $11)", 11, params, NULL, err);
}

int mxg_oauth_code_issue(struct mxg_oauth *p, const struct mxg_oauth_authz *a,
			 const struct mxg_oauth_browser *b, char code[MXG_TOKEN_SIZE],
			 struct mxg_error *err)
{
	return grant_insert(p, MXG_TOKEN_CODE, a->client.client_id, a->redirect_uri, a->scope,
			    a->nonce, a->code_challenge, b, p->conf->code_lifetime_ms, code, err);
}

int mxg_oauth_login_token_issue(struct mxg_oauth *p, const char *redirect_url,
				const struct mxg_oauth_browser *b, char token[MXG_TOKEN_SIZE],
				struct mxg_error *err)
{
	return grant_insert(p, MXG_TOKEN_LOGIN, MXG_COMPAT_CLIENT, redirect_url, MXG_SCOPE_API,
			    NULL, NULL, b, MXG_LOGIN_TOKEN_LIFETIME_MS, token, err);
}

enum mxg_code_take mxg_oauth_code_take(struct mxg_oauth *p, enum mxg_token_kind kind,
				       const char *code, long long now_ms, struct mxg_arena *a,
				       struct mxg_oauth_code_grant *g, struct mxg_error *err)
{
	char hash[MXG_TOKEN_HASH_SIZE], now[24];
	const char *const sel[] = { hash };
	const char *const upd[] = { hash, now };
	struct mxg_db_result *res = NULL;
	const char *exchanged;
	size_t taken;

	memset(g, 0, sizeof(*g));
	if (mxg_token_kind(code) != (int)kind)
		return MXG_CODE_UNKNOWN;
	mxg_token_hash(code, hash);
	if (mxg_db_query(p->db, "SELECT client_id, redirect_uri, scope, nonce, code_challenge,"
			 " user_id, browser_session, session_id, auth_time, expires_at,"
			 " exchanged_at FROM oauth_grants WHERE code_hash = $1", 1, sel, &res,
			 err) < 0)
		return MXG_CODE_ERROR;
	if (mxg_db_result_rows(res) != 1) {
		mxg_db_result_free(&res);
		return MXG_CODE_UNKNOWN;
	}
	g->client_id = mxg_db_result_dup(res, 0, 0, a);
	g->redirect_uri = mxg_db_result_dup(res, 0, 1, a);
	g->scope = mxg_db_result_dup(res, 0, 2, a);
	g->nonce = mxg_db_result_dup(res, 0, 3, a);
	g->code_challenge = mxg_db_result_dup(res, 0, 4, a);
	g->user_id = mxg_db_result_dup(res, 0, 5, a);
	g->browser_session = mxg_db_result_dup(res, 0, 6, a);
	g->session_id = mxg_db_result_dup(res, 0, 7, a);
	g->auth_time_ms = mxg_db_result_ll(res, 0, 8);
	g->expires_at_ms = mxg_db_result_ll(res, 0, 9);
	exchanged = mxg_db_result_get(res, 0, 10);
	mxg_db_result_free(&res);
	if (exchanged != NULL)
		return MXG_CODE_REPLAYED;
	if (now_ms >= g->expires_at_ms)
		return MXG_CODE_EXPIRED;
	mxg_db_num(now, now_ms);
	/* Spent by whoever gets here first. */
	if (mxg_db_query(p->db, "UPDATE oauth_grants SET exchanged_at = $2"
			 " WHERE code_hash = $1 AND exchanged_at IS NULL", 2, upd, &res, err) < 0)
		return MXG_CODE_ERROR;
	taken = mxg_db_result_affected(res);
	mxg_db_result_free(&res);
	return taken == 1 ? MXG_CODE_TAKEN : MXG_CODE_REPLAYED;
}

int mxg_oauth_code_session(struct mxg_oauth *p, const char *code, const char *session_id,
			   struct mxg_error *err)
{
	char hash[MXG_TOKEN_HASH_SIZE];
	const char *const params[] = { hash, session_id };

	mxg_token_hash(code, hash);
	return mxg_db_query(p->db, "UPDATE oauth_grants SET session_id = $2 WHERE code_hash = $1",
			    2, params, NULL, err);
}

/* --- consent --- */

/* scope without its device (a new one comes with every login). */
static const char *consent_scope(struct mxg_arena *a, const char *scope)
{
	char *out = mxg_arena_alloc(a, strlen(scope) + 1);

	out[0] = '\0';
	for (const char *p = scope; *p != '\0';) {
		size_t len;
		const char *tok;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		tok = mxg_arena_strndup(a, p, len);
		p += len;
		if (mxg_oauth_scope_device(a, tok) != NULL)
			continue;
		if (out[0] != '\0')
			strcat(out, " ");
		strcat(out, tok);
	}
	return out;
}

int mxg_oauth_consent_given(struct mxg_oauth *p, const char *user_id, const char *client_id,
			    const char *scope, struct mxg_arena *a, struct mxg_error *err)
{
	const char *const params[] = { user_id, client_id, consent_scope(a, scope) };
	struct mxg_db_result *res = NULL;
	int given;

	if (mxg_db_query(p->db, "SELECT 1 FROM oauth_consents WHERE user_id = $1 AND"
			 " client_id = $2 AND scope = $3", 3, params, &res, err) < 0)
		return -1;
	given = mxg_db_result_rows(res) > 0;
	mxg_db_result_free(&res);
	return given;
}

int mxg_oauth_consent_store(struct mxg_oauth *p, const char *user_id, const char *client_id,
			    const char *scope, struct mxg_arena *a, struct mxg_error *err)
{
	char now[24];
	const char *const params[] = { user_id, client_id, consent_scope(a, scope), now };

	mxg_db_num(now, mxg_oauth_now_ms());
	return mxg_db_query(p->db, "INSERT INTO oauth_consents (user_id, client_id, scope,"
			    " created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, client_id,"
			    " scope) DO NOTHING", 4, params, NULL, err);
}
