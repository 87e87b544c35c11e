/*
 * test-ratelimit.c: token-bucket arithmetic on an injected clock, eviction of
 * refilled and least recently used buckets, configuration bounds, and the
 * X-Forwarded-For client address table.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include "core/ratelimit.h"
#include "test.h"

static long long fake_now;

static long long fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void test_bucket_math(void)
{
	struct mxg_ratelimit *rl = mxg_ratelimit_create(1000, fake_clock, NULL);
	long long w;

	test_begin("burst, then one token per 1/rate, retry time rounded up");
	fake_now = 1000000;
	test_assert(mxg_ratelimit_configure(rl, "lookup", 2.0, 3) == 0);
	for (int i = 0; i < 3; i++)
		test_assert_idx(mxg_ratelimit_take(rl, "lookup", "1.2.3.4") == 0, i);
	test_assert(mxg_ratelimit_take(rl, "lookup", "1.2.3.4") == 500);
	fake_now += 499;
	w = mxg_ratelimit_take(rl, "lookup", "1.2.3.4");
	test_assert(w == 1);
	fake_now += 1;
	test_assert(mxg_ratelimit_take(rl, "lookup", "1.2.3.4") == 0);
	test_assert(mxg_ratelimit_take(rl, "lookup", "1.2.3.4") == 500);
	/* Another key has its own bucket. */
	test_assert(mxg_ratelimit_take(rl, "lookup", "5.6.7.8") == 0);
	/* A long pause refills up to the burst, not beyond. */
	fake_now += 3600 * 1000;
	for (int i = 0; i < 3; i++)
		test_assert_idx(mxg_ratelimit_take(rl, "lookup", "1.2.3.4") == 0, i);
	test_assert(mxg_ratelimit_take(rl, "lookup", "1.2.3.4") > 0);
	test_end();

	test_begin("slow rates: 0.2/s waits 5 s; a clock stepping back mints nothing");
	test_assert(mxg_ratelimit_configure(rl, "request_token", 0.2, 1) == 0);
	test_assert(mxg_ratelimit_take(rl, "request_token", "k") == 0);
	test_assert(mxg_ratelimit_take(rl, "request_token", "k") == 5000);
	fake_now -= 10000;
	test_assert(mxg_ratelimit_take(rl, "request_token", "k") >= 5000);
	fake_now += 10000;
	test_assert(mxg_ratelimit_take(rl, "request_token", "k") > 0);
	/* Actions keep separate buckets for the same key. */
	test_assert(mxg_ratelimit_take(rl, "lookup", "k") == 0);
	test_end();

	test_begin("rate 0 and unknown actions are unlimited");
	test_assert(mxg_ratelimit_configure(rl, "register", 0, 1) == 0);
	test_assert(!mxg_ratelimit_enabled(rl, "register"));
	test_assert(mxg_ratelimit_enabled(rl, "lookup"));
	for (int i = 0; i < 1000; i++)
		if (mxg_ratelimit_take(rl, "register", "x") != 0 ||
		    mxg_ratelimit_take(rl, "nonesuch", "x") != 0)
			test_assert_idx(0, i);
	test_assert(mxg_ratelimit_take(rl, "register", "x") == 0);
	test_end();

	test_begin("configure refuses bad values");
	test_assert(mxg_ratelimit_configure(rl, "a", -1, 1) < 0);
	test_assert(mxg_ratelimit_configure(rl, "a", 1, 0.5) < 0);
	test_assert(mxg_ratelimit_configure(rl, "a", 0.0 / 0.0, 1) < 0);
	test_assert(mxg_ratelimit_configure(rl, "0123456789012345678901234567890123456789", 1, 1) < 0);
	test_assert(mxg_ratelimit_configure(rl, "a", 1, 1) == 0);
	test_assert(mxg_ratelimit_configure(rl, "b", 1, 1) == 0);
	test_assert(mxg_ratelimit_configure(rl, "c", 1, 1) == 0);
	test_assert(mxg_ratelimit_configure(rl, "d", 1, 1) == 0);
	test_assert(mxg_ratelimit_configure(rl, "e", 1, 1) == 0);	/* 8th action */
	test_assert(mxg_ratelimit_configure(rl, "f", 1, 1) < 0);	/* 9th */
	test_assert(mxg_ratelimit_configure(rl, "a", 3, 2) == 0);	/* reconfigure */
	test_end();
	mxg_ratelimit_destroy(&rl);
	test_begin("destroy sets NULL");
	test_assert(rl == NULL);
	test_end();
}

static void test_eviction(void)
{
	struct mxg_ratelimit *rl = mxg_ratelimit_create(16 * 4, fake_clock, NULL);
	char key[32];

	test_begin("the table is capped; LRU buckets make room");
	fake_now = 0;
	test_assert(mxg_ratelimit_configure(rl, "lookup", 1, 2) == 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		(void)mxg_ratelimit_take(rl, "lookup", key);
	}
	test_assert(mxg_ratelimit_size(rl) <= 16 * 4);
	test_assert(mxg_ratelimit_size(rl) > 0);
	test_end();

	test_begin("refilled buckets are dropped as new checks come");
	/* After 2 s every bucket is full again: each check drops its stripe's
	 * oldest when it is, so 32 busy keys push out the 64 idle ones (but
	 * for stripes that none of the 32 lands in). */
	test_assert(mxg_ratelimit_size(rl) == 16 * 4);
	fake_now += 2000;
	for (int i = 0; i < 3200; i++) {
		snprintf(key, sizeof(key), "fresh-%d", i % 32);
		(void)mxg_ratelimit_take(rl, "lookup", key);
	}
	test_assert(mxg_ratelimit_size(rl) < 48);
	test_end();

	test_begin("a recently used, empty bucket survives other keys' churn");
	fake_now += 5000;
	(void)mxg_ratelimit_take(rl, "lookup", "hot");
	(void)mxg_ratelimit_take(rl, "lookup", "hot");
	test_assert(mxg_ratelimit_take(rl, "lookup", "hot") > 0);
	for (int i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "cold-%d", i);
		(void)mxg_ratelimit_take(rl, "lookup", key);
	}
	test_assert(mxg_ratelimit_take(rl, "lookup", "hot") > 0);
	test_end();
	mxg_ratelimit_destroy(&rl);
}

struct hammer {
	struct mxg_ratelimit *rl;
	int allowed;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;

	for (int i = 0; i < 20000; i++)
		if (mxg_ratelimit_take(h->rl, "lookup", i % 2 ? "a" : "b") == 0)
			h->allowed++;
	return NULL;
}

static void test_threads(void)
{
	struct hammer h[4];
	pthread_t t[4];
	int total = 0;
	struct mxg_ratelimit *rl = mxg_ratelimit_create(1000, fake_clock, NULL);

	test_begin("threads share buckets: exactly the burst passes on a frozen clock");
	fake_now = 42;
	test_assert(mxg_ratelimit_configure(rl, "lookup", 1, 100) == 0);
	for (int i = 0; i < 4; i++) {
		h[i] = (struct hammer){ .rl = rl };
		pthread_create(&t[i], NULL, hammer_thread, &h[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += h[i].allowed;
	}
	test_assert(total == 200);
	test_end();
	mxg_ratelimit_destroy(&rl);
}

static const struct {
	const char *peer, *xff, *want;
} xff_cases[] = {
	/* No trusted peer: the header is ignored. */
	{ "203.0.113.9", "198.51.100.1", "203.0.113.9" },
	{ "203.0.113.9", NULL, "203.0.113.9" },
	/* From a trusted proxy: the rightmost untrusted hop. */
	{ "10.0.0.1", "198.51.100.1", "198.51.100.1" },
	{ "10.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1" },
	{ "10.0.0.1", "6.6.6.6,198.51.100.1, 10.0.0.2", "198.51.100.1" },
	{ "10.0.0.1", " 198.51.100.1 ,10.0.0.2,10.0.0.1", "198.51.100.1" },
	{ "10.0.0.1", "2001:db8::1", "2001:db8::1" },
	{ "::ffff:10.0.0.1", "198.51.100.7", "198.51.100.7" },
	{ "10.0.0.1", "::ffff:198.51.100.8", "198.51.100.8" },
	/* Nothing untrusted: the leftmost hop. */
	{ "10.0.0.1", "10.0.0.2", "10.0.0.2" },
	/* Garbage stops the walk at the last hop we trust. */
	{ "10.0.0.1", "198.51.100.1, junk", "10.0.0.1" },
	{ "10.0.0.1", "198.51.100.1, junk, 10.0.0.2", "10.0.0.2" },
	{ "10.0.0.1", "", "10.0.0.1" },
	{ "10.0.0.1", ",", "10.0.0.1" },
	{ "10.0.0.1", "unknown", "10.0.0.1" },
	{ "10.0.0.1", "198.51.100.1:4711", "10.0.0.1" },
	{ "-", "198.51.100.1", "-" },
};

static void test_xff(void)
{
	char *items[] = { "10.0.0.1", "10.0.0.2", "::1" };
	struct mxg_conf_strlist trusted = { .items = items, .count = 3 };
	char out[64];

	test_begin("X-Forwarded-For: right to left past trusted proxies");
	for (size_t i = 0; i < sizeof(xff_cases) / sizeof(xff_cases[0]); i++) {
		mxg_ratelimit_client_ip(xff_cases[i].peer, xff_cases[i].xff, &trusted, out,
					sizeof(out));
		if (strcmp(out, xff_cases[i].want) != 0)
			fprintf(stderr, "  case %zu: got %s, want %s\n", i, out, xff_cases[i].want);
		test_assert_idx(strcmp(out, xff_cases[i].want) == 0, i);
	}
	mxg_ratelimit_client_ip("10.0.0.1", "198.51.100.1", NULL, out, sizeof(out));
	test_assert_streq(out, "10.0.0.1");
	test_end();
}

int main(void)
{
	test_bucket_math();
	test_eviction();
	test_threads();
	test_xff();
	return test_done("test-ratelimit");
}
