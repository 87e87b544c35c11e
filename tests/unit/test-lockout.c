/*
 * test-lockout.c: the brute-force lockout counts on both database drivers:
 * per name and per IP, the window, the lock's end, a success clearing the
 * name only, and the names counted hashed.
 */
#include "config.h"

#include <string.h>

#include "core/mxconfig.h"
#include "db/db.h"
#include "login/lockout.h"
#include "test.h"
#include "db-test-util.h"

static const struct mxg_lockout_conf conf = {
	.account_failures = 3, .ip_failures = 5, .window_ms = 60000, .duration_ms = 30000,
};

static long long retry(struct mxg_db *db, const struct mxg_lockout_conf *c, const char *account,
		       const char *ip, long long now)
{
	struct mxg_lockout_state st;
	struct mxg_error err;

	if (mxg_lockout_check(db, c, account, ip, now, &st, &err) < 0)
		return -1;
	return st.retry_after_ms;
}

static int fail(struct mxg_db *db, const char *account, const char *ip, long long now)
{
	struct mxg_error err;

	return mxg_lockout_failed(db, &conf, account, ip, now, &err);
}

static void run(struct mxg_db *db, const char *backend)
{
	long long t = 1000000000000LL;
	struct mxg_db_result *res = NULL;
	struct mxg_error err;
	char name[64];

	snprintf(name, sizeof(name), "%s: a name locks after account_failures", backend);
	test_begin(name);
	test_assert(retry(db, &conf, "alice", "10.0.0.1", t) == 0);
	test_assert(fail(db, "alice", "10.0.0.1", t) == 0);
	test_assert(fail(db, "alice", "10.0.0.2", t + 1) == 0);
	test_assert(retry(db, &conf, "alice", "10.0.0.3", t + 2) == 0);
	test_assert(fail(db, "alice", "10.0.0.3", t + 2) == 0);
	test_assert(retry(db, &conf, "alice", "10.0.0.9", t + 3) == 30000 - 1);
	test_assert(retry(db, &conf, "bob", "10.0.0.9", t + 3) == 0);
	test_assert(retry(db, &conf, "alice", "10.0.0.9", t + 2 + 30000) == 0);
	test_end();

	snprintf(name, sizeof(name), "%s: names are stored hashed, never in clear", backend);
	test_begin(name);
	test_assert(mxg_db_query(db, "SELECT subject FROM login_failures WHERE scope = 'account'",
				 0, NULL, &res, &err) == 0);
	test_assert(mxg_db_result_rows(res) >= 1);
	for (size_t i = 0; res != NULL && i < mxg_db_result_rows(res); i++) {
		test_assert(strcmp(mxg_db_result_get(res, i, 0), "alice") != 0);
		test_assert(strlen(mxg_db_result_get(res, i, 0)) == 64);
	}
	mxg_db_result_free(&res);
	test_end();

	snprintf(name, sizeof(name), "%s: failures outside the window do not add up", backend);
	test_begin(name);
	test_assert(fail(db, "carol", NULL, t) == 0);
	test_assert(fail(db, "carol", NULL, t + 1) == 0);
	test_assert(fail(db, "carol", NULL, t + 60001) == 0);	/* a new window: 1 */
	test_assert(fail(db, "carol", NULL, t + 60002) == 0);	/* 2 */
	test_assert(retry(db, &conf, "carol", NULL, t + 60003) == 0);
	test_end();

	snprintf(name, sizeof(name), "%s: a success clears the name, not the IP", backend);
	test_begin(name);
	{
		struct mxg_lockout_state st;

		test_assert(mxg_lockout_check(db, &conf, "dave", "10.1.0.1", t, &st, &err) == 0 &&
			    !st.account_counted);
		test_assert(fail(db, "dave", "10.1.0.1", t) == 0);
		test_assert(fail(db, "dave", "10.1.0.1", t) == 0);
		test_assert(mxg_lockout_check(db, &conf, "dave", "10.1.0.9", t, &st, &err) == 0 &&
			    st.account_counted && st.retry_after_ms == 0);
	}
	test_assert(mxg_lockout_succeeded(db, "dave", &err) == 0);
	test_assert(fail(db, "dave", "10.1.0.1", t) == 0);
	test_assert(fail(db, "dave", "10.1.0.1", t) == 0);
	test_assert(retry(db, &conf, "dave", NULL, t) == 0);	/* 2 since the success */
	test_assert(fail(db, "erin", "10.1.0.1", t) == 0);	/* the IP's 5th */
	test_assert(retry(db, &conf, "frank", "10.1.0.1", t + 1) == 30000 - 1);
	test_assert(retry(db, &conf, "frank", "10.1.0.2", t + 1) == 0);
	test_end();

	snprintf(name, sizeof(name), "%s: limits of 0 turn a lockout off", backend);
	test_begin(name);
	{
		struct mxg_lockout_conf off = conf;

		off.account_failures = 0;
		off.ip_failures = 0;
		for (int i = 0; i < 10; i++)
			test_assert(mxg_lockout_failed(db, &off, "gina", "10.2.0.1", t, &err) == 0);
		test_assert(retry(db, &off, "gina", "10.2.0.1", t) == 0);
		test_assert(retry(db, &conf, "gina", "10.2.0.1", t) == 0);
	}
	test_end();
}

int main(void)
{
	test_each_database(run);
	return test_done("test-lockout");
}
