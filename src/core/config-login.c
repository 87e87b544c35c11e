/*
 * config-login.c: the `login` section: how mxgate checks passwords for the
 * homeserver: brute-force lockouts, the secret check_credentials callers
 * present, and client login interception with the JWT it mints for the
 * homeserver.  Hooked into the root table in config.c.
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

static const char *const interception_modes[] = { "off", "jwt", "passthrough", "oauth", NULL };
static const char *const jwt_algorithms[] = { "HS256", "RS256", NULL };
static const char *const jwt_subjects[] = { "localpart", "user_id", NULL };

static const struct mxg_conf_def jwt_table[] = {
	{ .key = "algorithm", .type = MXG_CONF_ENUM, .offset = F(mxg_login_jwt_conf, algorithm),
	  .dflt = "HS256", .enum_values = jwt_algorithms,
	  .doc = "HS256 (shared secret) or RS256 (private key); as the homeserver's jwt_config" },
	{ .key = "secret", .type = MXG_CONF_SECRET, .offset = F(mxg_login_jwt_conf, secret),
	  .check = mxg_config_check_nonempty,
	  .doc = "HS256: the secret the homeserver's jwt_config.secret also holds" },
	{ .key = "key_file", .type = MXG_CONF_STRING, .offset = F(mxg_login_jwt_conf, key_file),
	  .check = mxg_config_check_nonempty,
	  .doc = "RS256: PEM private key; the homeserver holds its public half" },
	{ .key = "issuer", .type = MXG_CONF_STRING, .offset = F(mxg_login_jwt_conf, issuer),
	  .check = mxg_config_check_nonempty, .doc = "iss claim; unset: none" },
	{ .key = "audience", .type = MXG_CONF_STRING, .offset = F(mxg_login_jwt_conf, audience),
	  .check = mxg_config_check_nonempty, .doc = "aud claim; unset: none" },
	{ .key = "subject", .type = MXG_CONF_ENUM, .offset = F(mxg_login_jwt_conf, subject),
	  .dflt = "localpart", .enum_values = jwt_subjects,
	  .doc = "sub claim: the localpart (Synapse) or the full user ID" },
	{ .key = "lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_login_jwt_conf, lifetime_ms), .dflt = "60s", .min = 5 * SEC,
	  .max = 10 * MIN, .doc = "how long a minted token is valid (exp - iat)" },
	{ .key = NULL },
};

/* Cross-key rules of the section itself (the root table's check on
 * `login`); the homeserver's base_url lives in another section and is
 * checked where the login routes start. */
int mxg_config_check_login(const void *value, struct mxg_error *err)
{
	const struct mxg_login_conf *l = value;

	if (l->interception != MXG_LOGIN_INTERCEPT_JWT)
		return 0;
	if (l->jwt.algorithm == MXG_JWT_HS256 && l->jwt.secret == NULL)
		return mxg_error_set(err, 0, "interception jwt with HS256 needs jwt.secret "
				     "(or jwt.secret_file)");
	if (l->jwt.algorithm == MXG_JWT_RS256 && l->jwt.key_file == NULL)
		return mxg_error_set(err, 0, "interception jwt with RS256 needs jwt.key_file");
	return 0;
}

const struct mxg_conf_def mxg_config_login_table[] = {
	{ .key = "lockout", .type = MXG_CONF_SECTION, .offset = F(mxg_login_conf, lockout),
	  .sub = lockout_table, .doc = "brute-force protection, shared through the database" },
	{ .key = "shared_secret", .type = MXG_CONF_SECRET,
	  .offset = F(mxg_login_conf, shared_secret), .check = mxg_config_check_nonempty,
	  .doc = "Bearer token check_credentials callers must send; unset: none asked" },
	{ .key = "interception", .type = MXG_CONF_ENUM, .offset = F(mxg_login_conf, interception),
	  .dflt = "off", .enum_values = interception_modes,
	  .doc = "client logins: off (forwarded), jwt (checked here), passthrough, or oauth "
		 "(the provider's compat login)" },
	{ .key = "jwt", .type = MXG_CONF_SECTION, .offset = F(mxg_login_conf, jwt),
	  .sub = jwt_table, .doc = "the JWT login mxgate performs at the homeserver" },
	{ .key = NULL },
};

