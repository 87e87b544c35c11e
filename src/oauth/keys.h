/*
 * keys.h: the provider's signing keys and the JWKS that publishes them.
 *
 * Keys come from oauth.keys (newest first) or, when none are configured,
 * from an RSA and a P-256 key generated once in data_dir.  The first key
 * of each algorithm signs; an older one stays in the JWKS until key_grace
 * after the key that replaced it was first seen (recorded in the database,
 * so every replica and every restart agrees), then leaves it.
 */
#ifndef MXG_OAUTH_KEYS_H
#define MXG_OAUTH_KEYS_H

#include <openssl/evp.h>

#include "core/error.h"
#include "oauth/jose.h"

struct mxg_db;
struct mxg_oauth_conf;
struct mxg_oauth_keys;

int mxg_oauth_keys_open(const struct mxg_oauth_conf *conf, const char *data_dir,
			struct mxg_db *db, long long now_ms, struct mxg_oauth_keys **keys_r,
			struct mxg_error *err);
void mxg_oauth_keys_destroy(struct mxg_oauth_keys **keys);

/* The key that signs with alg and its kid; NULL when there is none. */
EVP_PKEY *mxg_oauth_keys_signer(const struct mxg_oauth_keys *keys, enum mxg_jws_alg alg,
				const char **kid_r);

/* Was jws signed by one of our keys (still published at now_ms)? */
bool mxg_oauth_keys_verify(const struct mxg_oauth_keys *keys, const struct mxg_jws *jws,
			   long long now_ms);

/* The JWKS document as of now_ms (JSON text, malloc'd), or NULL. */
char *mxg_oauth_keys_jwks(struct mxg_oauth_keys *keys, long long now_ms);

#endif
