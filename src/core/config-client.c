/*
 * config-client.c: the `client` section: what mxgate adds to the
 * homeserver's client-server API on a `client` listener: directory search
 * merged with the stores, profiles filled in from them, and the client
 * discovery document.  Hooked into the root table in config.c.
 */
#include "config.h"

#include "core/config-internal.h"
#include "core/mxconfig.h"

static const struct mxg_conf_def directory_table[] = {
	{ .key = "enabled", .type = MXG_CONF_BOOL, .offset = F(mxg_client_directory_conf, enabled),
	  .dflt = "true", .doc = "merge the stores' people into user_directory/search" },
	{ .key = "max_limit", .type = MXG_CONF_INT,
	  .offset = F(mxg_client_directory_conf, max_limit), .dflt = "50", .min = 1, .max = 1000,
	  .doc = "the most results one search returns, whatever limit a client asks" },
	{ .key = NULL },
};

static const struct mxg_conf_def profile_table[] = {
	{ .key = "fill_from_stores", .type = MXG_CONF_BOOL,
	  .offset = F(mxg_client_profile_conf, fill_from_stores), .dflt = "false",
	  .doc = "answer a profile the homeserver lacks from the stores" },
	{ .key = NULL },
};

static const struct mxg_conf_def well_known_table[] = {
	{ .key = "homeserver", .type = MXG_CONF_STRING,
	  .offset = F(mxg_client_well_known_conf, homeserver), .check = mxg_config_check_baseurl,
	  .doc = "m.homeserver base_url clients use; unset: no document is served" },
	{ .key = "identity_server", .type = MXG_CONF_STRING,
	  .offset = F(mxg_client_well_known_conf, identity_server),
	  .check = mxg_config_check_baseurl,
	  .doc = "m.identity_server base_url; default public_baseurl when mxgate serves identity" },
	{ .key = NULL },
};

const struct mxg_conf_def mxg_config_client_table[] = {
	{ .key = "directory", .type = MXG_CONF_SECTION, .offset = F(mxg_client_conf, directory),
	  .sub = directory_table, .doc = "POST /_matrix/client/v3/user_directory/search" },
	{ .key = "profile", .type = MXG_CONF_SECTION, .offset = F(mxg_client_conf, profile),
	  .sub = profile_table, .doc = "GET /_matrix/client/v3/profile/{userId}" },
	{ .key = "well_known", .type = MXG_CONF_SECTION, .offset = F(mxg_client_conf, well_known),
	  .sub = well_known_table, .doc = "GET /.well-known/matrix/client" },
	{ .key = NULL },
};
