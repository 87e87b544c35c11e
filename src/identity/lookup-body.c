/*
 * lookup-body.c: the strict scanner behind mxg_lookup_body_scan().
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "identity/lookup-body.h"

struct scan {
	const char *p, *end;
	struct mxg_arena *arena;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int expect(struct scan *s, char c)
{
	skip_ws(s);
	if (s->p == s->end || *s->p != c)
		return -1;
	s->p++;
	return 0;
}

/* A string of printable ASCII without escapes; the plain common case. */
static int scan_string(struct scan *s, const char **start_r, size_t *len_r)
{
	const char *q;

	if (expect(s, '"') < 0)
		return -1;
	for (q = s->p; q < s->end && *q != '"'; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e || *q == '\\')
			return -1;
	if (q == s->end)
		return -1;
	*start_r = s->p;
	*len_r = (size_t)(q - s->p);
	s->p = q + 1;
	return 0;
}

static const char *scan_string_copy(struct scan *s)
{
	const char *start;
	size_t len;

	if (scan_string(s, &start, &len) < 0)
		return NULL;
	return mxg_arena_strndup(s->arena, start, len);
}

static int scan_addresses(struct scan *s, size_t max, struct mxg_lookup_body *body)
{
	size_t cap = 0;

	if (expect(s, '[') < 0)
		return -1;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		body->addresses = mxg_arena_alloc(s->arena, sizeof(*body->addresses));
		return 0;
	}
	/* One comma more than entries is the most there can be. */
	for (const char *q = s->p; q < s->end; q++)
		cap += *q == ',';
	if (cap + 1 > max)
		return -1;
	body->addresses = mxg_arena_alloc(s->arena, sizeof(*body->addresses) * (cap + 1));
	for (;;) {
		const char *a = scan_string_copy(s);

		if (a == NULL)
			return -1;
		body->addresses[body->count++] = a;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return expect(s, ']');
	}
}

int mxg_lookup_body_scan(const char *buf, size_t len, size_t max_addresses,
			 struct mxg_arena *arena, struct mxg_lookup_body *body)
{
	struct scan s = { buf, buf + len, arena };
	unsigned int seen = 0;

	memset(body, 0, sizeof(*body));
	if (expect(&s, '{') < 0)
		return -1;
	for (;;) {
		const char *key;
		size_t klen;
		unsigned int bit;

		if (scan_string(&s, &key, &klen) < 0 || expect(&s, ':') < 0)
			return -1;
		if (klen == 9 && memcmp(key, "algorithm", 9) == 0)
			bit = 1;
		else if (klen == 6 && memcmp(key, "pepper", 6) == 0)
			bit = 2;
		else if (klen == 9 && memcmp(key, "addresses", 9) == 0)
			bit = 4;
		else
			return -1;
		/* A repeated key is an error that the general path reports. */
		if (seen & bit)
			return -1;
		seen |= bit;
		if (bit == 1 && (body->algorithm = scan_string_copy(&s)) == NULL)
			return -1;
		if (bit == 2 && (body->pepper = scan_string_copy(&s)) == NULL)
			return -1;
		if (bit == 4 && scan_addresses(&s, max_addresses, body) < 0)
			return -1;
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (expect(&s, '}') < 0)
			return -1;
		break;
	}
	skip_ws(&s);
	/* Trailing bytes, or a key missing: the general path explains. */
	return s.p == s.end && seen == 7 ? 0 : -1;
}
