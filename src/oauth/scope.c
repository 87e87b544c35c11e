/*
 * scope.c: checking and rewriting scopes (see scope.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "oauth/clients.h"
#include "oauth/scope.h"

#define MAX_SCOPE_TOKENS 32
#define MAX_DEVICE_ID 255

/* Scopes known by name (device scopes are known by prefix). */
static const char *const known[] = {
	"openid", "email", "profile", MXG_SCOPE_API, MXG_SCOPE_API_UNSTABLE, MXG_SCOPE_ADMIN, NULL
};

/* RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static bool token_chars_ok(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return len > 0;
}

static const char *device_of(const char *tok)
{
	if (strncmp(tok, MXG_SCOPE_DEVICE, strlen(MXG_SCOPE_DEVICE)) == 0)
		return tok + strlen(MXG_SCOPE_DEVICE);
	if (strncmp(tok, MXG_SCOPE_DEVICE_UNSTABLE, strlen(MXG_SCOPE_DEVICE_UNSTABLE)) == 0)
		return tok + strlen(MXG_SCOPE_DEVICE_UNSTABLE);
	return NULL;
}

static bool is_known(const char *tok)
{
	const char *dev = device_of(tok);

	if (dev != NULL)
		/* MSC2967: [A-Za-z0-9-._~], and room for a homeserver's limit. */
		return dev[0] != '\0' && strlen(dev) <= MAX_DEVICE_ID &&
		       strspn(dev, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			      "0123456789-._~") == strlen(dev);
	for (size_t i = 0; known[i] != NULL; i++)
		if (strcmp(tok, known[i]) == 0)
			return true;
	return false;
}

static bool pattern_matches(const char *pattern, const char *tok)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*' && strcmp(pattern, tok) != 0)
		return strncmp(pattern, tok, n - 1) == 0;
	return strcmp(pattern, tok) == 0;
}

static bool allowed(const struct mxg_oauth_client *c, const char *tok)
{
	if (c->nscopes == 0)
		return strcmp(tok, MXG_SCOPE_ADMIN) != 0;
	for (size_t i = 0; i < c->nscopes; i++)
		if (pattern_matches(c->scopes[i], tok))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *mxg_oauth_scope_check(struct mxg_arena *a, const struct mxg_oauth_client *c,
				  const char *scope, bool user_scopes, const char **why)
{
	const char *toks[MAX_SCOPE_TOKENS];
	size_t n = 0, out_len = 0, devices = 0;
	char *out;

	for (const char *p = scope; p != NULL && *p != '\0';) {
		size_t len;
		const char *tok;
		bool dup = false;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		if (!token_chars_ok(p, len)) {
			*why = "a scope token has characters RFC 6749 does not allow";
			return NULL;
		}
		tok = mxg_arena_strndup(a, p, len);
		p += len;
		if (!is_known(tok)) {
			*why = mxg_arena_printf(a, "unknown scope '%s'", tok);
			return NULL;
		}
		if (!allowed(c, tok)) {
			*why = mxg_arena_printf(a, "scope '%s' is not allowed to this client", tok);
			return NULL;
		}
		if (!user_scopes && (device_of(tok) != NULL || strcmp(tok, "openid") == 0 ||
				     strcmp(tok, "email") == 0 || strcmp(tok, "profile") == 0)) {
			*why = mxg_arena_printf(a, "scope '%s' needs a user", tok);
			return NULL;
		}
		for (size_t i = 0; i < n; i++)
			dup |= strcmp(toks[i], tok) == 0;
		if (dup)
			continue;
		if (device_of(tok) != NULL && ++devices > 1) {
			*why = "more than one device scope";
			return NULL;
		}
		if (n == MAX_SCOPE_TOKENS) {
			*why = "too many scope tokens";
			return NULL;
		}
		toks[n++] = tok;
		out_len += len + 1;
	}
	qsort(toks, n, sizeof(toks[0]), cmp_str);
	out = mxg_arena_alloc(a, out_len + 1);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, toks[i]);
	}
	return out;
}

bool mxg_oauth_scope_has(const char *scope, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = scope; p != NULL && *p != '\0';) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == n && strncmp(p, tok, n) == 0)
			return true;
		p += len;
	}
	return false;
}

const char *mxg_oauth_scope_device(struct mxg_arena *a, const char *scope)
{
	for (const char *p = scope; p != NULL && *p != '\0';) {
		size_t len;
		const char *tok, *dev;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		tok = mxg_arena_strndup(a, p, len);
		dev = device_of(tok);
		if (dev != NULL)
			return dev;
		p += len;
	}
	return NULL;
}

const char *mxg_oauth_scope_both_forms(struct mxg_arena *a, const char *scope)
{
	const char *dev = mxg_oauth_scope_device(a, scope);
	const char *out = scope;

	if ((mxg_oauth_scope_has(scope, MXG_SCOPE_API) ||
	     mxg_oauth_scope_has(scope, MXG_SCOPE_API_UNSTABLE))) {
		if (!mxg_oauth_scope_has(out, MXG_SCOPE_API))
			out = mxg_arena_printf(a, "%s %s", out, MXG_SCOPE_API);
		if (!mxg_oauth_scope_has(out, MXG_SCOPE_API_UNSTABLE))
			out = mxg_arena_printf(a, "%s %s", out, MXG_SCOPE_API_UNSTABLE);
	}
	if (dev != NULL) {
		const char *st = mxg_arena_printf(a, "%s%s", MXG_SCOPE_DEVICE, dev);
		const char *un = mxg_arena_printf(a, "%s%s", MXG_SCOPE_DEVICE_UNSTABLE, dev);

		if (!mxg_oauth_scope_has(out, st))
			out = mxg_arena_printf(a, "%s %s", out, st);
		if (!mxg_oauth_scope_has(out, un))
			out = mxg_arena_printf(a, "%s %s", out, un);
	}
	return out;
}

json_t *mxg_oauth_scope_view(struct mxg_arena *arena, const char *scope)
{
	json_t *list = json_array();

	for (const char *p = scope; *p != '\0';) {
		size_t len;
		const char *tok, *dev;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		tok = mxg_arena_strndup(arena, p, len);
		p += len;
		dev = mxg_oauth_scope_device(arena, tok);
		if (dev != NULL)
			json_array_append_new(list, json_pack("{s:s}", "device", dev));
		else if (strcmp(tok, MXG_SCOPE_API) == 0 || strcmp(tok, MXG_SCOPE_API_UNSTABLE) == 0)
			json_array_append_new(list, json_pack("{s:b}", "matrix", 1));
		else if (strcmp(tok, MXG_SCOPE_ADMIN) == 0)
			json_array_append_new(list, json_pack("{s:b}", "admin", 1));
		else
			json_array_append_new(list, json_pack("{s:b}", tok, 1));
	}
	return list;
}
