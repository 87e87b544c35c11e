/*
 * test-core.c: the small core pieces: arena allocation and lifetimes, error
 * messages with prefixes and truncation, and log lines (levels, escaping of
 * control characters, reopen after the file moved).
 */
#include "config.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "core/sort.h"
#include "test.h"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_arena(void)
{
	struct mxg_arena *a = mxg_arena_create(0);
	char *s1, *s2, *big;
	void *p;

	test_begin("arena: aligned blocks, packed strings, zeroed memory");
	p = mxg_arena_alloc(a, 3);
	test_assert(((uintptr_t)p % alignof(max_align_t)) == 0);
	p = mxg_arena_alloc(a, 24);
	test_assert(((uintptr_t)p % alignof(max_align_t)) == 0);
	test_assert(((unsigned char *)p)[0] == 0 && ((unsigned char *)p)[23] == 0);
	s1 = mxg_arena_strdup(a, "ab");
	s2 = mxg_arena_strdup(a, "cd");
	test_assert(s2 == s1 + 3);
	test_assert_streq(s1, "ab");
	test_assert(mxg_arena_strdup(a, NULL) == NULL);
	test_assert_streq(mxg_arena_strndup(a, "hello", 4), "hell");
	test_assert_streq(mxg_arena_printf(a, "%s-%d", "x", 42), "x-42");
	test_end();

	test_begin("arena: large and many allocations");
	big = mxg_arena_alloc(a, 1 << 20);
	memset(big, 'x', 1 << 20);
	for (int i = 0; i < 10000; i++)
		test_assert(mxg_arena_printf(a, "%d", i) != NULL);
	test_assert(mxg_arena_used(a) >= (1 << 20) + 10000);
	test_assert_streq(s1, "ab");
	mxg_arena_destroy(&a);
	test_assert(a == NULL);
	mxg_arena_destroy(&a);
	test_end();
}

static void test_buf(void)
{
	struct mxg_buf b = MXG_BUF_INIT;

	test_begin("buf: appends, JSON string escaping, URL encoding");
	mxg_buf_append_str(&b, "{");
	mxg_buf_append_json_string(&b, "plain");
	mxg_buf_append_str(&b, ":");
	mxg_buf_append_json_string(&b, "q\"b\\s\n\x01\x1f caf\xc3\xa9");
	mxg_buf_append_str(&b, "}");
	test_assert_streq(b.data, "{\"plain\":\"q\\\"b\\\\s\\u000a\\u0001\\u001f caf\xc3\xa9\"}");
	test_assert(b.len == strlen(b.data));
	mxg_buf_free(&b);
	mxg_buf_append_urlenc(&b, "a b&c=d/\xc3\xa9~._-Z9");
	test_assert_streq(b.data, "a%20b%26c%3Dd%2F%C3%A9~._-Z9");
	for (int i = 0; i < 1000; i++)
		mxg_buf_append(&b, "0123456789", 10);
	test_assert(b.len > 10000 && b.data[b.len] == '\0');
	mxg_buf_free(&b);
	test_assert(b.data == NULL && b.len == 0);
	test_end();
}

static int int_cmp(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int str_cmp(const void *a, const void *b, void *ctx)
{
	(*(int *)ctx)++;
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_sort(void)
{
	static int v[5001];
	char *words[] = { "pear", "apple", "fig", "apple", "kiwi", "banana" };
	int sorted = 1, calls = 0;

	test_begin("sort: in place, any size, duplicates");
	srand(7);
	for (size_t i = 0; i < 5001; i++)
		v[i] = rand() % 1000 - 500;
	mxg_sort(v, 5001, sizeof(int), int_cmp, NULL);
	for (size_t i = 1; i < 5001; i++)
		sorted &= v[i - 1] <= v[i];
	test_assert(sorted);
	mxg_sort(words, 6, sizeof(char *), str_cmp, &calls);
	test_assert(calls > 0);
	test_assert(strcmp(words[0], "apple") == 0 && strcmp(words[1], "apple") == 0 &&
		    strcmp(words[5], "pear") == 0);
	mxg_sort(v, 0, sizeof(int), int_cmp, NULL);
	mxg_sort(v, 1, sizeof(int), int_cmp, NULL);
	test_assert(v[0] <= v[1]);
	test_end();
}

static void test_error(void)
{
	struct mxg_error err;
	char longtext[400];

	test_begin("error: set, prefix, truncation, NULL-safe");
	test_assert(mxg_error_set(&err, 5, "bad %s", "thing") == -1);
	test_assert(err.code == 5);
	test_assert_streq(err.msg, "bad thing");
	mxg_error_prefix(&err, "store '%s': ", "ldap");
	test_assert_streq(err.msg, "store 'ldap': bad thing");
	mxg_error_set(&err, 0, "code 0 still marks an error");
	test_assert(err.code != 0);
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	mxg_error_set(&err, 1, "%s", longtext);
	test_assert(strlen(err.msg) == MXG_ERROR_MSG_MAX - 1);
	mxg_error_prefix(&err, "p: ");
	test_assert(strncmp(err.msg, "p: aaa", 6) == 0 && strlen(err.msg) == MXG_ERROR_MSG_MAX - 1);
	test_assert(mxg_error_set(NULL, 1, "ignored") == -1);
	mxg_error_clear(&err);
	test_assert(err.code == 0 && err.msg[0] == '\0');
	test_end();
}

static void test_log(void)
{
	char path[] = "/tmp/mxgate-test-log-XXXXXX", moved[64];
	int fd = mkstemp(path);
	enum mxg_log_level lvl;
	char *text;

	if (fd >= 0)
		close(fd);
	test_begin("log: levels parse");
	test_assert(mxg_log_level_parse("warning", &lvl) == 0 && lvl == MXG_LOG_WARNING);
	test_assert(mxg_log_level_parse("loud", &lvl) < 0);
	test_end();

	test_begin("log: lines carry level, request id, context; control characters escaped");
	test_assert(mxg_log_open(path, MXG_LOG_INFO) == 0);
	mxg_debug("hidden debug line");
	mxg_log_set_request("req123");
	mxg_log_set_context("ldap");
	mxg_info("user %s failed", "eve\nFAKE crit line\x1b[31m");
	mxg_log_set_request(NULL);
	mxg_log_set_context(NULL);
	mxg_log_errno(MXG_LOG_ERROR, 2, "open %s", "/x");
	text = read_all(path);
	test_assert(text != NULL);
	test_assert(text != NULL && strstr(text, "hidden debug") == NULL);
	test_assert(text != NULL && strstr(text, " info [req123] ldap: user eve\\x0aFAKE crit line\\x1b[31m failed\n") != NULL);
	test_assert(text != NULL && strstr(text, "error [-] mxgate: open /x: No such file or directory\n") != NULL);
	test_end();

	test_begin("log: reopen writes to a new file after the old one moved");
	snprintf(moved, sizeof(moved), "%s.1", path);
	test_assert(rename(path, moved) == 0);
	test_assert(mxg_log_reopen() == 0);
	mxg_warning("after reopen");
	text = read_all(path);
	test_assert(text != NULL && strstr(text, "after reopen") != NULL);
	text = read_all(moved);
	test_assert(text != NULL && strstr(text, "after reopen") == NULL);
	mxg_log_close();
	unlink(path);
	unlink(moved);
	test_end();
}

int main(void)
{
	test_arena();
	test_buf();
	test_sort();
	test_error();
	test_log();
	return test_done("test-core");
}
