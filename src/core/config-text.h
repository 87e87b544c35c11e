/*
 * config-text.h: text helpers of the configuration engine (conf.c), apart
 * so that each file keeps one purpose.  Internal to src/core.
 */
#ifndef MXG_CONFIG_TEXT_H
#define MXG_CONFIG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Decimal, optional sign, nothing else.  Returns 0 or -1 (also on overflow). */
int mxg_conf_parse_int(const char *s, long long *v_r);

/* true/false, yes/no, on/off, any case.  Returns 0 or -1. */
int mxg_conf_parse_bool(const char *s, bool *v_r);

/* A malloc()ed copy of s with control characters as \xNN (never NULL). */
char *mxg_conf_escape(const char *s);

/* Read a whole file of at most max bytes into a malloc()ed, NUL-terminated
 * buffer the caller frees (wiping it first if it may hold a secret).
 * Returns 0, or -1 with *errno_r set (EFBIG when larger than max). */
int mxg_conf_read_file(const char *path, size_t max, char **buf_r, size_t *len_r,
		       int *errno_r);

/* Levenshtein distance; SIZE_MAX for strings over 64 bytes. */
size_t mxg_conf_distance(const char *a, const char *b);

#endif
