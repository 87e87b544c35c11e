/*
 * login.h: checking a person's password for the homeserver: the service
 * behind check_credentials (and, later, login interception), and the routes
 * that expose it.
 *
 * A login name arrives in every shape a client or homeserver uses: a full
 * Matrix ID, a bare localpart, an e-mail address or a phone number.  The
 * service turns it into a store credential and asks the store chain; the
 * handlers only translate HTTP.
 */
#ifndef MXG_LOGIN_H
#define MXG_LOGIN_H

#include <stddef.h>

#include "http/http.h"
#include "stores/store.h"

struct mxg_arena;
struct mxg_store;
struct mxg_store_chain;

struct mxg_app;

struct mxg_login_request {
	/* A Matrix ID, a localpart, an e-mail address or a phone number.
	 * With medium NULL, an '@' inside means e-mail and a leading '+' a
	 * phone number; a 3PID is put in canonical form first. */
	const char *id;
	const char *medium;
	const char *password;		/* never logged */
	size_t password_len;
	const char *client_ip;		/* for the per-IP lockout; may be NULL */
};

enum mxg_login_result {
	MXG_LOGIN_OK,			/* person and store filled */
	MXG_LOGIN_REFUSED,		/* wrong password, unknown or disabled: not told apart */
	MXG_LOGIN_LOCKED,		/* too many failures: retry_after_ms */
	MXG_LOGIN_UNAVAILABLE,		/* a store or the database is down: err says which */
};

struct mxg_login_outcome {
	struct mxg_person person;
	const struct mxg_store *store;	/* the store that decided */
	enum mxg_store_result store_result;	/* for logs */
	long long retry_after_ms;
};

/*
 * A password check with brute-force protection (login.lockout): a locked
 * login name or client IP is refused before any store is asked; a refusal
 * counts one failure against both, a success clears the name's count.  An
 * unavailable store counts nothing (not the user's fault).
 */
enum mxg_login_result mxg_login_attempt(struct mxg_app *app, const struct mxg_login_request *rq,
					struct mxg_arena *arena, struct mxg_login_outcome *out,
					struct mxg_error *err);

extern const struct mxg_route mxg_login_routes[];

/* api-check-credentials.c */
void mxg_login_check_credentials(struct mxg_req *r);

#endif
