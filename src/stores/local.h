/*
 * local.h: the built-in `local` store: accounts mxgate keeps itself, in
 * its own database (table local_accounts), for people no directory knows:
 *
 *   stores:
 *     - name: accounts
 *       module: local
 *       hash_version: 2          # the password scheme new hashes use
 *       password_min_length: 10
 *       password_min_classes: 2  # of lower case, upper case, digits, others
 *
 * Passwords are argon2id hashes of a versioned scheme (core/password.h):
 * a login whose hash has another version (an older scheme, or a crypt(3)
 * hash imported with version 0) is re-hashed with hash_version.  An
 * e-mail address counts (login, lookup, profile) once it is verified.
 * Accounts are made with `mxgate accounts` (and, later, the provider's
 * registration page).
 */
#ifndef MXG_STORE_LOCAL_H
#define MXG_STORE_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "stores/store.h"

struct mxg_local_settings {
	long long hash_version;
	long long min_length;
	long long min_classes;
};

extern const struct mxg_store_driver mxg_store_local;

/* Does password meet the store's policy (and differ from localpart)?
 * NULL, or why not (a constant string). */
const char *mxg_local_password_policy(const struct mxg_local_settings *set, const char *localpart,
				      const char *password);

struct mxg_db;

/* Create an account (password already checked against the policy; email
 * NULL or verified by the caller).  0, 1 when the localpart or the
 * address is taken, -1 + err. */
int mxg_local_account_create(struct mxg_db *db, const struct mxg_local_settings *set,
			     const char *localpart, const char *display_name, const char *email,
			     const char *password, struct mxg_error *err);

/* The same with the password already hashed (scheme version). */
int mxg_local_account_insert(struct mxg_db *db, const char *localpart, const char *display_name,
			     const char *email, const char *hash, int version,
			     struct mxg_error *err);

/* Is the localpart, or the address, an account's?  1, 0, -1 + err. */
int mxg_local_account_taken(struct mxg_db *db, const char *localpart, const char *email,
			    struct mxg_error *err);

/* The live account whose verified address is email: 1 with *localpart_r
 * (arena), 0, -1 + err. */
struct mxg_arena;
int mxg_local_account_by_email(struct mxg_db *db, const char *email, struct mxg_arena *arena,
			       const char **localpart_r, struct mxg_error *err);

/* Set a new password (hashed with hash_version): 1 done, 0 no such
 * account, -1 + err. */
int mxg_local_account_set_password(struct mxg_db *db, const struct mxg_local_settings *set,
				   const char *localpart, const char *password,
				   struct mxg_error *err);

/* Lock (or unlock) an account: 1 done, 0 no such account, -1 + err.  A
 * locked account cannot log in; its sessions are the caller's to end. */
int mxg_local_account_lock(struct mxg_db *db, const char *localpart, bool lock,
			   struct mxg_error *err);

#endif
