/*
 * test-onbind.c: the onbind queue (onbind.c) against a temporary SQLite
 * database, and on PostgreSQL when $MXGATE_TEST_PGCONNINFO is set: pending
 * invites signed for the association (delivered ones left out), a queued
 * job's backoff against a homeserver that refuses connections (2 s, 4 s,
 * capped at 1 h), and giving up after 48 h or on an invalid server name.
 * Delivery itself is covered end to end by tests/integration/test_onbind.py.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "identity/invites.h"
#include "identity/onbind.h"
#include "test.h"
#include "db-test-util.h"

#define MXID "@dave:hs.test"

static struct mxg_db *db;
static struct mxg_ed25519_key key;
static struct mxg_hs_map_conf map[] = {
	/* Nothing listens on port 1: every delivery fails fast. */
	{ "hs.test", "http://127.0.0.1:1" },
};
static struct mxg_config cfg;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void store(const char *token, const char *address, const char *room, long long t)
{
	struct mxg_invite inv = { token, "email", address, room, "@alice:example.org", "pub",
				  "{}", t };
	struct mxg_error err;

	test_assert(mxg_invites_store(db, &inv, &err) == 0);
}

static void sql(const char *q)
{
	struct mxg_error err;

	test_assert(mxg_db_query(db, q, 0, NULL, NULL, &err) == 0);
}

/* Rows in the queue; attempts and next_attempt_at of the first. */
static size_t job(long long *attempts_r, long long *next_r)
{
	struct mxg_db_result *res;
	struct mxg_error err;
	size_t n = 0;

	test_assert(mxg_db_query(db, "SELECT attempts, next_attempt_at FROM onbind_queue", 0,
				 NULL, &res, &err) == 0);
	if (res == NULL)
		return 0;
	n = mxg_db_result_rows(res);
	if (n > 0) {
		*attempts_r = strtoll(mxg_db_result_get(res, 0, 0), NULL, 10);
		*next_r = strtoll(mxg_db_result_get(res, 0, 1), NULL, 10);
	}
	mxg_db_result_free(&res);
	return n;
}

static void test_invites(void)
{
	struct mxg_error err;
	json_t *arr = NULL, *inv, *signed_;

	test_begin("pending invites of the 3PID only, oldest first, signed {mxid, token}");
	store("tok2", "dave@example.org", "!b:example.org", 2000);
	store("tok1", "dave@example.org", "!a:example.org", 1000);
	store("tok3", "dave@example.org", "!c:example.org", 3000);
	store("tok4", "erin@example.org", "!a:example.org", 1000);
	sql("UPDATE invites SET delivered_at = 5 WHERE token = 'tok3'");
	test_assert(mxg_onbind_invites(db, "example.org", &key, "email", "dave@example.org", MXID,
				       &arr, &err) == 0);
	test_assert(json_array_size(arr) == 2);
	inv = json_array_get(arr, 0);
	signed_ = json_object_get(inv, "signed");
	test_assert(strcmp(mxg_json_string(inv, "room_id") ?: "", "!a:example.org") == 0);
	test_assert(strcmp(mxg_json_string(inv, "mxid") ?: "", MXID) == 0);
	test_assert(strcmp(mxg_json_string(inv, "sender") ?: "", "@alice:example.org") == 0);
	test_assert(strcmp(mxg_json_string(inv, "address") ?: "", "dave@example.org") == 0);
	test_assert(strcmp(mxg_json_string(signed_, "token") ?: "", "tok1") == 0);
	test_assert(json_object_size(signed_) == 3);
	test_assert(mxg_json_verify(signed_, "example.org", "ed25519:0", key.pub, &err) == 0);
	json_decref(arr);
	test_assert(mxg_onbind_invites(db, "example.org", &key, "email", "nobody@example.org",
				       MXID, &arr, &err) == 0 && json_array_size(arr) == 0);
	json_decref(arr);
	test_end();
}

static void test_backoff(struct mxg_onbind *ob)
{
	struct mxg_error err;
	long long attempts = -1, next = 0, t;
	json_t *none = json_array();

	test_begin("a refused delivery backs off 2 s, then 4 s, at most 1 h");
	test_assert(mxg_onbind_queue(ob, db, "email", "dave@example.org", MXID, none, &err) == 0);
	test_assert(job(&attempts, &next) == 1 && attempts == 0);
	t = now_ms();
	test_assert(mxg_onbind_run_due(ob, &err) == 0);
	test_assert(job(&attempts, &next) == 1 && attempts == 1);
	test_assert(next >= t + 2000 && next <= now_ms() + 2000);
	test_assert(mxg_onbind_run_due(ob, &err) == 0);
	test_assert(job(&attempts, &next) == 1 && attempts == 1);	/* not due */
	sql("UPDATE onbind_queue SET next_attempt_at = 0");
	t = now_ms();
	test_assert(mxg_onbind_run_due(ob, &err) == 0);
	test_assert(job(&attempts, &next) == 1 && attempts == 2 && next >= t + 4000);
	sql("UPDATE onbind_queue SET next_attempt_at = 0, attempts = 40");
	t = now_ms();
	test_assert(mxg_onbind_run_due(ob, &err) == 0);
	test_assert(job(&attempts, &next) == 1 && attempts == 41);
	test_assert(next >= t + 3600000 && next <= now_ms() + 3600000);
	test_end();

	test_begin("a job 48 h old is given up");
	sql("UPDATE onbind_queue SET next_attempt_at = 0, created_at = 1000");
	test_assert(mxg_onbind_run_due(ob, &err) == 0);
	test_assert(job(&attempts, &next) == 0);
	test_end();

	test_begin("an mxid whose server name is invalid is given up at once");
	test_assert(mxg_onbind_queue(ob, db, "email", "x@example.org", "@u:bad..name", none,
				     &err) == 0);
	test_assert(mxg_onbind_run_due(ob, &err) == 0);
	test_assert(job(&attempts, &next) == 0);
	test_end();
	json_decref(none);
}

static void run_cases(struct mxg_db *database, const char *backend)
{
	db = database;
	struct mxg_onbind *ob = NULL;
	struct mxg_error err;

	fprintf(stderr, "# %s\n", backend);
	test_invites();
	test_begin("create the delivery service");
	test_assert(mxg_onbind_create(db, &cfg, &ob, &err) == 0 && ob != NULL);
	test_end();
	if (ob != NULL)
		test_backoff(ob);
	mxg_onbind_destroy(&ob);
}

int main(void)
{
	struct mxg_error err;

	mxg_log_open("-", MXG_LOG_CRIT);
	cfg.identity.homeservers.items = map;
	cfg.identity.homeservers.count = 1;
	if (mxg_ed25519_generate("0", &key, &err) < 0)
		return 1;
	test_each_database(run_cases);
	return test_done("test-onbind");
}
