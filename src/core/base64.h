/*
 * base64.h: RFC 4648 base64 in the four forms Matrix uses (standard or
 * URL-safe alphabet, padded or not).
 */
#ifndef MXG_BASE64_H
#define MXG_BASE64_H

#include <stddef.h>

#define MXG_B64_URL	(1u << 0)	/* '-' and '_' instead of '+' and '/' */
#define MXG_B64_NOPAD	(1u << 1)	/* no trailing '=' */

/* Bytes needed to encode n bytes, padding and NUL included. */
#define MXG_BASE64_ENCODED_SIZE(n) ((((n) + 2) / 3) * 4 + 1)

/* Encode into out (cap bytes, NUL-terminated).  Returns the length written
 * without the NUL, or (size_t)-1 when cap is too small. */
size_t mxg_base64_encode(const void *in, size_t len, char *out, size_t cap, unsigned int flags);

/* Decode either alphabet, padded or not (mixing alphabets is refused).
 * Returns 0 and the length in *len_r, or -1 on bad input or small cap. */
int mxg_base64_decode(const char *in, size_t len, void *out, size_t cap, size_t *len_r);

#endif
