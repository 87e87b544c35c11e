/*
 * error.c: filling struct mxg_error.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

int mxg_error_vset(struct mxg_error *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err->code = code != 0 ? code : -1;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int mxg_error_set(struct mxg_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mxg_error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

void mxg_error_prefix(struct mxg_error *err, const char *fmt, ...)
{
	char old[MXG_ERROR_MSG_MAX];
	size_t n, rest;
	va_list ap;
	int len;

	if (err == NULL)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	len = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	n = (size_t)len < sizeof(err->msg) ? (size_t)len : sizeof(err->msg) - 1;
	rest = sizeof(err->msg) - 1 - n;
	/* Truncating the old message is fine: it is for humans. */
	old[rest] = '\0';
	memcpy(err->msg + n, old, strlen(old) + 1);
}
