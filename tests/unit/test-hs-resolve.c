/*
 * test-hs-resolve.c: homeserver resolution without the network: server
 * name validation as sydent does it, splitting, well-known parsing, the
 * configured map, and the steps that need no lookup (IP literal, port).
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "core/arena.h"
#include "core/mxconfig.h"
#include "identity/hs-resolve.h"
#include "test.h"

static void test_names(void)
{
	static const struct {
		const char *name;
		bool valid;
	} cases[] = {
		{ "example.org", true },
		{ "matrix.example.org:8448", true },
		{ "localhost", true },
		{ "1.2.3.4", true },
		{ "1.2.3.4:443", true },
		{ "[::1]", true },
		{ "[2001:db8::1]:8448", true },
		{ "example.org.", true },
		{ "a-b.example", true },
		{ "", false },
		{ "-a.example", false },
		{ "a-.example", false },
		{ "a..b", false },
		{ "exa mple.org", false },
		{ "example.org:", false },
		{ "example.org:0", false },
		{ "example.org:65536", false },
		{ "example.org:80a", false },
		{ "[::1", false },
		{ "[nothex]", false },
		{ "[::1]x", false },
		{ "ex_ample.org", false },
		{ "evil.org/path", false },
		{ "evil.org?x", false },
		{ "user@evil.org", false },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org", false },
	};

	test_begin("server name validation");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_assert_idx(mxg_hs_server_name_valid(cases[i].name) == cases[i].valid, i);
	test_end();
}

static void test_split(void)
{
	struct mxg_arena *a = mxg_arena_create(256);
	char *host;
	int port;

	test_begin("server name split");
	test_assert(mxg_hs_server_name_split(a, "hs.example:8008", &host, &port) == 0);
	test_assert(strcmp(host, "hs.example") == 0 && port == 8008);
	test_assert(mxg_hs_server_name_split(a, "[::1]:9", &host, &port) == 0);
	test_assert(strcmp(host, "[::1]") == 0 && port == 9);
	test_assert(mxg_hs_server_name_split(a, "hs.example", &host, &port) == 0);
	test_assert(port == 0);
	test_assert(mxg_hs_server_name_split(a, "bad name", &host, &port) == -1);
	test_end();
	mxg_arena_destroy(&a);
}

static void test_well_known(void)
{
	static const struct {
		const char *body, *want;	/* want NULL: rejected */
	} cases[] = {
		{ "{\"m.server\": \"matrix.example.org:443\"}", "matrix.example.org:443" },
		{ "{\"m.server\": \"delegated.example\", \"other\": 1}", "delegated.example" },
		{ "{\"m.server\": \"[::1]:8448\"}", "[::1]:8448" },
		{ "{}", NULL },
		{ "[]", NULL },
		{ "not json", NULL },
		{ "{\"m.server\": 42}", NULL },
		{ "{\"m.server\": \"https://x.example\"}", NULL },
		{ "{\"m.server\": \"\"}", NULL },
	};
	struct mxg_arena *a = mxg_arena_create(256);
	struct mxg_error err;

	test_begin("well-known parsing");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mxg_hs_parse_well_known(a, cases[i].body, strlen(cases[i].body),
							  &err);

		test_assert_idx(cases[i].want == NULL ? got == NULL :
				got != NULL && strcmp(got, cases[i].want) == 0, i);
	}
	test_end();
	mxg_arena_destroy(&a);
}

static void test_resolve_static(void)
{
	struct mxg_hs_map_conf map[] = {
		{ .server_name = "private.example", .base_url = "http://127.0.0.1:9999/" },
	};
	struct mxg_config cfg = { 0 };
	struct mxg_arena *a = mxg_arena_create(256);
	struct mxg_hs_target t;
	struct mxg_error err;

	cfg.identity.homeservers.items = map;
	cfg.identity.homeservers.count = 1;
	test_begin("resolve: map, IP literal, explicit port, bad name");
	test_assert(mxg_hs_resolve(&cfg, a, "private.example", &t, &err) == 0);
	test_assert(strcmp(t.base_url, "http://127.0.0.1:9999") == 0 && t.connect_to == NULL);
	test_assert(mxg_hs_resolve(&cfg, a, "PRIVATE.example", &t, &err) == 0);
	test_assert(strcmp(t.base_url, "http://127.0.0.1:9999") == 0);
	test_assert(mxg_hs_resolve(&cfg, a, "192.0.2.1", &t, &err) == 0);
	test_assert(strcmp(t.base_url, "https://192.0.2.1:8448") == 0);
	test_assert(mxg_hs_resolve(&cfg, a, "[2001:db8::1]", &t, &err) == 0);
	test_assert(strcmp(t.base_url, "https://[2001:db8::1]:8448") == 0);
	test_assert(mxg_hs_resolve(&cfg, a, "hs.example:8008", &t, &err) == 0);
	test_assert(strcmp(t.base_url, "https://hs.example:8008") == 0 && t.connect_to == NULL);
	test_assert(mxg_hs_resolve(&cfg, a, "bad/name", &t, &err) == -1);
	test_assert(err.code == MXG_HS_ERR_INVALID_NAME);
	test_end();
	mxg_arena_destroy(&a);
}

int main(void)
{
	test_names();
	test_split();
	test_well_known();
	test_resolve_static();
	return test_done("test-hs-resolve");
}
