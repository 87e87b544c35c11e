/*
 * db-test-util.h: running a unit test's database cases on both drivers:
 * a fresh migrated SQLite file, then (when $MXGATE_TEST_PGCONNINFO names
 * the suite's PostgreSQL) a private schema of that server, dropped after.
 * Header only, like test.h, whose counters it shares: include it after
 * test.h in one test program.
 */
#ifndef MXG_TEST_DB_UTIL_H
#define MXG_TEST_DB_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"

/* test_each_database(run) calls run(db, "sqlite") and run(db, "postgresql")
 * with a migrated database each; a missing PostgreSQL is a reported skip. */
typedef void run_fn(struct mxg_db *db, const char *backend);

static const struct mxg_db_settings base_settings = {
	.pool_size = 2, .busy_timeout_ms = 5000, .connect_timeout_ms = 2000,
	.statement_timeout_ms = 5000, .acquire_timeout_ms = 5000,
};

static void run_sqlite(run_fn *run)
{
	char dir[] = "/tmp/mxgate-test-db-XXXXXX", path[64];
	struct mxg_db_settings set = base_settings;
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	struct mxg_db *db = NULL;
	struct mxg_error err;

	test_begin("sqlite: database");
	test_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.db", dir);
	set.driver = MXG_DB_SQLITE;
	set.path = path;
	test_assert(mxg_db_open(&set, &db, &err) == 0 && mxg_db_migrate(db, &err) == 0);
	test_end();
	if (db != NULL)
		run(db, "sqlite");
	mxg_db_close(&db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/t.db%s", dir, suffixes[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* In a private schema of the suite's server, dropped afterwards. */
static void run_pgsql(const char *base, run_fn *run)
{
	struct mxg_db_settings set = base_settings;
	struct mxg_db *admin = NULL, *db = NULL;
	struct mxg_error err;
	char schema[64], sql[128], *conninfo = NULL;

	snprintf(schema, sizeof(schema), "mxgtest_%ld", (long)getpid());
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
		run(db, "postgresql");
	mxg_db_close(&db);
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	(void)mxg_db_query(admin, sql, 0, NULL, NULL, &err);
	mxg_db_close(&admin);
	free(conninfo);
}

static void test_each_database(run_fn *run)
{
	const char *pg = getenv("MXGATE_TEST_PGCONNINFO");

	run_sqlite(run);
	if (pg != NULL && pg[0] != '\0')
		run_pgsql(pg, run);
	else
		test_skip("postgresql: every case", "MXGATE_TEST_PGCONNINFO is not set");
}

#endif
