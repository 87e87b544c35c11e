/*
 * idtoken.c: building and signing ID tokens (see idtoken.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/crypto.h"
#include "core/mxconfig.h"
#include "oauth/idtoken.h"
#include "oauth/jose.h"
#include "oauth/keys.h"
#include "oauth/oauth.h"

void mxg_oauth_subject(const char *user_id, char *out, size_t size)
{
	const char *start = user_id[0] == '@' ? user_id + 1 : user_id;
	size_t n = strcspn(start, ":");

	if (n >= size)
		n = size - 1;
	memcpy(out, start, n);
	out[n] = '\0';
}

char *mxg_oauth_id_token(struct mxg_oauth *p, const char *client_id, const char *user_id,
			 const char *nonce, long long auth_time_ms, const char *access_token,
			 long long now_ms, struct mxg_error *err)
{
	unsigned char d[MXG_SHA256_LEN];
	char sub[256], *at_hash, *token;
	const char *kid = NULL;
	EVP_PKEY *key = mxg_oauth_keys_signer(p->keys, MXG_JWS_RS256, &kid);
	json_t *claims;

	if (key == NULL) {
		mxg_error_set(err, ENOENT, "no RS256 signing key");
		return NULL;
	}
	/* at_hash: the left half of the SHA-256 of the access token. */
	mxg_sha256(access_token, strlen(access_token), d);
	at_hash = mxg_b64url(d, sizeof(d) / 2);
	mxg_oauth_subject(user_id, sub, sizeof(sub));
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s?}", "iss", p->issuer, "sub", sub,
			   "aud", client_id, "iat", (json_int_t)(now_ms / 1000), "exp",
			   (json_int_t)((now_ms + p->conf->id_token_lifetime_ms) / 1000),
			   "auth_time", (json_int_t)(auth_time_ms / 1000), "at_hash", at_hash);
	if (claims != NULL && nonce != NULL)
		json_object_set_new(claims, "nonce", json_string(nonce));
	token = claims != NULL ? mxg_jws_sign(MXG_JWS_RS256, key, NULL, 0, kid, claims, err) : NULL;
	if (claims == NULL)
		mxg_error_set(err, ENOMEM, "out of memory");
	json_decref(claims);
	free(at_hash);
	return token;
}
