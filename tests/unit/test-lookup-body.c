/*
 * test-lookup-body.c: the tree-less lookup body scanner.  It may decline
 * anything (the jansson path then answers), but what it accepts must be
 * valid JSON read exactly as jansson reads it: every accepted case here is
 * cross-checked against jansson.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "identity/lookup-body.h"
#include "test.h"

static const struct {
	const char *body;
	int accept;
} cases[] = {
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\",\"b\"]}", 1 },
	{ " {\n \"addresses\" : [ \"a\" ] ,\t\"pepper\":\"p\" , \"algorithm\" : \"none\" }\r\n", 1 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[]}", 1 },
	{ "{\"algorithm\":\"none\",\"pepper\":\"\",\"addresses\":[\"alice@example.org email\"]}", 1 },
	/* declined: left to the general path */
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\"}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\"],\"x\":1}", 0 },
	{ "{\"algorithm\":\"sha256\",\"algorithm\":\"none\",\"pepper\":\"p\",\"addresses\":[]}", 0 },
	{ "{\"algorithm\":\"sha\\u0032\",\"pepper\":\"p\",\"addresses\":[]}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\\\"\",\"addresses\":[]}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\xc3\xa9\",\"addresses\":[]}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\",]}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\"]}x", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\"]", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\"],}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[1]}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":\"a\"}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\"] }{}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"a\tb\"]}", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"1\",\"2\",\"3\",\"4\",\"5\"]}", 0 },
	{ "[\"algorithm\"]", 0 },
	{ "", 0 },
	{ "{\"algorithm\":\"sha256\",\"pepper\":\"p\",\"addresses\":[\"unterminated]}", 0 },
};

int main(void)
{
	test_begin("lookup body: accept the plain shape, decline the rest");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mxg_arena *arena = mxg_arena_create(256);
		struct mxg_lookup_body lb;
		const char *b = cases[i].body;
		int got = mxg_lookup_body_scan(b, strlen(b), 4, arena, &lb) == 0;

		test_assert_idx(got == cases[i].accept, i);
		if (got) {
			/* What we accept, jansson reads the same way. */
			json_t *j = json_loadb(b, strlen(b), JSON_REJECT_DUPLICATES, NULL);
			json_t *a = json_object_get(j, "addresses");

			test_assert_idx(j != NULL, i);
			test_assert_idx(strcmp(lb.algorithm,
					       json_string_value(json_object_get(j, "algorithm"))) == 0, i);
			test_assert_idx(strcmp(lb.pepper,
					       json_string_value(json_object_get(j, "pepper"))) == 0, i);
			test_assert_idx(lb.count == json_array_size(a), i);
			for (size_t k = 0; k < lb.count; k++)
				test_assert_idx(strcmp(lb.addresses[k],
						       json_string_value(json_array_get(a, k))) == 0, i);
			json_decref(j);
		}
		mxg_arena_destroy(&arena);
	}
	test_end();

	test_begin("lookup body: a NUL byte inside is declined");
	{
		static const char b[] = "{\"algorithm\":\"sha256\",\"pepper\":\"p\0q\",\"addresses\":[]}";
		struct mxg_arena *arena = mxg_arena_create(256);
		struct mxg_lookup_body lb;

		test_assert(mxg_lookup_body_scan(b, sizeof(b) - 1, 4, arena, &lb) < 0);
		mxg_arena_destroy(&arena);
	}
	test_end();
	return test_done("test-lookup-body");
}
