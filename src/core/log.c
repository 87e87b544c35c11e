/*
 * log.c: line-buffered logging to stderr or a file, safe from any thread.
 *
 * Each line is formatted into a stack buffer and written with one write(2),
 * so lines from concurrent threads never interleave and no lock is held while
 * formatting.  Reopening swaps the file behind the descriptor with dup2().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define LOG_LINE_MAX 2048

static _Atomic int log_fd = STDERR_FILENO;
static _Atomic int log_min = MXG_LOG_INFO;
static char *log_path;
static pthread_mutex_t log_reopen_lock = PTHREAD_MUTEX_INITIALIZER;

static _Thread_local const char *tl_request = "-";
static _Thread_local const char *tl_context = "mxgate";

static const char *const level_names[] = {
	[MXG_LOG_DEBUG] = "debug",
	[MXG_LOG_INFO] = "info",
	[MXG_LOG_WARNING] = "warning",
	[MXG_LOG_ERROR] = "error",
	[MXG_LOG_CRIT] = "crit",
};

static int open_path(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int mxg_log_open(const char *path, enum mxg_log_level min_level)
{
	int fd = STDERR_FILENO, old;

	atomic_store(&log_min, (int)min_level);
	pthread_mutex_lock(&log_reopen_lock);
	if (path != NULL && strcmp(path, "-") != 0) {
		fd = open_path(path);
		if (fd < 0) {
			int e = errno;
			pthread_mutex_unlock(&log_reopen_lock);
			errno = e;
			return -1;
		}
	}
	free(log_path);
	log_path = (fd != STDERR_FILENO) ? strdup(path) : NULL;
	old = atomic_exchange(&log_fd, fd);
	if (old != STDERR_FILENO && old != fd)
		close(old);
	pthread_mutex_unlock(&log_reopen_lock);
	return 0;
}

int mxg_log_reopen(void)
{
	int fd, ret = 0;

	/* dup2() swaps the file behind the same descriptor number, so a thread
	 * that loaded log_fd a moment ago never writes to a closed or reused
	 * descriptor. */
	pthread_mutex_lock(&log_reopen_lock);
	if (log_path != NULL) {
		fd = open_path(log_path);
		if (fd < 0 || dup2(fd, atomic_load(&log_fd)) < 0)
			ret = -1;
		if (fd >= 0)
			close(fd);
	}
	pthread_mutex_unlock(&log_reopen_lock);
	return ret;
}

void mxg_log_close(void)
{
	int old;

	pthread_mutex_lock(&log_reopen_lock);
	old = atomic_exchange(&log_fd, STDERR_FILENO);
	if (old != STDERR_FILENO)
		close(old);
	free(log_path);
	log_path = NULL;
	pthread_mutex_unlock(&log_reopen_lock);
}

int mxg_log_level_parse(const char *name, enum mxg_log_level *level_r)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level_r = (enum mxg_log_level)i;
			return 0;
		}
	}
	return -1;
}

bool mxg_log_enabled(enum mxg_log_level level)
{
	return (int)level >= atomic_load(&log_min);
}

void mxg_log_set_request(const char *request_id)
{
	tl_request = request_id != NULL ? request_id : "-";
}

void mxg_log_set_context(const char *context)
{
	tl_context = context != NULL ? context : "mxgate";
}

/* Copy src into dst escaping bytes < 0x20 and 0x7f as \xNN; UTF-8 passes. */
static size_t escape_into(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)src; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			if (o + 4 >= cap)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*p >> 4];
			dst[o++] = hex[*p & 0xf];
		} else {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)*p;
		}
	}
	dst[o] = '\0';
	return o;
}

static void log_write(enum mxg_log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 256];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int fd;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s [%s] %s: ",
			      ts.tv_nsec / 1000000, level_names[level], tl_request, tl_context);
	n += escape_into(line + n, sizeof(line) - n - 2, msg);
	if (errnum != 0 && n < sizeof(line) - 64)
		n += (size_t)snprintf(line + n, sizeof(line) - n - 2, ": %s", strerror(errnum));
	line[n++] = '\n';
	fd = atomic_load(&log_fd);
	/* A failed log write has nowhere to be reported; ignore it. */
	if (write(fd, line, n) < 0)
		return;
}

void mxg_log(enum mxg_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!mxg_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_write(level, 0, fmt, ap);
	va_end(ap);
}

void mxg_log_errno(enum mxg_log_level level, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!mxg_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_write(level, errnum, fmt, ap);
	va_end(ap);
}
