/*
 * config-homeserver.c: the `homeserver` section: where mxgate reaches the
 * homeserver's client-server API, for what it does in front of it (login
 * interception, the reverse proxy, directory and profile).  Hooked into the
 * root table in config.c.
 */
#include "config.h"

#include "core/config-internal.h"
#include "core/mxconfig.h"

const struct mxg_conf_def mxg_config_homeserver_table[] = {
	{ .key = "base_url", .type = MXG_CONF_STRING, .offset = F(mxg_homeserver_conf, base_url),
	  .check = mxg_config_check_baseurl,
	  .doc = "the homeserver's client-server API as mxgate reaches it "
		 "(e.g. http://127.0.0.1:8008); unset: nothing is forwarded" },
	{ .key = "connect_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_homeserver_conf, connect_timeout_ms), .dflt = "5s", .min = 100,
	  .max = 5 * MIN, .doc = "connecting to it" },
	{ .key = "timeout", .type = MXG_CONF_DURATION, .offset = F(mxg_homeserver_conf, timeout_ms),
	  .dflt = "30s", .min = 100, .max = 10 * MIN,
	  .doc = "a whole call mxgate makes itself (login, directory, profile)" },
	{ .key = "ca_file", .type = MXG_CONF_STRING, .offset = F(mxg_homeserver_conf, ca_file),
	  .check = mxg_config_check_nonempty,
	  .doc = "PEM bundle to verify an https:// base_url with; default the system's" },
	{ .key = "tls_verify", .type = MXG_CONF_BOOL, .offset = F(mxg_homeserver_conf, tls_verify),
	  .dflt = "true", .doc = "check the homeserver's certificate and name (off: tests only)" },
	{ .key = NULL },
};
