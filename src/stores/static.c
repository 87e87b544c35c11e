/*
 * static.c: the built-in `static` store (people listed in the config).
 */
#include "config.h"

#include <stddef.h>

#include "stores/static.h"



static const struct mxg_conf_def threepid_table[] = {
	{ .key = "medium", .type = MXG_CONF_STRING, .flags = MXG_CONF_REQUIRED,
	  .offset = offsetof(struct mxg_static_threepid_conf, medium),
	  .doc = "\"email\" or \"msisdn\"" },
	{ .key = "address", .type = MXG_CONF_STRING, .flags = MXG_CONF_REQUIRED,
	  .offset = offsetof(struct mxg_static_threepid_conf, address),
	  .doc = "the address; e-mail lower-cased, msisdn as E.164 digits" },
	{ .key = NULL },
};

static const struct mxg_conf_def user_table[] = {
	{ .key = "localpart", .type = MXG_CONF_STRING, .flags = MXG_CONF_REQUIRED,
	  .offset = offsetof(struct mxg_static_user_conf, localpart),
	  .doc = "Matrix localpart (the user ID is @localpart:server_name)" },
	{ .key = "display_name", .type = MXG_CONF_STRING,
	  .offset = offsetof(struct mxg_static_user_conf, display_name),
	  .doc = "display name" },
	{ .key = "avatar_url", .type = MXG_CONF_STRING,
	  .offset = offsetof(struct mxg_static_user_conf, avatar_url),
	  .doc = "mxc:// avatar URL" },
	{ .key = "password_hash", .type = MXG_CONF_SECRET,
	  .offset = offsetof(struct mxg_static_user_conf, password_hash),
	  .doc = "crypt(3) ($2b$, $6$, $y$...) or $argon2id$ hash; absent: no password login" },
	{ .key = "disabled", .type = MXG_CONF_BOOL, .dflt = "false",
	  .offset = offsetof(struct mxg_static_user_conf, disabled),
	  .doc = "refuse logins for this person" },
	{ .key = "threepids", .type = MXG_CONF_LIST, .sub = threepid_table,
	  .elem_size = sizeof(struct mxg_static_threepid_conf),
	  .offset = offsetof(struct mxg_static_user_conf, threepids),
	  .doc = "e-mail addresses and phone numbers" },
	{ .key = NULL },
};

static const struct mxg_conf_def static_table[] = {
	{ .key = "users", .type = MXG_CONF_LIST, .sub = user_table,
	  .elem_size = sizeof(struct mxg_static_user_conf),
	  .offset = offsetof(struct mxg_static_settings, users),
	  .doc = "the people of this store" },
	{ .key = NULL },
};

const struct mxg_store_driver mxg_store_static = {
	.abi_version = MXG_STORE_ABI,
	.name = "static",
	.settings = static_table,
	.settings_size = sizeof(struct mxg_static_settings),
};
