/*
 * test-router.c: route pattern compilation and matching, table-driven:
 * parameters, trailing slash, method masks (HEAD as GET), resource
 * filtering, 404 against 405, and the literal-over-parameter preference.
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "http/router.h"
#include "test.h"

static void h_a(struct mxg_req *r) { (void)r; }
static void h_b(struct mxg_req *r) { (void)r; }

static const struct mxg_route id_routes[] = {
	{ MXG_GET, "/_matrix/identity/v2", MXG_RES_IDENTITY, h_a, 0 },
	{ MXG_GET, "/_matrix/identity/v2/pubkey/{keyId}", MXG_RES_IDENTITY, h_a, 0 },
	{ MXG_GET, "/_matrix/identity/v2/pubkey/isvalid", MXG_RES_IDENTITY, h_b, 0 },
	{ MXG_POST, "/_matrix/identity/v2/lookup", MXG_RES_IDENTITY, h_a, MXG_ROUTE_BLOCKING },
	{ MXG_GET | MXG_PUT, "/_matrix/identity/v2/x/{a}/y/{b}", MXG_RES_IDENTITY, h_b, 0 },
	{ 0 },
};

static const struct mxg_route other_routes[] = {
	{ MXG_GET, "/_matrix/client/v3/profile/{userId}", MXG_RES_CLIENT, h_a, 0 },
	{ MXG_DELETE, "/_matrix/identity/v2/lookup", MXG_RES_ADMIN, h_b, 0 },
	{ MXG_GET, "/health", MXG_RES_HEALTH, h_a, 0 },
	{ MXG_GET, "/", MXG_RES_HEALTH, h_b, 0 },
	{ 0 },
};

struct match_case {
	unsigned int mask;
	enum mxg_method method;
	const char *path;
	enum mxg_router_result want;
	mxg_handler_fn *handler;	/* FOUND */
	const char *p1_name, *p1_value, *p2_name, *p2_value;
	unsigned int allowed;		/* BAD_METHOD */
};

#define ALL 0xffu
#define ID MXG_RES_IDENTITY

static const struct match_case cases[] = {
	/* trailing slash */
	{ ID, MXG_GET, "/_matrix/identity/v2", MXG_ROUTER_FOUND, h_a, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "/_matrix/identity/v2/", MXG_ROUTER_FOUND, h_a, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "/_matrix/identity/v2//", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "/_matrix/identity", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "_matrix/identity/v2", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	/* params; literal beats {keyId} whatever the order */
	{ ID, MXG_GET, "/_matrix/identity/v2/pubkey/ed25519:0", MXG_ROUTER_FOUND, h_a,
	  "keyId", "ed25519:0", 0, 0, 0 },
	{ ID, MXG_GET, "/_matrix/identity/v2/pubkey/isvalid", MXG_ROUTER_FOUND, h_b, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "/_matrix/identity/v2/pubkey/", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "/_matrix/identity/v2/pubkey//", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ ID, MXG_PUT, "/_matrix/identity/v2/x/1/y/two/", MXG_ROUTER_FOUND, h_b,
	  "a", "1", "b", "two", 0 },
	{ ID, MXG_GET, "/_matrix/identity/v2/x/1/z/two", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	/* methods: HEAD as GET, 405 with the allowed set */
	{ ID, MXG_HEAD, "/_matrix/identity/v2/pubkey/k", MXG_ROUTER_FOUND, h_a, "keyId", "k", 0, 0, 0 },
	{ ID, MXG_POST, "/_matrix/identity/v2", MXG_ROUTER_BAD_METHOD, 0, 0, 0, 0, 0,
	  MXG_GET | MXG_HEAD },
	{ ID, MXG_GET, "/_matrix/identity/v2/lookup", MXG_ROUTER_BAD_METHOD, 0, 0, 0, 0, 0, MXG_POST },
	{ ID, 0, "/_matrix/identity/v2/lookup", MXG_ROUTER_BAD_METHOD, 0, 0, 0, 0, 0, MXG_POST },
	{ ID, MXG_POST, "/_matrix/identity/v2/lookup", MXG_ROUTER_FOUND, h_a, 0, 0, 0, 0, 0 },
	/* resources: another listener's route is a 404, and joins the Allow set */
	{ ID, MXG_GET, "/_matrix/client/v3/profile/@a:b", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ MXG_RES_CLIENT, MXG_GET, "/_matrix/client/v3/profile/@a:b", MXG_ROUTER_FOUND, h_a,
	  "userId", "@a:b", 0, 0, 0 },
	{ ID, MXG_DELETE, "/_matrix/identity/v2/lookup", MXG_ROUTER_BAD_METHOD, 0, 0, 0, 0, 0,
	  MXG_POST },
	{ ALL, MXG_DELETE, "/_matrix/identity/v2/lookup", MXG_ROUTER_FOUND, h_b, 0, 0, 0, 0, 0 },
	{ ALL, MXG_PATCH, "/_matrix/identity/v2/lookup", MXG_ROUTER_BAD_METHOD, 0, 0, 0, 0, 0,
	  MXG_POST | MXG_DELETE },
	{ ID, MXG_GET, "/health", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ MXG_RES_HEALTH, MXG_GET, "/health/", MXG_ROUTER_FOUND, h_a, 0, 0, 0, 0, 0 },
	{ MXG_RES_HEALTH, MXG_GET, "/", MXG_ROUTER_FOUND, h_b, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "/", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ ID, MXG_GET, "", MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
	{ ALL, MXG_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6/7",
	  MXG_ROUTER_NOT_FOUND, 0, 0, 0, 0, 0, 0 },
};

static void test_matching(struct mxg_router *router)
{
	test_begin("router matching table");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct match_case *c = &cases[i];
		struct mxg_arena *arena = mxg_arena_create(512);
		struct mxg_router_match m;
		enum mxg_router_result res = mxg_router_match(router, c->mask, c->method, c->path,
							      arena, &m);

		test_assert_idx(res == c->want, i);
		if (res == MXG_ROUTER_FOUND && c->want == MXG_ROUTER_FOUND) {
			test_assert_idx(m.route->handler == c->handler, i);
			test_assert_idx(m.nparams == (c->p2_name ? 2u : c->p1_name ? 1u : 0u), i);
			if (c->p1_name != NULL)
				test_assert_idx(m.nparams >= 1 && strcmp(m.params[0].name, c->p1_name) == 0 &&
						strcmp(m.params[0].value, c->p1_value) == 0, i);
			if (c->p2_name != NULL)
				test_assert_idx(m.nparams >= 2 && strcmp(m.params[1].name, c->p2_name) == 0 &&
						strcmp(m.params[1].value, c->p2_value) == 0, i);
		}
		if (res == MXG_ROUTER_BAD_METHOD && c->want == MXG_ROUTER_BAD_METHOD)
			test_assert_idx(m.allowed == c->allowed, i);
		mxg_arena_destroy(&arena);
	}
	test_end();
}

static void test_bad_patterns(void)
{
	static const struct mxg_route bad[][2] = {
		{ { MXG_GET, "relative/path", MXG_RES_IDENTITY, h_a, 0 }, { 0 } },
		{ { MXG_GET, "/a/{}/b", MXG_RES_IDENTITY, h_a, 0 }, { 0 } },
		{ { MXG_GET, "/a/x{y}/b", MXG_RES_IDENTITY, h_a, 0 }, { 0 } },
		{ { MXG_GET, "/a//b", MXG_RES_IDENTITY, h_a, 0 }, { 0 } },
		{ { MXG_GET, "/a", MXG_RES_IDENTITY | MXG_RES_CLIENT, h_a, 0 }, { 0 } },
		{ { MXG_GET, "/a", 0, h_a, 0 }, { 0 } },
		{ { 0, "/a", MXG_RES_IDENTITY, h_a, 0 }, { 0 } },
		{ { MXG_GET, "/a", MXG_RES_IDENTITY, NULL, 0 }, { 0 } },
	};
	/* A good route before a bad one in the same table is not kept either. */
	static const struct mxg_route half[] = {
		{ MXG_GET, "/half/good", MXG_RES_IDENTITY, h_a, 0 },
		{ MXG_GET, "/half/{", MXG_RES_IDENTITY, h_a, 0 },
		{ 0 },
	};

	test_begin("router refuses bad patterns");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mxg_router *router = mxg_router_create();
		struct mxg_error err = { 0 };

		test_assert_idx(mxg_router_add(router, bad[i], &err) == -1, i);
		test_assert_idx(err.msg[0] != '\0', i);
		mxg_router_destroy(&router);
	}
	{
		struct mxg_router *router = mxg_router_create();
		struct mxg_error err = { 0 };
		struct mxg_router_match m;

		test_assert(mxg_router_add(router, id_routes, &err) == 0);
		test_assert(mxg_router_add(router, half, &err) == -1);
		test_assert(mxg_router_match(router, ALL, MXG_GET, "/half/good", NULL, &m) ==
			    MXG_ROUTER_NOT_FOUND);
		test_assert(mxg_router_match(router, ALL, MXG_GET, "/_matrix/identity/v2", NULL, &m) ==
			    MXG_ROUTER_FOUND);
		mxg_router_destroy(&router);
		test_assert(router == NULL);
	}
	test_end();
}

static void test_allow_header(void)
{
	static const struct {
		unsigned int methods;
		const char *want;
	} cases_allow[] = {
		{ MXG_GET | MXG_HEAD, "GET, HEAD" },
		{ MXG_POST, "POST" },
		{ MXG_OPTIONS | MXG_DELETE | MXG_GET, "GET, DELETE, OPTIONS" },
		{ 0, "" },
	};
	char buf[64], tiny[8];

	test_begin("router Allow header");
	for (size_t i = 0; i < sizeof(cases_allow) / sizeof(cases_allow[0]); i++) {
		mxg_router_format_allow(cases_allow[i].methods, buf, sizeof(buf));
		test_assert_idx(strcmp(buf, cases_allow[i].want) == 0, i);
	}
	mxg_router_format_allow(MXG_GET | MXG_POST | MXG_DELETE, tiny, sizeof(tiny));
	test_assert(strlen(tiny) < sizeof(tiny));
	test_end();
}

int main(void)
{
	struct mxg_router *router = mxg_router_create();
	struct mxg_error err = { 0 };

	test_begin("router compiles tables");
	test_assert(mxg_router_add(router, id_routes, &err) == 0);
	test_assert(mxg_router_add(router, other_routes, &err) == 0);
	test_end();
	test_matching(router);
	test_bad_patterns();
	test_allow_header();
	mxg_router_destroy(&router);
	return test_done("test-router");
}
