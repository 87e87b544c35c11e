/*
 * pool.c: the fixed-size pools of `ldap` connections the operations
 * borrow from (connect.c opens them).
 *
 * Connections open lazily, on first use: init needs no server.  A libldap
 * handle is used by one thread at a time.  When every connection is busy,
 * callers queue, and a connection given back goes straight to the caller
 * that has waited longest: with a shared condition variable a thread
 * arriving just then could take it first, and under load some callers
 * waited many turns (directory search p99 of 100 ms at 50 clients, against
 * a median of 5).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "ldap-private.h"

/* A caller waiting for a connection; lives on its stack. */
struct waiter {
	pthread_cond_t cv;
	struct mxg_ldap_conn *given;	/* handed over by put, still busy */
	struct waiter *next;
};

struct mxg_ldap_pool {
	struct mxg_ldap_servers *servers;
	const char *kind;		/* "search", "bind": for messages */
	bool service_bind;
	pthread_mutex_t mu;
	pthread_condattr_t cv_attr;	/* for the waiters: monotonic clock */
	struct waiter *head, *tail;	/* oldest first */
	size_t waiting;			/* in that queue */
	size_t size;
	struct mxg_ldap_conn *conns;
};

struct mxg_ldap_pool *mxg_ldap_pool_create(struct mxg_ldap_servers *servers, size_t size,
					   bool service_bind, const char *kind)
{
	struct mxg_ldap_pool *pool = calloc(1, sizeof(*pool));

	if (pool == NULL)
		return NULL;
	pool->conns = calloc(size, sizeof(*pool->conns));
	if (pool->conns == NULL) {
		free(pool);
		return NULL;
	}
	pool->servers = servers;
	pool->size = size;
	pool->service_bind = service_bind;
	pool->kind = kind;
	pthread_mutex_init(&pool->mu, NULL);
	/* Waits are measured on the monotonic clock: a wall-clock step must
	 * not make a wait endless or instant. */
	pthread_condattr_init(&pool->cv_attr);
	pthread_condattr_setclock(&pool->cv_attr, CLOCK_MONOTONIC);
	return pool;
}

void mxg_ldap_pool_destroy(struct mxg_ldap_pool **poolp)
{
	struct mxg_ldap_pool *pool = *poolp;

	if (pool == NULL)
		return;
	for (size_t i = 0; i < pool->size; i++)
		if (pool->conns[i].ld != NULL)
			ldap_unbind_ext(pool->conns[i].ld, NULL, NULL);
	pthread_condattr_destroy(&pool->cv_attr);
	pthread_mutex_destroy(&pool->mu);
	free(pool->conns);
	free(pool);
	*poolp = NULL;
}

size_t mxg_ldap_pool_waiting(struct mxg_ldap_pool *pool)
{
	size_t n;

	pthread_mutex_lock(&pool->mu);
	n = pool->waiting;
	pthread_mutex_unlock(&pool->mu);
	return n;
}

long long mxg_ldap_pool_timeout_ms(const struct mxg_ldap_pool *pool)
{
	return mxg_ldap_servers_conf(pool->servers)->timeout_ms;
}

/* A free connection, preferring an open one; NULL when all are busy. */
static struct mxg_ldap_conn *pick(struct mxg_ldap_pool *pool)
{
	struct mxg_ldap_conn *closed = NULL;

	for (size_t i = 0; i < pool->size; i++) {
		struct mxg_ldap_conn *c = &pool->conns[i];

		if (c->busy)
			continue;
		if (c->ld != NULL)
			return c;
		if (closed == NULL)
			closed = c;
	}
	return closed;
}

static void unqueue(struct mxg_ldap_pool *pool, struct waiter *w)
{
	struct waiter **pp = &pool->head, *prev = NULL;

	while (*pp != NULL && *pp != w) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == NULL)
		return;
	*pp = w->next;
	if (pool->tail == w)
		pool->tail = prev;
	pool->waiting--;
}

/* Wait in line for a connection until timeout_ms; NULL when none came.
 * Called and returns with pool->mu held. */
static struct mxg_ldap_conn *wait_turn(struct mxg_ldap_pool *pool, long long timeout_ms)
{
	long long deadline = mxg_ldap_now_ms() + timeout_ms;
	struct timespec until = { .tv_sec = deadline / 1000,
				  .tv_nsec = (deadline % 1000) * 1000000 };
	struct waiter w = { .given = NULL, .next = NULL };

	pthread_cond_init(&w.cv, &pool->cv_attr);
	if (pool->tail != NULL)
		pool->tail->next = &w;
	else
		pool->head = &w;
	pool->tail = &w;
	pool->waiting++;
	while (w.given == NULL)
		if (pthread_cond_timedwait(&w.cv, &pool->mu, &until) == ETIMEDOUT)
			break;
	if (w.given == NULL)
		unqueue(pool, &w);
	pthread_cond_destroy(&w.cv);
	return w.given;
}

enum mxg_store_result mxg_ldap_pool_get(struct mxg_ldap_pool *pool, struct mxg_ldap_conn **conn_r,
					struct mxg_error *err)
{
	const struct mxg_ldap_server_conf *conf = mxg_ldap_servers_conf(pool->servers);
	struct mxg_ldap_conn *c = NULL;
	enum mxg_store_result res;

	size_t waiting = 0;

	pthread_mutex_lock(&pool->mu);
	/* Nobody queued ahead: take a free one; otherwise wait in line. */
	if (pool->head == NULL)
		c = pick(pool);
	if (c != NULL)
		c->busy = true;
	else if ((c = wait_turn(pool, conf->timeout_ms)) == NULL)
		waiting = pool->waiting;
	pthread_mutex_unlock(&pool->mu);
	if (c == NULL) {
		mxg_error_set(err, ETIMEDOUT, "all %zu %s connections busy for %lld ms "
			      "(%zu more callers waiting)", pool->size, pool->kind, conf->timeout_ms,
			      waiting);
		return MXG_STORE_UNAVAILABLE;
	}

	c->fresh = false;
	if (mxg_ldap_servers_failback_due(pool->servers, c, mxg_ldap_now_ms())) {
		ldap_unbind_ext(c->ld, NULL, NULL);
		c->ld = NULL;
	}
	if (c->ld == NULL) {
		res = mxg_ldap_servers_open(pool->servers, pool->service_bind, pool->kind, c, err);
		if (res != MXG_STORE_OK) {
			mxg_ldap_pool_put(pool, c, true);
			return res;
		}
	}
	*conn_r = c;
	return MXG_STORE_OK;
}

void mxg_ldap_pool_put(struct mxg_ldap_pool *pool, struct mxg_ldap_conn *c, bool broken)
{
	struct waiter *w;

	if (broken && c->ld != NULL) {
		ldap_unbind_ext(c->ld, NULL, NULL);
		c->ld = NULL;
	}
	pthread_mutex_lock(&pool->mu);
	w = pool->head;
	if (w != NULL) {
		/* Hand it over, still busy, to the longest waiter. */
		pool->head = w->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pool->waiting--;
		w->given = c;
		pthread_cond_signal(&w->cv);
	} else {
		c->busy = false;
	}
	pthread_mutex_unlock(&pool->mu);
}
