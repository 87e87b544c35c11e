/*
 * db.c: the connection pool in front of the SQLite and PostgreSQL drivers.
 *
 * Connections are opened lazily up to pool_size and kept on an idle list;
 * a borrower waits on a condition variable for at most acquire_timeout.
 * The pool owns reconnection: a statement that fails because the connection
 * was lost (PostgreSQL restarted, backend killed) is retried once on a fresh
 * connection, unless a transaction was open, whose work is gone with the
 * connection and must be redone by the caller.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "db/db.h"
#include "db/driver.h"

struct mxg_db_conn {
	struct mxg_db *db;
	void *handle;
	struct mxg_db_conn *next;	/* idle list */
};

struct mxg_db {
	const struct mxg_db_driver *drv;
	enum mxg_db_driver_kind kind;
	struct mxg_db_settings set;	/* path and conninfo are our copies */
	size_t pool_size;

	pthread_mutex_t lock;
	pthread_cond_t freed;		/* a connection went idle or a slot opened */
	struct mxg_db_conn *idle;
	size_t open;			/* connections existing or being opened */
};

static void wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int copy_settings(struct mxg_db_settings *dst, const struct mxg_db_settings *src)
{
	*dst = *src;
	dst->path = NULL;
	dst->conninfo = NULL;
	if (src->path != NULL && (dst->path = strdup(src->path)) == NULL)
		return -1;
	if (src->conninfo != NULL && (dst->conninfo = strdup(src->conninfo)) == NULL)
		return -1;
	return 0;
}

int mxg_db_open(const struct mxg_db_settings *settings, struct mxg_db **db_r,
		struct mxg_error *err)
{
	struct mxg_db *db;
	struct mxg_db_conn *conn;
	pthread_condattr_t attr;

	*db_r = NULL;
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "out of memory");
	switch (settings->driver) {
	case MXG_DB_SQLITE:
		db->drv = &mxg_db_driver_sqlite;
		break;
	case MXG_DB_POSTGRESQL:
		db->drv = &mxg_db_driver_pgsql;
		break;
	default:
		free(db);
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "unknown database driver %d",
				     settings->driver);
	}
	db->kind = (enum mxg_db_driver_kind)settings->driver;
	if (copy_settings(&db->set, settings) < 0) {
		free(db->set.path);
		wipe_free(db->set.conninfo);
		free(db);
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "out of memory");
	}
	/* The config engine validates the range; a pool of none would make
	 * every acquire time out, so take at least one. */
	db->pool_size = settings->pool_size < 1 ? 1 : (size_t)settings->pool_size;
	if (db->set.acquire_timeout_ms < 0)
		db->set.acquire_timeout_ms = 0;

	pthread_mutex_init(&db->lock, NULL);
	/* Deadlines on the monotonic clock: a wall-clock jump must not turn a
	 * 5 s wait into an hour. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&db->freed, &attr);
	pthread_condattr_destroy(&attr);

	/* Connect once now so that bad settings fail at startup. */
	conn = mxg_db_acquire(db, err);
	if (conn == NULL) {
		mxg_db_close(&db);
		return -1;
	}
	mxg_db_release(db, &conn);
	*db_r = db;
	return 0;
}

void mxg_db_close(struct mxg_db **dbp)
{
	struct mxg_db *db = *dbp;

	if (db == NULL)
		return;
	while (db->idle != NULL) {
		struct mxg_db_conn *c = db->idle;

		db->idle = c->next;
		db->drv->close(c->handle);
		free(c);
	}
	pthread_cond_destroy(&db->freed);
	pthread_mutex_destroy(&db->lock);
	free(db->set.path);
	wipe_free(db->set.conninfo);
	free(db);
	*dbp = NULL;
}

enum mxg_db_driver_kind mxg_db_driver(const struct mxg_db *db)
{
	return db->kind;
}

const char *mxg_db_driver_name(const struct mxg_db *db)
{
	return db->drv->name;
}

/* Give a slot back (its connection is gone) and wake a waiter. */
static void slot_free(struct mxg_db *db)
{
	pthread_mutex_lock(&db->lock);
	db->open--;
	pthread_cond_signal(&db->freed);
	pthread_mutex_unlock(&db->lock);
}

struct mxg_db_conn *mxg_db_acquire(struct mxg_db *db, struct mxg_error *err)
{
	struct mxg_db_conn *conn = NULL;
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += db->set.acquire_timeout_ms / 1000;
	deadline.tv_nsec += (db->set.acquire_timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}

	pthread_mutex_lock(&db->lock);
	for (;;) {
		if (db->idle != NULL) {
			conn = db->idle;
			db->idle = conn->next;
			break;
		}
		if (db->open < db->pool_size) {
			db->open++;	/* reserved: connect outside the lock */
			break;
		}
		if (rc == ETIMEDOUT) {
			pthread_mutex_unlock(&db->lock);
			mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE,
				      "no free database connection (all %zu in use for %lld ms)",
				      db->pool_size, db->set.acquire_timeout_ms);
			return NULL;
		}
		rc = pthread_cond_timedwait(&db->freed, &db->lock, &deadline);
	}
	pthread_mutex_unlock(&db->lock);

	if (conn != NULL) {
		if (!db->drv->is_broken(conn->handle))
			return conn;
		/* Found dead while idle: replace it in the same slot. */
		db->drv->close(conn->handle);
		conn->handle = NULL;
	} else {
		conn = calloc(1, sizeof(*conn));
		if (conn == NULL) {
			slot_free(db);
			mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "out of memory");
			return NULL;
		}
		conn->db = db;
	}
	if (db->drv->connect(&db->set, &conn->handle, err) < 0) {
		free(conn);
		slot_free(db);
		return NULL;
	}
	conn->next = NULL;
	return conn;
}

void mxg_db_release(struct mxg_db *db, struct mxg_db_conn **connp)
{
	struct mxg_db_conn *conn = *connp;
	const struct mxg_db_driver *drv = db->drv;

	if (conn == NULL)
		return;
	*connp = NULL;
	if (!drv->is_broken(conn->handle) && drv->in_transaction(conn->handle)) {
		struct mxg_db_result *res = NULL;
		struct mxg_error e;

		/* The borrower left without commit: its half-done work must
		 * not leak into the next borrower's transaction. */
		if (drv->exec(conn->handle, "ROLLBACK", 0, NULL, &res, &e) < 0)
			mxg_warning("database: rollback on release failed: %s", e.msg);
		mxg_db_result_free(&res);
	}
	if (drv->is_broken(conn->handle) || drv->in_transaction(conn->handle)) {
		drv->close(conn->handle);
		free(conn);
		slot_free(db);
		return;
	}
	pthread_mutex_lock(&db->lock);
	conn->next = db->idle;
	db->idle = conn;
	pthread_cond_signal(&db->freed);
	pthread_mutex_unlock(&db->lock);
}

int mxg_db_conn_query(struct mxg_db_conn *conn, const char *sql, size_t nparams,
		      const char *const *params, struct mxg_db_result **res_r,
		      struct mxg_error *err)
{
	const struct mxg_db_driver *drv = conn->db->drv;
	struct mxg_db_result *res = NULL;
	struct mxg_error e = { 0 };
	bool in_tx = drv->in_transaction(conn->handle);
	void *fresh;
	int rc;

	if (res_r != NULL)
		*res_r = NULL;
	rc = drv->exec(conn->handle, sql, nparams, params, &res, &e);
	if (rc < 0 && !in_tx && drv->is_broken(conn->handle)) {
		mxg_warning("database: connection lost (%s), reconnecting", e.msg);
		if (drv->connect(&conn->db->set, &fresh, &e) == 0) {
			drv->close(conn->handle);
			conn->handle = fresh;
			rc = drv->exec(conn->handle, sql, nparams, params, &res, &e);
		}
		/* else the broken handle stays: release drops it. */
	}
	if (rc < 0) {
		if (err != NULL)
			*err = e;
		return -1;
	}
	if (res_r != NULL)
		*res_r = res;
	else
		mxg_db_result_free(&res);
	return 0;
}

int mxg_db_begin(struct mxg_db_conn *conn, struct mxg_error *err)
{
	return mxg_db_conn_query(conn, conn->db->drv->begin_sql, 0, NULL, NULL, err);
}

int mxg_db_commit(struct mxg_db_conn *conn, struct mxg_error *err)
{
	return mxg_db_conn_query(conn, "COMMIT", 0, NULL, NULL, err);
}

int mxg_db_rollback(struct mxg_db_conn *conn, struct mxg_error *err)
{
	return mxg_db_conn_query(conn, "ROLLBACK", 0, NULL, NULL, err);
}

int mxg_db_query(struct mxg_db *db, const char *sql, size_t nparams,
		 const char *const *params, struct mxg_db_result **res_r,
		 struct mxg_error *err)
{
	struct mxg_db_conn *conn;
	int rc;

	if (res_r != NULL)
		*res_r = NULL;
	conn = mxg_db_acquire(db, err);
	if (conn == NULL)
		return -1;
	rc = mxg_db_conn_query(conn, sql, nparams, params, res_r, err);
	mxg_db_release(db, &conn);
	return rc;
}

int mxg_db_ping(struct mxg_db *db, struct mxg_error *err)
{
	return mxg_db_query(db, "SELECT 1", 0, NULL, NULL, err);
}
