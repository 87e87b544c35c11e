/*
 * test-store-util.c: the canonical forms every store driver shares (login
 * names, user IDs, phone numbers, search terms).
 */
#include "config.h"

#include <stddef.h>

#include "core/arena.h"
#include "stores/store.h"
#include "stores/util.h"
#include "test.h"

static const struct mxg_store_env env = { .server_name = "example.org" };

static void test_localpart(void)
{
	static const struct {
		const char *user;
		bool lower;
		const char *want;	/* NULL: not ours */
	} cases[] = {
		{ "alice", false, "alice" },
		{ "Alice", true, "alice" },
		{ "Alice", false, "Alice" },
		{ "@alice:example.org", false, "alice" },
		{ "@JDoe:example.org", true, "jdoe" },
		{ "@alice:example.org.evil", false, NULL },
		{ "@alice:elsewhere.org", false, NULL },
		{ "@:example.org", false, NULL },
		{ "@alice", false, NULL },
		{ "al:ice", false, NULL },
		{ "", false, NULL },
	};
	struct mxg_arena *arena = mxg_arena_create(256);

	test_begin("localpart of a login name: ours only, lower-cased when asked");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mxg_store_localpart(arena, &env, cases[i].user, cases[i].lower);

		if (cases[i].want == NULL)
			test_assert(got == NULL);
		else
			test_assert_streq(got, cases[i].want);
	}
	test_assert(mxg_store_localpart(arena, &env, NULL, false) == NULL);
	test_end();
	mxg_arena_destroy(&arena);
}

static void test_user_id(void)
{
	static const struct {
		const char *value;
		bool is_mxid, lower;
		const char *want;
	} cases[] = {
		{ "alice", false, false, "@alice:example.org" },
		{ "JDoe", false, true, "@jdoe:example.org" },
		{ "@bob:other.org", true, false, "@bob:other.org" },
		{ "bob", true, false, NULL },		/* not a Matrix ID */
		{ "@bob", true, false, NULL },
		{ "@bob:", true, false, NULL },
		{ "a b", false, false, NULL },		/* whitespace */
		{ "a:b", false, false, NULL },
		{ "a\nb", false, false, NULL },
		{ "", false, false, NULL },
	};
	struct mxg_arena *arena = mxg_arena_create(256);

	test_begin("user ID from a back-end value");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mxg_store_user_id(arena, &env, cases[i].value, cases[i].is_mxid,
						    cases[i].lower);

		if (cases[i].want == NULL)
			test_assert(got == NULL);
		else
			test_assert_streq(got, cases[i].want);
	}
	test_end();
	mxg_arena_destroy(&arena);
}

static void test_phone(void)
{
	static const struct {
		const char *region, *phone, *want;
	} cases[] = {
		{ NULL, "+44 7700 900123", "447700900123" },
		{ "GB", "07700 900123", "447700900123" },
		{ "gb", "(07700) 900-123", "447700900123" },
		{ "FR", "06 12 34 56 78", "33612345678" },
		{ NULL, "07700 900123", NULL },		/* national, no region */
		{ "", "07700 900123", NULL },
		{ "GB", "not a number", NULL },
		{ "GB", "", NULL },
	};
	struct mxg_arena *arena = mxg_arena_create(256);

	test_begin("phone numbers to E.164 digits, with a default region");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mxg_store_phone_e164(arena, cases[i].region, cases[i].phone);

		if (cases[i].want == NULL)
			test_assert(got == NULL);
		else
			test_assert_streq(got, cases[i].want);
	}
	test_assert(mxg_store_phone_e164(arena, "GB", NULL) == NULL);
	test_end();
	mxg_arena_destroy(&arena);
}

static void test_term(void)
{
	test_begin("search terms: at least two characters, UTF-8 counted as characters");
	test_assert(!mxg_store_term_ok(NULL));
	test_assert(!mxg_store_term_ok(""));
	test_assert(!mxg_store_term_ok("a"));
	test_assert(!mxg_store_term_ok("  a  "));
	test_assert(!mxg_store_term_ok("\xc3\xab"));	/* "ë": one character, two bytes */
	test_assert(mxg_store_term_ok("ab"));
	test_assert(mxg_store_term_ok("\xc3\xab\xc3\xab"));
	test_assert(mxg_store_term_ok(" a b "));
	test_end();
}

int main(void)
{
	test_localpart();
	test_user_id();
	test_phone();
	test_term();
	return test_done("test-store-util");
}
