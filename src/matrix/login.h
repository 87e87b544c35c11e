/*
 * login.h: client logins through mxgate (login.interception), for any
 * homeserver.  In `jwt` mode mxgate checks the password against its store
 * chain (with the lockouts of check_credentials) and logs the person in at
 * the homeserver with a token it signs; in `passthrough` mode it only turns
 * an e-mail address or phone number into the user it belongs to and lets
 * the homeserver check the password.
 */
#ifndef MXG_MATRIX_LOGIN_H
#define MXG_MATRIX_LOGIN_H

#include <stddef.h>

#include <jansson.h>

#include "core/error.h"
#include "http/client.h"

struct mxg_app;
struct mxg_arena;

/* --- login-identifier.c --- */

enum mxg_login_id_type {
	MXG_LOGIN_ID_USER,		/* user */
	MXG_LOGIN_ID_THIRDPARTY,	/* medium + address */
	MXG_LOGIN_ID_PHONE,		/* medium "msisdn" + E.164 address */
};

struct mxg_login_ident {
	enum mxg_login_id_type type;
	const char *user;		/* a localpart or a Matrix ID, lower-cased */
	const char *medium;		/* 3PID */
	const char *address;		/* 3PID, canonical */
};

/* Why a body names nobody: a 400 with this errcode and message. */
struct mxg_login_ident_error {
	const char *errcode;
	const char *message;
};

/* Read the identifier of a login body (any of its shapes).  Returns 0, or
 * -1 with e.  Strings point into body or arena. */
int mxg_login_identifier_parse(const json_t *body, struct mxg_arena *arena,
			       struct mxg_login_ident *out, struct mxg_login_ident_error *e);

/* --- login-service.c --- */

enum mxg_hs_login_result {
	MXG_HS_LOGIN_RELAY,		/* out->resp is the homeserver's answer */
	MXG_HS_LOGIN_HS_FAILED,		/* the homeserver could not be asked: err */
	MXG_HS_LOGIN_REFUSED,		/* wrong password, unknown or disabled */
	MXG_HS_LOGIN_LOCKED,		/* out->retry_after_ms */
	MXG_HS_LOGIN_UNAVAILABLE,	/* a store or the database is down: err */
	MXG_HS_LOGIN_INTERNAL,		/* signing failed: err */
};

struct mxg_hs_login {
	struct mxg_http_client_resp resp;	/* free with mxg_http_client_resp_free */
	long long retry_after_ms;
};

/*
 * jwt mode: check password for id, then log the person in at the homeserver
 * with org.matrix.login.jwt, carrying device_id,
 * initial_device_display_name and refresh_token over from body.
 */
enum mxg_hs_login_result mxg_matrix_login_jwt(struct mxg_app *app, const json_t *body,
					      const struct mxg_login_ident *id,
					      const char *password, size_t password_len,
					      const char *path, const char *client_ip,
					      struct mxg_arena *arena,
					      struct mxg_hs_login *out, struct mxg_error *err);

/*
 * passthrough mode: body with a 3PID identifier replaced by the m.id.user
 * the stores map it to (the password untouched), posted to the homeserver.
 * A 3PID nobody has is sent as it is; the homeserver refuses it.
 */
enum mxg_hs_login_result mxg_matrix_login_passthrough(struct mxg_app *app, const json_t *body,
						      const struct mxg_login_ident *id,
						      const char *path, const char *client_ip,
						      struct mxg_arena *arena,
						      struct mxg_hs_login *out,
						      struct mxg_error *err);

#endif
