/*
 * workers.c: fixed thread pool with a bounded ring of pending jobs.
 *
 * One mutex guards the ring; the pool is only used by blocking routes, whose
 * handlers cost far more (a database or directory round trip) than the lock.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/workers.h"

struct job {
	mxg_workers_job_fn *fn;
	void *arg;
};

struct mxg_workers {
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a job was queued, or stopping */
	struct job *ring;
	size_t cap, head, queued;	/* ring of cap = nthreads + queue_max */
	size_t running;
	size_t limit;			/* queued + running may not exceed it */
	bool stopping, finish_queued, joined;
	unsigned int nthreads;
	pthread_t *threads;
};

static void *worker_main(void *arg)
{
	struct mxg_workers *pool = arg;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct job job;

		while (pool->queued == 0 && !pool->stopping)
			pthread_cond_wait(&pool->work, &pool->lock);
		if (pool->queued == 0 || (pool->stopping && !pool->finish_queued))
			break;
		job = pool->ring[pool->head];
		pool->head = (pool->head + 1) % pool->cap;
		pool->queued--;
		pool->running++;
		pthread_mutex_unlock(&pool->lock);
		job.fn(job.arg, false);
		pthread_mutex_lock(&pool->lock);
		pool->running--;
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

int mxg_workers_create(unsigned int nthreads, unsigned int queue_max,
		       struct mxg_workers **pool_r, struct mxg_error *err)
{
	struct mxg_workers *pool;

	*pool_r = NULL;
	if (nthreads == 0)
		return mxg_error_set(err, 1, "worker pool needs at least one thread");
	pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return mxg_error_set(err, 1, "out of memory");
	pool->cap = (size_t)nthreads + queue_max;
	pool->limit = pool->cap;
	pool->ring = calloc(pool->cap, sizeof(*pool->ring));
	pool->threads = calloc(nthreads, sizeof(*pool->threads));
	if (pool->ring == NULL || pool->threads == NULL) {
		free(pool->ring);
		free(pool->threads);
		free(pool);
		return mxg_error_set(err, 1, "out of memory");
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	for (unsigned int i = 0; i < nthreads; i++) {
		int e = pthread_create(&pool->threads[i], NULL, worker_main, pool);

		if (e != 0) {
			mxg_workers_stop(pool, false);
			mxg_workers_destroy(&pool);
			return mxg_error_set(err, 1, "cannot start worker thread: %s", strerror(e));
		}
		pool->nthreads++;
	}
	*pool_r = pool;
	return 0;
}

int mxg_workers_submit(struct mxg_workers *pool, mxg_workers_job_fn *fn, void *arg)
{
	pthread_mutex_lock(&pool->lock);
	if (pool->stopping || pool->queued + pool->running >= pool->limit) {
		pthread_mutex_unlock(&pool->lock);
		return -1;
	}
	pool->ring[(pool->head + pool->queued) % pool->cap] = (struct job){ fn, arg };
	pool->queued++;
	pthread_cond_signal(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

size_t mxg_workers_queued(struct mxg_workers *pool)
{
	size_t n;

	pthread_mutex_lock(&pool->lock);
	n = pool->queued;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

void mxg_workers_stop(struct mxg_workers *pool, bool finish_queued)
{
	struct job *cancelled = NULL;
	size_t ncancelled = 0;

	pthread_mutex_lock(&pool->lock);
	if (pool->joined) {
		pthread_mutex_unlock(&pool->lock);
		return;
	}
	if (!pool->stopping) {
		pool->stopping = true;
		pool->finish_queued = finish_queued;
	}
	if (!pool->finish_queued && pool->queued > 0) {
		cancelled = calloc(pool->queued, sizeof(*cancelled));
		if (cancelled == NULL)
			abort();
		while (pool->queued > 0) {
			cancelled[ncancelled++] = pool->ring[pool->head];
			pool->head = (pool->head + 1) % pool->cap;
			pool->queued--;
		}
	}
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);

	for (size_t i = 0; i < ncancelled; i++)
		cancelled[i].fn(cancelled[i].arg, true);
	free(cancelled);
	for (unsigned int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_mutex_lock(&pool->lock);
	pool->joined = true;
	pthread_mutex_unlock(&pool->lock);
}

void mxg_workers_destroy(struct mxg_workers **pool_p)
{
	struct mxg_workers *pool = *pool_p;

	if (pool == NULL)
		return;
	mxg_workers_stop(pool, false);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	free(pool->ring);
	free(pool->threads);
	free(pool);
	*pool_p = NULL;
}
