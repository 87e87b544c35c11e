/*
 * router.c: compiled route patterns and O(routes) matching.
 *
 * A pattern is split once into segments, each a literal or a {name}.  Routes
 * are kept ordered by their number of parameters (stable), so that a literal
 * route such as "/pubkey/isvalid" wins over "/pubkey/{keyId}" whatever order
 * the tables were registered in.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "http/router.h"

struct segment {
	const char *text;	/* literal bytes (in the pattern) or param name (owned) */
	size_t len;
	bool param;
};

struct compiled {
	const struct mxg_route *route;
	size_t nseg, nparams;
	struct segment *segs;
};

struct mxg_router {
	struct compiled *routes;
	size_t count, cap;
};

struct span {
	const char *p;
	size_t len;
};

/* Split "/a/b/" into {"a","b"}: one trailing slash is dropped so that
 * "/_matrix/identity/v2" and "/_matrix/identity/v2/" are the same path.
 * Returns the count, or -1 when the path is not absolute or too deep. */
static int split_path(const char *path, struct span *out)
{
	const char *p, *end;
	int n = 0;

	if (path[0] != '/')
		return -1;
	p = path + 1;
	end = p + strlen(p);
	if (end > p && end[-1] == '/')
		end--;
	if (p == end)
		return 0;
	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *stop = slash != NULL ? slash : end;

		if (n == MXG_ROUTER_MAX_SEGMENTS)
			return -1;
		out[n].p = p;
		out[n].len = (size_t)(stop - p);
		n++;
		if (slash == NULL)
			return n;
		p = slash + 1;
	}
}

struct mxg_router *mxg_router_create(void)
{
	struct mxg_router *r = calloc(1, sizeof(*r));

	if (r == NULL)
		abort();
	return r;
}

static void compiled_free(struct compiled *c)
{
	for (size_t i = 0; i < c->nseg; i++)
		if (c->segs[i].param)
			free((char *)c->segs[i].text);
	free(c->segs);
}

void mxg_router_destroy(struct mxg_router **router)
{
	struct mxg_router *r = *router;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->count; i++)
		compiled_free(&r->routes[i]);
	free(r->routes);
	free(r);
	*router = NULL;
}

static int compile(const struct mxg_route *route, struct compiled *c, struct mxg_error *err)
{
	struct span spans[MXG_ROUTER_MAX_SEGMENTS];
	int n;

	memset(c, 0, sizeof(*c));
	c->route = route;
	if (route->handler == NULL || route->methods == 0)
		return mxg_error_set(err, 1, "route %s: no handler or no method", route->pattern);
	/* A route belongs to exactly one resource. */
	if (route->resource == 0 || (route->resource & (route->resource - 1)) != 0)
		return mxg_error_set(err, 1, "route %s: needs exactly one resource", route->pattern);
	n = split_path(route->pattern, spans);
	if (n < 0)
		return mxg_error_set(err, 1, "route %s: not absolute or deeper than %d segments",
				     route->pattern, MXG_ROUTER_MAX_SEGMENTS);
	c->nseg = (size_t)n;
	c->segs = calloc((size_t)n + 1, sizeof(*c->segs));
	if (c->segs == NULL)
		abort();
	for (int i = 0; i < n; i++) {
		const char *s = spans[i].p;
		size_t len = spans[i].len;
		struct segment *seg = &c->segs[i];

		if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
			if (len == 2 || memchr(s + 1, '{', len - 2) != NULL ||
			    memchr(s + 1, '}', len - 2) != NULL)
				goto bad;
			if (++c->nparams > MXG_ROUTER_MAX_PARAMS)
				goto bad;
			seg->param = true;
			seg->text = strndup(s + 1, len - 2);
			if (seg->text == NULL)
				abort();
			seg->len = len - 2;
		} else {
			if (len == 0 || memchr(s, '{', len) != NULL || memchr(s, '}', len) != NULL)
				goto bad;
			seg->text = s;
			seg->len = len;
		}
	}
	return 0;
bad:
	compiled_free(c);
	return mxg_error_set(err, 1, "route %s: bad segment (empty, or {name} not a whole segment,"
			     " or more than %d parameters)", route->pattern, MXG_ROUTER_MAX_PARAMS);
}

int mxg_router_add(struct mxg_router *router, const struct mxg_route *routes,
		   struct mxg_error *err)
{
	size_t n = 0;

	while (routes[n].pattern != NULL)
		n++;
	if (router->count + n > router->cap) {
		size_t cap = router->cap * 2 > router->count + n ? router->cap * 2 : router->count + n;
		struct compiled *p = realloc(router->routes, cap * sizeof(*p));

		if (p == NULL)
			abort();
		router->routes = p;
		router->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		struct compiled c;
		size_t pos;

		if (compile(&routes[i], &c, err) < 0) {
			/* Undo this table's routes: all or nothing. */
			for (size_t j = 0; j < router->count; j++) {
				const struct mxg_route *rt = router->routes[j].route;

				if (rt >= routes && rt < routes + n) {
					compiled_free(&router->routes[j]);
					memmove(&router->routes[j], &router->routes[j + 1],
						(router->count - j - 1) * sizeof(router->routes[0]));
					router->count--;
					j--;
				}
			}
			return -1;
		}
		/* Stable insertion by parameter count: literals first. */
		pos = router->count;
		while (pos > 0 && router->routes[pos - 1].nparams > c.nparams)
			pos--;
		memmove(&router->routes[pos + 1], &router->routes[pos],
			(router->count - pos) * sizeof(router->routes[0]));
		router->routes[pos] = c;
		router->count++;
	}
	return 0;
}

static bool path_matches(const struct compiled *c, const struct span *spans, size_t n)
{
	if (c->nseg != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct segment *seg = &c->segs[i];

		if (seg->param) {
			if (spans[i].len == 0)
				return false;
		} else if (seg->len != spans[i].len || memcmp(seg->text, spans[i].p, seg->len) != 0) {
			return false;
		}
	}
	return true;
}

static unsigned int effective_methods(unsigned int methods)
{
	/* HEAD is served as GET without the body. */
	return (methods & MXG_GET) != 0 ? methods | MXG_HEAD : methods;
}

enum mxg_router_result mxg_router_match(const struct mxg_router *router,
					unsigned int resource_mask, enum mxg_method method,
					const char *path, struct mxg_arena *arena,
					struct mxg_router_match *match_r)
{
	struct span spans[MXG_ROUTER_MAX_SEGMENTS];
	int n = split_path(path, spans);
	unsigned int allowed = 0;

	memset(match_r, 0, sizeof(*match_r));
	if (n < 0)
		return MXG_ROUTER_NOT_FOUND;
	for (size_t i = 0; i < router->count; i++) {
		const struct compiled *c = &router->routes[i];
		unsigned int methods;

		if ((c->route->resource & resource_mask) == 0 || !path_matches(c, spans, (size_t)n))
			continue;
		methods = effective_methods(c->route->methods);
		if ((methods & method) == 0) {
			allowed |= methods;
			continue;
		}
		match_r->route = c->route;
		if (c->nparams > 0 && arena != NULL) {
			size_t k = 0;

			match_r->params = mxg_arena_alloc(arena, c->nparams * sizeof(*match_r->params));
			for (size_t s = 0; s < c->nseg; s++) {
				if (!c->segs[s].param)
					continue;
				match_r->params[k].name = c->segs[s].text;
				match_r->params[k].value = mxg_arena_strndup(arena, spans[s].p,
									     spans[s].len);
				k++;
			}
			match_r->nparams = k;
		}
		return MXG_ROUTER_FOUND;
	}
	if (allowed != 0) {
		match_r->allowed = allowed;
		return MXG_ROUTER_BAD_METHOD;
	}
	return MXG_ROUTER_NOT_FOUND;
}

void mxg_router_format_allow(unsigned int methods, char *buf, size_t size)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ MXG_GET, "GET" }, { MXG_HEAD, "HEAD" }, { MXG_POST, "POST" },
		{ MXG_PUT, "PUT" }, { MXG_DELETE, "DELETE" }, { MXG_PATCH, "PATCH" },
		{ MXG_OPTIONS, "OPTIONS" },
	};
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int w;

		if ((methods & names[i].bit) == 0)
			continue;
		w = snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", names[i].name);
		if (w < 0 || (size_t)w >= size - used)
			return;
		used += (size_t)w;
	}
}
