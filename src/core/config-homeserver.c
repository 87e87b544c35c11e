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
	{ .key = "proxy", .type = MXG_CONF_BOOL, .offset = F(mxg_homeserver_conf, proxy),
	  .dflt = "true",
	  .doc = "pass every client request mxgate does not handle on to the homeserver" },
	{ .key = "proxy_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_homeserver_conf, proxy_timeout_ms), .dflt = "5m", .min = SEC,
	  .max = DAY, .doc = "a whole proxied exchange (long-polls, media uploads)" },
	{ .key = "proxy_max_body", .type = MXG_CONF_SIZE,
	  .offset = F(mxg_homeserver_conf, proxy_max_body), .dflt = "100M", .min = 1024,
	  .max = 1LL << 40, .doc = "the largest request body passed on (413 above)" },
	{ .key = "proxy_max_connections", .type = MXG_CONF_INT,
	  .offset = F(mxg_homeserver_conf, proxy_max_connections), .dflt = "1024", .min = 1,
	  .max = 100000, .doc = "proxied exchanges at once (503 above); each holds a thread" },
	{ .key = NULL },
};
