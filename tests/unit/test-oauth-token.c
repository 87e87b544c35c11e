/*
 * test-oauth-token.c: the provider's opaque tokens: their shape, that each
 * kind is told by its prefix, that the checksum catches a changed
 * character, that two tokens differ, and the stored hash.
 */
#include "config.h"

#include <string.h>

#include "oauth/token.h"
#include "test.h"

static void test_shape(void)
{
	char a[MXG_TOKEN_SIZE], b[MXG_TOKEN_SIZE];

	test_begin("minted tokens: prefix, 30 random characters, checksum; each differs");
	for (int k = 0; k < MXG_TOKEN_KINDS; k++) {
		test_assert(mxg_token_mint(k, a) == 0 && mxg_token_mint(k, b) == 0);
		test_assert(strlen(a) == MXG_TOKEN_LEN && strncmp(a, "mx", 2) == 0);
		test_assert(a[4] == '_' && a[35] == '_');
		test_assert(strcmp(a, b) != 0);
		test_assert_idx(mxg_token_kind(a) == k, k);
	}
	test_assert(mxg_token_mint(MXG_TOKEN_ACCESS, a) == 0 && strncmp(a, "mxat_", 5) == 0);
	test_assert(mxg_token_mint(MXG_TOKEN_REFRESH, a) == 0 && strncmp(a, "mxrt_", 5) == 0);
	test_end();
}

static void test_refusals(void)
{
	char t[MXG_TOKEN_SIZE], bad[MXG_TOKEN_SIZE + 1];

	test_begin("a changed, cut, lengthened or foreign token is refused");
	test_assert(mxg_token_mint(MXG_TOKEN_ACCESS, t) == 0);
	for (size_t i = 5; i < MXG_TOKEN_LEN; i++) {
		if (i == 35)
			continue;
		memcpy(bad, t, sizeof(t));
		bad[i] = bad[i] == 'a' ? 'b' : 'a';
		test_assert_idx(mxg_token_kind(bad) == -1, i);
	}
	memcpy(bad, t, sizeof(t));
	memcpy(bad, "mxzz", 4);
	test_assert(mxg_token_kind(bad) == -1);
	memcpy(bad, t, sizeof(t));
	bad[MXG_TOKEN_LEN - 1] = '\0';
	test_assert(mxg_token_kind(bad) == -1);
	memcpy(bad, t, sizeof(t));
	bad[MXG_TOKEN_LEN] = 'x';
	bad[MXG_TOKEN_LEN + 1] = '\0';
	test_assert(mxg_token_kind(bad) == -1);
	memcpy(bad, t, sizeof(t));
	bad[10] = '-';
	test_assert(mxg_token_kind(bad) == -1);
	test_assert(mxg_token_kind("") == -1 && mxg_token_kind(NULL) == -1);
	test_assert(mxg_token_kind("syt_YWxpY2U_HdLnXLCYtCzVkmFemLHN_0JyUKm") == -1);
	test_end();
}

static void test_hash(void)
{
	char h[MXG_TOKEN_HASH_SIZE];

	test_begin("the stored hash is the hex SHA-256 of the token");
	mxg_token_hash("abc", h);
	test_assert_streq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	test_end();
}

int main(void)
{
	test_shape();
	test_refusals();
	test_hash();
	return test_done("test-oauth-token");
}
