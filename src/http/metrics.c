/*
 * metrics.c: HTTP counters and the Prometheus text exposition of them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "http/metrics.h"

void mxg_http_metrics_count_status(struct mxg_http_metrics *m, unsigned int status)
{
	unsigned int cls = status / 100;

	if (cls < 1 || cls > 5)
		cls = 0;
	atomic_fetch_add_explicit(&m->by_class[cls], 1, memory_order_relaxed);
}

unsigned long long mxg_http_metrics_rss(void)
{
	unsigned long long size, resident;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (f == NULL)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	if (n != 2 || page <= 0)
		return 0;
	return resident * (unsigned long long)page;
}

char *mxg_http_metrics_render(struct mxg_http_metrics *m, size_t queue_depth,
			      struct mxg_arena *arena, size_t *len_r)
{
	static const char *const class_names[] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	unsigned long long by_class[6];
	char *out;

	for (size_t i = 0; i < 6; i++)
		by_class[i] = atomic_load_explicit(&m->by_class[i], memory_order_relaxed);
	out = mxg_arena_printf(arena,
		"# HELP mxgate_http_requests_total HTTP replies sent, by status class.\n"
		"# TYPE mxgate_http_requests_total counter\n"
		"mxgate_http_requests_total{class=\"%s\"} %llu\n"
		"mxgate_http_requests_total{class=\"%s\"} %llu\n"
		"mxgate_http_requests_total{class=\"%s\"} %llu\n"
		"mxgate_http_requests_total{class=\"%s\"} %llu\n"
		"mxgate_http_requests_total{class=\"%s\"} %llu\n"
		"mxgate_http_requests_total{class=\"%s\"} %llu\n"
		"# HELP mxgate_http_requests_in_flight Requests received and not yet completed.\n"
		"# TYPE mxgate_http_requests_in_flight gauge\n"
		"mxgate_http_requests_in_flight %u\n"
		"# HELP mxgate_http_worker_queue_depth Blocking requests waiting for a worker.\n"
		"# TYPE mxgate_http_worker_queue_depth gauge\n"
		"mxgate_http_worker_queue_depth %zu\n"
		"# HELP mxgate_http_rejected_busy_total Requests answered 503 because the worker queue was full.\n"
		"# TYPE mxgate_http_rejected_busy_total counter\n"
		"mxgate_http_rejected_busy_total %llu\n"
		"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes %llu\n",
		class_names[1], by_class[1], class_names[2], by_class[2],
		class_names[3], by_class[3], class_names[4], by_class[4],
		class_names[5], by_class[5], class_names[0], by_class[0],
		atomic_load_explicit(&m->in_flight, memory_order_relaxed),
		queue_depth,
		atomic_load_explicit(&m->rejected_busy, memory_order_relaxed),
		mxg_http_metrics_rss());
	*len_r = strlen(out);
	return out;
}
