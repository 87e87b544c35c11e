/*
 * config-services.c: the configuration sections of the Identity Service:
 * rate_limits, identity (accounts, terms, the legacy v1 API) and threepid
 * (validation sessions, e-mail, SMS), with their checks and derived fields.
 * The tables are hooked into the root table in config.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/config-internal.h"
#include "core/mxconfig.h"

static int parse_rate(const char *text, double *rate_r)
{
	char *end;
	double v;

	if (text == NULL || text[0] == '\0')
		return -1;
	v = strtod(text, &end);
	if (*end != '\0' || !(v >= 0) || v > 1e6)
		return -1;
	*rate_r = v;
	return 0;
}

static int check_rate(const void *value, struct mxg_error *err)
{
	double v;

	if (parse_rate(*(char *const *)value, &v) < 0)
		return mxg_error_set(err, EINVAL, "'%s' is not a rate (a number of requests per "
				     "second, 0 to 1000000; 0 = unlimited)", *(char *const *)value);
	return 0;
}

/* One table per action: the defaults differ. */
#define RATE_RULE(rate, burst_)								\
	{ .key = "per_second", .type = MXG_CONF_STRING,					\
	  .offset = F(mxg_ratelimit_rule_conf, per_second), .dflt = rate,		\
	  .check = check_rate, .doc = "tokens added per second; 0 = unlimited" },	\
	{ .key = "burst", .type = MXG_CONF_INT, .offset = F(mxg_ratelimit_rule_conf, burst),	\
	  .dflt = burst_, .min = 1, .max = 1000000, .doc = "requests allowed at once" },	\
	{ .key = NULL }

static const struct mxg_conf_def rate_lookup_table[] = { RATE_RULE("10", "50") };
static const struct mxg_conf_def rate_request_token_table[] = { RATE_RULE("0.2", "5") };
static const struct mxg_conf_def rate_submit_token_table[] = { RATE_RULE("1", "10") };
static const struct mxg_conf_def rate_register_table[] = { RATE_RULE("1", "5") };

const struct mxg_conf_def mxg_config_rate_limits_table[] = {
	{ .key = "lookup", .type = MXG_CONF_SECTION, .offset = F(mxg_ratelimits_conf, lookup),
	  .sub = rate_lookup_table, .doc = "POST lookup and GET hash_details, per client IP" },
	{ .key = "request_token", .type = MXG_CONF_SECTION,
	  .offset = F(mxg_ratelimits_conf, request_token), .sub = rate_request_token_table,
	  .doc = "validate/*/requestToken, per client IP" },
	{ .key = "submit_token", .type = MXG_CONF_SECTION,
	  .offset = F(mxg_ratelimits_conf, submit_token), .sub = rate_submit_token_table,
	  .doc = "validate/*/submitToken, per client IP and per session" },
	{ .key = "register", .type = MXG_CONF_SECTION, .offset = F(mxg_ratelimits_conf, register_),
	  .sub = rate_register_table, .doc = "account/register, per client IP" },
	{ .key = "max_buckets", .type = MXG_CONF_INT, .offset = F(mxg_ratelimits_conf, max_buckets),
	  .dflt = "100000", .min = 16, .max = 100000000,
	  .doc = "clients tracked at most; the least recent are forgotten" },
	{ .key = NULL },
};

/* --- identity (accounts, terms) ------------------------------------------------ */

static int check_allowed_homeservers(const void *value, struct mxg_error *err)
{
	const struct mxg_conf_strlist *list = value;

	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], "*") != 0 &&
		    mxg_config_check_server_name(list->items[i], err) < 0)
			return -1;
	return 0;
}

static int check_terms(const struct mxg_conf_list *list, size_t *bad_index_r,
		       struct mxg_error *err)
{
	const struct mxg_terms_policy_conf *p = list->items;

	for (size_t i = 0; i < list->count; i++) {
		if (p[i].id == NULL)
			continue;
		if (strspn(p[i].id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789_.-") != strlen(p[i].id) || p[i].id[0] == '\0') {
			*bad_index_r = i;
			return mxg_error_set(err, EINVAL, "policy id '%s': use [A-Za-z0-9_.-]",
					     p[i].id);
		}
		for (size_t j = 0; j < i; j++) {
			if (p[j].id != NULL && strcmp(p[i].id, p[j].id) == 0) {
				*bad_index_r = i;
				return mxg_error_set(err, EEXIST, "duplicate policy id '%s' (also "
						     "terms[%zu])", p[i].id, j);
			}
		}
		if (p[i].languages.count == 0) {
			*bad_index_r = i;
			return mxg_error_set(err, EINVAL, "policy '%s' has no languages", p[i].id);
		}
	}
	return 0;
}

static const struct mxg_conf_def hs_map_table[] = {
	{ .key = "server_name", .type = MXG_CONF_STRING, .offset = F(mxg_hs_map_conf, server_name),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_server_name_field,
	  .doc = "a homeserver's server name" },
	{ .key = "base_url", .type = MXG_CONF_STRING, .offset = F(mxg_hs_map_conf, base_url),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_baseurl,
	  .doc = "where its federation API is, instead of discovery" },
	{ .key = NULL },
};

static const struct mxg_conf_def terms_lang_table[] = {
	{ .key = "lang", .type = MXG_CONF_STRING, .offset = F(mxg_terms_lang_conf, lang),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_nonempty, .doc = "language code, e.g. en" },
	{ .key = "name", .type = MXG_CONF_STRING, .offset = F(mxg_terms_lang_conf, name),
	  .flags = MXG_CONF_REQUIRED, .doc = "the policy's title in that language" },
	{ .key = "url", .type = MXG_CONF_STRING, .offset = F(mxg_terms_lang_conf, url),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_baseurl,
	  .doc = "the policy text; a new version needs a new URL" },
	{ .key = NULL },
};

static const struct mxg_conf_def terms_policy_table[] = {
	{ .key = "id", .type = MXG_CONF_STRING, .offset = F(mxg_terms_policy_conf, id),
	  .flags = MXG_CONF_REQUIRED, .doc = "policy id, e.g. privacy_policy" },
	{ .key = "version", .type = MXG_CONF_STRING, .offset = F(mxg_terms_policy_conf, version),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_nonempty, .doc = "the current version" },
	{ .key = "languages", .type = MXG_CONF_LIST,
	  .offset = F(mxg_terms_policy_conf, languages), .flags = MXG_CONF_REQUIRED,
	  .sub = terms_lang_table, .elem_size = sizeof(struct mxg_terms_lang_conf),
	  .doc = "the policy per language" },
	{ .key = NULL },
};

const struct mxg_conf_def mxg_config_identity_table[] = {
	{ .key = "v1_api", .type = MXG_CONF_BOOL, .offset = F(mxg_identity_conf, v1_api),
	  .dflt = "false", .doc = "serve the legacy /_matrix/identity/api/v1 lookup and pubkey" },
	{ .key = "homeservers", .type = MXG_CONF_LIST, .offset = F(mxg_identity_conf, homeservers),
	  .sub = hs_map_table, .elem_size = sizeof(struct mxg_hs_map_conf),
	  .doc = "server name to base URL, checked before federation discovery" },
	{ .key = "allowed_homeservers", .type = MXG_CONF_STRLIST,
	  .offset = F(mxg_identity_conf, allowed_homeservers),
	  .check = check_allowed_homeservers,
	  .doc = "who may register; * = any; default our server_name" },
	{ .key = "token_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_identity_conf, token_lifetime_ms), .dflt = "30d",
	  .min = SEC, .max = 3650 * DAY, .doc = "identity-server tokens expire after" },
	{ .key = "userinfo_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_identity_conf, userinfo_timeout_ms), .dflt = "10s",
	  .min = 100, .max = 2 * MIN, .doc = "bound on the homeserver's OpenID userinfo call" },
	{ .key = "terms", .type = MXG_CONF_LIST, .offset = F(mxg_identity_conf, terms),
	  .sub = terms_policy_table, .elem_size = sizeof(struct mxg_terms_policy_conf),
	  .list_check = check_terms, .doc = "policies users must accept" },
	{ .key = NULL },
};

#ifndef MXG_TEMPLATEDIR
#define MXG_TEMPLATEDIR "/usr/local/share/mxgate/templates"
#endif

static int check_smtp_url(const void *value, struct mxg_error *err)
{
	const char *url = *(char *const *)value;

	if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0)
		return mxg_error_set(err, EINVAL, "must start with smtp:// or smtps://");
	return 0;
}

static const struct mxg_conf_def email_table[] = {
	{ .key = "from", .type = MXG_CONF_STRING, .offset = F(mxg_email_conf, from),
	  .check = mxg_config_check_nonempty, .doc = "From: address; default noreply@<server_name>" },
	{ .key = "smtp_url", .type = MXG_CONF_STRING, .offset = F(mxg_email_conf, smtp_url),
	  .dflt = "smtp://localhost:25", .check = check_smtp_url,
	  .doc = "smtp://host:port or smtps://host:port" },
	{ .key = "starttls", .type = MXG_CONF_BOOL, .offset = F(mxg_email_conf, starttls),
	  .dflt = "false", .doc = "smtp://: require STARTTLS" },
	{ .key = "username", .type = MXG_CONF_STRING, .offset = F(mxg_email_conf, username),
	  .doc = "SMTP AUTH user name" },
	{ .key = "password", .type = MXG_CONF_SECRET, .offset = F(mxg_email_conf, password),
	  .doc = "SMTP AUTH password" },
	{ .key = "connect_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_email_conf, connect_timeout_ms), .dflt = "10s",
	  .min = 100, .max = 10 * MIN, .doc = "SMTP connection set-up bound" },
	{ .key = "timeout", .type = MXG_CONF_DURATION, .offset = F(mxg_email_conf, timeout_ms),
	  .dflt = "30s", .min = 100, .max = 10 * MIN, .doc = "whole SMTP transaction bound" },
	{ .key = "templates_dir", .type = MXG_CONF_STRING,
	  .offset = F(mxg_email_conf, templates_dir), .dflt = "\"" MXG_TEMPLATEDIR "\"",
	  .check = mxg_config_check_nonempty, .doc = "e-mail, SMS and page templates" },
	{ .key = NULL },
};

static const struct mxg_conf_def msisdn_table[] = {
	{ .key = "gateway_url", .type = MXG_CONF_STRING, .offset = F(mxg_msisdn_conf, gateway_url),
	  .check = mxg_config_check_baseurl, .doc = "SMS gateway URL (form POST To/From/Body)" },
	{ .key = "from", .type = MXG_CONF_STRING, .offset = F(mxg_msisdn_conf, from),
	  .dflt = "mxgate", .check = mxg_config_check_nonempty, .doc = "the From field sent to the gateway" },
	{ .key = "username", .type = MXG_CONF_STRING, .offset = F(mxg_msisdn_conf, username),
	  .doc = "gateway basic auth user name" },
	{ .key = "password", .type = MXG_CONF_SECRET, .offset = F(mxg_msisdn_conf, password),
	  .doc = "gateway basic auth password" },
	{ .key = "timeout", .type = MXG_CONF_DURATION, .offset = F(mxg_msisdn_conf, timeout_ms),
	  .dflt = "10s", .min = 100, .max = 10 * MIN, .doc = "gateway request bound" },
	{ .key = NULL },
};

const struct mxg_conf_def mxg_config_threepid_table[] = {
	{ .key = "session_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_threepid_conf, session_lifetime_ms), .dflt = "24h",
	  .min = 1, .max = 30 * DAY, .doc = "validation sessions expire this long after a change" },
	{ .key = "max_token_attempts", .type = MXG_CONF_INT,
	  .offset = F(mxg_threepid_conf, max_token_attempts), .dflt = "5", .min = 1, .max = 1000,
	  .doc = "wrong tokens before a session is invalidated" },
	{ .key = "email", .type = MXG_CONF_SECTION, .offset = F(mxg_threepid_conf, email),
	  .sub = email_table, .doc = "sending validation e-mail" },
	{ .key = "msisdn", .type = MXG_CONF_SECTION, .offset = F(mxg_threepid_conf, msisdn),
	  .sub = msisdn_table, .doc = "sending validation SMS" },
	{ .key = NULL },
};

/* The terms version an account records: "id:version,..." sorted by id, so
 * that reordering the file does not make everyone accept again. */
static void derive_identity(struct mxg_config *cfg)
{
	const struct mxg_terms_policy_conf *p = cfg->identity.terms.items;
	struct mxg_arena *a = cfg->arena;
	const char *last = NULL;
	char *v = mxg_arena_strdup(a, "");

	for (size_t n = 0; n < cfg->identity.terms.count; n++) {
		const char *next = NULL;
		size_t k = 0;

		for (size_t i = 0; i < cfg->identity.terms.count; i++) {
			if ((last == NULL || strcmp(p[i].id, last) > 0) &&
			    (next == NULL || strcmp(p[i].id, next) < 0)) {
				next = p[i].id;
				k = i;
			}
		}
		v = mxg_arena_printf(a, "%s%s%s:%s", v, n > 0 ? "," : "", p[k].id, p[k].version);
		last = next;
	}
	cfg->identity.terms_version = v;
}

/* Called only on a configuration without problems: every check passed. */
void mxg_config_derive_services(struct mxg_config *cfg)
{
	struct mxg_rate_fields {
		const char *text;
		double *rate;
	} rates[] = {
		{ cfg->rate_limits.lookup.per_second, &cfg->rate_limits.lookup.rate },
		{ cfg->rate_limits.request_token.per_second, &cfg->rate_limits.request_token.rate },
		{ cfg->rate_limits.submit_token.per_second, &cfg->rate_limits.submit_token.rate },
		{ cfg->rate_limits.register_.per_second, &cfg->rate_limits.register_.rate },
	};

	/* Checked already (check_rate): parsing cannot fail here. */
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		(void)parse_rate(rates[i].text, rates[i].rate);
	derive_identity(cfg);
	if (cfg->threepid.email.from == NULL) {
		/* The host of the server name: "example.org:8448" has a port. */
		const char *sn = cfg->server_name;
		const char *end = sn[0] == '[' ? strchr(sn, ']') : strchr(sn, ':');
		int len = end == NULL ? (int)strlen(sn) : (int)(end - sn) + (sn[0] == '[');

		cfg->threepid.email.from = mxg_arena_printf(cfg->arena, "noreply@%.*s", len, sn);
	}
}
