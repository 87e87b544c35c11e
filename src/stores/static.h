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
};

extern const struct mxg_store_driver mxg_store_static;

#endif
