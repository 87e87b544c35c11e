/*
 * test-bindings.c: the bindings service (bindings.c) against a temporary
 * SQLite database, and on PostgreSQL when $MXGATE_TEST_PGCONNINFO is set:
 * bind, rebind to another Matrix ID, lookup, enumerate, and unbind only by
 * the current owner.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"
#include "identity/bindings.h"
#include "test.h"

#define T0 1700000000000LL

static struct mxg_db *db;
static struct mxg_arena *arena;

static void bind(const char *medium, const char *address, const char *mxid, long long ts)
{
	struct mxg_binding b = { medium, address, mxid, ts, ts, ts + 1000 };
	struct mxg_error err;

	test_assert(mxg_bindings_bind(db, &b, &err) == 0);
}

/* The owner of a 3PID, or NULL. */
static const char *owner(const char *medium, const char *address)
{
	struct mxg_binding b;
	struct mxg_error err;
	int r = mxg_bindings_lookup(db, medium, address, arena, &b, &err);

	test_assert(r >= 0);
	return r == 1 ? b.mxid : NULL;
}

struct seen {
	int n;
	char last[256];
};

static int count_cb(void *ctx, const char *medium, const char *address, const char *user_id)
{
	struct seen *s = ctx;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s %s %s", medium, address, user_id);
	return 0;
}

static int stop_cb(void *ctx, const char *medium, const char *address, const char *user_id)
{
	(void)medium, (void)address, (void)user_id;
	++*(int *)ctx;
	return 1;
}

static void test_bind_lookup(void)
{
	struct mxg_binding b;
	struct mxg_error err;

	test_begin("bind, then lookup gives every field");
	bind("email", "alice@example.org", "@alice:example.org", T0);
	test_assert(mxg_bindings_lookup(db, "email", "alice@example.org", arena, &b, &err) == 1);
	test_assert(strcmp(b.medium, "email") == 0 && strcmp(b.address, "alice@example.org") == 0);
	test_assert(strcmp(b.mxid, "@alice:example.org") == 0);
	test_assert(b.ts == T0 && b.not_before == T0 && b.not_after == T0 + 1000);
	test_assert(owner("msisdn", "alice@example.org") == NULL);
	test_assert(owner("email", "nobody@example.org") == NULL);
	test_end();
}

static void test_rebind(void)
{
	struct mxg_binding b;
	struct mxg_error err;
	struct seen s = { 0 };

	test_begin("rebinding a 3PID replaces its owner, one row remains");
	bind("email", "alice@example.org", "@bob:example.org", T0 + 5);
	test_assert(mxg_bindings_lookup(db, "email", "alice@example.org", arena, &b, &err) == 1);
	test_assert(strcmp(b.mxid, "@bob:example.org") == 0 && b.ts == T0 + 5);
	test_assert(mxg_bindings_enumerate(db, count_cb, &s, &err) == 0);
	test_assert(s.n == 1 && strcmp(s.last, "email alice@example.org @bob:example.org") == 0);
	test_end();
}

static void test_enumerate(void)
{
	struct mxg_error err;
	struct seen s = { 0 };
	int stopped = 0;

	test_begin("enumerate feeds every binding; a non-zero callback stops");
	bind("msisdn", "15551234567", "@carol:example.org", T0);
	bind("email", "dave@example.org", "@dave:example.org", T0);
	test_assert(mxg_bindings_enumerate(db, count_cb, &s, &err) == 0 && s.n == 3);
	test_assert(mxg_bindings_enumerate(db, stop_cb, &stopped, &err) == 0 && stopped == 1);
	test_end();
}

static void test_unbind(void)
{
	struct mxg_error err;
	bool removed = true;

	test_begin("unbind removes only the current owner's binding");
	test_assert(mxg_bindings_unbind(db, "email", "alice@example.org", "@alice:example.org",
					&removed, &err) == 0 && !removed);
	test_assert(owner("email", "alice@example.org") != NULL);
	test_assert(mxg_bindings_unbind(db, "email", "alice@example.org", "@bob:example.org",
					&removed, &err) == 0 && removed);
	test_assert(owner("email", "alice@example.org") == NULL);
	test_assert(mxg_bindings_unbind(db, "email", "alice@example.org", "@bob:example.org",
					NULL, &err) == 0);
	test_assert(owner("msisdn", "15551234567") != NULL);
	test_end();
}

static void run_cases(const char *backend)
{
	fprintf(stderr, "# %s\n", backend);
	test_bind_lookup();
	test_rebind();
	test_enumerate();
	test_unbind();
}

static const struct mxg_db_settings base_settings = {
	.pool_size = 2, .busy_timeout_ms = 5000, .connect_timeout_ms = 2000,
	.statement_timeout_ms = 5000, .acquire_timeout_ms = 5000,
};

static void run_sqlite(void)
{
	char dir[] = "/tmp/test-bindings-XXXXXX", path[64];
	struct mxg_db_settings set = base_settings;
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	struct mxg_error err;

	test_begin("sqlite: database");
	test_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/b.db", dir);
	set.driver = MXG_DB_SQLITE;
	set.path = path;
	test_assert(mxg_db_open(&set, &db, &err) == 0 && mxg_db_migrate(db, &err) == 0);
	test_end();
	if (db != NULL)
		run_cases("sqlite");
	mxg_db_close(&db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/b.db%s", dir, suffixes[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* In a private schema of the suite's server, dropped afterwards. */
static void run_pgsql(const char *base)
{
	struct mxg_db_settings set = base_settings;
	struct mxg_db *admin = NULL;
	struct mxg_error err;
	char schema[64], sql[128], *conninfo = NULL;

	snprintf(schema, sizeof(schema), "mxgbind_%ld", (long)getpid());
	set.driver = MXG_DB_POSTGRESQL;
	set.conninfo = (char *)base;
	test_begin("postgresql: private schema, migrated");
	test_assert(mxg_db_open(&set, &admin, &err) == 0);
	if (admin == NULL) {
		test_end();
		return;
	}
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	test_assert(mxg_db_query(admin, sql, 0, NULL, NULL, &err) == 0);
	test_assert(asprintf(&conninfo, "%s options='-c search_path=%s'", base, schema) > 0);
	set.conninfo = conninfo;
	test_assert(mxg_db_open(&set, &db, &err) == 0 && mxg_db_migrate(db, &err) == 0);
	test_end();
	if (db != NULL)
		run_cases("postgresql");
	mxg_db_close(&db);
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	(void)mxg_db_query(admin, sql, 0, NULL, NULL, &err);
	mxg_db_close(&admin);
	free(conninfo);
}

int main(void)
{
	const char *pg = getenv("MXGATE_TEST_PGCONNINFO");

	mxg_log_open("-", MXG_LOG_WARNING);
	arena = mxg_arena_create(4096);
	run_sqlite();
	if (pg != NULL && pg[0] != '\0')
		run_pgsql(pg);
	else
		test_skip("postgresql: every case", "MXGATE_TEST_PGCONNINFO is not set");
	mxg_arena_destroy(&arena);
	return test_done("test-bindings");
}
