/*
 * log.h: the one logging API.
 *
 * A line is "<ISO-8601 UTC time> <level> [<request id>] <context>: <message>".
 * The request id and context (a driver or subsystem name) are per thread, set
 * by whoever runs a request.  Control characters in the formatted message are
 * escaped as \xNN so that a user name cannot forge a log line.  Callers never
 * pass passwords, tokens or Authorization headers.
 */
#ifndef MXG_LOG_H
#define MXG_LOG_H

#include <stdbool.h>

enum mxg_log_level {
	MXG_LOG_DEBUG,
	MXG_LOG_INFO,		/* client errors, failed logins */
	MXG_LOG_WARNING,
	MXG_LOG_ERROR,		/* we or a peer failed */
	MXG_LOG_CRIT,
};

/* Open the log: path NULL or "-" means stderr.  Returns 0, or -1 with errno
 * when the file cannot be opened (the previous destination is kept). */
int mxg_log_open(const char *path, enum mxg_log_level min_level);

/* Reopen the same path (SIGHUP, after logrotate moved the file). */
int mxg_log_reopen(void);

void mxg_log_close(void);

/* Parse "debug", "info", "warning", "error", "crit".  Returns -1 if unknown. */
int mxg_log_level_parse(const char *name, enum mxg_log_level *level_r);

bool mxg_log_enabled(enum mxg_log_level level);

void mxg_log(enum mxg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As mxg_log, appending ": <strerror(errnum)>". */
void mxg_log_errno(enum mxg_log_level level, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Per-thread context: request id ("-" when none) and context name
 * ("mxgate" when none).  The strings must outlive their use on the thread. */
void mxg_log_set_request(const char *request_id);
void mxg_log_set_context(const char *context);

#define mxg_debug(...)   mxg_log(MXG_LOG_DEBUG, __VA_ARGS__)
#define mxg_info(...)    mxg_log(MXG_LOG_INFO, __VA_ARGS__)
#define mxg_warning(...) mxg_log(MXG_LOG_WARNING, __VA_ARGS__)
#define mxg_error(...)   mxg_log(MXG_LOG_ERROR, __VA_ARGS__)
#define mxg_crit(...)    mxg_log(MXG_LOG_CRIT, __VA_ARGS__)

#endif
