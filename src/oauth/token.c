/*
 * token.c: minting, checking and hashing the provider's opaque tokens
 * (see token.h).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/crypto.h"
#include "oauth/token.h"

static const char *const prefixes[MXG_TOKEN_KINDS] = {
	[MXG_TOKEN_ACCESS] = "mxat",
	[MXG_TOKEN_REFRESH] = "mxrt",
	[MXG_TOKEN_CODE] = "mxac",
	[MXG_TOKEN_DEVICE_CODE] = "mxdc",
	[MXG_TOKEN_COMPAT_ACCESS] = "mxct",
	[MXG_TOKEN_COMPAT_REFRESH] = "mxcr",
	[MXG_TOKEN_BROWSER] = "mxbs",
	[MXG_TOKEN_LOGIN] = "mxlt",
};

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* CRC-32 (IEEE 802.3, reflected), bit by bit: tokens are 36 bytes. */
static uint32_t crc32(const char *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len-- > 0) {
		crc ^= (unsigned char)*p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* The checksum of the first len bytes, as 6 base62 digits (62^6 > 2^32). */
static void checksum(const char *token, size_t len, char out[6])
{
	uint32_t crc = crc32(token, len);

	for (int i = 5; i >= 0; i--) {
		out[i] = base62[crc % 62];
		crc /= 62;
	}
}

int mxg_token_mint(enum mxg_token_kind kind, char out[MXG_TOKEN_SIZE])
{
	char random[MXG_TOKEN_RANDOM + 1];

	if (mxg_random_token(random, MXG_TOKEN_RANDOM) < 0)
		return -1;
	memcpy(out, prefixes[kind], 4);
	out[4] = '_';
	memcpy(out + 5, random, MXG_TOKEN_RANDOM);
	out[5 + MXG_TOKEN_RANDOM] = '_';
	checksum(out, 5 + MXG_TOKEN_RANDOM, out + 6 + MXG_TOKEN_RANDOM);
	out[MXG_TOKEN_LEN] = '\0';
	explicit_bzero(random, sizeof(random));
	return 0;
}

int mxg_token_kind(const char *token)
{
	char sum[6];
	int kind = -1;

	if (token == NULL || strlen(token) != MXG_TOKEN_LEN || token[4] != '_' ||
	    token[5 + MXG_TOKEN_RANDOM] != '_')
		return -1;
	for (int k = 0; k < MXG_TOKEN_KINDS; k++)
		if (memcmp(token, prefixes[k], 4) == 0)
			kind = k;
	if (kind < 0 || strspn(token + 5, base62) != MXG_TOKEN_RANDOM)
		return -1;
	checksum(token, 5 + MXG_TOKEN_RANDOM, sum);
	return memcmp(sum, token + 6 + MXG_TOKEN_RANDOM, 6) == 0 ? kind : -1;
}

void mxg_token_hash(const char *token, char out[MXG_TOKEN_HASH_SIZE])
{
	mxg_sha256_hex(token, strlen(token), out);
}
