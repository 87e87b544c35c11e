/*
 * api-selfservice.c: what people do for their local account themselves
 * (oauth.registration, oauth.password_recovery): register (GET and POST
 * /register, then the code mailed to them at /register/verify), and
 * recover a forgotten password (GET and POST /recover, then
 * /recover/verify with the code and a new password).
 *
 * A registration on its way to an application carries the authorization
 * request in its forms (mxg_oauth_authz_fields: none when there is none), and ends logged in, going on with it.  Recovery
 * answers the same whether or not the address belongs to an account, and
 * a new password ends every session the account had.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/password.h"
#include "core/threepid.h"
#include "oauth/api.h"
#include "oauth/authorize.h"
#include "oauth/browser.h"
#include "oauth/emailcode.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"
#include "oauth/provision.h"
#include "oauth/sessions.h"
#include "stores/chain.h"
#include "stores/local.h"

#define MAX_LOCALPART 64

/* Self-service of this kind is on; else a 404 page and false. */
static bool offered(struct mxg_req *r, bool on)
{
	if (!on)
		mxg_oauth_error_page(r, 404, "error_not_offered", NULL);
	return on;
}

/* A posted form with its CSRF token; false after the error page. */
static bool read_post(struct mxg_req *r, struct mxg_form *form)
{
	if (mxg_oauth_read_form(r, form) < 0)
		return false;
	if (!mxg_oauth_csrf_ok(r, form)) {
		mxg_oauth_error_page(r, 403, "error_csrf", NULL);
		return false;
	}
	return true;
}

/* Matrix localparts as the spec has them today: a-z 0-9 . _ = - / */
static bool localpart_ok(const char *lp)
{
	size_t n = strlen(lp);

	return n > 0 && n <= MAX_LOCALPART &&
	       strspn(lp, "abcdefghijklmnopqrstuvwxyz0123456789._=-/") == n;
}

void mxg_oauth_api_signup_page(struct mxg_req *r)
{
	if (offered(r, mxg_req_app(r)->oauth->conf->registration))
		mxg_oauth_register_page(r, 200, NULL, NULL, NULL);
}

/* The form again with what was typed (never the password) and why. */
static void register_again(struct mxg_req *r, struct mxg_form *form, unsigned int status,
			   const char *error_key, const char *detail)
{
	mxg_oauth_register_page(r, status, mxg_oauth_form_getter, form,
				json_pack("{s:b, s:s?, s:s?, s:s?}", error_key, 1, "detail", detail,
					  "username", mxg_form_param(form, "username"),
					  "email", mxg_form_param(form, "email")));
}

void mxg_oauth_api_signup(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_oauth *p = app->oauth;
	struct mxg_arena *a = mxg_req_arena(r);
	char id[MXG_EMAILCODE_ID_LEN + 1];
	struct mxg_person someone;
	struct mxg_form form;
	struct mxg_error err;
	const char *lp, *email, *password, *why;
	char *hash;
	int taken;

	if (!offered(r, p->conf->registration) || !read_post(r, &form))
		return;
	lp = mxg_form_param(&form, "username");
	email = mxg_form_param(&form, "email");
	password = mxg_form_get(&form, "password");
	if (lp == NULL || email == NULL || password == NULL) {
		register_again(r, &form, 400, "error_missing", NULL);
		return;
	}
	if (!localpart_ok(lp)) {
		register_again(r, &form, 400, "error_username", NULL);
		return;
	}
	email = mxg_3pid_canonicalize(a, "email", email);
	if (email == NULL) {
		register_again(r, &form, 400, "error_email", NULL);
		return;
	}
	why = mxg_local_password_policy(p->local, lp, password);
	if (why != NULL) {
		register_again(r, &form, 400, "error_password", why);
		return;
	}
	/* Free here and in every store: a directory's name is not for the
	 * taking. */
	mxg_error_clear(&err);
	taken = mxg_local_account_taken(p->db, lp, email, &err);
	if (taken == 0 && mxg_store_chain_profile(p->stores, mxg_arena_printf(a, "@%s:%s", lp,
						  p->cfg->server_name), a, &someone, NULL,
						  &err) == MXG_STORE_OK)
		taken = 1;
	if (taken < 0) {
		mxg_error("oauth: registration: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (taken > 0) {
		register_again(r, &form, 409, "error_taken", NULL);
		return;
	}
	hash = mxg_password_hash_scheme((int)p->local->hash_version, password, strlen(password));
	if (hash == NULL) {
		register_again(r, &form, 400, "error_password", NULL);
		return;
	}
	mxg_error_clear(&err);
	if (mxg_emailcode_send(p, &(struct mxg_emailcode_pending){
			.purpose = "register", .localpart = lp, .email = email,
			.password_hash = hash, .hash_version = (int)p->local->hash_version,
		}, id, &err) < 0) {
		free(hash);
		if (err.code == MXG_EMAILCODE_ERR_LIMIT) {
			mxg_info("oauth: registration of %s: %s", lp, err.msg);
			mxg_oauth_error_page(r, 429, "error_too_many_codes", NULL);
			return;
		}
		mxg_error("oauth: registration of %s: %s", lp, err.msg);
		mxg_oauth_error_page(r, 503, "error_mail", NULL);
		return;
	}
	free(hash);
	mxg_info("oauth: registration of %s started, code sent", lp);
	mxg_oauth_page(r, 200, "register_verify", json_pack("{s:s, s:s, s:o}", "id", id,
		       "email", email, "fields", mxg_oauth_authz_fields(mxg_oauth_form_getter, &form)),
		       NULL);
}

void mxg_oauth_api_signup_verify(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_emailcode_pending w;
	struct mxg_oauth_browser b;
	struct mxg_form form;
	struct mxg_error err;
	const char *id;
	int rc;

	if (!offered(r, p->conf->registration) || !read_post(r, &form))
		return;
	id = mxg_form_param(&form, "id");
	mxg_error_clear(&err);
	switch (mxg_emailcode_check(p, "register", id, mxg_form_param(&form, "code"),
				    mxg_req_arena(r), &w, &err)) {
	case MXG_EMAILCODE_OK:
		break;
	case MXG_EMAILCODE_WRONG:
		mxg_oauth_page(r, 400, "register_verify", json_pack("{s:s, s:b, s:o}", "id", id,
			       "error_code", 1, "fields",
			       mxg_oauth_authz_fields(mxg_oauth_form_getter, &form)), NULL);
		return;
	case MXG_EMAILCODE_GONE:
		mxg_oauth_error_page(r, 400, "error_code_gone", NULL);
		return;
	default:
		mxg_error("oauth: registration code: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	rc = mxg_local_account_insert(p->db, w.localpart, NULL, w.email, w.password_hash,
				      w.hash_version, &err);
	if (rc != 0) {
		if (rc < 0)
			mxg_error("oauth: creating %s: %s", w.localpart, err.msg);
		mxg_oauth_error_page(r, rc < 0 ? 503 : 409, rc < 0 ? "error_unavailable" :
				     "error_taken", NULL);
		return;
	}
	mxg_info("oauth: local account %s registered", w.localpart);
	if (mxg_oauth_browser_start(p, r, mxg_arena_printf(mxg_req_arena(r), "@%s:%s",
				    w.localpart, p->cfg->server_name), &b) < 0) {
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	mxg_oauth_resume(r, &form, &b);
}

void mxg_oauth_api_recover_page(struct mxg_req *r)
{
	if (offered(r, mxg_req_app(r)->oauth->conf->password_recovery))
		mxg_oauth_page(r, 200, "recover", NULL, NULL);
}

void mxg_oauth_api_recover(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_arena *a = mxg_req_arena(r);
	char id[MXG_EMAILCODE_ID_LEN + 1];
	const char *email, *lp = NULL;
	struct mxg_form form;
	struct mxg_error err;
	int found;

	if (!offered(r, p->conf->password_recovery) || !read_post(r, &form))
		return;
	email = mxg_form_param(&form, "email");
	email = email != NULL ? mxg_3pid_canonicalize(a, "email", email) : NULL;
	if (email == NULL) {
		mxg_oauth_page(r, 400, "recover", json_pack("{s:b}", "error_email", 1), NULL);
		return;
	}
	mxg_error_clear(&err);
	found = mxg_local_account_by_email(p->db, email, a, &lp, &err);
	if (found < 0) {
		mxg_error("oauth: recovery: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (found == 0 || mxg_emailcode_send(p, &(struct mxg_emailcode_pending){
			.purpose = "recover", .localpart = lp, .email = email,
		}, id, &err) < 0) {
		/* The same page either way: it must not tell which addresses
		 * have accounts.  A made-up id matches no code. */
		if (found > 0)
			mxg_warning("oauth: recovery code for %s not sent: %s", lp, err.msg);
		if (mxg_random_token(id, MXG_EMAILCODE_ID_LEN) < 0)
			id[0] = '\0';
	} else {
		mxg_info("oauth: recovery code sent for %s", lp);
	}
	mxg_oauth_page(r, 200, "recover_sent", json_pack("{s:s, s:s}", "id", id, "email", email),
		       NULL);
}

void mxg_oauth_api_recover_verify(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_emailcode_pending w;
	struct mxg_form form;
	struct mxg_error err;
	const char *id, *password, *why;
	int rc;

	if (!offered(r, p->conf->password_recovery) || !read_post(r, &form))
		return;
	id = mxg_form_param(&form, "id");
	password = mxg_form_get(&form, "password");
	/* The policy first: a refused password must not spend the code. */
	why = password != NULL ? mxg_local_password_policy(p->local, NULL, password) :
	      "enter a new password";
	if (why != NULL) {
		mxg_oauth_page(r, 400, "recover_sent", json_pack("{s:s?, s:b, s:s}", "id", id,
			       "error_password", 1, "detail", why), NULL);
		return;
	}
	mxg_error_clear(&err);
	switch (mxg_emailcode_check(p, "recover", id, mxg_form_param(&form, "code"),
				    mxg_req_arena(r), &w, &err)) {
	case MXG_EMAILCODE_OK:
		break;
	case MXG_EMAILCODE_WRONG:
		mxg_oauth_page(r, 400, "recover_sent", json_pack("{s:s, s:b}", "id", id,
			       "error_code", 1), NULL);
		return;
	case MXG_EMAILCODE_GONE:
		mxg_oauth_error_page(r, 400, "error_code_gone", NULL);
		return;
	default:
		mxg_error("oauth: recovery code: %s", err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	if (mxg_local_password_policy(p->local, w.localpart, password) != NULL) {
		mxg_oauth_page(r, 400, "recover", json_pack("{s:b}", "error_password_name", 1),
			       NULL);
		return;
	}
	rc = mxg_local_account_set_password(p->db, p->local, w.localpart, password, &err);
	if (rc == 1) {
		json_t *gone = json_array();

		rc = mxg_oauth_sessions_end_user(p, mxg_arena_printf(mxg_req_arena(r), "@%s:%s",
						 w.localpart, p->cfg->server_name), NULL,
						 mxg_oauth_now_ms(), gone, &err) < 0 ? -1 : 1;
		mxg_oauth_devices_gone(p, gone, mxg_req_arena(r));
	}
	if (rc != 1) {
		mxg_error("oauth: recovery of %s: %s", w.localpart, err.msg);
		mxg_oauth_error_page(r, 503, "error_unavailable", NULL);
		return;
	}
	mxg_info("oauth: %s set a new password by e-mail recovery; their sessions ended",
		 w.localpart);
	mxg_oauth_page(r, 200, "recover_done", NULL, NULL);
}
