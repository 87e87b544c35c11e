/*
 * api-authorize.c: the browser's part of the authorization code flow:
 * GET /authorize, the login page (GET and POST /login) and the consent
 * page (POST /consent).  Each step checks the whole authorization request
 * again from the parameters the forms carry on: nothing a browser sends is
 * trusted because an earlier step checked it.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "login/login.h"
#include "oauth/api.h"
#include "oauth/authorize.h"
#include "oauth/browser.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/scope.h"

static const char *query_param(void *r, const char *name)
{
	const char *v = mxg_req_query(r, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static json_t *client_view(const struct mxg_oauth_client *c)
{
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "name",
			 c->client_name != NULL ? c->client_name : c->client_id,
			 "uri", c->client_uri, "logo", c->logo_uri, "tos", c->tos_uri,
			 "policy", c->policy_uri);
}

/* The login page, with the request's parameters carried on. */
static void login_page(struct mxg_req *r, unsigned int status, const struct mxg_oauth_authz *a,
		       mxg_oauth_param_fn *get, void *gc, json_t *extra)
{
	json_t *ctx = extra != NULL ? extra : json_object();

	if (a != NULL) {
		json_object_set_new(ctx, "client", client_view(&a->client));
		json_object_set_new(ctx, "fields", mxg_oauth_authz_fields(get, gc));
		if (a->login_hint != NULL && json_object_get(ctx, "username") == NULL)
			json_object_set_new(ctx, "username", json_string(a->login_hint));
	}
	mxg_oauth_page(r, status, "login", ctx, a != NULL ?
		       mxg_oauth_redirect_source(mxg_req_arena(r), a->redirect_uri) : NULL);
}

static void consent_page(struct mxg_req *r, const struct mxg_oauth_authz *a,
			 const struct mxg_oauth_browser *b, mxg_oauth_param_fn *get, void *gc)
{
	mxg_oauth_page(r, 200, "consent", json_pack("{s:o, s:o, s:o, s:s}",
		       "client", client_view(&a->client),
		       "scopes", mxg_oauth_scope_view(mxg_req_arena(r), a->scope),
		       "fields", mxg_oauth_authz_fields(get, gc), "user_id", b->user_id),
		       mxg_oauth_redirect_source(mxg_req_arena(r), a->redirect_uri));
}

/* Hand the client its code. */
static void issue_code(struct mxg_req *r, struct mxg_oauth *p, const struct mxg_oauth_authz *a,
		       const struct mxg_oauth_browser *b)
{
	char code[MXG_TOKEN_SIZE];
	struct mxg_error err;

	mxg_error_clear(&err);
	if (mxg_oauth_code_issue(p, a, b, code, &err) < 0) {
		mxg_error("oauth: issuing a code: %s", err.msg);
		mxg_oauth_authz_error(r, a, "temporarily_unavailable", "The server cannot store "
				      "the authorization now");
		return;
	}
	mxg_info("oauth: code for %s to client %s", b->user_id, a->client.client_id);
	mxg_oauth_authz_respond(r, a, json_pack("{s:s}", "code", code));
	explicit_bzero(code, sizeof(code));
}

/* Logged in: consent if it is needed, else the code. */
static void after_login(struct mxg_req *r, struct mxg_oauth *p, const struct mxg_oauth_authz *a,
			const struct mxg_oauth_browser *b, mxg_oauth_param_fn *get, void *gc)
{
	struct mxg_error err;
	int given = 0;

	mxg_error_clear(&err);
	if (!a->client.skip_consent &&
	    (given = mxg_oauth_consent_given(p, b->user_id, a->client.client_id, a->scope,
					     mxg_req_arena(r), &err)) < 0) {
		mxg_error("oauth: consent lookup: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (a->prompt_consent || (!a->client.skip_consent && !given)) {
		if (a->prompt_none)
			mxg_oauth_authz_error(r, a, "consent_required", NULL);
		else
			consent_page(r, a, b, get, gc);
		return;
	}
	issue_code(r, p, a, b);
}

/* Check the request; false after an answer (error page or redirect). */
static bool checked(struct mxg_req *r, struct mxg_oauth *p, mxg_oauth_param_fn *get, void *gc,
		    struct mxg_oauth_authz *a)
{
	const char *error = NULL, *why = NULL;

	switch (mxg_oauth_authz_check(p, r, get, gc, a, &error, &why)) {
	case MXG_AUTHZ_OK:
		return true;
	case MXG_AUTHZ_PAGE:
		mxg_oauth_error_page(r, 400, error, NULL);
		return false;
	case MXG_AUTHZ_REDIRECT:
		mxg_info("oauth: authorization request of %s refused: %s: %s",
			 a->client.client_id, error, why != NULL ? why : "");
		mxg_oauth_authz_error(r, a, error, why);
		return false;
	default:
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return false;
	}
}

void mxg_oauth_api_authorize(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_authz a;
	struct mxg_oauth_browser b;
	int have;

	if (!checked(r, p, query_param, r, &a))
		return;
	have = mxg_oauth_browser_get(p, r, &b);
	if (have < 0) {
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (a.prompt_create && p->conf->registration) {
		mxg_oauth_register_page(r, 200, query_param, r, NULL);
		return;
	}
	if (have == 0 || a.prompt_login ||
	    (a.max_age_s >= 0 && mxg_oauth_now_ms() - b.auth_time_ms > a.max_age_s * 1000)) {
		if (a.prompt_none)
			mxg_oauth_authz_error(r, &a, "login_required", NULL);
		else
			login_page(r, 200, &a, query_param, r, NULL);
		return;
	}
	after_login(r, p, &a, &b, query_param, r);
}

void mxg_oauth_api_login_page(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_browser b;

	if (mxg_oauth_browser_get(p, r, &b) == 1) {
		mxg_oauth_page(r, 200, "signed_in", json_pack("{s:s}", "user_id", b.user_id), NULL);
		return;
	}
	login_page(r, 200, NULL, NULL, NULL, NULL);
}

void mxg_oauth_api_login(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_oauth *p = app->oauth;
	struct mxg_login_request rq = { .client_ip = mxg_req_client_ip(r) };
	struct mxg_login_outcome out;
	struct mxg_oauth_authz a, *ap = NULL;
	struct mxg_oauth_browser b;
	struct mxg_form form;
	struct mxg_error err;
	const char *password;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	if (!mxg_oauth_csrf_ok(r, &form)) {
		mxg_oauth_error_page(r, 403, "error_csrf", NULL);
		return;
	}
	/* A login on its way to a client: that request must still hold. */
	if (mxg_form_param(&form, "client_id") != NULL) {
		if (!checked(r, p, mxg_oauth_form_getter, &form, &a))
			return;
		ap = &a;
	}
	rq.id = mxg_form_param(&form, "username");
	password = mxg_form_get(&form, "password");
	if (rq.id == NULL || password == NULL || password[0] == '\0') {
		login_page(r, 400, ap, mxg_oauth_form_getter, &form,
			   json_pack("{s:b, s:s?}", "error_missing", 1, "username", rq.id));
		return;
	}
	rq.password = password;
	rq.password_len = strlen(password);
	mxg_error_clear(&err);
	switch (mxg_login_attempt(app, &rq, mxg_req_arena(r), &out, &err)) {
	case MXG_LOGIN_OK:
		break;
	case MXG_LOGIN_REFUSED:
		login_page(r, 401, ap, mxg_oauth_form_getter, &form,
			   json_pack("{s:b, s:s}", "error_credentials", 1, "username", rq.id));
		return;
	case MXG_LOGIN_LOCKED:
		mxg_reply_header(r, "Retry-After", mxg_arena_printf(mxg_req_arena(r), "%lld",
				 (out.retry_after_ms + 999) / 1000));
		login_page(r, 429, ap, mxg_oauth_form_getter, &form,
			   json_pack("{s:b, s:I, s:s}", "error_locked", 1, "retry_after_s",
				     (json_int_t)((out.retry_after_ms + 999) / 1000), "username",
				     rq.id));
		return;
	default:
		mxg_error("oauth: login: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (mxg_oauth_browser_start(p, r, out.person.user_id, &b) < 0) {
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	mxg_info("oauth: %s signed in", out.person.user_id);
	if (ap == NULL && mxg_form_param(&form, "next") != NULL &&
	    strcmp(mxg_form_param(&form, "next"), "sso") == 0 &&
	    mxg_form_param(&form, "redirect_url") != NULL) {
		/* Back to the SSO confirmation, with where the token goes. */
		struct mxg_buf loc = MXG_BUF_INIT;

		mxg_buf_append_str(&loc, "/sso?redirectUrl=");
		mxg_buf_append_urlenc(&loc, mxg_form_param(&form, "redirect_url"));
		mxg_reply_header(r, "Location", loc.data);
		mxg_reply_raw(r, 303, "text/plain", "", 0);
		mxg_buf_free(&loc);
		return;
	}
	if (ap == NULL && mxg_form_param(&form, "next") != NULL &&
	    strcmp(mxg_form_param(&form, "next"), "account") == 0) {
		mxg_reply_header(r, "Location", "/account");
		mxg_reply_raw(r, 303, "text/plain", "", 0);
		return;
	}
	if (ap == NULL && mxg_form_param(&form, "next") != NULL &&
	    strcmp(mxg_form_param(&form, "next"), "device") == 0) {
		/* Back to the device page, with the code the user came with. */
		const char *code = mxg_form_param(&form, "user_code");
		struct mxg_buf loc = MXG_BUF_INIT;

		mxg_buf_append_str(&loc, "/device");
		if (code != NULL) {
			mxg_buf_append_str(&loc, "?user_code=");
			mxg_buf_append_urlenc(&loc, code);
		}
		mxg_reply_header(r, "Location", loc.data);
		mxg_reply_raw(r, 303, "text/plain", "", 0);
		mxg_buf_free(&loc);
		return;
	}
	if (ap == NULL) {
		mxg_oauth_page(r, 200, "signed_in", json_pack("{s:s}", "user_id", b.user_id), NULL);
		return;
	}
	after_login(r, p, ap, &b, mxg_oauth_form_getter, &form);
}

void mxg_oauth_api_consent(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_authz a;
	struct mxg_oauth_browser b;
	struct mxg_form form;
	struct mxg_error err;
	const char *action;
	int have;

	if (mxg_oauth_read_form(r, &form) < 0)
		return;
	if (!mxg_oauth_csrf_ok(r, &form)) {
		mxg_oauth_error_page(r, 403, "error_csrf", NULL);
		return;
	}
	if (!checked(r, p, mxg_oauth_form_getter, &form, &a))
		return;
	have = mxg_oauth_browser_get(p, r, &b);
	if (have <= 0) {
		if (have < 0)
			mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		else
			login_page(r, 200, &a, mxg_oauth_form_getter, &form, NULL);
		return;
	}
	action = mxg_form_param(&form, "action");
	if (action == NULL || strcmp(action, "allow") != 0) {
		mxg_info("oauth: %s declined client %s", b.user_id, a.client.client_id);
		mxg_oauth_authz_error(r, &a, "access_denied", "The user declined");
		return;
	}
	mxg_error_clear(&err);
	if (mxg_oauth_consent_store(p, b.user_id, a.client.client_id, a.scope, mxg_req_arena(r),
				    &err) < 0) {
		mxg_error("oauth: storing consent: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	issue_code(r, p, &a, &b);
}

void mxg_oauth_resume(struct mxg_req *r, struct mxg_form *form, const struct mxg_oauth_browser *b)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_oauth_authz a;

	if (mxg_form_param(form, "client_id") == NULL) {
		mxg_reply_header(r, "Location", "/account");
		mxg_reply_raw(r, 303, "text/plain", "", 0);
		return;
	}
	if (checked(r, p, mxg_oauth_form_getter, form, &a))
		after_login(r, p, &a, b, mxg_oauth_form_getter, form);
}

void mxg_oauth_register_page(struct mxg_req *r, unsigned int status, mxg_oauth_param_fn *get,
			     void *gc, json_t *extra)
{
	json_t *ctx = extra != NULL ? extra : json_object();

	if (get != NULL)
		json_object_set_new(ctx, "fields", mxg_oauth_authz_fields(get, gc));
	mxg_oauth_page(r, status, "register", ctx, NULL);
}
