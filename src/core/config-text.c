/*
 * config-text.c: the configuration engine's text helpers: scalar parsers
 * (integers, booleans, durations, sizes), file reading with a size cap,
 * escaping for messages and the edit distance behind "did you mean".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/config-text.h"

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (p == NULL)
		abort();	/* as the arena does */
	return p;
}

/* Keys and messages may quote the input: escape what could fake a line. */
char *mxg_conf_escape(const char *s)
{
	size_t len = strlen(s), j = 0;
	char *out = xrealloc(NULL, len * 4 + 1);

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			j += (size_t)sprintf(out + j, "\\x%02x", ch);
		else
			out[j++] = (char)ch;
	}
	out[j] = '\0';
	return out;
}

static int parse_ull(const char *s, const char **end_r, unsigned long long *v_r)
{
	unsigned long long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (ULLONG_MAX - (unsigned)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*end_r = p;
	*v_r = v;
	return 0;
}

int mxg_conf_parse_duration(const char *text, long long *ms_r)
{
	static const struct { const char *unit; unsigned long long ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	unsigned long long v;
	const char *end;

	if (text == NULL || parse_ull(text, &end, &v) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (v > (unsigned long long)LLONG_MAX / units[i].ms)
			return -1;
		*ms_r = (long long)(v * units[i].ms);
		return 0;
	}
	return -1;
}

int mxg_conf_parse_size(const char *text, size_t *bytes_r)
{
	unsigned long long v, mul;
	const char *end;

	if (text == NULL || parse_ull(text, &end, &v) < 0)
		return -1;
	switch (end[0]) {
	case '\0': mul = 1; break;
	case 'k': case 'K': mul = 1ull << 10; break;
	case 'm': case 'M': mul = 1ull << 20; break;
	case 'g': case 'G': mul = 1ull << 30; break;
	default: return -1;
	}
	if (end[0] != '\0' && end[1] != '\0')
		return -1;
	if (v > SIZE_MAX / mul)
		return -1;
	*bytes_r = (size_t)(v * mul);
	return 0;
}

int mxg_conf_parse_int(const char *s, long long *v_r)
{
	unsigned long long v;
	const char *end;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (parse_ull(s, &end, &v) < 0 || *end != '\0')
		return -1;
	if (v > (unsigned long long)LLONG_MAX + (neg ? 1 : 0))
		return -1;
	*v_r = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

int mxg_conf_parse_bool(const char *s, bool *v_r)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *v_r = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *v_r = false, 0;
	}
	return -1;
}

/* Read a whole file (at most max bytes) into a malloc()ed buffer, NUL added.
 * Returns 0, or -1 with *errno_r (EFBIG when larger than max). */
int mxg_conf_read_file(const char *path, size_t max, char **buf_r, size_t *len_r, int *errno_r)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*errno_r = errno;
		return -1;
	}
	buf = xrealloc(NULL, cap + 1);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap > max) {
				break;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*errno_r = errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		*errno_r = EFBIG;
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*buf_r = buf;
	*len_r = len;
	return 0;
fail:
	explicit_bzero(buf, len);
	free(buf);
	close(fd);
	return -1;
}

/* Levenshtein distance, for "did you mean"; long keys are never close. */
size_t mxg_conf_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}
