/*
 * test.h: the unit-test runner, a header only.
 *
 * A test program groups checks into cases:
 *
 *	test_begin("base64 url-safe");
 *	test_assert(strcmp(out, "AQID") == 0);
 *	test_end();
 *
 * A case passes when every check in it holds; a case with no check at all
 * fails (a test that asserts nothing proves nothing).  test_done() prints
 * "<program>: N passed, N failed" and returns the exit status for main().
 * test_skip() marks a case skipped (e.g. PostgreSQL not configured); skips
 * are counted separately and never pass silently.
 */
#ifndef MXG_TEST_H
#define MXG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed, test_skipped;
static int test_case_checks, test_case_failed, test_case_open;
static const char *test_case_name;

static inline void test_begin(const char *name)
{
	test_case_name = name;
	test_case_checks = 0;
	test_case_failed = 0;
	test_case_open = 1;
}

static inline void test_assert_at(int ok, const char *expr, const char *file, int line)
{
	test_case_checks++;
	if (!ok) {
		test_case_failed++;
		fprintf(stderr, "  FAIL %s:%d [%s]: %s\n", file, line,
			test_case_name != NULL ? test_case_name : "?", expr);
	}
}

#define test_assert(expr) test_assert_at(!!(expr), #expr, __FILE__, __LINE__)
/* With an index, for table-driven cases. */
#define test_assert_idx(expr, idx) do { \
		char test_msg_[512]; \
		snprintf(test_msg_, sizeof(test_msg_), "%s (case %d)", #expr, (int)(idx)); \
		test_assert_at(!!(expr), test_msg_, __FILE__, __LINE__); \
	} while (0)
#define test_assert_streq(a, b) do { \
		const char *test_a_ = (a), *test_b_ = (b); \
		int test_ok_ = test_a_ != NULL && test_b_ != NULL && strcmp(test_a_, test_b_) == 0; \
		if (!test_ok_) \
			fprintf(stderr, "  got \"%s\", want \"%s\"\n", \
				test_a_ ? test_a_ : "(null)", test_b_ ? test_b_ : "(null)"); \
		test_assert_at(test_ok_, #a " == " #b, __FILE__, __LINE__); \
	} while (0)

static inline void test_end(void)
{
	if (!test_case_open)
		return;
	test_case_open = 0;
	if (test_case_checks == 0) {
		fprintf(stderr, "  FAIL [%s]: the case checked nothing\n", test_case_name);
		test_case_failed = 1;
	}
	if (test_case_failed == 0) {
		test_passed++;
		fprintf(stderr, "ok   %s\n", test_case_name);
	} else {
		test_failed++;
		fprintf(stderr, "FAIL %s\n", test_case_name);
	}
}

static inline void test_skip(const char *name, const char *why)
{
	test_skipped++;
	fprintf(stderr, "skip %s: %s\n", name, why);
}

/* Prints the totals and returns main()'s exit status (automake: 0 pass, 1 fail). */
static inline int test_done(const char *program)
{
	if (test_skipped > 0)
		printf("%s: %d passed, %d failed, %d skipped\n", program, test_passed,
		       test_failed, test_skipped);
	else
		printf("%s: %d passed, %d failed\n", program, test_passed, test_failed);
	/* Flush now: a sanitizer's report at exit must not swallow the tally. */
	fflush(stdout);
	return test_failed == 0 ? 0 : 1;
}

#endif
