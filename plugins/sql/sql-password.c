/*
 * sql-password.c: checking a password against the hash an application
 * stored, prepared the way that application prepared it.
 *
 * Synapse hashes bcrypt(NFKC(password) + pepper) (synapse/handlers/auth.py,
 * _do_validate_hash), so "ﬁ" and "fi" are one password and a half-width "Ａ"
 * is an "A".  Normalising needs Unicode tables: libunistring's
 * u8_normalize.  Every buffer holding the password is wiped.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "sql.h"

/* bcrypt reads 72 bytes at most, sha512-crypt any length: leave room for a
 * long passphrase and a pepper, but bound what one request can allocate. */
#define PASSWORD_MAX 4096

static void wipe_free(uint8_t *buf, size_t len)
{
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
}

enum mxg_password_result mxg_sql_password_check(const struct mxg_sql_ctx *ctx,
						const char *password, size_t password_len,
						const char *hash)
{
	size_t pepper_len = ctx->pepper != NULL ? strlen(ctx->pepper) : 0;
	uint8_t *norm = NULL, *buf;
	size_t norm_len = 0, len;
	enum mxg_password_result res;

	/* Only the forms we know: libxcrypt would also take "ab..." as a
	 * DES hash (8 characters of password, 12 bits of salt). */
	if (!mxg_password_hash_supported(hash))
		return MXG_PASSWORD_BAD_HASH;
	if (password_len > PASSWORD_MAX)
		return MXG_PASSWORD_MISMATCH;
	if (ctx->nfkc) {
		/* NULL for input that is not UTF-8 (EILSEQ): no client of the
		 * application can have set such a password. */
		norm = u8_normalize(UNINORM_NFKC, (const uint8_t *)password, password_len,
				    NULL, &norm_len);
		if (norm == NULL)
			return MXG_PASSWORD_MISMATCH;
		/* Not NUL-terminated: copied into a terminated buffer
		 * below, even without a pepper. */
		password = (const char *)norm;
		password_len = norm_len;
	} else if (pepper_len == 0) {
		return mxg_password_verify(password, password_len, hash);
	}
	len = password_len + pepper_len;
	buf = malloc(len + 1);
	if (buf == NULL) {
		wipe_free(norm, norm_len);
		return MXG_PASSWORD_MISMATCH;
	}
	memcpy(buf, password, password_len);
	if (pepper_len > 0)
		memcpy(buf + password_len, ctx->pepper, pepper_len);
	buf[len] = '\0';
	res = mxg_password_verify((const char *)buf, len, hash);
	wipe_free(buf, len);
	wipe_free(norm, norm_len);
	return res;
}
