/*
 * test-jwt.c: the login tokens mxgate mints for the homeserver, checked
 * with libjwt's own verification: HS256 and RS256 signatures, the claims
 * (sub as localpart or user ID, iss, aud, iat, exp, a unique jti), and the
 * refusals at start-up (no key file, a file that holds no key).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/mxconfig.h"
#include "matrix/jwt.h"
#include "test.h"

static jwt_t *verify(const char *token, jwt_alg_t alg, const unsigned char *key, size_t len)
{
	jwt_t *jwt = NULL;

	if (jwt_decode(&jwt, token, key, (int)len) != 0)
		return NULL;
	if (jwt_get_alg(jwt) != alg) {
		jwt_free(jwt);
		return NULL;
	}
	return jwt;
}

static void test_hs256(void)
{
	struct mxg_login_jwt_conf conf = {
		.algorithm = MXG_JWT_HS256, .secret = "a shared secret", .issuer = "mxgate",
		.audience = "synapse", .subject = MXG_JWT_SUB_LOCALPART, .lifetime_ms = 60000,
	};
	struct mxg_jwt_signer *s = NULL;
	struct mxg_error err;
	char *t1, *t2;
	jwt_t *jwt;

	test_begin("HS256: signed, claims as configured");
	test_assert(mxg_jwt_signer_create(&conf, &s, &err) == 0);
	t1 = mxg_jwt_sign_login(s, "@alice:example.org", "Alice", 1700000000, &err);
	t2 = mxg_jwt_sign_login(s, "@alice:example.org", NULL, 1700000000, &err);
	test_assert(t1 != NULL && t2 != NULL && strcmp(t1, t2) != 0);
	jwt = verify(t1, JWT_ALG_HS256, (const unsigned char *)"a shared secret", 15);
	test_assert(jwt != NULL);
	if (jwt != NULL) {
		test_assert_streq(jwt_get_grant(jwt, "sub"), "alice");
		test_assert_streq(jwt_get_grant(jwt, "iss"), "mxgate");
		test_assert_streq(jwt_get_grant(jwt, "aud"), "synapse");
		test_assert_streq(jwt_get_grant(jwt, "name"), "Alice");
		test_assert(jwt_get_grant_int(jwt, "iat") == 1700000000);
		test_assert(jwt_get_grant_int(jwt, "exp") == 1700000060);
		test_assert(jwt_get_grant(jwt, "jti") != NULL);
		jwt_free(jwt);
	}
	test_assert(verify(t1, JWT_ALG_HS256, (const unsigned char *)"another secret", 14) ==
		    NULL);
	free(t1);
	jwt = verify(t2, JWT_ALG_HS256, (const unsigned char *)"a shared secret", 15);
	test_assert(jwt != NULL && jwt_get_grant(jwt, "name") == NULL);
	jwt_free(jwt);
	free(t2);

	conf.subject = MXG_JWT_SUB_USER_ID;
	conf.issuer = conf.audience = NULL;
	t1 = mxg_jwt_sign_login(s, "@alice:example.org", NULL, 1700000000, &err);
	jwt = verify(t1, JWT_ALG_HS256, (const unsigned char *)"a shared secret", 15);
	test_assert(jwt != NULL);
	if (jwt != NULL) {
		test_assert_streq(jwt_get_grant(jwt, "sub"), "@alice:example.org");
		test_assert(jwt_get_grant(jwt, "iss") == NULL && jwt_get_grant(jwt, "aud") == NULL);
		jwt_free(jwt);
	}
	free(t1);
	conf.subject = MXG_JWT_SUB_LOCALPART;
	test_assert(mxg_jwt_sign_login(s, "not-a-user-id", NULL, 1700000000, &err) == NULL);
	mxg_jwt_signer_destroy(&s);
	test_assert(s == NULL);
	test_end();
}

/* A fresh RSA key: the private half into path, the public half returned
 * (PEM, malloc'd). */
static char *make_rsa_key(const char *path)
{
	EVP_PKEY *pkey = EVP_RSA_gen(2048);
	FILE *f = fopen(path, "w");
	BIO *bio = BIO_new(BIO_s_mem());
	char *pub = NULL, *data;
	long n;

	if (pkey != NULL && f != NULL && bio != NULL &&
	    PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
	    PEM_write_bio_PUBKEY(bio, pkey) == 1) {
		/* Not strndup: the BIO's bytes end without a NUL, and the
		 * sanitizer's strndup may look one byte past n. */
		n = BIO_get_mem_data(bio, &data);
		pub = malloc((size_t)n + 1);
		if (pub != NULL) {
			memcpy(pub, data, (size_t)n);
			pub[n] = '\0';
		}
	}
	if (f != NULL)
		fclose(f);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return pub;
}

static void test_rs256(void)
{
	char dir[] = "/tmp/test-jwt.XXXXXX", key[64], bad[64];
	struct mxg_login_jwt_conf conf = {
		.algorithm = MXG_JWT_RS256, .subject = MXG_JWT_SUB_LOCALPART,
		.lifetime_ms = 60000,
	};
	struct mxg_jwt_signer *s = NULL;
	struct mxg_error err;
	char *pub, *token;
	jwt_t *jwt;
	FILE *f;

	test_begin("RS256: verifiable with the public key; bad key files refused");
	test_assert(mkdtemp(dir) != NULL);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(bad, sizeof(bad), "%s/bad.pem", dir);
	pub = make_rsa_key(key);
	test_assert(pub != NULL);
	conf.key_file = key;
	test_assert(mxg_jwt_signer_create(&conf, &s, &err) == 0);
	token = mxg_jwt_sign_login(s, "@bob:example.org", NULL, 1700000000, &err);
	test_assert(token != NULL);
	jwt = token != NULL && pub != NULL ?
	      verify(token, JWT_ALG_RS256, (const unsigned char *)pub, strlen(pub)) : NULL;
	test_assert(jwt != NULL);
	if (jwt != NULL) {
		test_assert_streq(jwt_get_grant(jwt, "sub"), "bob");
		jwt_free(jwt);
	}
	free(token);
	mxg_jwt_signer_destroy(&s);

	f = fopen(bad, "w");
	if (f != NULL) {
		fputs("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", f);
		fclose(f);
	}
	conf.key_file = bad;
	test_assert(mxg_jwt_signer_create(&conf, &s, &err) == -1 && s == NULL);
	test_assert(strstr(err.msg, "not an RSA private key") != NULL);
	conf.key_file = "/nonexistent/key.pem";
	test_assert(mxg_jwt_signer_create(&conf, &s, &err) == -1 && s == NULL);
	test_assert(strstr(err.msg, "/nonexistent/key.pem") != NULL);
	unlink(key);
	unlink(bad);
	rmdir(dir);
	free(pub);
	test_end();
}

int main(void)
{
	test_hs256();
	test_rs256();
	return test_done("test-jwt");
}
