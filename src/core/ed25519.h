/*
 * ed25519.h: ed25519 signing keys and the Synapse signing-key file format
 * ("ed25519 <version> <unpadded base64 seed>", one key per line).
 *
 * On failure err->code is an errno value: EEXIST when save refuses to
 * overwrite, ENOENT when the file is missing, EINVAL for bad content or a
 * bad version (which must be 1 to 63 of [A-Za-z0-9_]).  Messages name the
 * file and line but never quote a key.
 */
#ifndef MXG_ED25519_H
#define MXG_ED25519_H

#include <stddef.h>

#include "core/error.h"

#define MXG_ED25519_SEED_LEN 32
#define MXG_ED25519_PUB_LEN 32
#define MXG_ED25519_SIG_LEN 64
#define MXG_ED25519_VERSION_MAX 64

struct mxg_ed25519_key {
	unsigned char seed[MXG_ED25519_SEED_LEN];	/* secret */
	unsigned char pub[MXG_ED25519_PUB_LEN];
	char version[MXG_ED25519_VERSION_MAX];		/* "0" of "ed25519:0" */
	char pub_b64[48];				/* unpadded standard base64 */
};

/* Derive the public key from seed.  Returns 0 or -1. */
int mxg_ed25519_from_seed(const unsigned char seed[MXG_ED25519_SEED_LEN], const char *version,
			  struct mxg_ed25519_key *key_r, struct mxg_error *err);

/* A fresh key from the CSPRNG. */
int mxg_ed25519_generate(const char *version, struct mxg_ed25519_key *key_r,
			 struct mxg_error *err);

int mxg_ed25519_sign(const struct mxg_ed25519_key *key, const void *msg, size_t len,
		     unsigned char sig[MXG_ED25519_SIG_LEN]);

/* 0 when sig is a valid signature of msg by pub, -1 otherwise. */
int mxg_ed25519_verify(const unsigned char pub[MXG_ED25519_PUB_LEN], const void *msg,
		       size_t len, const unsigned char sig[MXG_ED25519_SIG_LEN]);

/* Read the first ed25519 key of a Synapse-format key file.  Blank lines are
 * skipped; every other line must be a well-formed key. */
int mxg_ed25519_load(const char *path, struct mxg_ed25519_key *key_r, struct mxg_error *err);

/* Write key to path (mode 0600, created exclusively: never overwrites). */
int mxg_ed25519_save(const char *path, const struct mxg_ed25519_key *key, struct mxg_error *err);

/* Load path, or generate and save a key with version "0" when it does not
 * exist.  *created_r (may be NULL) tells which happened. */
int mxg_ed25519_load_or_create(const char *path, struct mxg_ed25519_key *key_r,
			       int *created_r, struct mxg_error *err);

/* Wipe the secret part. */
void mxg_ed25519_clear(struct mxg_ed25519_key *key);

#endif
