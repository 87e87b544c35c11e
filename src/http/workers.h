/*
 * workers.h: the bounded thread pool that runs blocking route handlers
 * (internal to src/http).
 *
 * At most nthreads jobs run and queue_max more wait; a submit beyond that
 * fails at once so that the caller can answer 503 instead of queueing
 * without bound.
 */
#ifndef MXG_HTTP_WORKERS_H
#define MXG_HTTP_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct mxg_workers;

/* cancelled is true when the pool stopped before the job could run: the job
 * must then only clean up (it runs on the thread calling mxg_workers_stop). */
typedef void mxg_workers_job_fn(void *arg, bool cancelled);

/* Start nthreads (>= 1) threads.  Returns 0, or -1 + err. */
int mxg_workers_create(unsigned int nthreads, unsigned int queue_max,
		       struct mxg_workers **pool_r, struct mxg_error *err);

/* Queue a job.  Returns 0, or -1 when the pool is full or stopping (the
 * job was not taken). */
int mxg_workers_submit(struct mxg_workers *pool, mxg_workers_job_fn *fn, void *arg);

/* Jobs waiting for a thread (not counting running ones). */
size_t mxg_workers_queued(struct mxg_workers *pool);

/* Refuse new jobs; run the queued ones (finish_queued) or call them with
 * cancelled = true; wait for running jobs and join the threads.  Idempotent. */
void mxg_workers_stop(struct mxg_workers *pool, bool finish_queued);

/* Stops the pool if needed; *pool = NULL. */
void mxg_workers_destroy(struct mxg_workers **pool);

#endif
