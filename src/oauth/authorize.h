/*
 * authorize.h: an authorization request (RFC 6749 4.1.1, OpenID Connect
 * Core 3.1.2.1, PKCE RFC 7636) checked, answered back to the client, and
 * the authorization codes it leads to.
 *
 * Until the client and its redirect URI are known to be right, an error
 * is shown on an error page, never redirected (RFC 6749 4.1.2.1); after
 * that errors go back to the client the way it asked (response_mode).
 */
#ifndef MXG_OAUTH_AUTHORIZE_H
#define MXG_OAUTH_AUTHORIZE_H

#include <stdbool.h>

#include <jansson.h>

#include "core/error.h"
#include "http/form.h"
#include "http/http.h"
#include "oauth/clients.h"
#include "oauth/token.h"

struct mxg_oauth;
struct mxg_oauth_browser;

/* The request's parameters by name; NULL when absent or empty. */
typedef const char *mxg_oauth_param_fn(void *ctx, const char *name);

/* The parameters an authorization request carries (and that the login and
 * consent forms carry on as hidden fields), NULL-terminated. */
extern const char *const mxg_oauth_authz_param_names[];

enum mxg_response_mode { MXG_MODE_QUERY, MXG_MODE_FRAGMENT, MXG_MODE_FORM_POST };

struct mxg_oauth_authz {
	struct mxg_oauth_client client;
	const char *redirect_uri;
	int response_mode;		/* enum mxg_response_mode */
	const char *scope;		/* normalised */
	const char *state, *nonce, *code_challenge, *login_hint;
	bool prompt_none, prompt_login, prompt_consent, prompt_create;
	long long max_age_s;		/* -1: none */
};

enum mxg_authz_check {
	MXG_AUTHZ_OK,
	MXG_AUTHZ_PAGE,			/* show error_key on the error page */
	MXG_AUTHZ_REDIRECT,		/* send error back to the client */
	MXG_AUTHZ_UNAVAILABLE,		/* the database is down */
};

/*
 * Check the request whose parameters get() gives.  MXG_AUTHZ_OK fills
 * *authz; MXG_AUTHZ_PAGE sets *error to a string key of the error page;
 * MXG_AUTHZ_REDIRECT sets *error (an OAuth error code) and *why, and enough
 * of *authz to answer the client.
 */
enum mxg_authz_check mxg_oauth_authz_check(struct mxg_oauth *p, struct mxg_req *r,
					   mxg_oauth_param_fn *get, void *get_ctx,
					   struct mxg_oauth_authz *authz, const char **error,
					   const char **why);

/* The request's parameters as [{name, value}], for the hidden fields of
 * the login and consent forms (a new reference). */
json_t *mxg_oauth_authz_fields(mxg_oauth_param_fn *get, void *get_ctx);

/* Answer the client at its redirect URI, the way it asked: fields (stolen)
 * plus state and iss (RFC 9207). */
void mxg_oauth_authz_respond(struct mxg_req *r, const struct mxg_oauth_authz *authz,
			     json_t *fields);

/* The CSP source that allows a form to lead to uri (its origin, or its
 * scheme for a private-use one): forms whose answer redirects to the
 * client need it in form-action, which browsers apply to redirects too. */
const char *mxg_oauth_redirect_source(struct mxg_arena *arena, const char *uri);

/* An error to the client (error, and error_description when why). */
void mxg_oauth_authz_error(struct mxg_req *r, const struct mxg_oauth_authz *authz,
			   const char *error, const char *why);

/* Does the request's redirect URI match one of the client's (exactly, or
 * by the RFC 8252 loopback rule: any port for http://127.0.0.1, [::1]
 * and localhost)? */
bool mxg_oauth_redirect_uri_ok(const struct mxg_oauth_client *c, const char *uri);

/* An authorization code for authz and the browser's login; -1 + err. */
int mxg_oauth_code_issue(struct mxg_oauth *p, const struct mxg_oauth_authz *authz,
			 const struct mxg_oauth_browser *b, char code[MXG_TOKEN_SIZE],
			 struct mxg_error *err);

/* A code taken for exchange. */
struct mxg_oauth_code_grant {
	const char *client_id, *redirect_uri, *scope, *nonce, *code_challenge;
	const char *user_id, *browser_session, *session_id;
	long long auth_time_ms, expires_at_ms;
};

enum mxg_code_take {
	MXG_CODE_UNKNOWN,		/* no such code */
	MXG_CODE_TAKEN,			/* *grant: the code is now spent */
	MXG_CODE_REPLAYED,		/* spent before: grant->session_id is what it gave */
	MXG_CODE_EXPIRED,
	MXG_CODE_ERROR,			/* err */
};

/* Take a code of kind (MXG_TOKEN_CODE, or MXG_TOKEN_LOGIN for the compat
 * SSO's login tokens). */
enum mxg_code_take mxg_oauth_code_take(struct mxg_oauth *p, enum mxg_token_kind kind,
				       const char *code, long long now_ms, struct mxg_arena *arena,
				       struct mxg_oauth_code_grant *g, struct mxg_error *err);

/* The compat login's pseudo-client, and its SSO login tokens: a login
 * token for b's user, to be sent back to redirect_url. */
#define MXG_COMPAT_CLIENT "legacy"
#define MXG_LOGIN_TOKEN_LIFETIME_MS (2 * 60 * 1000)
int mxg_oauth_login_token_issue(struct mxg_oauth *p, const char *redirect_url,
				const struct mxg_oauth_browser *b, char token[MXG_TOKEN_SIZE],
				struct mxg_error *err);

/* Record the session a code gave (so a replay of it can end it). */
int mxg_oauth_code_session(struct mxg_oauth *p, const char *code, const char *session_id,
			   struct mxg_error *err);

/* Has user_id consented to client_id for scope (device scopes aside)?
 * 1, 0, or -1 + err. */
int mxg_oauth_consent_given(struct mxg_oauth *p, const char *user_id, const char *client_id,
			    const char *scope, struct mxg_arena *arena, struct mxg_error *err);
int mxg_oauth_consent_store(struct mxg_oauth *p, const char *user_id, const char *client_id,
			    const char *scope, struct mxg_arena *arena, struct mxg_error *err);

/* api-authorize.c: after a login made elsewhere (registration), go on
 * with the authorization request the form carries, or to the account
 * page without one. */
void mxg_oauth_resume(struct mxg_req *r, struct mxg_form *form,
		      const struct mxg_oauth_browser *b);

/* The registration page, the request's parameters carried on (get NULL:
 * none); extra (stolen) for errors and values. */
void mxg_oauth_register_page(struct mxg_req *r, unsigned int status, mxg_oauth_param_fn *get,
			     void *gc, json_t *extra);

#endif
