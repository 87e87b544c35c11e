/*
 * app.h: the running daemon's services, as handlers see them.
 *
 * One struct mxg_app exists per process; it is built by `mxgate serve`
 * before the listeners open and torn down after they close.  Handlers reach
 * it through mxg_req_app() and call services; they never touch SQL or a
 * store driver directly.
 */
#ifndef MXG_APP_H
#define MXG_APP_H

#include "core/ed25519.h"

struct mxg_config;
struct mxg_db;
struct mxg_store_chain;
struct mxg_lookup;
struct mxg_onbind;
struct mxg_jwt_signer;
struct mxg_ratelimit;
struct mxg_oauth;

/* How long the store chain takes to refuse a login, by kind of refusal
 * (running averages in ns; login/verify.c pads refusals to the slower). */
struct mxg_login_pace {
	_Atomic long long refused_ns[2];	/* denied; not found or disabled */
};

struct mxg_app {
	const struct mxg_config *config;
	struct mxg_db *db;
	struct mxg_store_chain *stores;
	struct mxg_lookup *lookup;		/* hashed 3PID lookup service */
	struct mxg_ed25519_key signing_key;
	struct mxg_ratelimit *ratelimit;	/* NULL: nothing is limited */
	struct mxg_onbind *onbind;		/* onbind delivery; NULL: queue only */
	struct mxg_jwt_signer *login_jwt;	/* login.interception jwt; else NULL */
	struct mxg_login_pace login_pace;
	struct mxg_oauth *oauth;		/* the OAuth provider; NULL: off */
};

#endif
