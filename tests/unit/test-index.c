/*
 * test-index.c: the hashed-lookup index, checked against the hashes of the
 * Matrix specification (pepper "matrixrocks") so that what a real client
 * sends finds what a store holds.
 */
#include "config.h"

#include <stdio.h>

#include "core/base64.h"
#include "core/crypto.h"
#include "identity/index.h"
#include "test.h"

static void client_hash(const char *address, const char *medium, const char *pepper,
			char out[64])
{
	unsigned char d[MXG_SHA256_LEN];
	char in[512];
	int n = snprintf(in, sizeof(in), "%s %s %s", address, medium, pepper);

	mxg_sha256(in, (size_t)n, d);
	mxg_base64_encode(d, sizeof(d), out, 64, MXG_B64_URL | MXG_B64_NOPAD);
}

int main(void)
{
	struct mxg_3pid_index *ix = mxg_3pid_index_create("matrixrocks", 0);
	char h[64];

	test_begin("spec vectors through the index");
	test_assert(mxg_3pid_index_add(ix, "email", "alice@example.com", "@alice:example.com") == 1);
	test_assert(mxg_3pid_index_add(ix, "email", "bob@example.com", "@bob:example.com") == 1);
	test_assert(mxg_3pid_index_add(ix, "msisdn", "18005552067", "@bob:example.com") == 1);
	mxg_3pid_index_seal(ix);
	test_assert_streq(mxg_3pid_index_lookup_hash(ix, "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc"),
			  "@alice:example.com");
	test_assert_streq(mxg_3pid_index_lookup_hash(ix, "LJwSazmv46n0hlMlsb_iYxI0_HXEqy_yj6Jm636cdT8"),
			  "@bob:example.com");
	test_assert_streq(mxg_3pid_index_lookup_hash(ix, "nlo35_T5fzSGZzJApqu8lgIudJvmOQtDaHtr-I4rU7I"),
			  "@bob:example.com");
	test_assert(mxg_3pid_index_size(ix) == 3);
	test_end();

	test_begin("misses and malformed hashes");
	client_hash("carol@example.com", "email", "matrixrocks", h);
	test_assert(mxg_3pid_index_lookup_hash(ix, h) == NULL);
	client_hash("alice@example.com", "email", "otherpepper", h);
	test_assert(mxg_3pid_index_lookup_hash(ix, h) == NULL);
	test_assert(mxg_3pid_index_lookup_hash(ix, "") == NULL);
	test_assert(mxg_3pid_index_lookup_hash(ix, "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZU") == NULL);
	test_assert(mxg_3pid_index_lookup_hash(ix, "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUcA") == NULL);
	test_assert(mxg_3pid_index_lookup_hash(ix, "!!!!r7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc") == NULL);
	test_end();

	test_begin("plain lookups (algorithm none)");
	test_assert_streq(mxg_3pid_index_lookup_plain(ix, "email", "alice@example.com"),
			  "@alice:example.com");
	test_assert_streq(mxg_3pid_index_lookup_plain(ix, "msisdn", "18005552067"),
			  "@bob:example.com");
	test_assert(mxg_3pid_index_lookup_plain(ix, "msisdn", "alice@example.com") == NULL);
	test_assert(mxg_3pid_index_lookup_plain(ix, "email", "carol@example.com") == NULL);
	test_end();

	test_begin("sealed index refuses additions");
	test_assert(mxg_3pid_index_add(ix, "email", "late@example.com", "@late:example.com") == 0);
	test_assert(mxg_3pid_index_lookup_plain(ix, "email", "late@example.com") == NULL);
	test_end();
	mxg_3pid_index_destroy(&ix);
	test_begin("destroy clears the pointer");
	test_assert(ix == NULL);
	test_end();

	test_begin("first owner wins, growth past the initial size");
	ix = mxg_3pid_index_create("pep", 4);
	test_assert(mxg_3pid_index_add(ix, "email", "dup@example.com", "@first:x") == 1);
	test_assert(mxg_3pid_index_add(ix, "email", "dup@example.com", "@second:x") == 0);
	for (int i = 0; i < 20000; i++) {
		char addr[64], uid[64];
		snprintf(addr, sizeof(addr), "user%d@example.org", i);
		snprintf(uid, sizeof(uid), "@user%d:example.org", i % 5000);
		mxg_3pid_index_add(ix, "email", addr, uid);
	}
	mxg_3pid_index_seal(ix);
	test_assert(mxg_3pid_index_size(ix) == 20001);
	test_assert_streq(mxg_3pid_index_lookup_plain(ix, "email", "dup@example.com"), "@first:x");
	client_hash("user12345@example.org", "email", "pep", h);
	test_assert_streq(mxg_3pid_index_lookup_hash(ix, h), "@user2345:example.org");
	client_hash("user19999@example.org", "email", "pep", h);
	test_assert_streq(mxg_3pid_index_lookup_hash(ix, h), "@user4999:example.org");
	test_assert(mxg_3pid_index_memory(ix) > 20001 * 32);
	test_end();
	mxg_3pid_index_destroy(&ix);

	return test_done("test-index");
}
