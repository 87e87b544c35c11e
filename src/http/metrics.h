/*
 * metrics.h: the HTTP server's counters and their Prometheus text rendering
 * (internal to src/http).
 *
 * Counters are C11 atomics bumped on the event and worker threads with
 * relaxed ordering: they are statistics, nothing synchronises on them.
 */
#ifndef MXG_HTTP_METRICS_H
#define MXG_HTTP_METRICS_H

#include <stdatomic.h>
#include <stddef.h>

struct mxg_arena;

struct mxg_http_metrics {
	atomic_ullong by_class[6];	/* [1..5] = 1xx..5xx, [0] = anything else */
	atomic_ullong rejected_busy;	/* 503 because the worker queue was full */
	atomic_uint in_flight;		/* first handler call .. completion */
};

/* Count one reply by its status class. */
void mxg_http_metrics_count_status(struct mxg_http_metrics *m, unsigned int status);

/* Process resident set size in bytes from /proc/self/statm; 0 if unknown. */
unsigned long long mxg_http_metrics_rss(void);

/* Render the text exposition format (version 0.0.4) into arena.  Returns the
 * NUL-terminated text and its length in *len_r. */
char *mxg_http_metrics_render(struct mxg_http_metrics *m, size_t queue_depth,
			      struct mxg_arena *arena, size_t *len_r);

#endif
