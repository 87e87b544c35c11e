/*
 * password.c: checking a password against a stored hash, and making argon2id
 * hashes.
 *
 * argon2 PHC strings go to libargon2 (which takes the length explicitly and
 * compares in constant time); every other form goes to libxcrypt's crypt_rn(),
 * which knows bcrypt, sha512-crypt, yescrypt, scrypt, md5-crypt...
 *
 * Note: bcrypt only looks at the first 72 bytes of a password, so two
 * passwords that share those 72 bytes both match a bcrypt hash.  That is the
 * algorithm, and other verifiers of the same hashes behave the same way; we
 * keep the hashes compatible rather than "fixing" it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/password.h"

/* Longer passwords are refused outright: no user types 4 KiB, and a cap
 * keeps a client from making us hash megabytes. */
#define PASSWORD_MAX 4096

#define ARGON2_T_COST 3
#define ARGON2_M_COST 65536	/* KiB */
#define ARGON2_PARALLELISM 1
#define ARGON2_SALT_LEN 16
#define ARGON2_HASH_LEN 32

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool password_acceptable(const char *password, size_t len)
{
	return len <= PASSWORD_MAX && (len == 0 || memchr(password, '\0', len) == NULL);
}

static enum mxg_password_result verify_argon2(const char *password, size_t len, const char *hash,
					      argon2_type type)
{
	switch (argon2_verify(hash, password, len, type)) {
	case ARGON2_OK:
		return MXG_PASSWORD_MATCH;
	case ARGON2_VERIFY_MISMATCH:
		return MXG_PASSWORD_MISMATCH;
	default:
		/* Decoding errors, but also parameters we cannot honour
		 * (memory): either way the stored hash is unusable. */
		return MXG_PASSWORD_BAD_HASH;
	}
}

static enum mxg_password_result verify_crypt(const char *password, size_t len, const char *hash)
{
	enum mxg_password_result res;
	struct crypt_data *data;
	size_t out_len, hash_len;
	const char *out;
	bool too_long, eq;

	/* ~32 KiB: too big for a worker thread's stack. */
	data = calloc(1, sizeof(*data));
	if (data == NULL)
		return MXG_PASSWORD_MISMATCH;
	/*
	 * crypt_rn() wants a C string.  crypt.h suggests keeping the phrase in
	 * data->input so that it is wiped with the rest of the buffer; it holds
	 * CRYPT_MAX_PASSPHRASE_SIZE - 1 bytes, the most crypt_rn() accepts.  A
	 * longer password cannot match any crypt hash, but we still run the
	 * hash (on an empty phrase) to tell a bad hash from a mismatch and to
	 * spend the same time.
	 */
	too_long = len >= sizeof(data->input);
	if (!too_long)
		memcpy(data->input, password, len);
	out = crypt_rn(data->input, hash, data, (int)sizeof(*data));
	if (out == NULL || out[0] == '*') {
		res = MXG_PASSWORD_BAD_HASH;
	} else if (too_long) {
		res = MXG_PASSWORD_MISMATCH;
	} else {
		/* Constant time over the common length; a length difference is
		 * a mismatch but does not shorten the comparison. */
		out_len = strlen(out);
		hash_len = strlen(hash);
		eq = CRYPTO_memcmp(out, hash, out_len < hash_len ? out_len : hash_len) == 0;
		res = eq && out_len == hash_len ? MXG_PASSWORD_MATCH : MXG_PASSWORD_MISMATCH;
	}
	explicit_bzero(data, sizeof(*data));
	free(data);
	return res;
}

enum mxg_password_result mxg_password_verify(const char *password, size_t password_len,
					     const char *hash)
{
	if (hash == NULL)
		return MXG_PASSWORD_BAD_HASH;
	if (password == NULL || !password_acceptable(password, password_len))
		return MXG_PASSWORD_MISMATCH;
	/* "$argon2i$" is not a prefix of "$argon2id$": the order is free. */
	if (has_prefix(hash, "$argon2id$"))
		return verify_argon2(password, password_len, hash, Argon2_id);
	if (has_prefix(hash, "$argon2i$"))
		return verify_argon2(password, password_len, hash, Argon2_i);
	return verify_crypt(password, password_len, hash);
}

/* The versioned schemes (mxg_password_hash_scheme): the parameters of
 * each version never change; a stronger set is a new version. */
static const struct {
	uint32_t t_cost, m_cost_kib, parallelism;
} schemes[] = {
	[1] = { 2, 19456, 1 },		/* OWASP's minimum for argon2id */
	[2] = { ARGON2_T_COST, ARGON2_M_COST, ARGON2_PARALLELISM },
};

static char *hash_argon2id(const char *password, size_t password_len, uint32_t t_cost,
			   uint32_t m_cost, uint32_t parallelism);

char *mxg_password_hash_argon2id(const char *password, size_t password_len)
{
	return hash_argon2id(password, password_len, ARGON2_T_COST, ARGON2_M_COST,
			     ARGON2_PARALLELISM);
}

char *mxg_password_hash_scheme(int version, const char *password, size_t password_len)
{
	if (version < 1 || version > MXG_PASSWORD_SCHEME_LATEST)
		return NULL;
	return hash_argon2id(password, password_len, schemes[version].t_cost,
			     schemes[version].m_cost_kib, schemes[version].parallelism);
}

static char *hash_argon2id(const char *password, size_t password_len, uint32_t t_cost,
			   uint32_t m_cost, uint32_t parallelism)
{
	unsigned char salt[ARGON2_SALT_LEN];
	size_t enc_len;
	char *encoded;
	int rc;

	/* Refuse what verify would refuse: such a hash could never match. */
	if (password == NULL || !password_acceptable(password, password_len))
		return NULL;
	if (mxg_random_bytes(salt, sizeof(salt)) < 0)
		return NULL;
	enc_len = argon2_encodedlen(t_cost, m_cost, parallelism, ARGON2_SALT_LEN, ARGON2_HASH_LEN,
				    Argon2_id);
	encoded = malloc(enc_len);
	if (encoded == NULL)
		return NULL;
	rc = argon2id_hash_encoded(t_cost, m_cost, parallelism, password, password_len, salt,
				   sizeof(salt),
				   ARGON2_HASH_LEN, encoded, enc_len);
	OPENSSL_cleanse(salt, sizeof(salt));
	if (rc != ARGON2_OK) {
		free(encoded);
		return NULL;
	}
	return encoded;
}

int mxg_password_hash_supported(const char *hash)
{
	static const char *const prefixes[] = {
		"$argon2id$", "$argon2i$",
		"$2a$", "$2b$", "$2y$",		/* bcrypt */
		"$y$", "$gy$",			/* yescrypt, gost-yescrypt */
		"$7$",				/* scrypt */
		"$6$", "$5$",			/* sha512-crypt, sha256-crypt */
		"$1$",				/* md5-crypt */
	};

	if (hash == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has_prefix(hash, prefixes[i]))
			return 1;
	return 0;
}
