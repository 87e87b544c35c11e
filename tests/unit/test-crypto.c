/*
 * test-crypto.c: SHA-256 (FIPS 180-2 and the Matrix lookup-hash vectors),
 * CSPRNG bytes, random tokens and constant-time comparison.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/base64.h"
#include "core/crypto.h"
#include "test.h"

static void to_hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_sha256(void)
{
	static const struct {
		const char *in, *hex;
	} cases[] = {
		/* FIPS 180-2 appendix B.1 and B.2, and the empty string */
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char md[MXG_SHA256_LEN];
	char hex[2 * MXG_SHA256_LEN + 1];

	test_begin("sha256 FIPS vectors");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mxg_sha256(cases[i].in, strlen(cases[i].in), md);
		to_hex(md, sizeof(md), hex);
		test_assert_idx(strcmp(hex, cases[i].hex) == 0, i);
	}
	test_end();
}

static void test_lookup_hash(void)
{
	/* Identity Service API, POST /lookup: sha256 of "<address> <medium>
	 * <pepper>" as URL-safe unpadded base64. */
	static const struct {
		const char *in, *hash;
	} cases[] = {
		{ "alice@example.com email matrixrocks",
		  "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc" },
		{ "bob@example.com email matrixrocks",
		  "LJwSazmv46n0hlMlsb_iYxI0_HXEqy_yj6Jm636cdT8" },
		{ "18005552067 msisdn matrixrocks",
		  "nlo35_T5fzSGZzJApqu8lgIudJvmOQtDaHtr-I4rU7I" },
	};
	unsigned char md[MXG_SHA256_LEN];
	char b64[MXG_BASE64_ENCODED_SIZE(MXG_SHA256_LEN)];

	test_begin("sha256 Matrix lookup-hash vectors");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mxg_sha256(cases[i].in, strlen(cases[i].in), md);
		test_assert_idx(mxg_base64_encode(md, sizeof(md), b64, sizeof(b64),
						  MXG_B64_URL | MXG_B64_NOPAD) == 43, i);
		test_assert_idx(strcmp(b64, cases[i].hash) == 0, i);
	}
	test_end();
}

static void test_random_bytes(void)
{
	unsigned char a[32], b[32], zero[32] = { 0 };

	test_begin("random bytes");
	test_assert(mxg_random_bytes(a, sizeof(a)) == 0);
	test_assert(mxg_random_bytes(b, sizeof(b)) == 0);
	/* 2^-256 chance of a false failure. */
	test_assert(memcmp(a, b, sizeof(a)) != 0);
	test_assert(memcmp(a, zero, sizeof(a)) != 0);
	test_assert(mxg_random_bytes(a, 0) == 0);
	test_end();
}

static void test_random_token(void)
{
	static char big[62001];
	char tok[33], tok2[33], empty[1] = { 'x' };
	int seen[256] = { 0 };
	bool only_alnum = true;
	int distinct = 0, first8 = 0;

	test_begin("random token: length, alphabet, NUL");
	test_assert(mxg_random_token(tok, 32) == 0);
	test_assert(strlen(tok) == 32);
	test_assert(mxg_random_token(tok2, 32) == 0);
	test_assert(strcmp(tok, tok2) != 0);
	test_assert(mxg_random_token(empty, 0) == 0 && empty[0] == '\0');
	test_end();

	test_begin("random token: every letter of the alphabet, evenly");
	test_assert(mxg_random_token(big, sizeof(big) - 1) == 0);
	test_assert(strlen(big) == sizeof(big) - 1);
	for (size_t i = 0; big[i] != '\0'; i++) {
		unsigned char c = (unsigned char)big[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			only_alnum = false;
		if (seen[c]++ == 0)
			distinct++;
	}
	test_assert(only_alnum);
	test_assert(distinct == 62);
	/* 1000 expected per letter, sd ~31: outside [780, 1220] (7 sd) is
	 * bias, not bad luck. */
	for (int c = 0; c < 256; c++)
		if (seen[c] != 0)
			test_assert_idx(seen[c] > 780 && seen[c] < 1220, c);
	/* "byte % 62" would give 'A'..'H' 5/256 instead of 4/256 each: 9690
	 * in total rather than 8000 (sd ~87). */
	for (int c = 'A'; c <= 'H'; c++)
		first8 += seen[c];
	test_assert(first8 > 7500 && first8 < 8500);
	test_end();
}

static void test_const_eq(void)
{
	static const struct {
		const char *a, *b;
		bool eq;
	} cases[] = {
		{ "", "", true },
		{ "secret", "secret", true },
		{ "secret", "secreT", false },
		{ "secret", "secret1", false },
		{ "secret1", "secret", false },
		{ "", "x", false },
		{ "Secret", "secret", false },
	};

	test_begin("constant-time comparison");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_assert_idx(mxg_const_streq(cases[i].a, cases[i].b) == cases[i].eq, i);
		if (strlen(cases[i].a) == strlen(cases[i].b))
			test_assert_idx(mxg_const_eq(cases[i].a, cases[i].b, strlen(cases[i].a)) ==
					cases[i].eq, i);
	}
	test_assert(mxg_const_eq("ab\0c", "ab\0c", 4));
	test_assert(!mxg_const_eq("ab\0c", "ab\0d", 4));
	test_end();
}

int main(void)
{
	test_sha256();
	test_lookup_hash();
	test_random_bytes();
	test_random_token();
	test_const_eq();
	return test_done("test-crypto");
}
