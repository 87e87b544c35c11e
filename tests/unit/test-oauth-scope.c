/*
 * test-oauth-scope.c: scope checking (known, allowed to the client, one
 * device, user scopes only with a user, RFC 6749 characters), the
 * normalised form, device extraction and the both-forms rewrite that
 * introspection reports.
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "oauth/clients.h"
#include "oauth/scope.h"
#include "test.h"

static void test_check(void)
{
	struct mxg_arena *a = mxg_arena_create(4096);
	struct mxg_oauth_client any = { .client_id = "any" };
	const char *limited_scopes[] = { "openid", "urn:matrix:client:*" };
	struct mxg_oauth_client limited = { .client_id = "lim", .scopes = limited_scopes,
					    .nscopes = 2 };
	const char *why = NULL, *s;

	test_begin("scope check: normalised, sorted, once each; refusals say why");
	s = mxg_oauth_scope_check(a, &any, " urn:matrix:client:api:* openid "
				  "urn:matrix:client:device:ABCDEFGHIJ openid", true, &why);
	test_assert_streq(s, "openid urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ");
	test_assert_streq(mxg_oauth_scope_check(a, &any, NULL, true, &why), "");
	test_assert(mxg_oauth_scope_check(a, &any, "openid nuclear", true, &why) == NULL &&
		    strstr(why, "nuclear") != NULL);
	test_assert(mxg_oauth_scope_check(a, &any, "urn:synapse:admin:*", true, &why) == NULL);
	test_assert(mxg_oauth_scope_check(a, &any, "urn:matrix:client:device:A "
					  "urn:matrix:client:device:B", true, &why) == NULL);
	test_assert(mxg_oauth_scope_check(a, &any, "urn:matrix:client:device:a/b", true,
					  &why) == NULL);
	test_assert(mxg_oauth_scope_check(a, &any, "urn:matrix:client:device:", true,
					  &why) == NULL);
	test_assert(mxg_oauth_scope_check(a, &any, "openid", false, &why) == NULL &&
		    strstr(why, "user") != NULL);
	test_assert(mxg_oauth_scope_check(a, &any, "email\"", true, &why) == NULL);
	test_assert(mxg_oauth_scope_check(a, &limited, "openid urn:matrix:client:api:*", true,
					  &why) != NULL);
	test_assert(mxg_oauth_scope_check(a, &limited, "email", true, &why) == NULL &&
		    strstr(why, "not allowed") != NULL);
	test_end();
	mxg_arena_destroy(&a);
}

static void test_forms(void)
{
	struct mxg_arena *a = mxg_arena_create(4096);
	const char *s = "openid urn:matrix:client:api:* urn:matrix:client:device:DEV123";

	test_begin("device extraction; both forms of the Matrix scopes for introspection");
	test_assert_streq(mxg_oauth_scope_device(a, s), "DEV123");
	test_assert_streq(mxg_oauth_scope_device(a, "urn:matrix:org.matrix.msc2967.client:"
						 "device:XY"), "XY");
	test_assert(mxg_oauth_scope_device(a, "openid") == NULL);
	test_assert_streq(mxg_oauth_scope_both_forms(a, s),
			  "openid urn:matrix:client:api:* urn:matrix:client:device:DEV123 "
			  "urn:matrix:org.matrix.msc2967.client:api:* "
			  "urn:matrix:org.matrix.msc2967.client:device:DEV123");
	test_assert_streq(mxg_oauth_scope_both_forms(a, "openid"), "openid");
	test_assert(mxg_oauth_scope_has(s, "openid") && !mxg_oauth_scope_has(s, "open") &&
		    !mxg_oauth_scope_has(s, "urn:matrix:client:device:DEV"));
	test_end();
	mxg_arena_destroy(&a);
}

int main(void)
{
	test_check();
	test_forms();
	return test_done("test-oauth-scope");
}
