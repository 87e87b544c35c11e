/*
 * token.h: the opaque tokens of the OAuth provider: access and refresh
 * tokens, authorization and device codes, compat-login tokens and browser
 * sessions.
 *
 * A token is "<prefix>_<30 random [A-Za-z0-9]>_<CRC-32 in 6 base62 digits>":
 * the prefix says what it is (a token shown where another is expected is
 * refused at once), the checksum lets a mistyped or made-up token be
 * refused without a database lookup.  Only SHA-256 hashes of tokens are
 * stored; the token itself exists only in the reply that carries it.
 */
#ifndef MXG_OAUTH_TOKEN_H
#define MXG_OAUTH_TOKEN_H

#include <stddef.h>

#include "core/crypto.h"

enum mxg_token_kind {
	MXG_TOKEN_ACCESS,		/* mxat_: OAuth access token */
	MXG_TOKEN_REFRESH,		/* mxrt_: OAuth refresh token */
	MXG_TOKEN_CODE,			/* mxac_: authorization code */
	MXG_TOKEN_DEVICE_CODE,		/* mxdc_: device authorization code */
	MXG_TOKEN_COMPAT_ACCESS,	/* mxct_: compat login access token */
	MXG_TOKEN_COMPAT_REFRESH,	/* mxcr_: compat login refresh token */
	MXG_TOKEN_BROWSER,		/* mxbs_: a browser's login session cookie */
	MXG_TOKEN_LOGIN,		/* mxlt_: m.login.token of the compat SSO login */
	MXG_TOKEN_KINDS
};

#define MXG_TOKEN_RANDOM	30
#define MXG_TOKEN_LEN		(4 + 1 + MXG_TOKEN_RANDOM + 1 + 6)
#define MXG_TOKEN_SIZE		(MXG_TOKEN_LEN + 1)
#define MXG_TOKEN_HASH_SIZE	MXG_SHA256_HEX_SIZE

/* A new token of kind into out.  Returns 0, or -1 when the CSPRNG fails. */
int mxg_token_mint(enum mxg_token_kind kind, char out[MXG_TOKEN_SIZE]);

/* The kind of a well-formed token whose checksum holds, else -1. */
int mxg_token_kind(const char *token);

/* The hex SHA-256 of token, as stored. */
void mxg_token_hash(const char *token, char out[MXG_TOKEN_HASH_SIZE]);

#endif
