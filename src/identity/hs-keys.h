/*
 * hs-keys.h: homeservers' ed25519 signing keys, for requests they sign
 * (Authorization: X-Matrix on POST /3pid/unbind).
 *
 * A key is fetched from GET <homeserver>/_matrix/key/v2/server (the
 * homeserver reached through mxg_hs_resolve()), checked (server_name, the
 * self-signature by the key asked for) and cached in the process until the
 * answer's valid_until_ts (at most a day, so that a revoked key goes).
 * Blocking (HTTP): call from worker threads; thread-safe.
 */
#ifndef MXG_IDENTITY_HS_KEYS_H
#define MXG_IDENTITY_HS_KEYS_H

#include <stddef.h>

#include "core/ed25519.h"
#include "core/error.h"

struct mxg_config;

/* Codes in struct mxg_error.code. */
enum mxg_hs_keys_err {
	MXG_HS_KEYS_ERR_FETCH = 1,	/* the homeserver could not be asked */
	MXG_HS_KEYS_ERR_INVALID,	/* its answer is not a valid key response */
	MXG_HS_KEYS_ERR_NO_KEY,		/* it has no such key */
};

/*
 * Check a /_matrix/key/v2/server answer of server_name and take key_id out
 * of it: pub, and the answer's valid_until_ts (ms).  Returns 0, or -1 with
 * err (INVALID, NO_KEY).
 */
int mxg_hs_keys_parse(const char *body, size_t len, const char *server_name,
		      const char *key_id, unsigned char pub[MXG_ED25519_PUB_LEN],
		      long long *valid_until_r, struct mxg_error *err);

/* The key key_id of server_name (lower-case), from the cache or fetched.
 * Returns 0 with pub filled, or -1 with err. */
int mxg_hs_keys_get(const struct mxg_config *cfg, const char *server_name, const char *key_id,
		    unsigned char pub[MXG_ED25519_PUB_LEN], struct mxg_error *err);

/* Forget every cached key (tests, shutdown). */
void mxg_hs_keys_clear(void);

#endif
