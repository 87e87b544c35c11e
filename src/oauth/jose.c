/*
 * jose.c: JSON Web Keys and compact JSON Web Signatures (see jose.h).
 *
 * JWS ECDSA signatures are the raw R || S (RFC 7518 3.4), OpenSSL's are
 * DER: both directions are converted here.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "core/base64.h"
#include "core/crypto.h"
#include "oauth/jose.h"

#define P256_LEN 32
/* Claims and headers beyond this are not a client assertion or ID token. */
#define MAX_JWS_LEN (64 * 1024)

static const char *const alg_names[MXG_JWS_ALGS] = {
	[MXG_JWS_RS256] = "RS256", [MXG_JWS_ES256] = "ES256", [MXG_JWS_HS256] = "HS256",
};

int mxg_jws_alg_parse(const char *name)
{
	for (int i = 0; name != NULL && i < MXG_JWS_ALGS; i++)
		if (strcmp(name, alg_names[i]) == 0)
			return i;
	return -1;
}

const char *mxg_jws_alg_name(enum mxg_jws_alg alg)
{
	return alg_names[alg];
}

char *mxg_b64url(const void *data, size_t len)
{
	size_t cap = MXG_BASE64_ENCODED_SIZE(len);
	char *out = malloc(cap);

	if (out != NULL)
		mxg_base64_encode(data, len, out, cap, MXG_B64_URL | MXG_B64_NOPAD);
	return out;
}

/* A big number as base64url of its big-endian bytes (pad: fixed width). */
static char *bn_b64url(const BIGNUM *bn, int pad)
{
	int len = pad > 0 ? pad : BN_num_bytes(bn);
	unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
	char *out = NULL;

	if (buf != NULL && BN_bn2binpad(bn, buf, len) == len)
		out = mxg_b64url(buf, (size_t)len);
	free(buf);
	return out;
}

static bool is_p256(EVP_PKEY *pk)
{
	char group[64];

	return EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
					      sizeof(group), NULL) == 1 &&
	       strcmp(group, SN_X9_62_prime256v1) == 0;
}

int mxg_jwk_key_alg(EVP_PKEY *pk, struct mxg_error *err)
{
	if (EVP_PKEY_is_a(pk, "RSA")) {
		if (EVP_PKEY_get_bits(pk) < 2048)
			return mxg_error_set(err, EINVAL, "RSA key of %d bits (2048 or more needed)",
					     EVP_PKEY_get_bits(pk)), -1;
		return MXG_JWS_RS256;
	}
	if (EVP_PKEY_is_a(pk, "EC") && is_p256(pk))
		return MXG_JWS_ES256;
	mxg_error_set(err, EINVAL, "a %s key (RSA or EC P-256 needed)", EVP_PKEY_get0_type_name(pk));
	return -1;
}

/* The members of pk's JWK that a thumbprint covers, in their order. */
static int jwk_members(EVP_PKEY *pk, char **a, char **b)
{
	BIGNUM *x = NULL, *y = NULL;
	int rc = -1;

	*a = *b = NULL;
	if (EVP_PKEY_is_a(pk, "RSA")) {
		if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &x) == 1 &&
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &y) == 1) {
			*a = bn_b64url(x, 0);	/* e */
			*b = bn_b64url(y, 0);	/* n */
		}
	} else if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
		   EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1) {
		*a = bn_b64url(x, P256_LEN);
		*b = bn_b64url(y, P256_LEN);
	}
	if (*a != NULL && *b != NULL)
		rc = 0;
	BN_free(x);
	BN_free(y);
	if (rc < 0) {
		free(*a);
		free(*b);
		*a = *b = NULL;
	}
	return rc;
}

int mxg_jwk_thumbprint(EVP_PKEY *pk, char out[MXG_JWK_THUMBPRINT_SIZE])
{
	unsigned char d[MXG_SHA256_LEN];
	char *a, *b, *canon;
	int n;

	if (jwk_members(pk, &a, &b) < 0)
		return -1;
	/* RFC 7638 3.2: the required members, sorted, no white space. */
	if (EVP_PKEY_is_a(pk, "RSA"))
		n = asprintf(&canon, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", a, b);
	else
		n = asprintf(&canon, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
			     a, b);
	free(a);
	free(b);
	if (n < 0)
		return -1;
	mxg_sha256(canon, (size_t)n, d);
	free(canon);
	mxg_base64_encode(d, sizeof(d), out, MXG_JWK_THUMBPRINT_SIZE, MXG_B64_URL | MXG_B64_NOPAD);
	return 0;
}

json_t *mxg_jwk_public(EVP_PKEY *pk, const char *kid, enum mxg_jws_alg alg)
{
	char *a, *b;
	json_t *jwk;

	if (jwk_members(pk, &a, &b) < 0)
		return NULL;
	if (EVP_PKEY_is_a(pk, "RSA"))
		jwk = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "e", a, "n", b);
	else
		jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", a, "y", b);
	free(a);
	free(b);
	if (jwk != NULL && json_object_update_new(jwk, json_pack("{s:s, s:s, s:s}", "kid", kid,
								  "alg", alg_names[alg],
								  "use", "sig")) < 0) {
		json_decref(jwk);
		jwk = NULL;
	}
	return jwk;
}

/* A base64url member of a JWK, decoded into a new buffer. */
static unsigned char *jwk_bytes(const json_t *jwk, const char *name, size_t *len_r)
{
	const char *v = json_string_value(json_object_get(jwk, name));
	unsigned char *buf;
	size_t len;

	if (v == NULL || (len = strlen(v)) == 0 || len > 2048)
		return NULL;
	buf = malloc(len);
	if (buf != NULL && mxg_base64_decode(v, len, buf, len, len_r) < 0) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pk = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pk;
}

EVP_PKEY *mxg_jwk_to_pkey(const json_t *jwk, struct mxg_error *err)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY *pk = NULL;

	if (bld == NULL)
		goto out;
	if (kty != NULL && strcmp(kty, "RSA") == 0) {
		a = jwk_bytes(jwk, "n", &alen);
		b = jwk_bytes(jwk, "e", &blen);
		if (a == NULL || b == NULL) {
			mxg_error_set(err, EINVAL, "RSA JWK without n and e");
			goto out;
		}
		n = BN_bin2bn(a, (int)alen, NULL);
		e = BN_bin2bn(b, (int)blen, NULL);
		if (n != NULL && e != NULL &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
			pk = pkey_from_params("RSA", bld);
	} else if (kty != NULL && strcmp(kty, "EC") == 0) {
		const char *crv = json_string_value(json_object_get(jwk, "crv"));
		unsigned char point[1 + 2 * P256_LEN];

		a = jwk_bytes(jwk, "x", &alen);
		b = jwk_bytes(jwk, "y", &blen);
		if (crv == NULL || strcmp(crv, "P-256") != 0 || a == NULL || b == NULL ||
		    alen != P256_LEN || blen != P256_LEN) {
			mxg_error_set(err, EINVAL, "EC JWK not on P-256, or without x and y");
			goto out;
		}
		point[0] = 0x04;	/* uncompressed */
		memcpy(point + 1, a, P256_LEN);
		memcpy(point + 1 + P256_LEN, b, P256_LEN);
		if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						    SN_X9_62_prime256v1, 0) == 1 &&
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
						     sizeof(point)) == 1)
			pk = pkey_from_params("EC", bld);
	} else {
		mxg_error_set(err, EINVAL, "JWK of kty %s (RSA or EC needed)",
			      kty != NULL ? kty : "(none)");
		goto out;
	}
	if (pk == NULL)
		mxg_error_set(err, EINVAL, "JWK is not a usable %s public key", kty);
out:
	BN_free(n);
	BN_free(e);
	free(a);
	free(b);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

/* --- signatures --- */

/* DER ECDSA-Sig-Value -> R || S. */
static int ecdsa_der_to_raw(const unsigned char *der, size_t len, unsigned char raw[2 * P256_LEN])
{
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &der, (long)len);
	int rc = -1;

	if (s != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(s), raw, P256_LEN) == P256_LEN &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(s), raw + P256_LEN, P256_LEN) == P256_LEN)
		rc = 0;
	ECDSA_SIG_free(s);
	return rc;
}

/* R || S -> DER (malloc'd, *len_r), or NULL. */
static unsigned char *ecdsa_raw_to_der(const unsigned char *raw, size_t *len_r)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, P256_LEN, NULL), *ss = BN_bin2bn(raw + P256_LEN, P256_LEN, NULL);
	unsigned char *der = NULL;
	int len;

	if (s == NULL || r == NULL || ss == NULL || ECDSA_SIG_set0(s, r, ss) != 1) {
		BN_free(r);
		BN_free(ss);
		ECDSA_SIG_free(s);
		return NULL;
	}
	len = i2d_ECDSA_SIG(s, &der);
	ECDSA_SIG_free(s);
	if (len <= 0)
		return NULL;
	*len_r = (size_t)len;
	return der;
}

static int hs256(const void *secret, size_t secret_len, const char *data, size_t len,
		 unsigned char out[MXG_SHA256_LEN])
{
	unsigned int n = 0;

	return HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)data, len, out,
		    &n) != NULL && n == MXG_SHA256_LEN ? 0 : -1;
}

/* The signature over input, malloc'd in JWS form; NULL on failure. */
static unsigned char *sign_input(enum mxg_jws_alg alg, EVP_PKEY *key, const void *secret,
				 size_t secret_len, const char *input, size_t *len_r)
{
	EVP_MD_CTX *md;
	unsigned char *sig = NULL;
	size_t len = 0;

	if (alg == MXG_JWS_HS256) {
		sig = malloc(MXG_SHA256_LEN);
		if (sig != NULL && hs256(secret, secret_len, input, strlen(input), sig) < 0) {
			free(sig);
			return NULL;
		}
		*len_r = MXG_SHA256_LEN;
		return sig;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &len, (const unsigned char *)input, strlen(input)) != 1 ||
	    (sig = malloc(len)) == NULL ||
	    EVP_DigestSign(md, sig, &len, (const unsigned char *)input, strlen(input)) != 1) {
		EVP_MD_CTX_free(md);
		free(sig);
		return NULL;
	}
	EVP_MD_CTX_free(md);
	if (alg == MXG_JWS_ES256) {
		unsigned char *raw = malloc(2 * P256_LEN);

		if (raw == NULL || ecdsa_der_to_raw(sig, len, raw) < 0) {
			free(raw);
			free(sig);
			return NULL;
		}
		free(sig);
		sig = raw;
		len = 2 * P256_LEN;
	}
	*len_r = len;
	return sig;
}

char *mxg_jws_sign(enum mxg_jws_alg alg, EVP_PKEY *key, const void *secret, size_t secret_len,
		   const char *kid, const json_t *payload, struct mxg_error *err)
{
	json_t *header = json_pack("{s:s, s:s}", "alg", alg_names[alg], "typ", "JWT");
	char *h_json = NULL, *p_json = NULL, *h = NULL, *p = NULL, *input = NULL, *s = NULL;
	char *out = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0;

	if (header != NULL && kid != NULL)
		json_object_set_new(header, "kid", json_string(kid));
	if (header == NULL ||
	    (h_json = json_dumps(header, JSON_COMPACT)) == NULL ||
	    (p_json = json_dumps(payload, JSON_COMPACT)) == NULL ||
	    (h = mxg_b64url(h_json, strlen(h_json))) == NULL ||
	    (p = mxg_b64url(p_json, strlen(p_json))) == NULL ||
	    asprintf(&input, "%s.%s", h, p) < 0) {
		input = NULL;
		mxg_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	sig = sign_input(alg, key, secret, secret_len, input, &sig_len);
	if (sig == NULL || (s = mxg_b64url(sig, sig_len)) == NULL ||
	    asprintf(&out, "%s.%s", input, s) < 0) {
		out = NULL;
		mxg_error_set(err, EIO, "signing a %s token failed", alg_names[alg]);
	}
out:
	json_decref(header);
	free(h_json);
	free(p_json);
	free(h);
	free(p);
	free(input);
	free(sig);
	free(s);
	return out;
}

/* A base64url segment decoded as a JSON object. */
static json_t *segment_object(const char *seg, size_t len)
{
	char *buf = malloc(len + 1);
	size_t n = 0;
	json_t *o = NULL;

	if (buf != NULL && mxg_base64_decode(seg, len, buf, len, &n) == 0) {
		o = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
		if (o != NULL && !json_is_object(o)) {
			json_decref(o);
			o = NULL;
		}
	}
	free(buf);
	return o;
}

int mxg_jws_parse(const char *compact, struct mxg_jws *jws, struct mxg_error *err)
{
	const char *dot1, *dot2, *alg;
	size_t len;

	memset(jws, 0, sizeof(*jws));
	if (compact == NULL || (len = strlen(compact)) > MAX_JWS_LEN ||
	    (dot1 = strchr(compact, '.')) == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		return mxg_error_set(err, EINVAL, "not a compact JWS");
	jws->header = segment_object(compact, (size_t)(dot1 - compact));
	jws->payload = segment_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (jws->header == NULL || jws->payload == NULL) {
		mxg_jws_clear(jws);
		return mxg_error_set(err, EINVAL, "JWS header or payload is not a JSON object");
	}
	alg = json_string_value(json_object_get(jws->header, "alg"));
	jws->alg = mxg_jws_alg_parse(alg);
	if (jws->alg < 0) {
		mxg_error_set(err, EINVAL, "JWS algorithm %s is not accepted (RS256, ES256, HS256)",
			      alg != NULL ? alg : "(none)");
		mxg_jws_clear(jws);
		return -1;
	}
	jws->kid = json_string_value(json_object_get(jws->header, "kid"));
	jws->signing_input_len = (size_t)(dot2 - compact);
	jws->signing_input = strndup(compact, jws->signing_input_len);
	jws->sig = malloc(strlen(dot2 + 1) + 1);
	if (jws->signing_input == NULL || jws->sig == NULL ||
	    mxg_base64_decode(dot2 + 1, strlen(dot2 + 1), jws->sig, strlen(dot2 + 1) + 1,
			      &jws->sig_len) < 0 || jws->sig_len == 0) {
		mxg_jws_clear(jws);
		return mxg_error_set(err, EINVAL, "JWS signature is not base64url");
	}
	return 0;
}

void mxg_jws_clear(struct mxg_jws *jws)
{
	json_decref(jws->header);
	json_decref(jws->payload);
	free(jws->signing_input);
	free(jws->sig);
	memset(jws, 0, sizeof(*jws));
}

bool mxg_jws_verify_key(const struct mxg_jws *jws, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	const unsigned char *sig = jws->sig;
	size_t sig_len = jws->sig_len;
	EVP_MD_CTX *md;
	bool ok = false;

	if (jws->alg == MXG_JWS_HS256 || mxg_jwk_key_alg(key, NULL) != jws->alg)
		return false;
	if (jws->alg == MXG_JWS_ES256) {
		if (sig_len != 2 * P256_LEN || (der = ecdsa_raw_to_der(sig, &sig_len)) == NULL)
			return false;
		sig = der;
	}
	md = EVP_MD_CTX_new();
	if (md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1)
		ok = EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)jws->signing_input,
				      jws->signing_input_len) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return ok;
}

bool mxg_jws_verify_secret(const struct mxg_jws *jws, const void *secret, size_t secret_len)
{
	unsigned char mac[MXG_SHA256_LEN];

	if (jws->alg != MXG_JWS_HS256 || jws->sig_len != MXG_SHA256_LEN ||
	    hs256(secret, secret_len, jws->signing_input, jws->signing_input_len, mac) < 0)
		return false;
	return mxg_const_eq(mac, jws->sig, MXG_SHA256_LEN);
}
