/*
 * db.h: the database interface, one API over two drivers.
 *
 * SQLite is the embedded default (one file, WAL, busy timeout); PostgreSQL
 * (libpq) serves deployments where several mxgate processes share state.
 * SQL is written once, in the common subset of both dialects, with $1..$n
 * placeholders; parameters and results are text (NULL = SQL NULL).  No SQL is
 * ever built by pasting values into a string.
 *
 * Connections come from a pool owned by struct mxg_db; mxg_db_query() borrows
 * one for a single statement, mxg_db_acquire() keeps one for a transaction.
 * All functions are thread-safe.  Every call has a timeout (busy timeout,
 * connect timeout, statement timeout): none blocks forever.
 */
#ifndef MXG_DB_H
#define MXG_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

enum mxg_db_driver_kind {
	MXG_DB_SQLITE,
	MXG_DB_POSTGRESQL,
};

/* Error codes in struct mxg_error.code. */
enum mxg_db_err {
	MXG_DB_ERR_UNAVAILABLE = 1,	/* cannot connect / connection lost / timeout */
	MXG_DB_ERR_CONSTRAINT,		/* unique or foreign key violation */
	MXG_DB_ERR_QUERY,		/* anything else the server rejected */
	MXG_DB_ERR_SCHEMA,		/* schema newer than this binary, or broken */
};

/* Filled by the config engine (the "database" section). */
struct mxg_db_settings {
	int driver;			/* enum mxg_db_driver_kind */
	char *path;			/* sqlite: database file */
	char *conninfo;			/* postgresql: libpq conninfo (secret) */
	long long pool_size;		/* connections kept at most */
	long long connect_timeout_ms;	/* postgresql connect */
	long long busy_timeout_ms;	/* sqlite lock wait */
	long long statement_timeout_ms;	/* postgresql statement_timeout */
	long long acquire_timeout_ms;	/* wait for a free pooled connection */
	/* Someone else's database, only read (the sql store module): SQLite
	 * opens the file read-only, never creates it nor changes its journal
	 * mode; PostgreSQL sessions default to read-only transactions. */
	bool read_only;
};

struct mxg_db;
struct mxg_db_conn;
struct mxg_db_result;

/* Open the pool (connects once to check the settings).  Returns 0, or -1
 * with err (MXG_DB_ERR_UNAVAILABLE when the server cannot be reached). */
int mxg_db_open(const struct mxg_db_settings *settings, struct mxg_db **db_r,
		struct mxg_error *err);

/* Close every connection; *db set to NULL.  No connection may be acquired. */
void mxg_db_close(struct mxg_db **db);

enum mxg_db_driver_kind mxg_db_driver(const struct mxg_db *db);
const char *mxg_db_driver_name(const struct mxg_db *db);	/* "sqlite", "postgresql" */

/* Borrow a connection (waits up to acquire_timeout); NULL + err on failure. */
struct mxg_db_conn *mxg_db_acquire(struct mxg_db *db, struct mxg_error *err);

/* Return it to the pool; a broken connection is dropped.  *conn = NULL.
 * An open transaction is rolled back. */
void mxg_db_release(struct mxg_db *db, struct mxg_db_conn **conn);

/*
 * Run one statement with nparams text parameters ($1..$n).  res_r may be
 * NULL when rows are not wanted; otherwise *res_r is set on success and must
 * be freed with mxg_db_result_free().  A connection lost outside a
 * transaction is reconnected and the statement retried once.
 */
int mxg_db_conn_query(struct mxg_db_conn *conn, const char *sql, size_t nparams,
		      const char *const *params, struct mxg_db_result **res_r,
		      struct mxg_error *err);

int mxg_db_begin(struct mxg_db_conn *conn, struct mxg_error *err);
int mxg_db_commit(struct mxg_db_conn *conn, struct mxg_error *err);
int mxg_db_rollback(struct mxg_db_conn *conn, struct mxg_error *err);

/* acquire + mxg_db_conn_query + release. */
int mxg_db_query(struct mxg_db *db, const char *sql, size_t nparams,
		 const char *const *params, struct mxg_db_result **res_r,
		 struct mxg_error *err);

/* Cheap round trip ("SELECT 1"), for /health. */
int mxg_db_ping(struct mxg_db *db, struct mxg_error *err);

size_t mxg_db_result_rows(const struct mxg_db_result *res);
size_t mxg_db_result_cols(const struct mxg_db_result *res);
/* Text of a cell, NULL for SQL NULL; valid until the result is freed. */
const char *mxg_db_result_get(const struct mxg_db_result *res, size_t row, size_t col);
/* The same as a number (0 for NULL), or copied into arena (NULL stays NULL). */
long long mxg_db_result_ll(const struct mxg_db_result *res, size_t row, size_t col);
struct mxg_arena;
const char *mxg_db_result_dup(const struct mxg_db_result *res, size_t row, size_t col,
			      struct mxg_arena *arena);

/* v as a text parameter ($n are text). */
#define MXG_DB_NUM_SIZE 24
void mxg_db_num(char out[MXG_DB_NUM_SIZE], long long v);
/* Rows changed by an INSERT/UPDATE/DELETE. */
size_t mxg_db_result_affected(const struct mxg_db_result *res);
void mxg_db_result_free(struct mxg_db_result **res);

/* --- migrations (migrations.c) --- */

/* The schema version this binary writes. */
int mxg_db_schema_latest(void);

/* Current version of the database (0 = empty).  -1 + err on failure. */
int mxg_db_schema_version(struct mxg_db *db, int *version_r, struct mxg_error *err);

/* Apply every missing migration in one transaction each.  Refuses
 * (MXG_DB_ERR_SCHEMA) a database newer than mxg_db_schema_latest(). */
int mxg_db_migrate(struct mxg_db *db, struct mxg_error *err);

#endif
