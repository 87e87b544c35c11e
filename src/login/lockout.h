/*
 * lockout.h: brute-force protection for password checks.  Failures are
 * counted per login name and per client IP in the database, so every mxgate
 * process behind one load balancer sees the same counts; N failures within
 * the window lock the name (or the IP) for a while.
 *
 * A login name nobody has is counted and locked like a real one: the answer
 * must not tell an attacker which names exist.
 */
#ifndef MXG_LOGIN_LOCKOUT_H
#define MXG_LOGIN_LOCKOUT_H

#include <stdbool.h>

#include "core/error.h"

struct mxg_db;
struct mxg_lockout_conf;

struct mxg_lockout_state {
	long long retry_after_ms;	/* until the name or IP may try again; 0: now */
	bool account_counted;		/* the name has failures on record */
};

/* Where account and ip stand.  account is the canonical login name (hashed
 * before it is stored); ip may be NULL.  -1 + err when the database cannot
 * answer. */
int mxg_lockout_check(struct mxg_db *db, const struct mxg_lockout_conf *conf,
		      const char *account, const char *ip, long long now_ms,
		      struct mxg_lockout_state *state_r, struct mxg_error *err);

/* Count a failed password for account and ip; locks them when a limit is
 * reached. */
int mxg_lockout_failed(struct mxg_db *db, const struct mxg_lockout_conf *conf,
		       const char *account, const char *ip, long long now_ms,
		       struct mxg_error *err);

/* A right password: the name's failures are forgotten (not the IP's: one
 * good login must not reset an attacker's count).  Only needed when the
 * check said account_counted. */
int mxg_lockout_succeeded(struct mxg_db *db, const char *account, struct mxg_error *err);

#endif
