/*
 * lookup.c: pepper persistence, index builds and the refresh thread.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/log.h"
#include "db/db.h"
#include "identity/bindings.h"
#include "identity/index.h"
#include "identity/lookup.h"
#include "stores/chain.h"

#define PEPPER_LEN 32

struct mxg_lookup {
	struct mxg_db *db;
	struct mxg_store_chain *chain;
	long long refresh_ms;
	long long rotation_ms;		/* 0 = the pepper never rotates */

	pthread_rwlock_t lock;		/* guards current */
	struct mxg_3pid_index *current;

	pthread_mutex_t build_lock;	/* one build at a time */

	pthread_t thread;
	bool thread_running;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;	/* wakes the thread: stop, or refresh soon */
	bool stopping;
	bool refresh_requested;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The newest pepper into out and its creation time; 0, 1 when there is
 * none, -1 on error. */
static int pepper_read(struct mxg_db_conn *conn, char *out, size_t cap, long long *created_r,
		       struct mxg_error *err)
{
	struct mxg_db_result *res;
	const char *v, *c;
	int ret = 1;

	if (mxg_db_conn_query(conn, "SELECT pepper, created_at FROM lookup_peppers "
				    "ORDER BY created_at DESC, pepper DESC LIMIT 1",
			      0, NULL, &res, err) < 0)
		return -1;
	if (mxg_db_result_rows(res) > 0 && (v = mxg_db_result_get(res, 0, 0)) != NULL) {
		snprintf(out, cap, "%s", v);
		c = mxg_db_result_get(res, 0, 1);
		*created_r = c != NULL ? strtoll(c, NULL, 10) : 0;
		ret = 0;
	}
	mxg_db_result_free(&res);
	return ret;
}

static bool pepper_due(int read, long long created, long long now, long long rotation_ms)
{
	return read == 1 || (rotation_ms > 0 && now - created >= rotation_ms);
}

/*
 * Insert a pepper if there is none or the newest is older than the rotation.
 * Several processes sharing the database may get here at once: the check is
 * repeated inside a transaction that holds the table's write lock (SQLite's
 * BEGIN IMMEDIATE; PostgreSQL's self-conflicting SHARE ROW EXCLUSIVE), so
 * the first inserts and the others see its pepper as fresh.
 */
static int pepper_rotate(struct mxg_lookup *lk, struct mxg_db_conn *conn, struct mxg_error *err)
{
	char pepper[PEPPER_LEN + 1], created[32], old[256];
	const char *params[2] = { pepper, created };
	long long newest = 0, now = now_ms();
	int r;

	if (mxg_db_begin(conn, err) < 0)
		return -1;
	if (mxg_db_driver(lk->db) == MXG_DB_POSTGRESQL &&
	    mxg_db_conn_query(conn, "LOCK TABLE lookup_peppers IN SHARE ROW EXCLUSIVE MODE", 0, NULL,
			      NULL, err) < 0)
		goto fail;
	r = pepper_read(conn, old, sizeof(old), &newest, err);
	if (r < 0)
		goto fail;
	if (!pepper_due(r, newest, now, lk->rotation_ms))
		return mxg_db_commit(conn, err);
	if (mxg_random_token(pepper, PEPPER_LEN) < 0) {
		mxg_error_set(err, EIO, "no randomness for a new lookup pepper");
		goto fail;
	}
	/* Never older than the one it replaces, whatever the clocks say. */
	snprintf(created, sizeof(created), "%lld", now > newest ? now : newest + 1);
	if (mxg_db_conn_query(conn, "INSERT INTO lookup_peppers (pepper, created_at) "
				    "VALUES ($1, $2)", 2, params, NULL, err) < 0)
		goto fail;
	if (mxg_db_commit(conn, err) < 0)
		return -1;
	if (r == 1)
		mxg_info("created a new lookup pepper");
	else
		mxg_info("lookup pepper rotated (the previous one was %lld s old)",
			 (now - newest) / 1000);
	return 0;
fail:
	(void)mxg_db_rollback(conn, NULL);
	return -1;
}

/* The pepper to serve: the newest, after inserting one when it is due. */
static int pepper_current(struct mxg_lookup *lk, char *out, size_t cap, struct mxg_error *err)
{
	struct mxg_db_conn *conn = mxg_db_acquire(lk->db, err);
	long long created = 0;
	int r;

	if (conn == NULL)
		return -1;
	r = pepper_read(conn, out, cap, &created, err);
	if (r >= 0 && pepper_due(r, created, now_ms(), lk->rotation_ms)) {
		r = pepper_rotate(lk, conn, err);
		if (r == 0)
			r = pepper_read(conn, out, cap, &created, err);
		if (r == 1)
			r = mxg_error_set(err, EIO, "lookup pepper vanished after insert");
	}
	mxg_db_release(lk->db, &conn);
	return r;
}

static int index_add_cb(void *ctx, const char *medium, const char *address, const char *user_id)
{
	mxg_3pid_index_add(ctx, medium, address, user_id);
	return 0;
}

int mxg_lookup_refresh(struct mxg_lookup *lk, struct mxg_error *err)
{
	char pepper[256];
	struct mxg_3pid_index *ix, *old;
	struct mxg_error serr, other_err;
	enum mxg_store_result res;
	bool bindings_ok;
	struct timespec t0, t1;
	size_t expected;
	bool same_pepper;

	pthread_mutex_lock(&lk->build_lock);
	if (pepper_current(lk, pepper, sizeof(pepper), err) < 0) {
		pthread_mutex_unlock(&lk->build_lock);
		return -1;
	}
	same_pepper = lk->current != NULL && strcmp(mxg_3pid_index_pepper(lk->current), pepper) == 0;
	expected = lk->current != NULL ? mxg_3pid_index_size(lk->current) : 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ix = mxg_3pid_index_create(pepper, expected + expected / 8);
	mxg_error_clear(&serr);
	/* Bindings first: the index keeps the first owner of a 3PID, and a
	 * binding is the user's own, validated claim. */
	bindings_ok = mxg_bindings_enumerate(lk->db, index_add_cb, ix, &serr) == 0;
	res = mxg_store_chain_enumerate(lk->chain, index_add_cb, ix,
					bindings_ok ? &serr : &other_err);
	if (!bindings_ok)
		res = MXG_STORE_UNAVAILABLE;
	mxg_3pid_index_seal(ix);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (res != MXG_STORE_OK) {
		if (same_pepper) {
			mxg_warning("lookup index not rebuilt, keeping the previous one: %s", serr.msg);
			mxg_3pid_index_destroy(&ix);
			pthread_mutex_unlock(&lk->build_lock);
			return 0;
		}
		mxg_warning("lookup index built without an unavailable store: %s", serr.msg);
	}
	pthread_rwlock_wrlock(&lk->lock);
	old = lk->current;
	lk->current = ix;
	pthread_rwlock_unlock(&lk->lock);
	mxg_3pid_index_destroy(&old);
	mxg_info("lookup index built: %zu 3PIDs, %zu KiB, %lld ms", mxg_3pid_index_size(ix),
		 mxg_3pid_index_memory(ix) / 1024,
		 (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	pthread_mutex_unlock(&lk->build_lock);
	return 0;
}

int mxg_lookup_create(struct mxg_db *db, struct mxg_store_chain *chain,
		      long long refresh_interval_ms, struct mxg_lookup **lookup_r,
		      struct mxg_error *err)
{
	return mxg_lookup_create_rotating(db, chain, refresh_interval_ms, 0, lookup_r, err);
}

int mxg_lookup_create_rotating(struct mxg_db *db, struct mxg_store_chain *chain,
			       long long refresh_interval_ms, long long pepper_rotation_ms,
			       struct mxg_lookup **lookup_r, struct mxg_error *err)
{
	struct mxg_lookup *lk = calloc(1, sizeof(*lk));
	pthread_rwlockattr_t attr;
	pthread_condattr_t cattr;

	*lookup_r = NULL;
	if (lk == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	lk->db = db;
	lk->chain = chain;
	lk->refresh_ms = refresh_interval_ms;
	lk->rotation_ms = pepper_rotation_ms;
	/* Lookups never stop: a rebuild's swap must not starve behind them. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&lk->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&lk->build_lock, NULL);
	pthread_mutex_init(&lk->stop_lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&lk->stop_cond, &cattr);
	pthread_condattr_destroy(&cattr);
	if (mxg_lookup_refresh(lk, err) < 0) {
		mxg_lookup_destroy(&lk);
		return -1;
	}
	*lookup_r = lk;
	return 0;
}

static void *refresh_thread(void *arg)
{
	struct mxg_lookup *lk = arg;
	struct timespec deadline;
	struct mxg_error err;

	mxg_log_set_context("lookup");
	pthread_mutex_lock(&lk->stop_lock);
	while (!lk->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += lk->refresh_ms / 1000;
		deadline.tv_nsec += (lk->refresh_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		while (!lk->stopping && !lk->refresh_requested &&
		       pthread_cond_timedwait(&lk->stop_cond, &lk->stop_lock, &deadline) != ETIMEDOUT)
			;
		if (lk->stopping)
			break;
		/* Cleared before the build: a bind during it asks for another. */
		lk->refresh_requested = false;
		pthread_mutex_unlock(&lk->stop_lock);
		mxg_error_clear(&err);
		if (mxg_lookup_refresh(lk, &err) < 0)
			mxg_error("lookup index refresh failed: %s", err.msg);
		pthread_mutex_lock(&lk->stop_lock);
	}
	pthread_mutex_unlock(&lk->stop_lock);
	return NULL;
}

void mxg_lookup_refresh_soon(struct mxg_lookup *lk)
{
	if (lk == NULL)
		return;
	pthread_mutex_lock(&lk->stop_lock);
	lk->refresh_requested = true;
	pthread_cond_signal(&lk->stop_cond);
	pthread_mutex_unlock(&lk->stop_lock);
}

int mxg_lookup_start(struct mxg_lookup *lk, struct mxg_error *err)
{
	int e = pthread_create(&lk->thread, NULL, refresh_thread, lk);

	if (e != 0)
		return mxg_error_set(err, e, "cannot start the lookup refresh thread: %s", strerror(e));
	lk->thread_running = true;
	return 0;
}

void mxg_lookup_destroy(struct mxg_lookup **lookup)
{
	struct mxg_lookup *lk;

	if (lookup == NULL || *lookup == NULL)
		return;
	lk = *lookup;
	if (lk->thread_running) {
		pthread_mutex_lock(&lk->stop_lock);
		lk->stopping = true;
		pthread_cond_signal(&lk->stop_cond);
		pthread_mutex_unlock(&lk->stop_lock);
		pthread_join(lk->thread, NULL);
	}
	mxg_3pid_index_destroy(&lk->current);
	pthread_rwlock_destroy(&lk->lock);
	pthread_mutex_destroy(&lk->build_lock);
	pthread_mutex_destroy(&lk->stop_lock);
	pthread_cond_destroy(&lk->stop_cond);
	free(lk);
	*lookup = NULL;
}

const struct mxg_3pid_index *mxg_lookup_acquire(struct mxg_lookup *lk)
{
	pthread_rwlock_rdlock(&lk->lock);
	return lk->current;
}

void mxg_lookup_release(struct mxg_lookup *lk, const struct mxg_3pid_index *index)
{
	(void)index;
	pthread_rwlock_unlock(&lk->lock);
}
