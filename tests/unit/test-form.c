/*
 * test-form.c: application/x-www-form-urlencoded parsing: '+' and percent
 * escapes, empty values and fields, a name given twice, and the refusals
 * (a bad escape, a NUL, a field without '=').
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "http/form.h"
#include "test.h"

static void test_parse(void)
{
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_form f;
	const char text[] = "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fa.example"
			    "%2Fcb%3Fx%3D1&scope=openid+urn%3Amatrix%3Aclient%3Aapi%3A*&state=&&x";

	test_begin("fields decoded ('+' and %XX), an empty value, an empty field skipped");
	/* Without the trailing "x" (no '='), which alone makes it invalid. */
	test_assert(mxg_form_parse(a, text, strlen(text) - 1, &f) == 0);
	test_assert(f.count == 4 && f.repeated == NULL);
	test_assert_streq(mxg_form_get(&f, "grant_type"), "authorization_code");
	test_assert_streq(mxg_form_get(&f, "redirect_uri"), "https://a.example/cb?x=1");
	test_assert_streq(mxg_form_get(&f, "scope"), "openid urn:matrix:client:api:*");
	test_assert_streq(mxg_form_get(&f, "state"), "");
	test_assert(mxg_form_param(&f, "state") == NULL);
	test_assert(mxg_form_get(&f, "nonce") == NULL);
	test_assert(mxg_form_parse(a, "", 0, &f) == 0 && f.count == 0);
	test_end();
	mxg_arena_destroy(&a);
}

static void test_refusals(void)
{
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_form f;
	const char nul[] = "a=b\0c";

	test_begin("repeated names noted; bad escapes, NULs and '='-less fields refused");
	test_assert(mxg_form_parse(a, "a=1&b=2&a=3", 11, &f) == 0);
	test_assert(f.repeated != NULL && strcmp(f.repeated, "a") == 0);
	test_assert_streq(mxg_form_get(&f, "a"), "1");
	test_assert(mxg_form_parse(a, "a=%zz", 5, &f) == -1);
	test_assert(mxg_form_parse(a, "a=%4", 4, &f) == -1);
	test_assert(mxg_form_parse(a, "a=%", 3, &f) == -1);
	test_assert(mxg_form_parse(a, "a=%00", 5, &f) == -1);
	test_assert(mxg_form_parse(a, nul, sizeof(nul) - 1, &f) == -1);
	test_assert(mxg_form_parse(a, "abc", 3, &f) == -1);
	test_assert(mxg_form_parse(a, "=x", 2, &f) == 0 && f.count == 1);
	test_assert(mxg_url_decode(a, "a%20b+c", 7, false) != NULL &&
		    strcmp(mxg_url_decode(a, "a%20b+c", 7, false), "a b+c") == 0);
	test_end();
	mxg_arena_destroy(&a);
}

int main(void)
{
	test_parse();
	test_refusals();
	return test_done("test-form");
}
