/*
 * sqlite.c: the SQLite driver (one database file, WAL, busy timeout).
 *
 * SQL is shared with PostgreSQL, so placeholders are "$1".."$n".  SQLite
 * reads "$1" as a *named* parameter whose index follows the order of first
 * appearance ("$2 ... $1" gives $2 index 1), so every parameter is bound by
 * looking its name up, never by position.
 *
 * Each connection keeps its last prepared statements, keyed by their SQL
 * text: the statements are a few dozen constants, and parsing one cost
 * about as much as running it (a password check runs two).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/driver.h"

#define STMT_CACHE_SIZE 32

struct sqlite_conn {
	sqlite3 *h;
	struct {
		char *sql;
		sqlite3_stmt *stmt;
	} cache[STMT_CACHE_SIZE];
	unsigned int victim;	/* the slot the next new statement replaces */
};

/* The parent directory must exist: creating directories is the packager's
 * job, and a typo in the path should be an error, not a new tree. */
static int check_parent(const char *path, struct mxg_error *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	size_t len;

	if (slash == NULL)
		return 0;
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= sizeof(dir))
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "database path too long");
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (stat(dir, &st) < 0)
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE,
				     "database directory '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE,
				     "database directory '%s' is not a directory", dir);
	return 0;
}

static int set_error(sqlite3 *h, int rc, struct mxg_error *err)
{
	int code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = MXG_DB_ERR_UNAVAILABLE;
		break;
	case SQLITE_CONSTRAINT:
		code = MXG_DB_ERR_CONSTRAINT;
		break;
	default:
		code = MXG_DB_ERR_QUERY;
	}
	return mxg_error_set(err, code, "sqlite: %s",
			     h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
}

static int sqlite_connect(const struct mxg_db_settings *set, void **handle_r,
			  struct mxg_error *err)
{
	static const char *const pragmas =
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
	struct sqlite_conn *conn;
	sqlite3 *h = NULL;
	int fd, rc;

	*handle_r = NULL;
	if (set->path == NULL || set->path[0] == '\0')
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "no database path set");
	if (check_parent(set->path, err) < 0)
		return -1;
	/* Create the file ourselves so that it is 0600 whatever the umask;
	 * SQLite gives the -wal and -shm files the same mode.  Only when it
	 * does not exist: closing any descriptor of a file drops every POSIX
	 * lock this process holds on it, the shared lock of each connection
	 * already open included, and another process then believes itself
	 * the last user, checkpoints and deletes the WAL under our feet. */
	if (!set->read_only) {
		fd = open(set->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "database '%s': %s",
					     set->path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}

	rc = sqlite3_open_v2(set->path, &h, (set->read_only ? SQLITE_OPEN_READONLY
					     : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "database '%s': %s", set->path,
			      h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return -1;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, set->busy_timeout_ms > INT_MAX ? INT_MAX
			     : (int)set->busy_timeout_ms);
	/* Another application's file keeps its journal mode. */
	rc = set->read_only ? SQLITE_OK : sqlite3_exec(h, pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		set_error(h, rc, err);
		mxg_error_prefix(err, "database '%s'", set->path);
		sqlite3_close(h);
		return -1;
	}
	conn = calloc(1, sizeof(*conn));
	if (conn == NULL) {
		sqlite3_close(h);
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "out of memory");
	}
	conn->h = h;
	*handle_r = conn;
	return 0;
}

static void sqlite_close(void *handle)
{
	struct sqlite_conn *conn = handle;

	for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
		sqlite3_finalize(conn->cache[i].stmt);
		free(conn->cache[i].sql);
	}
	sqlite3_close(conn->h);
	free(conn);
}

/* A prepared statement for sql (one statement only), from the cache or
 * prepared and cached; NULL + err on failure. */
static sqlite3_stmt *statement(struct sqlite_conn *conn, const char *sql, struct mxg_error *err)
{
	struct sqlite3_stmt *stmt = NULL;
	const char *tail = NULL;
	unsigned int slot;
	char *copy;
	int rc;

	for (size_t i = 0; i < STMT_CACHE_SIZE && conn->cache[i].sql != NULL; i++)
		if (strcmp(conn->cache[i].sql, sql) == 0)
			return conn->cache[i].stmt;
	rc = sqlite3_prepare_v3(conn->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
	if (rc != SQLITE_OK) {
		set_error(conn->h, rc, err);
		return NULL;
	}
	if (stmt == NULL) {
		mxg_error_set(err, MXG_DB_ERR_QUERY, "empty SQL statement");
		return NULL;
	}
	/* One statement per call, as PQexecParams allows. */
	while (tail != NULL && *tail != '\0' && strchr(" \t\r\n;", *tail) != NULL)
		tail++;
	if (tail != NULL && *tail != '\0') {
		sqlite3_finalize(stmt);
		mxg_error_set(err, MXG_DB_ERR_QUERY, "more than one SQL statement");
		return NULL;
	}
	copy = strdup(sql);
	if (copy == NULL) {
		sqlite3_finalize(stmt);
		mxg_error_set(err, MXG_DB_ERR_QUERY, "out of memory");
		return NULL;
	}
	slot = conn->victim;
	conn->victim = (conn->victim + 1) % STMT_CACHE_SIZE;
	sqlite3_finalize(conn->cache[slot].stmt);
	free(conn->cache[slot].sql);
	conn->cache[slot].sql = copy;
	conn->cache[slot].stmt = stmt;
	return stmt;
}

/* Parse "$N" into N; 0 when the name is anything else. */
static size_t param_number(const char *name)
{
	char *end;
	long n;

	if (name == NULL || name[0] != '$' || name[1] < '1' || name[1] > '9')
		return 0;
	errno = 0;
	n = strtol(name + 1, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0)
		return 0;
	return (size_t)n;
}

static int bind_params(sqlite3 *h, sqlite3_stmt *stmt, size_t nparams,
		       const char *const *params, struct mxg_error *err)
{
	int count = sqlite3_bind_parameter_count(stmt);
	char name[32];

	/* Same rules as PostgreSQL: every placeholder is $1..$nparams and
	 * every parameter is used, so a statement that works here works there. */
	for (int i = 1; i <= count; i++) {
		size_t n = param_number(sqlite3_bind_parameter_name(stmt, i));

		if (n == 0 || n > nparams)
			return mxg_error_set(err, MXG_DB_ERR_QUERY,
					     "parameter %d of the statement is not $1..$%zu",
					     i, nparams);
	}
	for (size_t n = 1; n <= nparams; n++) {
		int idx, rc;

		snprintf(name, sizeof(name), "$%zu", n);
		idx = sqlite3_bind_parameter_index(stmt, name);
		if (idx == 0)
			return mxg_error_set(err, MXG_DB_ERR_QUERY,
					     "parameter %s is not used by the statement", name);
		if (params[n - 1] == NULL)
			rc = sqlite3_bind_null(stmt, idx);
		else
			rc = sqlite3_bind_text(stmt, idx, params[n - 1], -1, SQLITE_STATIC);
		if (rc != SQLITE_OK)
			return set_error(h, rc, err);
	}
	return 0;
}

/* Ready a cached statement for its next use: a statement left stepped
 * would keep its read transaction open, and its bindings point into the
 * caller's memory. */
static void done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static int sqlite_exec(void *handle, const char *sql, size_t nparams,
		       const char *const *params, struct mxg_db_result **res_r,
		       struct mxg_error *err)
{
	struct sqlite_conn *conn = handle;
	sqlite3 *h = conn->h;
	sqlite3_stmt *stmt;
	struct mxg_db_result_builder b;
	int total_before;
	size_t affected = 0;
	int rc, cols;

	*res_r = NULL;
	stmt = statement(conn, sql, err);
	if (stmt == NULL)
		return -1;
	if (bind_params(h, stmt, nparams, params, err) < 0) {
		done(stmt);
		return -1;
	}

	cols = sqlite3_column_count(stmt);
	mxg_db_result_builder_init(&b, (size_t)cols);
	total_before = sqlite3_total_changes(h);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (int c = 0; c < cols; c++) {
			const char *v = NULL;
			size_t len = 0;

			if (sqlite3_column_type(stmt, c) != SQLITE_NULL) {
				v = (const char *)sqlite3_column_text(stmt, c);
				len = (size_t)sqlite3_column_bytes(stmt, c);
				if (v == NULL) {
					rc = SQLITE_NOMEM;
					goto fail;
				}
			}
			if (mxg_db_result_builder_add(&b, v, len) < 0) {
				rc = SQLITE_NOMEM;
				goto fail;
			}
		}
	}
	if (rc != SQLITE_DONE)
		goto fail;
	/* sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE,
	 * even across SELECTs and DDL: trust it only if this statement changed
	 * something. */
	if (sqlite3_total_changes(h) != total_before)
		affected = (size_t)sqlite3_changes(h);
	done(stmt);
	*res_r = mxg_db_result_builder_finish(&b, affected);
	if (*res_r == NULL)
		return mxg_error_set(err, MXG_DB_ERR_QUERY, "out of memory");
	return 0;
fail:
	mxg_db_result_builder_deinit(&b);
	set_error(h, rc, err);
	done(stmt);
	return -1;
}

static bool sqlite_is_broken(void *handle)
{
	(void)handle;
	return false;	/* a file does not hang up */
}

static bool sqlite_in_transaction(void *handle)
{
	return sqlite3_get_autocommit(((struct sqlite_conn *)handle)->h) == 0;
}

const struct mxg_db_driver mxg_db_driver_sqlite = {
	.name = "sqlite",
	.connect = sqlite_connect,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.is_broken = sqlite_is_broken,
	.in_transaction = sqlite_in_transaction,
	/* A deferred BEGIN that later writes can fail at once with SQLITE_BUSY
	 * (the busy handler is not used for a lock upgrade): take the write
	 * lock up front, waiting up to the busy timeout. */
	.begin_sql = "BEGIN IMMEDIATE",
};
