/*
 * password.h: verifying and creating password hashes: every crypt(3) form
 * libxcrypt knows (bcrypt $2b$, sha512-crypt $6$, sha256-crypt $5$,
 * yescrypt $y$...) and argon2id ($argon2id$, PHC string).
 */
#ifndef MXG_PASSWORD_H
#define MXG_PASSWORD_H

#include <stddef.h>

enum mxg_password_result {
	MXG_PASSWORD_MATCH,
	MXG_PASSWORD_MISMATCH,
	MXG_PASSWORD_BAD_HASH,	/* malformed or unsupported hash: a config error */
};

/* Compare in constant time; the password is never copied beyond the
 * hashing library's own buffers. */
enum mxg_password_result mxg_password_verify(const char *password, size_t password_len,
					     const char *hash);

/* Hash with argon2id (t=3, m=64 MiB, p=1) into a malloc'ed PHC string, or
 * NULL on failure. */
char *mxg_password_hash_argon2id(const char *password, size_t password_len);

/*
 * Versioned hashing schemes, for accounts mxgate keeps itself: version 1
 * is argon2id t=2, m=19 MiB, p=1 (OWASP's minimum), version 2 t=3,
 * m=64 MiB, p=1.  A stored hash records its version; a login with an older
 * one re-hashes with the current.  NULL for an unknown version or on
 * failure.
 */
#define MXG_PASSWORD_SCHEME_LATEST 2
char *mxg_password_hash_scheme(int version, const char *password, size_t password_len);

/* True when hash looks like a form mxg_password_verify() supports. */
int mxg_password_hash_supported(const char *hash);

#endif
