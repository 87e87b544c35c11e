/*
 * crypto.c: the small primitives everything else builds on: CSPRNG bytes,
 * random tokens, SHA-256 and constant-time comparison, all over OpenSSL 3.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/crypto.h"

int mxg_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	/* RAND_bytes takes an int: feed it in chunks. */
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, n) != 1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mxg_random_token(char *out, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	/*
	 * 62 letters: a byte below 248 = 4 * 62 maps evenly onto the alphabet,
	 * anything above is thrown away (rejection sampling), so every letter
	 * is exactly equally likely.
	 */
	enum { ALPHABET_LEN = sizeof(alphabet) - 1, LIMIT = 256 - 256 % ALPHABET_LEN };
	unsigned char pool[64];
	size_t used = sizeof(pool), i = 0;

	while (i < len) {
		if (used == sizeof(pool)) {
			if (mxg_random_bytes(pool, sizeof(pool)) < 0) {
				OPENSSL_cleanse(pool, sizeof(pool));
				out[0] = '\0';
				return -1;
			}
			used = 0;
		}
		unsigned char b = pool[used++];

		if (b < LIMIT)
			out[i++] = alphabet[b % ALPHABET_LEN];
	}
	out[len] = '\0';
	OPENSSL_cleanse(pool, sizeof(pool));
	return 0;
}

void mxg_sha256(const void *data, size_t len, unsigned char out[MXG_SHA256_LEN])
{
	unsigned int n = 0;

	/* Only fails when OpenSSL itself is broken (no SHA-256 provider):
	 * there is no sane way to go on. */
	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != MXG_SHA256_LEN) {
		fputs("mxgate: OpenSSL cannot compute SHA-256\n", stderr);
		abort();
	}
}

void mxg_sha256_hex(const void *data, size_t len, char out[MXG_SHA256_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[MXG_SHA256_LEN];

	mxg_sha256(data, len, md);
	for (size_t i = 0; i < MXG_SHA256_LEN; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * MXG_SHA256_LEN] = '\0';
}

bool mxg_const_eq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

bool mxg_const_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	/*
	 * Equal lengths: compare the contents in constant time.  Different
	 * lengths: still do a comparison of the same cost so that the time
	 * depends on the lengths only, then say no.
	 */
	if (la != lb) {
		(void)CRYPTO_memcmp(a, a, la);
		return false;
	}
	return CRYPTO_memcmp(a, b, la) == 0;
}
