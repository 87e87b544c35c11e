/*
 * test-rest.c: the `rest` store module without a network: the request
 * bodies it sends, every answer parser on good, empty, wrong-typed,
 * incomplete and huge answers (table-driven), its configuration refusals,
 * and its manual page documenting every key.  test-rest-driver.c runs the
 * operations against a local server.
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "rest.h"
#include "conf-report.h"
#include "man-keys.h"
#include "test.h"

static const struct mxg_store_env env = { .server_name = "example.org" };

static json_t *parse(const char *text)
{
	json_error_t jerr;

	/* JSON_ALLOW_NUL: the module's own loader refuses \u0000 already, but
	 * the parsers must hold without relying on that. */
	return json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
}

/* --- requests -------------------------------------------------------------------- */

static void test_requests(void)
{
	struct mxg_3pid tp[] = { { "email", "a@b.org" }, { "msisdn", "447700900123" } };
	size_t which[] = { 1 };
	json_t *j;
	char *s;

	test_begin("requests: auth carries exactly ma1sd's four fields");
	j = mxg_rest_auth_request("@al:example.org", "al", "example.org", "p\0w", 3);
	test_assert(j != NULL);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	test_assert_streq(s, "{\"auth\":{\"domain\":\"example.org\",\"localpart\":\"al\","
			  "\"mxid\":\"@al:example.org\",\"password\":\"p\\u0000w\"}}");
	free(s);
	json_decref(j);
	/* Not UTF-8: no JSON string can carry it. */
	test_assert(mxg_rest_auth_request("@al:example.org", "al", "example.org", "\xff", 1)
		    == NULL);
	test_end();

	test_begin("requests: search, single, bulk, profile, enumerate");
	j = mxg_rest_search_request("threepid", "ali");
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	test_assert_streq(s, "{\"by\":\"threepid\",\"search_term\":\"ali\"}");
	free(s);
	json_decref(j);
	j = mxg_rest_single_request(&tp[0]);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	test_assert_streq(s, "{\"lookup\":{\"address\":\"a@b.org\",\"medium\":\"email\"}}");
	free(s);
	json_decref(j);
	j = mxg_rest_bulk_request(tp, which, 1);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	test_assert_streq(s, "{\"lookup\":[{\"address\":\"447700900123\",\"medium\":\"msisdn\"}]}");
	free(s);
	json_decref(j);
	j = mxg_rest_profile_request("@al:example.org", "al", "example.org");
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	test_assert_streq(s, "{\"domain\":\"example.org\",\"localpart\":\"al\","
			  "\"mxid\":\"@al:example.org\"}");
	free(s);
	json_decref(j);
	j = mxg_rest_enumerate_request(NULL, 1000);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	test_assert_streq(s, "{\"limit\":1000,\"since\":null}");
	free(s);
	json_decref(j);
	j = mxg_rest_enumerate_request("p2", 5);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	test_assert_streq(s, "{\"limit\":5,\"since\":\"p2\"}");
	free(s);
	json_decref(j);
	test_end();
}

/* --- answers --------------------------------------------------------------------------- */

struct auth_case {
	const char *json;
	enum mxg_store_result want;
	const char *user_id, *display_name;
	size_t threepids;
	const char *err_has;	/* in err.msg when not OK/DENIED */
};

static const struct auth_case auth_cases[] = {
	{ "{\"auth\":{\"success\":true,\"id\":{\"type\":\"localpart\",\"value\":\"Alice\"},"
	  "\"profile\":{\"display_name\":\"Alice A\",\"three_pids\":[{\"medium\":\"email\","
	  "\"address\":\" Alice@Example.ORG \"},{\"medium\":\"msisdn\",\"address\":\"+44 7700 "
	  "900123\"},{\"medium\":\"fax\",\"address\":\"1\"},{\"medium\":\"email\",\"address\":"
	  "\"nope\"}]}}}",
	  MXG_STORE_OK, "@alice:example.org", "Alice A", 2, NULL },
	{ "{\"auth\":{\"success\":true,\"id\":{\"type\":\"mxid\",\"value\":\"@bob:example.org\"}}}",
	  MXG_STORE_OK, "@bob:example.org", NULL, 0, NULL },
	/* No id: the Matrix ID asked for. */
	{ "{\"auth\":{\"success\":true,\"profile\":null}}", MXG_STORE_OK, "@asked:example.org",
	  NULL, 0, NULL },
	{ "{\"auth\":{\"success\":false}}", MXG_STORE_DENIED, NULL, NULL, 0, NULL },
	{ "{\"auth\":{\"success\":false,\"id\":42}}", MXG_STORE_DENIED, NULL, NULL, 0, NULL },
	{ "{}", MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "auth is missing" },
	{ "{\"auth\":[]}", MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "auth is not an object" },
	{ "{\"auth\":{}}", MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "auth.success is missing" },
	{ "{\"auth\":{\"success\":\"true\"}}", MXG_STORE_UNAVAILABLE, NULL, NULL, 0,
	  "auth.success is not a boolean" },
	{ "{\"auth\":{\"success\":1}}", MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "auth.success" },
	{ "{\"auth\":{\"success\":true,\"id\":\"alice\"}}", MXG_STORE_UNAVAILABLE, NULL, NULL, 0,
	  "auth.id is not an object" },
	{ "{\"auth\":{\"success\":true,\"id\":{\"type\":\"localpart\"}}}", MXG_STORE_UNAVAILABLE,
	  NULL, NULL, 0, "auth.id.value is missing" },
	{ "{\"auth\":{\"success\":true,\"id\":{\"type\":\"uid\",\"value\":\"a\"}}}",
	  MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "neither" },
	{ "{\"auth\":{\"success\":true,\"id\":{\"type\":\"localpart\",\"value\":\"a\\u0000b\"}}}",
	  MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "auth.id.value holds a NUL" },
	{ "{\"auth\":{\"success\":true,\"id\":{\"type\":\"mxid\",\"value\":\"@a:evil.org\"}}}",
	  MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "not a user of example.org" },
	{ "{\"auth\":{\"success\":true,\"id\":{\"type\":\"mxid\",\"value\":\"bob\"}}}",
	  MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "not a valid Matrix ID" },
	{ "{\"auth\":{\"success\":true,\"profile\":{\"display_name\":7}}}", MXG_STORE_UNAVAILABLE,
	  NULL, NULL, 0, "auth.profile.display_name is not a string" },
	{ "{\"auth\":{\"success\":true,\"profile\":{\"three_pids\":{}}}}", MXG_STORE_UNAVAILABLE,
	  NULL, NULL, 0, "three_pids is not an array" },
	{ "{\"auth\":{\"success\":true,\"profile\":{\"three_pids\":[\"a@b.c\"]}}}",
	  MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "three_pids[0] is not an object" },
	{ "{\"auth\":{\"success\":true,\"profile\":{\"three_pids\":[{\"medium\":\"email\"}]}}}",
	  MXG_STORE_UNAVAILABLE, NULL, NULL, 0, "three_pids[0].address is missing" },
};

static void test_parse_auth(void)
{
	test_begin("answers: auth");
	for (size_t i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
		const struct auth_case *c = &auth_cases[i];
		struct mxg_arena *a = mxg_arena_create(1024);
		struct mxg_person p = { 0 };
		struct mxg_error err = { 0 };
		json_t *j = parse(c->json);
		enum mxg_store_result res;

		test_assert_idx(j != NULL, i);
		res = mxg_rest_parse_auth(j, &env, "@asked:example.org", a, &p, &err);
		test_assert_idx(res == c->want, i);
		if (res == MXG_STORE_OK && c->want == MXG_STORE_OK) {
			test_assert_idx(strcmp(p.user_id, c->user_id) == 0, i);
			test_assert_idx(c->display_name == NULL ? p.display_name == NULL :
					strcmp(p.display_name, c->display_name) == 0, i);
			test_assert_idx(p.threepid_count == c->threepids, i);
		}
		if (c->err_has != NULL) {
			test_assert_idx(strstr(err.msg, c->err_has) != NULL, i);
			test_assert_idx(strncmp(err.msg, "auth: ", 6) == 0, i);
			if (strstr(err.msg, c->err_has) == NULL)
				fprintf(stderr, "  case %zu: %s\n", i, err.msg);
		}
		json_decref(j);
		mxg_arena_destroy(&a);
	}
	test_end();

	test_begin("answers: auth 3PIDs are canonical");
	{
		struct mxg_arena *a = mxg_arena_create(1024);
		struct mxg_person p = { 0 };
		struct mxg_error err = { 0 };
		json_t *j = parse(auth_cases[0].json);

		test_assert(mxg_rest_parse_auth(j, &env, "@x:example.org", a, &p, &err) ==
			    MXG_STORE_OK);
		test_assert(p.threepid_count == 2);
		test_assert_streq(p.threepids[0].address, "alice@example.org");
		test_assert_streq(p.threepids[1].medium, "msisdn");
		test_assert_streq(p.threepids[1].address, "447700900123");
		json_decref(j);
		mxg_arena_destroy(&a);
	}
	test_end();
}

struct single_case {
	const char *json;
	enum mxg_store_result want;
	const char *user_id;
	const char *err_has;
};

static const struct single_case single_cases[] = {
	{ "{\"lookup\":{\"medium\":\"email\",\"address\":\"a@b.c\",\"id\":{\"type\":\"mxid\","
	  "\"value\":\"@a:other.org\"}}}", MXG_STORE_OK, "@a:other.org", NULL },
	{ "{\"lookup\":{\"medium\":\"email\",\"address\":\"a@b.c\",\"id\":{\"type\":"
	  "\"localpart\",\"value\":\"A\"}}}", MXG_STORE_OK, "@a:example.org", NULL },
	{ "{}", MXG_STORE_NOT_FOUND, NULL, NULL },
	{ "{\"lookup\":null}", MXG_STORE_NOT_FOUND, NULL, NULL },
	{ "{\"lookup\":{}}", MXG_STORE_NOT_FOUND, NULL, NULL },
	{ "{\"lookup\":\"@a:b\"}", MXG_STORE_UNAVAILABLE, NULL, "identity_single: lookup is not "
	  "an object" },
	{ "{\"lookup\":{\"medium\":\"email\",\"address\":\"a@b.c\"}}", MXG_STORE_UNAVAILABLE,
	  NULL, "lookup.id is missing" },
	{ "{\"lookup\":{\"id\":{\"type\":\"mxid\",\"value\":[1]}}}", MXG_STORE_UNAVAILABLE, NULL,
	  "lookup.id.value is not a string" },
	{ "{\"lookup\":{\"id\":{\"type\":\"localpart\",\"value\":\"a b\"}}}",
	  MXG_STORE_UNAVAILABLE, NULL, "not a valid localpart" },
};

static void test_parse_single(void)
{
	test_begin("answers: identity single");
	for (size_t i = 0; i < sizeof(single_cases) / sizeof(single_cases[0]); i++) {
		const struct single_case *c = &single_cases[i];
		struct mxg_arena *a = mxg_arena_create(1024);
		struct mxg_error err = { 0 };
		const char *uid = NULL;
		json_t *j = parse(c->json);

		test_assert_idx(j != NULL, i);
		test_assert_idx(mxg_rest_parse_single(j, &env, a, &uid, &err) == c->want, i);
		test_assert_idx(c->user_id == NULL || (uid != NULL && strcmp(uid, c->user_id) == 0),
				i);
		test_assert_idx(c->err_has == NULL || strstr(err.msg, c->err_has) != NULL, i);
		json_decref(j);
		mxg_arena_destroy(&a);
	}
	test_end();
}

static void test_parse_bulk(void)
{
	const struct mxg_3pid asked[] = {
		{ "email", "a@b.org" }, { "msisdn", "447700900123" }, { "email", "c@d.org" },
		{ "email", "a@b.org" },		/* asked twice */
	};
	const char *ids[4] = { 0 };
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_error err = { 0 };
	json_t *j;

	test_begin("answers: identity bulk maps answers back by canonical address");
	j = parse("{\"lookup\":[{\"medium\":\"email\",\"address\":\"A@B.org\",\"id\":{\"type\":"
		  "\"localpart\",\"value\":\"al\"}},{\"medium\":\"msisdn\",\"address\":"
		  "\"+44 7700 900123\",\"id\":{\"type\":\"mxid\",\"value\":\"@ph:example.org\"}},"
		  "{\"medium\":\"email\",\"address\":\"never@asked.org\",\"id\":{\"type\":"
		  "\"localpart\",\"value\":\"x\"}},{\"medium\":\"email\",\"address\":\"c@d.org\","
		  "\"id\":{\"type\":\"bogus\",\"value\":\"x\"}}]}");
	test_assert(mxg_rest_parse_bulk(j, &env, a, asked, 4, ids, &err) == MXG_STORE_OK);
	test_assert_streq(ids[0], "@al:example.org");
	test_assert_streq(ids[1], "@ph:example.org");
	test_assert(ids[2] == NULL);	/* its entry named nobody usable: skipped */
	test_assert_streq(ids[3], "@al:example.org");
	json_decref(j);
	test_end();

	test_begin("answers: identity bulk refusals");
	{
		static const char *const bad[] = {
			"{}", "{\"lookup\":{}}", "{\"lookup\":[1]}",
			"{\"lookup\":[{\"medium\":\"email\",\"address\":\"a@b.org\"}]}",
			"{\"lookup\":[{\"medium\":\"email\",\"address\":\"a@b.org\",\"id\":"
			"{\"type\":true,\"value\":\"x\"}}]}",
			"{\"lookup\":[{\"medium\":5,\"address\":\"a@b.org\"}]}",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *none[4] = { 0 };

			j = parse(bad[i]);
			mxg_error_clear(&err);
			test_assert_idx(mxg_rest_parse_bulk(j, &env, a, asked, 4, none, &err) ==
					MXG_STORE_UNAVAILABLE, i);
			test_assert_idx(strncmp(err.msg, "identity_bulk: lookup", 21) == 0, i);
			json_decref(j);
		}
	}
	test_end();
	mxg_arena_destroy(&a);
}

static void test_parse_search(void)
{
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_person people[10];
	struct mxg_error err = { 0 };
	size_t n = 0;
	json_t *j;

	test_begin("answers: directory, localparts completed, duplicates merged");
	j = parse("{\"limited\":false,\"results\":[{\"user_id\":\"Alice\",\"display_name\":"
		  "\"Alice A\",\"avatar_url\":\"mxc://x/y\"},{\"user_id\":\"@bob:other.org\"},"
		  "{\"user_id\":\"\"},{\"user_id\":\"@alice:example.org\"}]}");
	test_assert(mxg_rest_parse_search(j, &env, a, people, 10, &n, &err) == MXG_STORE_OK);
	test_assert(n == 2);
	test_assert_streq(people[0].user_id, "@alice:example.org");
	test_assert_streq(people[0].display_name, "Alice A");
	test_assert_streq(people[0].avatar_url, "mxc://x/y");
	test_assert_streq(people[1].user_id, "@bob:other.org");
	test_assert(people[1].display_name == NULL);
	/* A second answer (by threepid) merges into the same list. */
	test_assert(mxg_rest_parse_search(j, &env, a, people, 10, &n, &err) == MXG_STORE_OK);
	test_assert(n == 2);
	json_decref(j);
	test_end();

	test_begin("answers: directory refusals");
	{
		static const char *const bad[] = {
			"{}", "{\"results\":{}}", "{\"results\":[],\"limited\":\"no\"}",
			"{\"results\":[3]}", "{\"results\":[{}]}",
			"{\"results\":[{\"user_id\":1}]}",
			"{\"results\":[{\"user_id\":\"a\",\"display_name\":{}}]}",
			"{\"results\":[{\"user_id\":\"a\",\"avatar_url\":false}]}",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			n = 0;
			j = parse(bad[i]);
			mxg_error_clear(&err);
			test_assert_idx(mxg_rest_parse_search(j, &env, a, people, 10, &n, &err) ==
					MXG_STORE_UNAVAILABLE, i);
			test_assert_idx(strncmp(err.msg, "directory: ", 11) == 0, i);
			json_decref(j);
		}
	}
	test_end();

	test_begin("answers: a huge directory answer is cut at the limit");
	{
		json_t *results = json_array();

		for (int i = 0; i < 100000; i++)
			json_array_append_new(results, json_pack("{s:s}", "user_id", "u"));
		json_array_set_new(results, 3, json_pack("{s:s}", "user_id", "v"));
		j = json_pack("{s:o}", "results", results);
		n = 0;
		test_assert(mxg_rest_parse_search(j, &env, a, people, 2, &n, &err) ==
			    MXG_STORE_OK);
		test_assert(n == 2);
		test_assert_streq(people[1].user_id, "@v:example.org");
		json_decref(j);
	}
	test_end();
	mxg_arena_destroy(&a);
}

static void test_parse_profile(void)
{
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_error err = { 0 };
	struct mxg_3pid *tp;
	const char *name;
	size_t n;
	json_t *j;

	test_begin("answers: profile display name and 3PIDs");
	j = parse("{\"profile\":{\"display_name\":\"Zoë\"}}");
	test_assert(mxg_rest_parse_display_name(j, a, &name, &err) == MXG_STORE_OK);
	test_assert_streq(name, "Zoë");
	json_decref(j);
	j = parse("{}");
	test_assert(mxg_rest_parse_display_name(j, a, &name, &err) == MXG_STORE_OK);
	test_assert(name == NULL);
	test_assert(mxg_rest_parse_threepids(j, a, &tp, &n, &err) == MXG_STORE_OK && n == 0);
	json_decref(j);
	j = parse("{\"profile\":{\"threepids\":[{\"medium\":\"email\",\"address\":\"Z@Y.org\"},"
		  "{\"medium\":\"msisdn\",\"address\":\"12\"}]}}");
	test_assert(mxg_rest_parse_threepids(j, a, &tp, &n, &err) == MXG_STORE_OK);
	test_assert(n == 1);
	test_assert(n == 1 && strcmp(tp[0].address, "z@y.org") == 0);
	json_decref(j);
	test_end();

	test_begin("answers: profile refusals");
	j = parse("{\"profile\":{\"display_name\":[\"x\"]}}");
	test_assert(mxg_rest_parse_display_name(j, a, &name, &err) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(err.msg, "profile_display_name: profile.display_name") != NULL);
	json_decref(j);
	j = parse("{\"profile\":\"x\"}");
	test_assert(mxg_rest_parse_threepids(j, a, &tp, &n, &err) == MXG_STORE_UNAVAILABLE);
	json_decref(j);
	j = parse("{\"profile\":{\"threepids\":\"a@b.c\"}}");
	test_assert(mxg_rest_parse_threepids(j, a, &tp, &n, &err) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(err.msg, "profile_threepids: profile.threepids is not an array")
		    != NULL);
	json_decref(j);
	test_end();
	mxg_arena_destroy(&a);
}

static void test_parse_enumerate(void)
{
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_rest_enum_entry *e;
	struct mxg_error err = { 0 };
	const char *next;
	size_t n;
	json_t *j;

	test_begin("answers: enumerate page");
	j = parse("{\"threepids\":[{\"medium\":\"email\",\"address\":\"A@b.org\",\"id\":{\"type\":"
		  "\"localpart\",\"value\":\"al\"}},{\"medium\":\"fax\",\"address\":\"1\",\"id\":"
		  "{\"type\":\"localpart\",\"value\":\"al\"}},{\"medium\":\"email\",\"address\":"
		  "\"x@y.org\",\"id\":{\"type\":\"mxid\",\"value\":\"nope\"}}],\"next\":\"p2\"}");
	test_assert(mxg_rest_parse_enumerate(j, &env, a, &e, &n, &next, &err) == MXG_STORE_OK);
	test_assert(n == 1);
	test_assert_streq(e[0].tpid.address, "a@b.org");
	test_assert_streq(e[0].user_id, "@al:example.org");
	test_assert_streq(next, "p2");
	json_decref(j);
	j = parse("{\"threepids\":[],\"next\":null}");
	test_assert(mxg_rest_parse_enumerate(j, &env, a, &e, &n, &next, &err) == MXG_STORE_OK);
	test_assert(n == 0 && next == NULL);
	json_decref(j);
	test_end();

	test_begin("answers: enumerate refusals");
	{
		static const char *const bad[] = {
			"{}", "{\"threepids\":[],\"next\":7}", "{\"threepids\":\"x\"}",
			"{\"threepids\":[[]]}",
			"{\"threepids\":[{\"medium\":\"email\",\"address\":\"a@b.c\"}]}",
			"{\"threepids\":[{\"medium\":\"email\",\"address\":\"a@b.c\",\"id\":"
			"{\"type\":\"mxid\"}}]}",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			j = parse(bad[i]);
			mxg_error_clear(&err);
			test_assert_idx(mxg_rest_parse_enumerate(j, &env, a, &e, &n, &next, &err) ==
					MXG_STORE_UNAVAILABLE, i);
			test_assert_idx(strncmp(err.msg, "enumerate: ", 11) == 0, i);
			json_decref(j);
		}
	}
	test_end();
	mxg_arena_destroy(&a);
}

/* --- configuration ------------------------------------------------------------------- */

static int load(const char *yaml, struct mxg_rest_settings *set, struct mxg_arena *a,
		struct mxg_error *err)
{
	memset(set, 0, sizeof(*set));
	nreports = 0;
	mxg_error_clear(err);
	if (mxg_conf_load_string("t.yaml", yaml, strlen(yaml), mxg_rest_settings_table, set, a,
				 collect, NULL) != 0)
		return -1;
	return mxg_rest_settings_check(set, err);
}

static void test_config(void)
{
	struct mxg_arena *a = mxg_arena_create(4096);
	struct mxg_rest_settings set;
	struct mxg_error err;

	test_begin("config: defaults");
	test_assert(load("url: https://iam.example.org/base/\n", &set, a, &err) == 0);
	test_assert_streq(set.endpoints.auth, "/_ma1sd/backend/api/v1/auth/login");
	test_assert_streq(set.endpoints.directory, "/_ma1sd/backend/api/v1/directory/user/search");
	test_assert_streq(set.endpoints.identity_single, "/_ma1sd/backend/api/v1/identity/single");
	test_assert_streq(set.endpoints.identity_bulk, "/_ma1sd/backend/api/v1/identity/bulk");
	test_assert_streq(set.endpoints.profile_display_name,
			  "/_ma1sd/backend/api/v1/profile/displayName");
	test_assert_streq(set.endpoints.profile_threepids,
			  "/_ma1sd/backend/api/v1/profile/threepids");
	test_assert_streq(set.endpoints.enumerate, "/_mxgate/backend/api/v1/identity/enumerate");
	test_assert(set.timeout_ms == 5000 && set.connect_timeout_ms == 2000);
	test_assert(set.tls_verify && set.max_response == 1u << 20 && set.page_size == 1000);
	test_assert(set.auth_bearer_token == NULL && set.ca_file == NULL);
	test_end();

	test_begin("config: an empty endpoint switches its feature off");
	test_assert(load("url: http://127.0.0.1:1\nendpoints:\n  directory: \"\"\n"
			 "  auth: /login\n", &set, a, &err) == 0);
	test_assert_streq(set.endpoints.directory, "");
	test_assert_streq(set.endpoints.auth, "/login");
	test_assert_streq(mxg_rest_ep_path(&set, MXG_REST_DIRECTORY), "");
	test_assert_streq(set.endpoints.identity_single, "/_ma1sd/backend/api/v1/identity/single");
	test_end();

	test_begin("config: refusals by the table");
	{
		static const char *const bad[] = {
			"timeout: 5s\n",				/* no url */
			"url: ftp://iam\n",
			"url: https://user:pw@iam\n",
			"url: https://iam/?x=1\n",
			"url: https://\n",
			"url: https://iam\nendpoints: {auth: login}\n",
			"url: https://iam\nendpoints: {auth: \"/a b\"}\n",
			"url: https://iam\ntimeout: 10ms\n",
			"url: https://iam\npage_size: 0\n",
			"url: https://iam\nmax_response: 10\n",
			"url: https://iam\ntls_verify: maybe\n",
			"url: https://iam\nendpoints: {roles: /r}\n",	/* unknown key */
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			test_assert_idx(load(bad[i], &set, a, &err) < 0, i);
			test_assert_idx(nreports > 0, i);
		}
	}
	test_end();

	test_begin("config: refusals across keys");
	{
		static const struct { const char *yaml, *msg; } bad[] = {
			{ "url: https://iam\nauth_bearer_token: t\nauth_basic_user: u\n"
			  "auth_basic_password: p\n", "not both" },
			{ "url: https://iam\nauth_basic_user: u\n", "without auth_basic_password" },
			{ "url: https://iam\nauth_basic_password: p\n", "without auth_basic_user" },
			{ "url: https://iam\nauth_basic_user: \"u:v\"\nauth_basic_password: p\n",
			  "':'" },
			{ "url: https://iam\nauth_bearer_token: \"a b\"\n", "one non-empty word" },
			{ "url: https://iam\nca_file: /x.pem\ntls_verify: false\n", "pointless" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			test_assert_idx(load(bad[i].yaml, &set, a, &err) < 0 && nreports == 0, i);
			test_assert_idx(strstr(err.msg, bad[i].msg) != NULL, i);
			/* The secret never shows in the message. */
			test_assert_idx(strstr(err.msg, ": p") == NULL, i);
		}
	}
	test_end();

	test_begin("config: bearer, basic and ca_file accepted");
	test_assert(load("url: https://iam\nauth_bearer_token: s3cr3t\n", &set, a, &err) == 0);
	test_assert_streq(set.auth_bearer_token, "s3cr3t");
	test_assert(load("url: https://iam\nauth_basic_user: mx\nauth_basic_password: pw\n"
			 "ca_file: /etc/ssl/ca.pem\n", &set, a, &err) == 0);
	test_assert_streq(set.ca_file, "/etc/ssl/ca.pem");
	test_end();
	mxg_arena_destroy(&a);
}

static void test_man_page(void)
{
	char *man = man_page_read("man/mxgate-rest.5");

	test_begin("man page: mxgate-rest(5) documents every key");
	test_assert(man != NULL);
	if (man != NULL) {
		test_assert(man_missing_keys(man, mxg_rest_settings_table, "stores[].") == 0);
		/* The enumerate extension is specified there for IAM authors. */
		test_assert(strstr(man, "_mxgate/backend/api/v1/identity/enumerate") != NULL);
	}
	free(man);
	test_end();
}

int main(void)
{
	test_requests();
	test_parse_auth();
	test_parse_single();
	test_parse_bulk();
	test_parse_search();
	test_parse_profile();
	test_parse_enumerate();
	test_config();
	test_man_page();
	return test_done("test-rest");
}
