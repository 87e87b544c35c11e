/*
 * test-threepid.c: canonical forms of e-mail addresses and phone numbers.
 */
#include "config.h"

#include "core/arena.h"
#include "core/threepid.h"
#include "test.h"

static const struct {
	const char *medium, *in, *want;	/* want NULL: invalid */
} cases[] = {
	{ "email", "alice@example.org", "alice@example.org" },
	{ "email", "  Alice@Example.ORG\n", "alice@example.org" },
	{ "email", "BOB.smith+tag@Sub.Example.com", "bob.smith+tag@sub.example.com" },
	{ "email", "strau\xc3\x9f@example.com", "strau\xc3\x9f@example.com" },
	{ "email", "no-at-sign", NULL },
	{ "email", "@example.org", NULL },
	{ "email", "alice@", NULL },
	{ "email", "a@b@c", NULL },
	{ "email", "al ice@example.org", NULL },
	{ "email", "alice@exa\tmple.org", NULL },
	{ "email", "", NULL },
	{ "msisdn", "+44 7700 900123", "447700900123" },
	{ "msisdn", "1 (800) 555-2067", "18005552067" },
	{ "msisdn", "18005552067", "18005552067" },
	{ "msisdn", "+49.30.1234567", "49301234567" },
	{ "msisdn", "123", NULL },
	{ "msisdn", "1234567890123456", NULL },
	{ "msisdn", "0123456789", NULL },
	{ "msisdn", "+44 7700 9001x3", NULL },
	{ "fax", "12345678", NULL },
};

int main(void)
{
	struct mxg_arena *arena = mxg_arena_create(1024);

	test_begin("canonical 3PIDs");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mxg_3pid_canonicalize(arena, cases[i].medium, cases[i].in);
		if (cases[i].want == NULL)
			test_assert_idx(got == NULL, i);
		else
			test_assert_idx(got != NULL && strcmp(got, cases[i].want) == 0, i);
	}
	test_end();

	test_begin("media");
	test_assert(mxg_3pid_medium_valid("email"));
	test_assert(mxg_3pid_medium_valid("msisdn"));
	test_assert(!mxg_3pid_medium_valid("Email"));
	test_assert(!mxg_3pid_medium_valid(NULL));
	test_end();

	mxg_arena_destroy(&arena);
	return test_done("test-threepid");
}
