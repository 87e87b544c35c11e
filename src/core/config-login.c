/*
 * config-login.c: the `login` section: how mxgate checks passwords for the
 * homeserver (check_credentials now; login interception later), starting
 * with brute-force lockouts.  Hooked into the root table in config.c.
 */
#include "config.h"

#include "core/config-internal.h"
#include "core/mxconfig.h"


static const struct mxg_conf_def lockout_table[] = {
	{ .key = "account_failures", .type = MXG_CONF_INT,
	  .offset = F(mxg_lockout_conf, account_failures), .dflt = "5", .min = 0, .max = 1000000,
	  .doc = "failed passwords per login name within window before a lockout; 0 = off" },
	{ .key = "ip_failures", .type = MXG_CONF_INT, .offset = F(mxg_lockout_conf, ip_failures),
	  .dflt = "50", .min = 0, .max = 1000000,
	  .doc = "failed passwords per client IP within window before a lockout; 0 = off" },
	{ .key = "window", .type = MXG_CONF_DURATION, .offset = F(mxg_lockout_conf, window_ms),
	  .dflt = "15m", .min = SEC, .max = 30 * DAY, .doc = "how long failures are counted" },
	{ .key = "duration", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_lockout_conf, duration_ms), .dflt = "15m", .min = SEC, .max = 30 * DAY,
	  .doc = "how long a lockout lasts" },
	{ .key = NULL },
};

const struct mxg_conf_def mxg_config_login_table[] = {
	{ .key = "lockout", .type = MXG_CONF_SECTION, .offset = F(mxg_login_conf, lockout),
	  .sub = lockout_table, .doc = "brute-force protection, shared through the database" },
	{ .key = NULL },
};
