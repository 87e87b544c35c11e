/*
 * test-db.c: the database layer, the same table of cases run against SQLite
 * (a temporary file) and PostgreSQL ($MXGATE_TEST_PGCONNINFO, e.g. from
 * tests/lib/pg.sh; skipped with a reason when unset).
 *
 * On PostgreSQL each run works in its own schema (mxgtest_<pid>, dropped at
 * the end), so two builds may run the suite against one server at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "test.h"

struct env {
	const char *backend;		/* "sqlite", "postgresql" */
	struct mxg_db_settings set;
	struct mxg_db *db;		/* shared by the cases, pool_size 4 */
	char pg_schema[64];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One-cell query, the cell copied into buf ("(null)" for NULL, "(error)"). */
static const char *query1(struct mxg_db *db, const char *sql, size_t n,
			  const char *const *params, char *buf, size_t size)
{
	struct mxg_db_result *res;
	struct mxg_error err;
	const char *v;

	if (mxg_db_query(db, sql, n, params, &res, &err) < 0) {
		fprintf(stderr, "  query failed: %s\n", err.msg);
		snprintf(buf, size, "(error)");
		return buf;
	}
	v = mxg_db_result_get(res, 0, 0);
	snprintf(buf, size, "%s", v != NULL ? v : "(null)");
	mxg_db_result_free(&res);
	return buf;
}

static int exec0(struct mxg_db *db, const char *sql)
{
	struct mxg_error err;
	int rc = mxg_db_query(db, sql, 0, NULL, NULL, &err);

	if (rc < 0)
		fprintf(stderr, "  %s: %s\n", sql, err.msg);
	return rc;
}

static int count_rows(struct mxg_db *db, const char *table)
{
	char sql[128], buf[32];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return atoi(query1(db, sql, 0, NULL, buf, sizeof(buf)));
}

/* --- the shared cases --- */

static void case_open(struct env *e)
{
	test_assert(e->db != NULL);
	test_assert_streq(mxg_db_driver_name(e->db), e->backend);
	test_assert(mxg_db_driver(e->db) ==
		    (strcmp(e->backend, "sqlite") == 0 ? MXG_DB_SQLITE : MXG_DB_POSTGRESQL));
}

static void case_params(struct env *e)
{
	static const char *const values[] = {
		"plain", "' OR '1'='1", "quote \" and backslash \\", "Grüße, 日本語 🎉",
		"$1", "", "semi; DROP TABLE t_params; --",
	};
	struct mxg_db_result *res = NULL;
	struct mxg_error err;

	test_assert(exec0(e->db, "CREATE TABLE t_params (k TEXT NOT NULL, v TEXT)") == 0);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char k[16];
		const char *const p[] = { k, values[i] };

		snprintf(k, sizeof(k), "k%zu", i);
		test_assert_idx(mxg_db_query(e->db, "INSERT INTO t_params (k, v) VALUES ($1, $2)",
					     2, p, NULL, &err) == 0, i);
		test_assert_idx(mxg_db_query(e->db, "SELECT v FROM t_params WHERE k = $1",
					     1, p, &res, &err) == 0, i);
		if (res != NULL) {
			test_assert_idx(mxg_db_result_rows(res) == 1, i);
			test_assert_streq(mxg_db_result_get(res, 0, 0), values[i]);
			mxg_db_result_free(&res);
		}
	}
	/* The injection string matched literally, not as SQL. */
	const char *const inj[] = { "' OR '1'='1" };
	test_assert(mxg_db_query(e->db, "SELECT k FROM t_params WHERE v = $1", 1, inj,
				 &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_rows(res) == 1);
	mxg_db_result_free(&res);
	/* NULL in, NULL out. */
	const char *const pn[] = { "knull", NULL };
	test_assert(mxg_db_query(e->db, "INSERT INTO t_params (k, v) VALUES ($1, $2)",
				 2, pn, NULL, &err) == 0);
	test_assert(mxg_db_query(e->db, "SELECT v, k FROM t_params WHERE v IS NULL",
				 0, NULL, &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_rows(res) == 1 &&
		    mxg_db_result_get(res, 0, 0) == NULL);
	test_assert_streq(res != NULL ? mxg_db_result_get(res, 0, 1) : NULL, "knull");
	mxg_db_result_free(&res);
	test_assert(res == NULL);
	test_assert(count_rows(e->db, "t_params") == 8);
}

/* More distinct statements than the SQLite driver caches, each run twice,
 * then a schema change under cached statements: every answer stays right
 * (a stale or mismatched cached statement would give another's). */
static void case_many_statements(struct env *e)
{
	char sql[96], buf[32], want[16];

	test_assert(exec0(e->db, "CREATE TABLE t_many (n INTEGER)") == 0);
	test_assert(exec0(e->db, "INSERT INTO t_many (n) VALUES (7)") == 0);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 40; i++) {
			snprintf(sql, sizeof(sql), "SELECT n + %d FROM t_many", i);
			snprintf(want, sizeof(want), "%d", 7 + i);
			test_assert_idx(strcmp(query1(e->db, sql, 0, NULL, buf, sizeof(buf)), want)
					== 0, round * 40 + i);
		}
	test_assert(strcmp(query1(e->db, "SELECT count(*) FROM t_many", 0, NULL, buf,
				  sizeof(buf)), "1") == 0);
	test_assert(exec0(e->db, "ALTER TABLE t_many ADD COLUMN m INTEGER DEFAULT 5") == 0);
	test_assert(exec0(e->db, "INSERT INTO t_many (n) VALUES (8)") == 0);
	test_assert(strcmp(query1(e->db, "SELECT count(*) FROM t_many", 0, NULL, buf,
				  sizeof(buf)), "2") == 0);
	test_assert(strcmp(query1(e->db, "SELECT n + 0 FROM t_many WHERE n = 8", 0, NULL, buf,
				  sizeof(buf)), "8") == 0);
	test_assert(exec0(e->db, "DROP TABLE t_many") == 0);
	test_assert(exec0(e->db, "SELECT n + 1 FROM t_many") < 0);
}

static void case_param_order(struct env *e)
{
	const char *const p[] = { "one", "two" };
	struct mxg_db_result *res = NULL;
	struct mxg_error err;

	test_assert(mxg_db_query(e->db, "SELECT $2, $1", 2, p, &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_cols(res) == 2);
	test_assert_streq(res != NULL ? mxg_db_result_get(res, 0, 0) : NULL, "two");
	test_assert_streq(res != NULL ? mxg_db_result_get(res, 0, 1) : NULL, "one");
	mxg_db_result_free(&res);
	/* $2 first in an INSERT, and one parameter used twice. */
	test_assert(exec0(e->db, "CREATE TABLE t_order (a TEXT, b TEXT)") == 0);
	test_assert(mxg_db_query(e->db, "INSERT INTO t_order (b, a) VALUES ($2, $1)",
				 2, p, NULL, &err) == 0);
	test_assert(mxg_db_query(e->db, "SELECT a, b FROM t_order WHERE a = $1 OR b = $1",
				 1, p, &res, &err) == 0);
	test_assert_streq(res != NULL ? mxg_db_result_get(res, 0, 0) : NULL, "one");
	test_assert_streq(res != NULL ? mxg_db_result_get(res, 0, 1) : NULL, "two");
	mxg_db_result_free(&res);
	/* Placeholders must be exactly $1..$n, as PostgreSQL wants. */
	test_assert(mxg_db_query(e->db, "SELECT $1", 2, p, NULL, &err) < 0 &&
		    err.code == MXG_DB_ERR_QUERY);
	test_assert(mxg_db_query(e->db, "SELECT $1, $2", 1, p, NULL, &err) < 0 &&
		    err.code == MXG_DB_ERR_QUERY);
}

static void case_result(struct env *e)
{
	struct mxg_db_result *res = NULL;
	struct mxg_error err;

	test_assert(exec0(e->db, "CREATE TABLE t_res (id INTEGER NOT NULL, name TEXT,"
			  " big BIGINT)") == 0);
	test_assert(exec0(e->db, "INSERT INTO t_res (id, name, big) VALUES"
			  " (1, 'a', 9007199254740993), (2, NULL, -1), (3, 'c', NULL)") == 0);
	test_assert(mxg_db_query(e->db, "SELECT id, name, big FROM t_res ORDER BY id",
				 0, NULL, &res, &err) == 0);
	if (res == NULL)
		return;
	test_assert(mxg_db_result_rows(res) == 3);
	test_assert(mxg_db_result_cols(res) == 3);
	test_assert_streq(mxg_db_result_get(res, 0, 0), "1");
	test_assert_streq(mxg_db_result_get(res, 0, 2), "9007199254740993");
	test_assert(mxg_db_result_get(res, 1, 1) == NULL);
	test_assert_streq(mxg_db_result_get(res, 1, 2), "-1");
	test_assert(mxg_db_result_get(res, 2, 2) == NULL);
	test_assert(mxg_db_result_get(res, 3, 0) == NULL);	/* out of range */
	test_assert(mxg_db_result_get(res, 0, 3) == NULL);
	test_assert(mxg_db_result_affected(res) == 0);
	mxg_db_result_free(&res);
	/* No rows: a result all the same. */
	test_assert(mxg_db_query(e->db, "SELECT id FROM t_res WHERE id > 10",
				 0, NULL, &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_rows(res) == 0 && mxg_db_result_cols(res) == 1);
	mxg_db_result_free(&res);
}

static void case_affected(struct env *e)
{
	struct mxg_db_result *res = NULL;
	struct mxg_error err;
	const char *const p[] = { "2" };

	test_assert(exec0(e->db, "CREATE TABLE t_aff (n INTEGER NOT NULL)") == 0);
	test_assert(mxg_db_query(e->db, "INSERT INTO t_aff (n) VALUES (1), (2), (3)",
				 0, NULL, &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_affected(res) == 3);
	mxg_db_result_free(&res);
	test_assert(mxg_db_query(e->db, "UPDATE t_aff SET n = n + 10 WHERE n >= $1",
				 1, p, &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_affected(res) == 2);
	mxg_db_result_free(&res);
	test_assert(mxg_db_query(e->db, "DELETE FROM t_aff WHERE n = 99", 0, NULL, &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_affected(res) == 0);
	mxg_db_result_free(&res);
	test_assert(mxg_db_query(e->db, "SELECT n FROM t_aff", 0, NULL, &res, &err) == 0);
	test_assert(res != NULL && mxg_db_result_affected(res) == 0 &&
		    mxg_db_result_rows(res) == 3);
	mxg_db_result_free(&res);
}

static void case_errors(struct env *e)
{
	const char *const p[] = { "dup" };
	struct mxg_error err;

	test_assert(exec0(e->db, "CREATE TABLE t_uniq (k TEXT NOT NULL PRIMARY KEY)") == 0);
	test_assert(mxg_db_query(e->db, "INSERT INTO t_uniq (k) VALUES ($1)", 1, p, NULL, &err) == 0);
	test_assert(mxg_db_query(e->db, "INSERT INTO t_uniq (k) VALUES ($1)", 1, p, NULL, &err) < 0);
	test_assert(err.code == MXG_DB_ERR_CONSTRAINT);
	test_assert(mxg_db_query(e->db, "INSERT INTO t_uniq (k) VALUES (NULL)", 0, NULL,
				 NULL, &err) < 0 && err.code == MXG_DB_ERR_CONSTRAINT);
	test_assert(mxg_db_query(e->db, "SELEC nonsense", 0, NULL, NULL, &err) < 0);
	test_assert(err.code == MXG_DB_ERR_QUERY && err.msg[0] != '\0');
	test_assert(mxg_db_query(e->db, "SELECT 1; SELECT 2", 0, NULL, NULL, &err) < 0 &&
		    err.code == MXG_DB_ERR_QUERY);
	/* The pool is still usable after errors. */
	test_assert(mxg_db_ping(e->db, &err) == 0);
}

static void case_transactions(struct env *e)
{
	const char *const a[] = { "committed" }, *const b[] = { "rolled back" },
		*const c[] = { "released" };
	struct mxg_db_conn *conn;
	struct mxg_error err;

	test_assert(exec0(e->db, "CREATE TABLE t_tx (v TEXT NOT NULL)") == 0);
	conn = mxg_db_acquire(e->db, &err);
	test_assert(conn != NULL);
	if (conn == NULL)
		return;
	test_assert(mxg_db_begin(conn, &err) == 0);
	test_assert(mxg_db_conn_query(conn, "INSERT INTO t_tx (v) VALUES ($1)", 1, a, NULL, &err) == 0);
	test_assert(mxg_db_commit(conn, &err) == 0);

	test_assert(mxg_db_begin(conn, &err) == 0);
	test_assert(mxg_db_conn_query(conn, "INSERT INTO t_tx (v) VALUES ($1)", 1, b, NULL, &err) == 0);
	test_assert(mxg_db_rollback(conn, &err) == 0);

	test_assert(mxg_db_begin(conn, &err) == 0);
	test_assert(mxg_db_conn_query(conn, "INSERT INTO t_tx (v) VALUES ($1)", 1, c, NULL, &err) == 0);
	mxg_db_release(e->db, &conn);	/* no commit: rolled back */
	test_assert(conn == NULL);

	test_assert(count_rows(e->db, "t_tx") == 1);
	char buf[64];
	test_assert_streq(query1(e->db, "SELECT v FROM t_tx", 0, NULL, buf, sizeof(buf)), "committed");
	/* Every pooled connection is out of its transaction: begin works. */
	conn = mxg_db_acquire(e->db, &err);
	test_assert(conn != NULL && mxg_db_begin(conn, &err) == 0);
	mxg_db_release(e->db, &conn);
}

static void case_migrate(struct env *e)
{
	const char *const p[] = { "pepper-1", "1700000000000" };
	struct mxg_error err;
	int v = -1;

	test_assert(mxg_db_schema_latest() >= 1);
	test_assert(mxg_db_schema_version(e->db, &v, &err) == 0 && v == 0);
	test_assert(mxg_db_migrate(e->db, &err) == 0);
	test_assert(mxg_db_schema_version(e->db, &v, &err) == 0 && v == mxg_db_schema_latest());
	test_assert(mxg_db_query(e->db, "INSERT INTO lookup_peppers (pepper, created_at)"
				 " VALUES ($1, $2)", 2, p, NULL, &err) == 0);
	test_assert(mxg_db_query(e->db, "INSERT INTO lookup_peppers (pepper, created_at)"
				 " VALUES ($1, $2)", 2, p, NULL, &err) < 0 &&
		    err.code == MXG_DB_ERR_CONSTRAINT);
}

static void case_migrate_again(struct env *e)
{
	struct mxg_error err;
	int v = -1;

	test_assert(mxg_db_migrate(e->db, &err) == 0);
	test_assert(mxg_db_migrate(e->db, &err) == 0);
	test_assert(mxg_db_schema_version(e->db, &v, &err) == 0 && v == mxg_db_schema_latest());
	test_assert(count_rows(e->db, "lookup_peppers") == 1);
	test_assert(count_rows(e->db, "schema_version") == 1);
}

static void case_migrate_newer(struct env *e)
{
	char newer[16], latest[16], want[64];
	const char *const pn[] = { newer }, *const pl[] = { latest };
	struct mxg_error err;
	int v = -1;

	snprintf(newer, sizeof(newer), "%d", mxg_db_schema_latest() + 1);
	snprintf(latest, sizeof(latest), "%d", mxg_db_schema_latest());
	test_assert(mxg_db_query(e->db, "UPDATE schema_version SET version = $1", 1, pn,
				 NULL, &err) == 0);
	test_assert(mxg_db_migrate(e->db, &err) < 0);
	test_assert(err.code == MXG_DB_ERR_SCHEMA);
	snprintf(want, sizeof(want), "version %s is newer", newer);
	test_assert(strstr(err.msg, want) != NULL);
	snprintf(want, sizeof(want), "(%s)", latest);
	test_assert(strstr(err.msg, want) != NULL);
	test_assert(mxg_db_schema_version(e->db, &v, &err) == 0 && v == mxg_db_schema_latest() + 1);
	test_assert(mxg_db_query(e->db, "UPDATE schema_version SET version = $1", 1, pl,
				 NULL, &err) == 0);
	test_assert(mxg_db_migrate(e->db, &err) == 0);
}

static void case_pool_exhausted(struct env *e)
{
	struct mxg_db_settings set = e->set;
	struct mxg_db_conn *held, *other;
	struct mxg_db *db = NULL;
	struct mxg_error err;
	long long t0, elapsed;

	set.pool_size = 1;
	set.acquire_timeout_ms = 300;
	test_assert(mxg_db_open(&set, &db, &err) == 0);
	if (db == NULL)
		return;
	held = mxg_db_acquire(db, &err);
	test_assert(held != NULL);
	t0 = now_ms();
	other = mxg_db_acquire(db, &err);
	elapsed = now_ms() - t0;
	test_assert(other == NULL && err.code == MXG_DB_ERR_UNAVAILABLE);
	test_assert(strstr(err.msg, "no free database connection") != NULL);
	test_assert(elapsed >= 290 && elapsed < 5000);
	test_assert(mxg_db_query(db, "SELECT 1", 0, NULL, NULL, &err) < 0 &&
		    err.code == MXG_DB_ERR_UNAVAILABLE);
	mxg_db_release(db, &held);
	test_assert(mxg_db_ping(db, &err) == 0);
	mxg_db_close(&db);
	test_assert(db == NULL);
}

#define THREADS 4
#define PER_THREAD 25

struct worker {
	struct mxg_db *db;
	int id, failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct mxg_db_result *res;
	struct mxg_error err;

	for (int i = 0; i < PER_THREAD; i++) {
		char id[16], n[16];
		const char *const p[] = { id, n };

		snprintf(id, sizeof(id), "%d", w->id);
		snprintf(n, sizeof(n), "%d", i);
		if (mxg_db_query(w->db, "INSERT INTO t_conc (worker, n) VALUES ($1, $2)",
				 2, p, NULL, &err) < 0) {
			fprintf(stderr, "  worker %d: %s\n", w->id, err.msg);
			w->failures++;
			continue;
		}
		if (mxg_db_query(w->db, "SELECT count(*) FROM t_conc WHERE worker = $1",
				 1, p, &res, &err) < 0) {
			w->failures++;
			continue;
		}
		if (atoi(mxg_db_result_get(res, 0, 0)) != i + 1)
			w->failures++;
		mxg_db_result_free(&res);
	}
	return NULL;
}

static void case_threads(struct env *e)
{
	struct mxg_db_settings set = e->set;
	struct worker w[THREADS];
	pthread_t th[THREADS];
	struct mxg_db *db = NULL;
	struct mxg_error err;

	set.pool_size = 2;	/* fewer than threads: they wait for each other */
	test_assert(exec0(e->db, "CREATE TABLE t_conc (worker INTEGER NOT NULL,"
			  " n INTEGER NOT NULL)") == 0);
	test_assert(mxg_db_open(&set, &db, &err) == 0);
	if (db == NULL)
		return;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .db = db, .id = i };
		test_assert(pthread_create(&th[i], NULL, worker_run, &w[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		test_assert_idx(w[i].failures == 0, i);
	}
	test_assert(count_rows(db, "t_conc") == THREADS * PER_THREAD);
	mxg_db_close(&db);
}

static void case_ping(struct env *e)
{
	struct mxg_error err;

	test_assert(mxg_db_ping(e->db, &err) == 0);
}

/* --- PostgreSQL only --- */

static void case_pg_killed(struct env *e)
{
	struct mxg_db_settings set = e->set;
	struct mxg_db *db = NULL, *killer = NULL;
	struct mxg_db_conn *conn;
	struct mxg_error err;
	char pid[32], pid2[32], buf[32];
	const char *const p[] = { pid };

	set.pool_size = 1;
	test_assert(mxg_db_open(&set, &db, &err) == 0);
	test_assert(mxg_db_open(&set, &killer, &err) == 0);
	if (db == NULL || killer == NULL)
		goto out;
	query1(db, "SELECT pg_backend_pid()", 0, NULL, pid, sizeof(pid));
	/* The timeout makes the call wait until the backend has exited. */
	test_assert_streq(query1(killer, "SELECT pg_terminate_backend($1::integer, 5000)",
				 1, p, buf, sizeof(buf)), "t");
	query1(db, "SELECT pg_backend_pid()", 0, NULL, pid2, sizeof(pid2));
	test_assert(strcmp(pid2, "(error)") != 0 && strcmp(pid, pid2) != 0);

	/* Inside a transaction there is no retry: the work is lost, the
	 * caller hears UNAVAILABLE, and the pool recovers afterwards. */
	conn = mxg_db_acquire(db, &err);
	test_assert(conn != NULL && mxg_db_begin(conn, &err) == 0);
	snprintf(pid, sizeof(pid), "%s", pid2);
	test_assert_streq(query1(killer, "SELECT pg_terminate_backend($1::integer, 5000)",
				 1, p, buf, sizeof(buf)), "t");
	test_assert(conn != NULL && mxg_db_conn_query(conn, "SELECT 1", 0, NULL, NULL, &err) < 0);
	test_assert(err.code == MXG_DB_ERR_UNAVAILABLE);
	mxg_db_release(db, &conn);
	test_assert(mxg_db_ping(db, &err) == 0);
out:
	mxg_db_close(&db);
	mxg_db_close(&killer);
}

static void case_pg_failed_commit(struct env *e)
{
	struct mxg_db_conn *conn;
	struct mxg_error err;

	/* PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK. */
	conn = mxg_db_acquire(e->db, &err);
	test_assert(conn != NULL);
	if (conn == NULL)
		return;
	test_assert(mxg_db_begin(conn, &err) == 0);
	test_assert(mxg_db_conn_query(conn, "SELEC 1", 0, NULL, NULL, &err) < 0);
	test_assert(mxg_db_commit(conn, &err) < 0 && err.code == MXG_DB_ERR_QUERY);
	mxg_db_release(e->db, &conn);
}

static void case_pg_statement_timeout(struct env *e)
{
	struct mxg_db_settings set = e->set;
	struct mxg_db *db = NULL;
	struct mxg_error err;
	long long t0;

	set.pool_size = 1;
	set.statement_timeout_ms = 100;
	test_assert(mxg_db_open(&set, &db, &err) == 0);
	if (db == NULL)
		return;
	t0 = now_ms();
	test_assert(mxg_db_query(db, "SELECT pg_sleep(5)", 0, NULL, NULL, &err) < 0);
	test_assert(err.code == MXG_DB_ERR_UNAVAILABLE && now_ms() - t0 < 4000);
	test_assert(mxg_db_ping(db, &err) == 0);	/* the connection survives */
	mxg_db_close(&db);
}

/* --- SQLite only --- */

static void case_sqlite_files(struct env *e)
{
	struct mxg_db_settings set = e->set;
	struct mxg_db *db = NULL;
	struct mxg_error err;
	struct stat st;
	char path[512];

	test_assert(stat(e->set.path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(path, sizeof(path), "%s.missing/db.sqlite", e->set.path);
	set.path = path;
	test_assert(mxg_db_open(&set, &db, &err) < 0 && db == NULL);
	test_assert(err.code == MXG_DB_ERR_UNAVAILABLE &&
		    strstr(err.msg, "database directory") != NULL &&
		    strstr(err.msg, "No such file") != NULL);
}

static const struct {
	const char *name;
	void (*run)(struct env *e);
	const char *only;	/* NULL, or the one backend it applies to */
} cases[] = {
	{ "open", case_open, NULL },
	{ "parameters: NULL, non-ASCII, quotes", case_params, NULL },
	{ "parameters: $2 before $1", case_param_order, NULL },
	{ "many statements, a schema change under them", case_many_statements, NULL },
	{ "result rows, columns, NULL", case_result, NULL },
	{ "affected rows", case_affected, NULL },
	{ "errors: constraint, syntax", case_errors, NULL },
	{ "transactions: commit, rollback, release", case_transactions, NULL },
	{ "migrate: empty to latest", case_migrate, NULL },
	{ "migrate: idempotent", case_migrate_again, NULL },
	{ "migrate: newer schema refused", case_migrate_newer, NULL },
	{ "pool exhausted: UNAVAILABLE after acquire timeout", case_pool_exhausted, NULL },
	{ "4 threads, pool of 2", case_threads, NULL },
	{ "ping", case_ping, NULL },
	{ "connection killed: reconnect", case_pg_killed, "postgresql" },
	{ "commit of a failed transaction", case_pg_failed_commit, "postgresql" },
	{ "statement_timeout: UNAVAILABLE", case_pg_statement_timeout, "postgresql" },
	{ "file mode 0600, missing directory", case_sqlite_files, "sqlite" },
};

static void run_cases(struct env *e)
{
	struct mxg_error err;
	char name[160];

	if (mxg_db_open(&e->set, &e->db, &err) < 0)
		fprintf(stderr, "  %s: open failed: %s\n", e->backend, err.msg);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].only != NULL && strcmp(cases[i].only, e->backend) != 0)
			continue;
		snprintf(name, sizeof(name), "%s: %s", e->backend, cases[i].name);
		test_begin(name);
		if (e->db != NULL)
			cases[i].run(e);
		else
			test_assert(!"database open");
		test_end();
	}
	mxg_db_close(&e->db);
}

static void base_settings(struct mxg_db_settings *set)
{
	*set = (struct mxg_db_settings){
		.pool_size = 4,
		.connect_timeout_ms = 5000,
		.busy_timeout_ms = 5000,
		.statement_timeout_ms = 30000,
		.acquire_timeout_ms = 10000,
	};
}

static void run_sqlite(void)
{
	char dir[] = "/tmp/mxgate-test-db.XXXXXX", path[256], f[300];
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	struct env e = { .backend = "sqlite" };

	if (mkdtemp(dir) == NULL) {
		test_begin("sqlite: temporary directory");
		test_assert(!"mkdtemp");
		test_end();
		return;
	}
	snprintf(path, sizeof(path), "%s/mxgate.sqlite", dir);
	base_settings(&e.set);
	e.set.driver = MXG_DB_SQLITE;
	e.set.path = path;
	umask(022);	/* the driver must still make the file 0600 */
	run_cases(&e);
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", path, suffixes[i]);
		unlink(f);
	}
	rmdir(dir);
}

/* A private schema for this run; conninfo gets options=-csearch_path=. */
static void run_pgsql(const char *base)
{
	struct env e = { .backend = "postgresql" };
	struct mxg_db *admin = NULL;
	struct mxg_error err;
	char sql[128], *conninfo = NULL;

	base_settings(&e.set);
	e.set.driver = MXG_DB_POSTGRESQL;
	e.set.conninfo = (char *)base;
	snprintf(e.pg_schema, sizeof(e.pg_schema), "mxgtest_%ld", (long)getpid());
	test_begin("postgresql: private schema");
	test_assert(strstr(base, "://") == NULL);	/* key=value form, to append */
	test_assert(mxg_db_open(&e.set, &admin, &err) == 0);
	if (admin == NULL) {
		fprintf(stderr, "  %s\n", err.msg);
		test_end();
		return;
	}
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", e.pg_schema);
	test_assert(exec0(admin, sql) == 0);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", e.pg_schema);
	test_assert(exec0(admin, sql) == 0);
	test_end();
	if (asprintf(&conninfo, "%s options='-c search_path=%s'", base, e.pg_schema) > 0) {
		e.set.conninfo = conninfo;
		run_cases(&e);
	}
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", e.pg_schema);
	exec0(admin, sql);
	mxg_db_close(&admin);
	free(conninfo);
}

/* Needs no server: nothing listens on a port we just released. */
static void run_pg_unreachable(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct mxg_db_settings set;
	struct mxg_db *db = NULL;
	struct mxg_error err;
	char conninfo[256];
	long long t0, elapsed;
	int fd;

	test_begin("postgresql: unreachable server is UNAVAILABLE within connect_timeout");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	test_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	close(fd);
	snprintf(conninfo, sizeof(conninfo),
		 "host=127.0.0.1 port=%d dbname=x user=x password=s3cr3t-pw",
		 ntohs(sa.sin_port));
	base_settings(&set);
	set.driver = MXG_DB_POSTGRESQL;
	set.conninfo = conninfo;
	set.connect_timeout_ms = 2000;
	t0 = now_ms();
	test_assert(mxg_db_open(&set, &db, &err) < 0 && db == NULL);
	elapsed = now_ms() - t0;
	test_assert(err.code == MXG_DB_ERR_UNAVAILABLE);
	test_assert(elapsed < set.connect_timeout_ms + 1000);
	test_assert(strstr(err.msg, "s3cr3t") == NULL);
	test_end();

	test_begin("postgresql: bad conninfo is not echoed");
	set.conninfo = (char *)"host=127.0.0.1 password=s3cr3t-pw s3cr3t-junk";
	test_assert(mxg_db_open(&set, &db, &err) < 0 && err.code == MXG_DB_ERR_UNAVAILABLE);
	test_assert(strstr(err.msg, "s3cr3t") == NULL);
	test_end();
}

int main(void)
{
	const char *pg = getenv("MXGATE_TEST_PGCONNINFO");

	mxg_log_open(NULL, MXG_LOG_ERROR);	/* keep reconnect warnings quiet */
	run_sqlite();
	run_pg_unreachable();
	if (pg != NULL && pg[0] != '\0')
		run_pgsql(pg);
	else
		test_skip("postgresql: every case",
			  "MXGATE_TEST_PGCONNINFO is not set (start one with"
			  " tests/lib/pg.sh start DIR PORT and export its output)");
	return test_done("test-db");
}
