/*
 * accounts.h: identity-server accounts, their tokens and accepted terms
 * (tables is_accounts, is_tokens, is_terms_accepted; migration 2).
 *
 * A token is 48 random [A-Za-z0-9] characters handed to the client once;
 * only its hex SHA-256 is stored.  The lookup goes by that hash through the
 * primary key: the time it takes depends on the hash, which says nothing
 * about a token an attacker does not already have.  All functions block on
 * the database; call them from worker threads.
 */
#ifndef MXG_IDENTITY_ACCOUNTS_H
#define MXG_IDENTITY_ACCOUNTS_H

#include <stddef.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_db;
struct mxg_identity_conf;

#define MXG_IS_TOKEN_LEN 48
#define MXG_IS_TOKEN_HASH_LEN 64	/* hex sha256 */

/* Hex SHA-256 of token into out (NUL-terminated). */
void mxg_is_token_hash(const char *token, char out[MXG_IS_TOKEN_HASH_LEN + 1]);

/*
 * Make the account of user_id if new and mint a token valid for
 * lifetime_ms into token_r.  Returns 0, or -1 with err (enum mxg_db_err, or
 * EIO when the CSPRNG fails).  Expired tokens of every user are purged on
 * the way.
 */
int mxg_is_account_register(struct mxg_db *db, const char *user_id, long long lifetime_ms,
			    char token_r[MXG_IS_TOKEN_LEN + 1], struct mxg_error *err);

struct mxg_is_token_info {
	char *user_id;			/* in the arena */
	char *terms_version;		/* in the arena; "" when none accepted */
	char hash[MXG_IS_TOKEN_HASH_LEN + 1];
};

/* Look token up.  Returns 1 with *info_r when it is known and unexpired, 0
 * when not, -1 with err when the database failed. */
int mxg_is_token_lookup(struct mxg_db *db, struct mxg_arena *arena, const char *token,
			struct mxg_is_token_info *info_r, struct mxg_error *err);

/* Delete the token of this hash.  Returns 1 when deleted, 0 when unknown,
 * -1 with err. */
int mxg_is_token_delete(struct mxg_db *db, const char *hash, struct mxg_error *err);

/* The policy id that url (any language) belongs to, or NULL. */
const char *mxg_is_terms_policy_of(const struct mxg_identity_conf *conf, const char *url);

/*
 * Record that user_id accepts urls (each a known policy URL) and, when the
 * URLs accepted so far cover every current policy, store conf's terms
 * version on the account.  Returns 0, or -1 with err.
 */
int mxg_is_terms_accept(struct mxg_db *db, const struct mxg_identity_conf *conf,
			const char *user_id, const char *const *urls, size_t count,
			struct mxg_error *err);

#endif
