/*
 * xmatrix.c: parsing and checking X-Matrix authorization headers (see
 * xmatrix.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/mxconfig.h"
#include "identity/hs-keys.h"
#include "identity/hs-resolve.h"
#include "identity/xmatrix.h"

#define SCHEME "X-Matrix"
#define VALUE_MAX 1024

bool mxg_xmatrix_is(const char *header)
{
	size_t n = strlen(SCHEME);

	return header != NULL && strncasecmp(header, SCHEME, n) == 0 &&
	       (header[n] == ' ' || header[n] == '\t');
}

/* One value at *p (bare up to ',' or quoted), into out; advances *p.
 * Returns 0, or -1 on broken quoting or an over-long value. */
static int read_value(const char **p, char *out)
{
	const char *s = *p;
	size_t n = 0;

	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (*s == '\0' || n + 1 >= VALUE_MAX)
				return -1;
			out[n++] = *s;
		}
		s++;
	} else {
		for (; *s != '\0' && *s != ',' && *s != ' ' && *s != '\t'; s++) {
			if (n + 1 >= VALUE_MAX)
				return -1;
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	*p = s;
	return 0;
}

int mxg_xmatrix_parse(struct mxg_arena *arena, const char *header, struct mxg_xmatrix *x)
{
	char name[32], value[VALUE_MAX];
	const char *p;
	size_t n;

	memset(x, 0, sizeof(*x));
	if (!mxg_xmatrix_is(header))
		return -1;
	p = header + strlen(SCHEME);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, "= \t,");
		if (n == 0 || n >= sizeof(name) || p[n] != '=')
			return -1;
		memcpy(name, p, n);
		name[n] = '\0';
		p += n + 1;
		if (read_value(&p, value) < 0)
			return -1;
		if (strcmp(name, "origin") == 0) {
			char *o = mxg_arena_strdup(arena, value);

			for (char *c = o; *c != '\0'; c++)
				*c = (char)tolower((unsigned char)*c);
			x->origin = o;
		} else if (strcmp(name, "key") == 0) {
			x->key = mxg_arena_strdup(arena, value);
		} else if (strcmp(name, "sig") == 0) {
			x->sig = mxg_arena_strdup(arena, value);
		} else if (strcmp(name, "destination") == 0) {
			x->destination = mxg_arena_strdup(arena, value);
		}
		if (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
			return -1;
	}
	if (x->origin == NULL || x->key == NULL || x->sig == NULL ||
	    !mxg_hs_server_name_valid(x->origin) || strncmp(x->key, "ed25519:", 8) != 0)
		return -1;
	return 0;
}

int mxg_xmatrix_verify(const struct mxg_config *cfg, const struct mxg_xmatrix *x,
		       const char *method, const char *uri, const json_t *content,
		       struct mxg_error *err)
{
	unsigned char pub[MXG_ED25519_PUB_LEN];
	json_t *obj;
	int ret;

	if (x->destination != NULL && strcasecmp(x->destination, cfg->server_name) != 0)
		return mxg_error_set(err, EACCES, "the request was signed for %s, not for us",
				     x->destination);
	if (mxg_hs_keys_get(cfg, x->origin, x->key, pub, err) < 0)
		return -1;
	obj = json_pack("{s:s,s:s,s:s,s:s,s:{s:{s:s}}}", "method", method, "uri", uri,
			"origin", x->origin, "destination_is", cfg->server_name,
			"signatures", x->origin, x->key, x->sig);
	if (obj == NULL)
		return mxg_error_set(err, ENOMEM, "cannot build the signed request (bad UTF-8?)");
	if (content != NULL)
		json_object_set(obj, "content", (json_t *)content);
	ret = mxg_json_verify(obj, x->origin, x->key, pub, err);
	json_decref(obj);
	return ret;
}
