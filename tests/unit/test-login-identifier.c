/*
 * test-login-identifier.c: every shape of a login body's identifier
 * (m.id.user, m.id.thirdparty, m.id.phone, the deprecated fields) and the
 * 400 each malformed one gets.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "matrix/login.h"
#include "test.h"

static int parse(const char *text, struct mxg_arena *a, struct mxg_login_ident *id,
		 struct mxg_login_ident_error *e)
{
	json_t *body = json_loads(text, 0, NULL);
	int rc;

	test_assert(body != NULL);
	memset(e, 0, sizeof(*e));
	rc = mxg_login_identifier_parse(body, a, id, e);
	/* Results point into the body: keep what the test compares. */
	if (rc == 0 && id->user != NULL)
		id->user = mxg_arena_strdup(a, id->user);
	if (rc == 0 && id->medium != NULL)
		id->medium = mxg_arena_strdup(a, id->medium);
	json_decref(body);
	return rc;
}

static void test_shapes(void)
{
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_login_ident_error e;
	struct mxg_login_ident id;

	test_begin("every identifier shape");
	test_assert(parse("{\"identifier\":{\"type\":\"m.id.user\",\"user\":\"Alice\"}}", a, &id,
			  &e) == 0);
	test_assert(id.type == MXG_LOGIN_ID_USER);
	test_assert_streq(id.user, "alice");
	test_assert(parse("{\"identifier\":{\"type\":\"m.id.user\","
			  "\"user\":\"@Alice:Example.org\"}}", a, &id, &e) == 0);
	test_assert_streq(id.user, "@alice:example.org");
	test_assert(parse("{\"identifier\":{\"type\":\"m.id.thirdparty\",\"medium\":\"email\","
			  "\"address\":\"Alice@Example.ORG\"}}", a, &id, &e) == 0);
	test_assert(id.type == MXG_LOGIN_ID_THIRDPARTY);
	test_assert_streq(id.medium, "email");
	test_assert_streq(id.address, "alice@example.org");
	test_assert(parse("{\"identifier\":{\"type\":\"m.id.phone\",\"country\":\"GB\","
			  "\"phone\":\"07700 900123\"}}", a, &id, &e) == 0);
	test_assert(id.type == MXG_LOGIN_ID_PHONE);
	test_assert_streq(id.medium, "msisdn");
	test_assert_streq(id.address, "447700900123");
	test_assert(parse("{\"user\":\"Bob\"}", a, &id, &e) == 0);
	test_assert(id.type == MXG_LOGIN_ID_USER);
	test_assert_streq(id.user, "bob");
	test_assert(parse("{\"medium\":\"msisdn\",\"address\":\"+44 7700 900123\"}", a, &id,
			  &e) == 0);
	test_assert(id.type == MXG_LOGIN_ID_THIRDPARTY);
	test_assert_streq(id.address, "447700900123");
	/* identifier wins over the deprecated fields */
	test_assert(parse("{\"identifier\":{\"type\":\"m.id.user\",\"user\":\"carol\"},"
			  "\"user\":\"dave\"}", a, &id, &e) == 0);
	test_assert_streq(id.user, "carol");
	test_end();
	mxg_arena_destroy(&a);
}

static void test_refusals(void)
{
	static const struct {
		const char *body, *errcode;
	} cases[] = {
		{ "{}", "M_MISSING_PARAM" },
		{ "{\"identifier\":null}", "M_MISSING_PARAM" },
		{ "{\"identifier\":\"alice\"}", "M_BAD_JSON" },
		{ "{\"identifier\":{\"user\":\"alice\"}}", "M_MISSING_PARAM" },
		{ "{\"identifier\":{\"type\":7}}", "M_INVALID_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.nope\"}}", "M_UNKNOWN" },
		{ "{\"identifier\":{\"type\":\"m.id.user\"}}", "M_MISSING_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.user\",\"user\":\"\"}}", "M_INVALID_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.user\",\"user\":[]}}", "M_INVALID_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.thirdparty\",\"medium\":\"email\"}}",
		  "M_MISSING_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.thirdparty\",\"medium\":\"fax\","
		  "\"address\":\"1\"}}", "M_INVALID_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.thirdparty\",\"medium\":\"email\","
		  "\"address\":\"nobody\"}}", "M_INVALID_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.phone\",\"phone\":\"07700900123\"}}",
		  "M_MISSING_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.phone\",\"country\":\"ZZ\","
		  "\"phone\":\"07700900123\"}}", "M_INVALID_PARAM" },
		{ "{\"identifier\":{\"type\":\"m.id.phone\",\"country\":\"GB\","
		  "\"phone\":\"call me\"}}", "M_INVALID_PARAM" },
		{ "{\"user\":5}", "M_INVALID_PARAM" },
		{ "{\"medium\":\"email\"}", "M_MISSING_PARAM" },
	};
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_login_ident_error e;
	struct mxg_login_ident id;

	test_begin("malformed identifiers: the right 400");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_assert_idx(parse(cases[i].body, a, &id, &e) == -1, i);
		test_assert_idx(e.errcode != NULL && strcmp(e.errcode, cases[i].errcode) == 0, i);
		test_assert_idx(e.message != NULL && e.message[0] != '\0', i);
	}
	test_end();
	mxg_arena_destroy(&a);
}

int main(void)
{
	test_shapes();
	test_refusals();
	return test_done("test-login-identifier");
}
