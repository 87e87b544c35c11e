/*
 * test-jose.c: JWKs and compact JWS: RS256 and ES256 tokens checked with
 * libjwt (an implementation of its own), JWK thumbprints against the
 * RFC 7638 canonical form, public JWKs turned back into keys that verify,
 * HS256, and the refusals: a changed payload, "none", an algorithm that
 * does not match the key, small RSA keys and foreign curves.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/base64.h"
#include "core/crypto.h"
#include "oauth/jose.h"
#include "test.h"

static EVP_PKEY *gen(const char *type, const char *arg)
{
	if (strcmp(type, "RSA") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(arg));
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", arg);
}

static char *public_pem(EVP_PKEY *pk)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b != NULL && PEM_write_bio_PUBKEY(b, pk) == 1 && (n = BIO_get_mem_data(b, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

static json_t *claims(void)
{
	return json_pack("{s:s, s:s, s:i}", "iss", "https://auth.example.org/", "sub", "alice",
			 "exp", 2000000000);
}

static void test_sign(enum mxg_jws_alg alg, EVP_PKEY *pk, jwt_alg_t jalg, const char *name)
{
	char kid[MXG_JWK_THUMBPRINT_SIZE], *tok, *pem = public_pem(pk);
	json_t *c = claims();
	struct mxg_error err;
	jwt_t *jwt = NULL;

	test_begin(name);
	test_assert(mxg_jwk_key_alg(pk, &err) == (int)alg);
	test_assert(mxg_jwk_thumbprint(pk, kid) == 0 && strlen(kid) == 43);
	tok = mxg_jws_sign(alg, pk, NULL, 0, kid, c, &err);
	test_assert(tok != NULL && pem != NULL);
	if (tok != NULL && pem != NULL) {
		test_assert(jwt_decode(&jwt, tok, (unsigned char *)pem, (int)strlen(pem)) == 0);
		test_assert(jwt != NULL && jwt_get_alg(jwt) == jalg);
		if (jwt != NULL) {
			test_assert_streq(jwt_get_grant(jwt, "sub"), "alice");
			test_assert_streq(jwt_get_header(jwt, "kid"), kid);
		}
	}
	jwt_free(jwt);
	free(tok);
	free(pem);
	json_decref(c);
	test_end();
}

/* The thumbprint from the public JWK, canonicalised by jansson. */
static void test_thumbprint(EVP_PKEY *pk, const char *name)
{
	char kid[MXG_JWK_THUMBPRINT_SIZE], want[MXG_JWK_THUMBPRINT_SIZE], *canon;
	unsigned char d[MXG_SHA256_LEN];
	json_t *jwk, *req;

	test_begin(name);
	test_assert(mxg_jwk_thumbprint(pk, kid) == 0);
	jwk = mxg_jwk_public(pk, kid, (enum mxg_jws_alg)mxg_jwk_key_alg(pk, NULL));
	test_assert(jwk != NULL);
	req = json_object();
	if (strcmp(json_string_value(json_object_get(jwk, "kty")), "RSA") == 0) {
		json_object_set(req, "e", json_object_get(jwk, "e"));
		json_object_set(req, "n", json_object_get(jwk, "n"));
	} else {
		json_object_set(req, "crv", json_object_get(jwk, "crv"));
		json_object_set(req, "x", json_object_get(jwk, "x"));
		json_object_set(req, "y", json_object_get(jwk, "y"));
	}
	json_object_set(req, "kty", json_object_get(jwk, "kty"));
	canon = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	mxg_sha256(canon, strlen(canon), d);
	mxg_base64_encode(d, sizeof(d), want, sizeof(want), MXG_B64_URL | MXG_B64_NOPAD);
	test_assert_streq(kid, want);
	test_assert_streq(json_string_value(json_object_get(jwk, "kid")), kid);
	test_assert_streq(json_string_value(json_object_get(jwk, "use")), "sig");
	test_assert(json_object_get(jwk, "d") == NULL);	/* nothing private */
	free(canon);
	json_decref(req);
	json_decref(jwk);
	test_end();
}

static void test_roundtrip(enum mxg_jws_alg alg, EVP_PKEY *pk, EVP_PKEY *other, const char *name)
{
	char *tok, *bad;
	json_t *c = claims(), *jwk = mxg_jwk_public(pk, "k1", alg);
	struct mxg_error err;
	struct mxg_jws jws;
	EVP_PKEY *pub = jwk != NULL ? mxg_jwk_to_pkey(jwk, &err) : NULL;

	test_begin(name);
	test_assert(pub != NULL);
	tok = mxg_jws_sign(alg, pk, NULL, 0, "k1", c, &err);
	test_assert(tok != NULL && mxg_jws_parse(tok, &jws, &err) == 0);
	test_assert(jws.alg == (int)alg && jws.kid != NULL && strcmp(jws.kid, "k1") == 0);
	test_assert(pub != NULL && mxg_jws_verify_key(&jws, pub));
	test_assert(!mxg_jws_verify_key(&jws, other));
	test_assert(!mxg_jws_verify_secret(&jws, "secret", 6));
	test_assert_streq(json_string_value(json_object_get(jws.payload, "sub")), "alice");
	mxg_jws_clear(&jws);
	/* One character of the payload changed. */
	bad = strdup(tok);
	bad[strchr(bad, '.') - bad + 5] ^= 1;
	test_assert(mxg_jws_parse(bad, &jws, &err) < 0 || !mxg_jws_verify_key(&jws, pub));
	mxg_jws_clear(&jws);
	free(bad);
	free(tok);
	EVP_PKEY_free(pub);
	json_decref(jwk);
	json_decref(c);
	test_end();
}

static void test_hs256(EVP_PKEY *rsa)
{
	json_t *c = claims();
	struct mxg_error err;
	struct mxg_jws jws;
	char *tok = mxg_jws_sign(MXG_JWS_HS256, NULL, "a client secret", 15, NULL, c, &err);
	jwt_t *jwt = NULL;

	test_begin("HS256: verified by libjwt and here; another secret or a key fails");
	test_assert(tok != NULL);
	test_assert(jwt_decode(&jwt, tok, (const unsigned char *)"a client secret", 15) == 0);
	test_assert(jwt != NULL && jwt_get_alg(jwt) == JWT_ALG_HS256);
	test_assert(mxg_jws_parse(tok, &jws, &err) == 0 && jws.kid == NULL);
	test_assert(mxg_jws_verify_secret(&jws, "a client secret", 15));
	test_assert(!mxg_jws_verify_secret(&jws, "a client secreT", 15));
	test_assert(!mxg_jws_verify_key(&jws, rsa));
	mxg_jws_clear(&jws);
	jwt_free(jwt);
	free(tok);
	json_decref(c);
	test_end();
}

static void test_refusals(EVP_PKEY *rsa)
{
	/* {"alg":"none"} . {"sub":"alice"} . "" */
	static const char none[] = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
	EVP_PKEY *small = gen("RSA", "1024"), *p384 = gen("EC", "secp384r1");
	json_t *jwk;
	struct mxg_error err;
	struct mxg_jws jws;

	test_begin("refused: alg none, malformed tokens, small RSA, P-384, bad JWKs");
	test_assert(mxg_jws_parse(none, &jws, &err) == -1 && strstr(err.msg, "none") != NULL);
	test_assert(mxg_jws_parse("a.b", &jws, &err) == -1);
	test_assert(mxg_jws_parse("a.b.c.d", &jws, &err) == -1);
	test_assert(mxg_jws_parse("!!.??.xx", &jws, &err) == -1);
	test_assert(mxg_jws_parse(NULL, &jws, &err) == -1);
	test_assert(small != NULL && mxg_jwk_key_alg(small, &err) == -1 &&
		    strstr(err.msg, "1024") != NULL);
	test_assert(p384 != NULL && mxg_jwk_key_alg(p384, &err) == -1);
	test_assert(mxg_jwk_key_alg(rsa, &err) == MXG_JWS_RS256);
	jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-384", "x", "AAAA", "y", "AAAA");
	test_assert(mxg_jwk_to_pkey(jwk, &err) == NULL);
	json_decref(jwk);
	jwk = json_pack("{s:s}", "kty", "oct");
	test_assert(mxg_jwk_to_pkey(jwk, &err) == NULL && strstr(err.msg, "oct") != NULL);
	json_decref(jwk);
	jwk = json_pack("{s:s, s:s}", "kty", "RSA", "n", "AQAB");
	test_assert(mxg_jwk_to_pkey(jwk, &err) == NULL);
	json_decref(jwk);
	EVP_PKEY_free(small);
	EVP_PKEY_free(p384);
	test_end();
}

int main(void)
{
	EVP_PKEY *rsa = gen("RSA", "2048"), *ec = gen("EC", "prime256v1");
	EVP_PKEY *rsa2 = gen("RSA", "2048"), *ec2 = gen("EC", "prime256v1");

	test_sign(MXG_JWS_RS256, rsa, JWT_ALG_RS256, "RS256 token with kid, checked by libjwt");
	test_sign(MXG_JWS_ES256, ec, JWT_ALG_ES256, "ES256 token (raw R||S), checked by libjwt");
	test_thumbprint(rsa, "RSA thumbprint is the SHA-256 of the RFC 7638 form");
	test_thumbprint(ec, "EC thumbprint is the SHA-256 of the RFC 7638 form");
	test_roundtrip(MXG_JWS_RS256, rsa, rsa2, "RS256: JWK back to a key that verifies");
	test_roundtrip(MXG_JWS_ES256, ec, ec2, "ES256: JWK back to a key that verifies");
	test_hs256(rsa);
	test_refusals(rsa);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa2);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec2);
	return test_done("test-jose");
}
