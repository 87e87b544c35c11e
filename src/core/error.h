/*
 * error.h: the error record every fallible mxgate function fills.
 *
 * Functions return 0 / -1 (or a result enum) and describe the failure in a
 * caller-provided struct mxg_error, so a message can travel up to whoever
 * decides whether it becomes a log line, an HTTP error or a config error.
 */
#ifndef MXG_ERROR_H
#define MXG_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define MXG_ERROR_MSG_MAX 256

struct mxg_error {
	int code;			/* module-specific; 0 = no error */
	char msg[MXG_ERROR_MSG_MAX];	/* human text, never a secret */
};

/* Set code and a printf-formatted message (truncated to fit).  Returns -1 so
 * that "return mxg_error_set(err, ...);" reads naturally.  err may be NULL. */
int mxg_error_set(struct mxg_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int mxg_error_vset(struct mxg_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Prefix an existing message with more context ("store 'ldap': ..."). */
void mxg_error_prefix(struct mxg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void mxg_error_clear(struct mxg_error *err)
{
	if (err != NULL) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

#endif
