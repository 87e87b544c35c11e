/*
 * test-password.c: verifying crypt(3) and argon2 hashes.
 *
 * Fixed hashes come from implementations other than ours where one exists:
 * OpenSSL (`openssl passwd -1/-5/-6`, and Drepper's published sha-crypt
 * vector), the crypt_blowfish test vector, and the argon2 reference
 * implementation's test.c.  The yescrypt one was made once with libxcrypt
 * itself (Python's crypt module on the development machine), as nothing
 * else here implements yescrypt.  More hashes are generated at test time
 * with crypt_gensalt_rn() + crypt_rn() and with our own argon2id hasher.
 */
#include "config.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "core/password.h"
#include "test.h"

#define CHS "correct horse battery staple"

static const struct {
	const char *password, *hash;
} known[] = {
	/* crypt_blowfish's test vector, all three bcrypt prefixes */
	{ "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
	{ "U*U", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
	{ "U*U", "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
	/* Drepper's sha-crypt specification; also `openssl passwd -6/-5 -salt saltstring` */
	{ "Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJu"
			  "esI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
	{ "Hello world!", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5" },
	/* openssl passwd -6 -salt 7HnTv1q.ZJzzQ0Hc */
	{ CHS, "$6$7HnTv1q.ZJzzQ0Hc$tDYjzJrhmz2hdoT7o9mWxxPa05lSdXHK5rg3y1PySh1COluQYxKbwLzEd8P0i"
	       "cMFu3RM3jNg7FIgRw66PzDWz." },
	/* openssl passwd -1 -salt saltsalt */
	{ "password", "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/" },
	/* libxcrypt (python3 crypt.crypt with crypt_gensalt("$y$")) */
	{ CHS, "$y$j9T$hg4T8sIH0mbpAYRQHSv/R/$Fk6isWqh6ulO2/9rNAMLUhHoKzl.bBLeE/5opwtjkbC" },
	/* phc-winner-argon2 src/test.c */
	{ "password", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
		      "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc" },
	{ "password", "$argon2i$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$"
		      "sDV8zPvvkfOGCw26RHsjSMvv7K2vmQq/6cxAcmxSEnE" },
};

#define N_KNOWN (sizeof(known) / sizeof(known[0]))

static enum mxg_password_result verify(const char *password, const char *hash)
{
	return mxg_password_verify(password, strlen(password), hash);
}

static void test_known(void)
{
	test_begin("fixed hashes from independent implementations: match");
	for (size_t i = 0; i < N_KNOWN; i++) {
		test_assert_idx(verify(known[i].password, known[i].hash) == MXG_PASSWORD_MATCH, i);
		test_assert_idx(mxg_password_hash_supported(known[i].hash), i);
	}
	test_end();

	test_begin("fixed hashes: wrong, empty, prefixed and extended passwords");
	for (size_t i = 0; i < N_KNOWN; i++) {
		char longer[64];

		snprintf(longer, sizeof(longer), "%sx", known[i].password);
		test_assert_idx(verify("wrong", known[i].hash) == MXG_PASSWORD_MISMATCH, i);
		test_assert_idx(verify("", known[i].hash) == MXG_PASSWORD_MISMATCH, i);
		test_assert_idx(verify(longer, known[i].hash) == MXG_PASSWORD_MISMATCH, i);
		test_assert_idx(mxg_password_verify(known[i].password,
						    strlen(known[i].password) - 1,
						    known[i].hash) == MXG_PASSWORD_MISMATCH, i);
	}
	test_end();
}

static void test_generated(void)
{
	static const struct {
		const char *prefix;
		unsigned long count;
	} forms[] = {
		{ "$2b$", 4 },	/* the cheapest bcrypt cost: this is a test */
		{ "$6$", 0 },
		{ "$5$", 0 },
		{ "$y$", 0 },
	};
	static const char *const passwords[] = { CHS, "", "p\xc3\xa4ssw\xc3\xb6rd", "a b\tc" };

	test_begin("hashes made now with crypt_gensalt_rn + crypt_rn");
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		for (size_t p = 0; p < sizeof(passwords) / sizeof(passwords[0]); p++) {
			char salt[CRYPT_GENSALT_OUTPUT_SIZE];
			struct crypt_data *data = calloc(1, sizeof(*data));
			const char *hash = NULL;
			size_t idx = f * 10 + p;

			if (data != NULL &&
			    crypt_gensalt_rn(forms[f].prefix, forms[f].count, NULL, 0, salt,
					     sizeof(salt)) != NULL)
				hash = crypt_rn(passwords[p], salt, data, (int)sizeof(*data));
			test_assert_idx(hash != NULL && hash[0] != '*', idx);
			if (hash != NULL && hash[0] != '*') {
				test_assert_idx(strncmp(hash, forms[f].prefix,
							strlen(forms[f].prefix)) == 0, idx);
				test_assert_idx(verify(passwords[p], hash) == MXG_PASSWORD_MATCH, idx);
				test_assert_idx(verify("nope", hash) == MXG_PASSWORD_MISMATCH, idx);
			}
			free(data);
		}
	}
	test_end();
}

static void test_argon2id(void)
{
	char *a = mxg_password_hash_argon2id(CHS, strlen(CHS));
	char *b = mxg_password_hash_argon2id(CHS, strlen(CHS));
	char *e = mxg_password_hash_argon2id("", 0);

	test_begin("argon2id: our hashes (t=3, m=64 MiB, p=1, fresh salt)");
	test_assert(a != NULL && b != NULL && e != NULL);
	if (a != NULL && b != NULL && e != NULL) {
		test_assert(strncmp(a, "$argon2id$v=19$m=65536,t=3,p=1$", 31) == 0);
		test_assert(strcmp(a, b) != 0);
		test_assert(verify(CHS, a) == MXG_PASSWORD_MATCH);
		test_assert(verify(CHS, b) == MXG_PASSWORD_MATCH);
		test_assert(verify(CHS "!", a) == MXG_PASSWORD_MISMATCH);
		test_assert(verify("", a) == MXG_PASSWORD_MISMATCH);
		test_assert(verify("", e) == MXG_PASSWORD_MATCH);
		test_assert(mxg_password_hash_supported(a));
	}
	test_assert(mxg_password_hash_argon2id("a\0b", 3) == NULL);
	free(a);
	free(b);
	free(e);
	test_end();
}

static void test_bad_hashes(void)
{
	static const char *const bad[] = {
		"$2b$", "*", "", "*0", "$argon2id$garbage", "$argon2i$garbage",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$",
		"$2b$05$short", "$y$garbage", "$6", "!locked",
	};

	test_begin("malformed hashes are BAD_HASH, whatever the password");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_assert_idx(verify("password", bad[i]) == MXG_PASSWORD_BAD_HASH, i);
		test_assert_idx(verify("", bad[i]) == MXG_PASSWORD_BAD_HASH, i);
	}
	test_assert(verify("password", NULL) == MXG_PASSWORD_BAD_HASH);
	test_end();
}

static void test_odd_passwords(void)
{
	static char big[4098];
	const char *bcrypt = known[0].hash;
	const char *argon2 = known[8].hash;

	memset(big, 'a', sizeof(big) - 1);
	test_begin("NUL bytes and over-long passwords never match");
	/* "U*U\0x": what crypt would see is "U*U", which matches. */
	test_assert(mxg_password_verify("U*U\0x", 5, bcrypt) == MXG_PASSWORD_MISMATCH);
	test_assert(mxg_password_verify("password\0", 9, argon2) == MXG_PASSWORD_MISMATCH);
	test_assert(mxg_password_verify(big, 4097, argon2) == MXG_PASSWORD_MISMATCH);
	test_assert(mxg_password_verify(big, 4097, "$2b$") == MXG_PASSWORD_MISMATCH);
	test_assert(mxg_password_verify(NULL, 0, bcrypt) == MXG_PASSWORD_MISMATCH);
	/* Longer than libxcrypt takes (511) but within ours: a mismatch for a
	 * good hash, still BAD_HASH for a bad one. */
	test_assert(mxg_password_verify(big, 600, bcrypt) == MXG_PASSWORD_MISMATCH);
	test_assert(mxg_password_verify(big, 600, "$2b$") == MXG_PASSWORD_BAD_HASH);
	test_assert(mxg_password_hash_argon2id(big, 4097) == NULL);
	test_end();

	test_begin("bcrypt reads 72 bytes (documented, not fixed)");
	{
		struct crypt_data *data = calloc(1, sizeof(*data));
		char salt[CRYPT_GENSALT_OUTPUT_SIZE];
		const char *hash = NULL;

		big[72] = '\0';
		if (data != NULL && crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)) != NULL)
			hash = crypt_rn(big, salt, data, (int)sizeof(*data));
		test_assert(hash != NULL && hash[0] == '$');
		if (hash != NULL && hash[0] == '$') {
			test_assert(mxg_password_verify(big, 72, hash) == MXG_PASSWORD_MATCH);
			big[72] = 'b';
			test_assert(mxg_password_verify(big, 73, hash) == MXG_PASSWORD_MATCH);
			test_assert(mxg_password_verify(big, 71, hash) == MXG_PASSWORD_MISMATCH);
		}
		free(data);
	}
	test_end();
}

static void test_supported(void)
{
	static const struct {
		const char *hash;
		int ok;
	} cases[] = {
		{ "$2a$x", 1 }, { "$2b$x", 1 }, { "$2y$x", 1 }, { "$5$x", 1 }, { "$6$x", 1 },
		{ "$y$x", 1 }, { "$gy$x", 1 }, { "$7$x", 1 }, { "$1$x", 1 },
		{ "$argon2id$x", 1 }, { "$argon2i$x", 1 },
		{ "$argon2d$x", 0 }, { "$2x$x", 0 }, { "$3$x", 0 }, { "abJnggxhB/yWI", 0 },
		{ "", 0 }, { "*", 0 }, { "!", 0 }, { "$", 0 }, { "$6", 0 }, { "{SSHA}x", 0 },
	};

	test_begin("hash_supported: known prefixes");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_assert_idx(mxg_password_hash_supported(cases[i].hash) == cases[i].ok, i);
	test_assert(!mxg_password_hash_supported(NULL));
	test_end();
}

int main(void)
{
	test_known();
	test_generated();
	test_argon2id();
	test_bad_hashes();
	test_odd_passwords();
	test_supported();
	return test_done("test-password");
}
