/*
 * threepid.c: canonical forms of e-mail addresses and phone numbers.
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "core/threepid.h"

int mxg_3pid_medium_valid(const char *medium)
{
	return medium != NULL && (strcmp(medium, "email") == 0 || strcmp(medium, "msisdn") == 0);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *canonical_email(struct mxg_arena *arena, const char *address)
{
	const char *start = address, *end = address + strlen(address), *at;
	char *out;
	size_t n;

	while (start < end && is_space(*start))
		start++;
	while (end > start && is_space(end[-1]))
		end--;
	n = (size_t)(end - start);
	if (n < 3 || n > MXG_3PID_ADDRESS_MAX)
		return NULL;
	at = memchr(start, '@', n);
	/* One '@', not first, not last; no spaces or control characters. */
	if (at == NULL || at == start || at == end - 1 || memchr(at + 1, '@', (size_t)(end - at - 1)))
		return NULL;
	out = mxg_arena_strndup(arena, start, n);
	for (char *p = out; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x21 || c == 0x7f)
			return NULL;
		if (c >= 'A' && c <= 'Z')
			*p = (char)(c - 'A' + 'a');
	}
	return out;
}

static char *canonical_msisdn(struct mxg_arena *arena, const char *address)
{
	size_t len = strlen(address), n = 0;
	char *out;

	if (len > 64)
		return NULL;
	out = mxg_arena_alloc(arena, len + 1);
	for (const char *p = address; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			out[n++] = *p;
		else if (!(*p == '+' || *p == ' ' || *p == '-' || *p == '.' || *p == '(' ||
			   *p == ')'))
			return NULL;
	}
	out[n] = '\0';
	/* E.164: at most 15 digits; shorter than 4 is no phone number. */
	if (n < 4 || n > 15 || out[0] == '0')
		return NULL;
	return out;
}

char *mxg_3pid_canonicalize(struct mxg_arena *arena, const char *medium, const char *address)
{
	if (address == NULL || medium == NULL)
		return NULL;
	if (strcmp(medium, "email") == 0)
		return canonical_email(arena, address);
	if (strcmp(medium, "msisdn") == 0)
		return canonical_msisdn(arena, address);
	return NULL;
}
