/*
 * lockout.c: failed password counts in the login_failures table.
 *
 * One row per (scope, subject): the failures of the current window, when
 * the window started and until when the subject is locked.  An upsert
 * counts a failure in one statement, so two processes failing at once both
 * count; the lock is set by a second statement when the count reaches the
 * limit.  Old rows are pruned now and then by the failure path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "login/lockout.h"

#define PRUNE_EVERY 256		/* failures between two prunes, per process */

static const char *const count_sql =
	"INSERT INTO login_failures (scope, subject, failures, window_start, locked_until)"
	" VALUES ($1, $2, 1, $3, 0)"
	" ON CONFLICT (scope, subject) DO UPDATE SET"
	"  failures = CASE WHEN login_failures.window_start <= $4 THEN 1"
	"             ELSE login_failures.failures + 1 END,"
	"  window_start = CASE WHEN login_failures.window_start <= $4 THEN $3"
	"                 ELSE login_failures.window_start END"
	" RETURNING failures";

/* The subject of the account scope: sha256 hex of the login name. */
static void account_subject(const char *account, char out[2 * MXG_SHA256_LEN + 1])
{
	unsigned char digest[MXG_SHA256_LEN];

	mxg_sha256(account, strlen(account), digest);
	for (size_t i = 0; i < MXG_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static void fmt_ll(char buf[24], long long v)
{
	snprintf(buf, 24, "%lld", v);
}

int mxg_lockout_check(struct mxg_db *db, const struct mxg_lockout_conf *conf,
		      const char *account, const char *ip, long long now_ms,
		      struct mxg_lockout_state *state_r, struct mxg_error *err)
{
	char subject[2 * MXG_SHA256_LEN + 1];
	/* A scope that is off gets a subject no row has: IPs are never
	 * stored empty, account subjects are 64 hex digits. */
	const char *params[] = { "", "" };
	struct mxg_db_result *res;
	long long until = 0;

	memset(state_r, 0, sizeof(*state_r));
	if (conf->account_failures > 0) {
		account_subject(account, subject);
		params[0] = subject;
	}
	if (conf->ip_failures > 0 && ip != NULL)
		params[1] = ip;
	if (params[0][0] == '\0' && params[1][0] == '\0')
		return 0;
	/* Both scopes in one statement: this runs before every check. */
	if (mxg_db_query(db, "SELECT scope, locked_until FROM login_failures"
			     " WHERE (scope = 'account' AND subject = $1)"
			     " OR (scope = 'ip' AND subject = $2)", 2, params, &res, err) < 0)
		return -1;
	for (size_t i = 0; i < mxg_db_result_rows(res); i++) {
		const char *scope = mxg_db_result_get(res, i, 0), *v = mxg_db_result_get(res, i, 1);
		long long t = v != NULL ? strtoll(v, NULL, 10) : 0;

		if (scope != NULL && strcmp(scope, "account") == 0)
			state_r->account_counted = true;
		if (t > until)
			until = t;
	}
	mxg_db_result_free(&res);
	if (until > now_ms)
		state_r->retry_after_ms = until - now_ms;
	return 0;
}

/* Count one failure of subject; lock it when the count reaches limit. */
static int count_failure(struct mxg_db *db, const struct mxg_lockout_conf *conf,
			 const char *scope, const char *subject, long long limit,
			 long long now_ms, struct mxg_error *err)
{
	char now[24], expired[24], until[24];
	const char *params[] = { scope, subject, now, expired };
	struct mxg_db_result *res;
	const char *v;
	long long failures;

	fmt_ll(now, now_ms);
	fmt_ll(expired, now_ms - conf->window_ms);
	if (mxg_db_query(db, count_sql, 4, params, &res, err) < 0)
		return -1;
	v = mxg_db_result_rows(res) > 0 ? mxg_db_result_get(res, 0, 0) : NULL;
	failures = v != NULL ? strtoll(v, NULL, 10) : 0;
	mxg_db_result_free(&res);
	if (failures < limit)
		return 0;
	/* Locked from now; the count starts again when the lock ends. */
	fmt_ll(until, now_ms + conf->duration_ms);
	{
		const char *lock_params[] = { scope, subject, until };

		return mxg_db_query(db, "UPDATE login_failures SET locked_until = $3, failures = 0"
					" WHERE scope = $1 AND subject = $2", 3, lock_params,
				    NULL, err);
	}
}

static int prune(struct mxg_db *db, const struct mxg_lockout_conf *conf, long long now_ms,
		 struct mxg_error *err)
{
	char expired[24], now[24];
	const char *params[] = { expired, now };

	fmt_ll(expired, now_ms - conf->window_ms);
	fmt_ll(now, now_ms);
	return mxg_db_query(db, "DELETE FROM login_failures"
				" WHERE window_start <= $1 AND locked_until <= $2", 2, params,
			    NULL, err);
}

int mxg_lockout_failed(struct mxg_db *db, const struct mxg_lockout_conf *conf,
		       const char *account, const char *ip, long long now_ms,
		       struct mxg_error *err)
{
	static unsigned int failures_seen;	/* a hint, races are harmless */
	char subject[2 * MXG_SHA256_LEN + 1];

	if (conf->account_failures > 0) {
		account_subject(account, subject);
		if (count_failure(db, conf, "account", subject, conf->account_failures, now_ms,
				  err) < 0)
			return -1;
	}
	if (conf->ip_failures > 0 && ip != NULL &&
	    count_failure(db, conf, "ip", ip, conf->ip_failures, now_ms, err) < 0)
		return -1;
	if (__atomic_add_fetch(&failures_seen, 1, __ATOMIC_RELAXED) % PRUNE_EVERY == 0)
		return prune(db, conf, now_ms, err);
	return 0;
}

int mxg_lockout_succeeded(struct mxg_db *db, const char *account, struct mxg_error *err)
{
	char subject[2 * MXG_SHA256_LEN + 1];
	const char *params[] = { subject };

	account_subject(account, subject);
	return mxg_db_query(db, "DELETE FROM login_failures"
				" WHERE scope = 'account' AND subject = $1", 1, params, NULL, err);
}
