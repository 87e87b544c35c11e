/*
 * crypto.h: random bytes, SHA-256, constant-time comparison and random
 * tokens, over OpenSSL 3.
 */
#ifndef MXG_CRYPTO_H
#define MXG_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define MXG_SHA256_LEN 32

/* Fill buf from the CSPRNG.  Returns 0, or -1 if OpenSSL has no entropy
 * (the caller must fail the operation, never fall back). */
int mxg_random_bytes(void *buf, size_t len);

/* len random characters of [A-Za-z0-9] plus a NUL into out (len + 1 bytes),
 * without modulo bias.  Returns 0 or -1. */
int mxg_random_token(char *out, size_t len);

void mxg_sha256(const void *data, size_t len, unsigned char out[MXG_SHA256_LEN]);

/* The SHA-256 of data in lower-case hex, NUL-terminated: how tokens are
 * stored. */
#define MXG_SHA256_HEX_SIZE (2 * MXG_SHA256_LEN + 1)
void mxg_sha256_hex(const void *data, size_t len, char out[MXG_SHA256_HEX_SIZE]);

/* True when the n bytes are equal; time does not depend on the contents. */
bool mxg_const_eq(const void *a, const void *b, size_t n);

/* Constant-time string equality: time depends only on the lengths. */
bool mxg_const_streq(const char *a, const char *b);

#endif
