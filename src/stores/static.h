/*
 * static.h: the built-in `static` store: people listed in the config file.
 *
 *   stores:
 *     - name: people
 *       module: static
 *       users:
 *         - localpart: alice
 *           display_name: Alice Liddell
 *           password_hash: "$argon2id$v=19$..."   # or password_hash_file
 *           threepids:
 *             - { medium: email, address: alice@example.org }
 *
 * Long lists go in users_file instead, one person per line, tab-separated:
 *   localpart <TAB> display name <TAB> password hash <TAB> 3PIDs
 * where 3PIDs is a comma-separated list of medium:address; trailing fields
 * may be left out, '#' starts a comment line.
 *
 * For small deployments, tests and service accounts; read-only at run time.
 */
#ifndef MXG_STORE_STATIC_H
#define MXG_STORE_STATIC_H

#include <stdbool.h>

#include "core/conf.h"
#include "stores/store.h"

struct mxg_static_threepid_conf {
	char *medium;
	char *address;
};

struct mxg_static_user_conf {
	char *localpart;
	char *display_name;
	char *avatar_url;
	char *password_hash;		/* crypt(3) or argon2id; NULL = cannot log in */
	bool disabled;
	struct mxg_conf_list threepids;	/* struct mxg_static_threepid_conf */
};

struct mxg_static_settings {
	struct mxg_conf_list users;	/* struct mxg_static_user_conf */
	char *users_file;		/* more people, tab-separated (see above) */
};

/* Called once per person of a users_file; user and its strings live only
 * during the call.  Return -1 + err to stop. */
typedef int mxg_static_user_fn(void *ctx, const struct mxg_static_user_conf *user,
			       struct mxg_error *err);

/* How many people a users_file lists (to size arrays before reading). */
int mxg_static_users_file_count(const char *path, size_t *count_r, struct mxg_error *err);

/* Read a users_file, calling fn per person.  -1 + err naming file and line. */
int mxg_static_users_file_read(const char *path, mxg_static_user_fn *fn, void *ctx,
			       struct mxg_error *err);

extern const struct mxg_store_driver mxg_store_static;

#endif
