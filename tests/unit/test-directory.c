/*
 * test-directory.c: merging the homeserver's directory results with the
 * stores' people: order (homeserver first), one entry per user ID (the
 * homeserver's wins), the limit, and when `limited` is set.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "matrix/directory.h"
#include "test.h"

static const struct mxg_person people[] = {
	{ .user_id = "@carol:example.org", .display_name = "Carol Store" },
	{ .user_id = "@alice:example.org", .display_name = "Alice Store" },
	{ .user_id = "@dave:example.org", .avatar_url = "mxc://example.org/dave" },
};

static const char *id_at(const json_t *answer, size_t i)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(answer, "results"),
								  i), "user_id"));
}

static size_t count(const json_t *answer)
{
	return json_array_size(json_object_get(answer, "results"));
}

static void test_merge(void)
{
	json_t *hs = json_loads("{\"limited\":false,\"results\":["
				"{\"user_id\":\"@alice:example.org\",\"display_name\":\"Alice\"},"
				"{\"user_id\":\"@bob:example.org\"},"
				"{\"user_id\":\"@bob:example.org\"},"
				"\"junk\", {\"no_id\":1}]}", 0, NULL);
	json_t *a;

	test_begin("merge: homeserver first, one entry per user, the homeserver's wins");
	a = mxg_directory_merge(hs, people, 3, false, 10);
	test_assert(count(a) == 4);
	test_assert_streq(id_at(a, 0), "@alice:example.org");
	test_assert_streq(id_at(a, 1), "@bob:example.org");
	test_assert_streq(id_at(a, 2), "@carol:example.org");
	test_assert_streq(id_at(a, 3), "@dave:example.org");
	test_assert_streq(json_string_value(json_object_get(json_array_get(
		json_object_get(a, "results"), 0), "display_name")), "Alice");
	test_assert_streq(json_string_value(json_object_get(json_array_get(
		json_object_get(a, "results"), 2), "display_name")), "Carol Store");
	test_assert_streq(json_string_value(json_object_get(json_array_get(
		json_object_get(a, "results"), 3), "avatar_url")), "mxc://example.org/dave");
	test_assert(json_object_get(json_array_get(json_object_get(a, "results"), 3),
				    "display_name") == NULL);
	test_assert(json_is_false(json_object_get(a, "limited")));
	json_decref(a);
	test_end();

	test_begin("merge: the limit, and limited when anything is left out");
	a = mxg_directory_merge(hs, people, 3, false, 3);
	test_assert(count(a) == 3);
	test_assert_streq(id_at(a, 2), "@carol:example.org");
	test_assert(json_is_true(json_object_get(a, "limited")));
	json_decref(a);
	a = mxg_directory_merge(hs, people, 3, false, 1);
	test_assert(count(a) == 1 && json_is_true(json_object_get(a, "limited")));
	json_decref(a);
	a = mxg_directory_merge(hs, people, 3, false, 0);
	test_assert(count(a) == 0 && json_is_true(json_object_get(a, "limited")));
	json_decref(a);
	/* exactly enough room: nothing left out */
	a = mxg_directory_merge(hs, people, 3, false, 4);
	test_assert(count(a) == 4 && json_is_false(json_object_get(a, "limited")));
	json_decref(a);
	/* either side limited */
	a = mxg_directory_merge(hs, people, 3, true, 10);
	test_assert(json_is_true(json_object_get(a, "limited")));
	json_decref(a);
	json_object_set_new(hs, "limited", json_true());
	a = mxg_directory_merge(hs, NULL, 0, false, 10);
	test_assert(count(a) == 2 && json_is_true(json_object_get(a, "limited")));
	json_decref(a);
	test_end();
	json_decref(hs);

	test_begin("merge: no homeserver results, or a malformed list");
	hs = json_loads("{\"results\":[]}", 0, NULL);
	a = mxg_directory_merge(hs, people, 3, false, 10);
	test_assert(count(a) == 3 && json_is_false(json_object_get(a, "limited")));
	json_decref(a);
	json_decref(hs);
	hs = json_loads("{\"results\":{}}", 0, NULL);
	a = mxg_directory_merge(hs, people, 1, false, 10);
	test_assert(count(a) == 1);
	json_decref(a);
	json_decref(hs);
	test_end();
}

int main(void)
{
	test_merge();
	return test_done("test-directory");
}
