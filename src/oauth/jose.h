/*
 * jose.h: the parts of JOSE the OAuth provider needs, over OpenSSL 3:
 * JSON Web Keys (RFC 7517/7518; RSA and EC P-256 public keys, RFC 7638
 * thumbprints) and compact JSON Web Signatures (RFC 7515) with RS256,
 * ES256 and HS256: ID tokens are signed with them, client assertions
 * (client_secret_jwt, private_key_jwt) checked.
 */
#ifndef MXG_OAUTH_JOSE_H
#define MXG_OAUTH_JOSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/error.h"

enum mxg_jws_alg { MXG_JWS_RS256, MXG_JWS_ES256, MXG_JWS_HS256, MXG_JWS_ALGS };

/* "RS256" <-> enum; -1 for anything else ("none" included). */
int mxg_jws_alg_parse(const char *name);
const char *mxg_jws_alg_name(enum mxg_jws_alg alg);

/* The algorithm a private or public key signs with: RSA of 2048 bits or
 * more is RS256, EC P-256 is ES256; -1 with err for anything else. */
int mxg_jwk_key_alg(EVP_PKEY *pk, struct mxg_error *err);

/* RFC 7638 thumbprint (SHA-256, base64url): 43 characters and a NUL. */
#define MXG_JWK_THUMBPRINT_SIZE 44
int mxg_jwk_thumbprint(EVP_PKEY *pk, char out[MXG_JWK_THUMBPRINT_SIZE]);

/* The public JWK of pk with "kid", "alg" and "use": "sig"; NULL on failure. */
json_t *mxg_jwk_public(EVP_PKEY *pk, const char *kid, enum mxg_jws_alg alg);

/* The public key a JWK describes (RSA, or EC on P-256); NULL with err. */
EVP_PKEY *mxg_jwk_to_pkey(const json_t *jwk, struct mxg_error *err);

/*
 * A compact JWS of payload: RS256/ES256 with key, HS256 with secret.  kid
 * NULL: no "kid" header.  Returns a malloc'd string, NULL with err.
 */
char *mxg_jws_sign(enum mxg_jws_alg alg, EVP_PKEY *key, const void *secret, size_t secret_len,
		   const char *kid, const json_t *payload, struct mxg_error *err);

/* A compact JWS taken apart (mxg_jws_parse), before its signature is
 * checked: nothing in it may be trusted yet. */
struct mxg_jws {
	json_t *header, *payload;	/* objects */
	int alg;			/* enum mxg_jws_alg */
	const char *kid;		/* in header; NULL when absent */
	char *signing_input;		/* "header.payload" */
	size_t signing_input_len;
	unsigned char *sig;
	size_t sig_len;
};

/* 0, or -1 with err when compact is not a JWS of a known algorithm. */
int mxg_jws_parse(const char *compact, struct mxg_jws *jws, struct mxg_error *err);
void mxg_jws_clear(struct mxg_jws *jws);

/* Does the signature hold?  alg must match the key's (or be HS256 for a
 * secret); the comparison of an HMAC is constant-time. */
bool mxg_jws_verify_key(const struct mxg_jws *jws, EVP_PKEY *key);
bool mxg_jws_verify_secret(const struct mxg_jws *jws, const void *secret, size_t secret_len);

/* base64url without padding of len bytes, malloc'd; NULL when out of memory. */
char *mxg_b64url(const void *data, size_t len);

#endif
