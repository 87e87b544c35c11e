/*
 * ldap-settings.c: the `ldap` module's config keys, the openldap and
 * active_directory presets, and turning both into the attribute map and
 * filters the operations use (with every check the engine cannot make on
 * one key alone: conflicting keys, attribute names, filter syntax).
 *
 * The attribute and filter keys have no table default on purpose: absent
 * means "the preset's", which init fills in here.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "identity/msisdn.h"
#include "ldap-private.h"

#define S(field) offsetof(struct mxg_ldap_settings, field)

static const char *const preset_names[] = { "openldap", "active_directory", NULL };
static const char *const localpart_types[] = { "localpart", "mxid", NULL };

const struct mxg_conf_def mxg_ldap_settings_table[] = {
	{ .key = "uris", .type = MXG_CONF_STRLIST, .offset = S(uris), .flags = MXG_CONF_REQUIRED,
	  .doc = "ldap:// or ldaps:// URIs, tried in order (failover)" },
	{ .key = "start_tls", .type = MXG_CONF_BOOL, .offset = S(start_tls), .dflt = "false",
	  .doc = "StartTLS on ldap:// URIs" },
	{ .key = "ca_file", .type = MXG_CONF_STRING, .offset = S(ca_file),
	  .doc = "CA bundle the server certificate is checked against" },
	{ .key = "tls_verify", .type = MXG_CONF_BOOL, .offset = S(tls_verify), .dflt = "true",
	  .doc = "check the server certificate and host name (false for tests only)" },
	{ .key = "bind_dn", .type = MXG_CONF_STRING, .offset = S(bind_dn),
	  .doc = "service account searches bind as; absent: anonymous" },
	{ .key = "bind_password", .type = MXG_CONF_SECRET, .offset = S(bind_password),
	  .doc = "the service account's password" },
	{ .key = "base_dn", .type = MXG_CONF_STRLIST, .offset = S(base_dn),
	  .flags = MXG_CONF_REQUIRED, .doc = "search bases, searched in order" },
	{ .key = "preset", .type = MXG_CONF_ENUM, .offset = S(preset), .dflt = "openldap",
	  .enum_values = preset_names,
	  .doc = "defaults of the attribute and filter keys: openldap or active_directory" },
	{ .key = "filter", .type = MXG_CONF_STRING, .offset = S(filter),
	  .doc = "ANDed into every search (default: the preset's)" },
	{ .key = "login_filter", .type = MXG_CONF_STRING, .offset = S(login_filter),
	  .doc = "ANDed into password checks only: who may log in" },
	{ .key = "login_attributes", .type = MXG_CONF_STRLIST, .offset = S(login_attributes),
	  .doc = "attributes a login name is looked for in" },
	{ .key = "localpart_attribute", .type = MXG_CONF_STRING, .offset = S(localpart_attribute),
	  .doc = "attribute holding the Matrix localpart (or ID)" },
	{ .key = "display_name_attribute", .type = MXG_CONF_STRING,
	  .offset = S(display_name_attribute), .doc = "attribute holding the display name" },
	{ .key = "email_attributes", .type = MXG_CONF_STRLIST, .offset = S(email_attributes),
	  .doc = "attributes holding e-mail addresses" },
	{ .key = "msisdn_attributes", .type = MXG_CONF_STRLIST, .offset = S(msisdn_attributes),
	  .doc = "attributes holding phone numbers" },
	{ .key = "search_attributes", .type = MXG_CONF_STRLIST, .offset = S(search_attributes),
	  .doc = "attributes the user directory search matches substrings in" },
	{ .key = "avatar_attribute", .type = MXG_CONF_STRING, .offset = S(avatar_attribute),
	  .doc = "attribute holding an mxc:// avatar URL" },
	{ .key = "localpart_type", .type = MXG_CONF_ENUM, .offset = S(localpart_type),
	  .dflt = "localpart", .enum_values = localpart_types,
	  .doc = "localpart_attribute holds a localpart or a full Matrix ID (mxid)" },
	{ .key = "lowercase_localpart", .type = MXG_CONF_BOOL, .offset = S(lowercase_localpart),
	  .dflt = "true", .doc = "lower-case the localpart read from the directory" },
	{ .key = "default_region", .type = MXG_CONF_STRING, .offset = S(default_region),
	  .doc = "ISO 3166 country of phone numbers written nationally" },
	{ .key = "pool_size", .type = MXG_CONF_INT, .offset = S(pool_size), .dflt = "4",
	  .min = 1, .max = 64, .doc = "search connections (and as many for password checks)" },
	{ .key = "connect_timeout", .type = MXG_CONF_DURATION, .offset = S(connect_timeout_ms),
	  .dflt = "5s", .min = 1, .max = 600000, .doc = "connecting to one URI" },
	{ .key = "timeout", .type = MXG_CONF_DURATION, .offset = S(timeout_ms), .dflt = "10s",
	  .min = 1, .max = 600000,
	  .doc = "every search and bind, and the wait for a free connection" },
	{ .key = "failback_interval", .type = MXG_CONF_DURATION,
	  .offset = S(failback_interval_ms), .dflt = "30s", .min = 1, .max = 86400000,
	  .doc = "how long a failed URI is skipped, and when connections return to it" },
	{ .key = "page_size", .type = MXG_CONF_INT, .offset = S(page_size), .dflt = "500",
	  .min = 1, .max = 100000, .doc = "RFC 2696 page size of the 3PID enumeration" },
	{ .key = "bulk_batch", .type = MXG_CONF_INT, .offset = S(bulk_batch), .dflt = "50",
	  .min = 1, .max = 1000, .doc = "3PIDs ORed into one search by bulk lookups" },
	{ .key = NULL },
};

struct preset {
	const char *filter;
	const char *const *login;
	const char *localpart;
	const char *display_name;
	const char *const *email;
	const char *const *msisdn;
	const char *const *search;
};

static const char *const ol_login[] = { "uid", "mail", NULL };
static const char *const ol_search[] = { "uid", "cn", "displayName", "mail", NULL };
static const char *const ad_login[] = { "sAMAccountName", "userPrincipalName", "mail", NULL };
static const char *const ad_search[] = { "sAMAccountName", "cn", "displayName", "mail", NULL };
static const char *const mail[] = { "mail", NULL };
static const char *const phones[] = { "telephoneNumber", "mobile", NULL };

static const struct preset presets[] = {
	[MXG_LDAP_PRESET_OPENLDAP] = {
		.filter = "(objectClass=inetOrgPerson)",
		.login = ol_login, .localpart = "uid", .display_name = "displayName",
		.email = mail, .msisdn = phones, .search = ol_search,
	},
	[MXG_LDAP_PRESET_ACTIVE_DIRECTORY] = {
		/* Normal user accounts (SAM_USER_OBJECT) whose ACCOUNTDISABLE
		 * bit (2) is clear, tested with LDAP_MATCHING_RULE_BIT_AND. */
		.filter = "(&(sAMAccountType=805306368)"
			  "(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
		.login = ad_login, .localpart = "sAMAccountName", .display_name = "displayName",
		.email = mail, .msisdn = phones, .search = ad_search,
	},
};

static size_t count_names(const char *const *names)
{
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	return n;
}

/* The configured list, or the preset's when the key is absent; names are
 * checked and case-insensitive duplicates dropped. */
static int attr_list(struct mxg_arena *arena, const struct mxg_conf_strlist *conf,
		     const char *const *preset, const char *key, struct mxg_ldap_attrs *out,
		     struct mxg_error *err)
{
	const char *const *src = conf->items != NULL ? (const char *const *)conf->items : preset;
	size_t n = conf->items != NULL ? conf->count : count_names(preset);

	out->names = mxg_arena_alloc(arena, (n + 1) * sizeof(*out->names));
	out->count = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		if (!mxg_ldap_attr_valid(src[i]))
			return mxg_error_set(err, EINVAL, "%s: '%s' is not an attribute name", key,
					     src[i]);
		for (size_t j = 0; j < out->count; j++)
			dup = dup || strcasecmp(out->names[j], src[i]) == 0;
		if (!dup)
			out->names[out->count++] = src[i];
	}
	return 0;
}

static int attr_one(const char *conf, const char *preset, const char *key, const char **out,
		    struct mxg_error *err)
{
	*out = conf != NULL ? conf : preset;
	if (*out != NULL && !mxg_ldap_attr_valid(*out))
		return mxg_error_set(err, EINVAL, "%s: '%s' is not an attribute name", key, *out);
	return 0;
}

/* The union of lists (and single names), without duplicates. */
static void attr_union(struct mxg_arena *arena, struct mxg_ldap_attrs *out,
		       const struct mxg_ldap_attrs *const *lists, size_t nlists,
		       const char *const *singles, size_t nsingles)
{
	size_t cap = nsingles;

	for (size_t i = 0; i < nlists; i++)
		cap += lists[i]->count;
	out->names = mxg_arena_alloc(arena, (cap + 1) * sizeof(*out->names));
	out->count = 0;
	for (size_t i = 0; i < nsingles + nlists; i++) {
		const char *const *names = i < nsingles ? &singles[i] : lists[i - nsingles]->names;
		size_t n = i < nsingles ? (singles[i] != NULL ? 1 : 0) : lists[i - nsingles]->count;

		for (size_t k = 0; k < n; k++) {
			bool dup = false;

			for (size_t j = 0; j < out->count; j++)
				dup = dup || strcasecmp(out->names[j], names[k]) == 0;
			if (!dup)
				out->names[out->count++] = names[k];
		}
	}
}

/* A config filter, checked, with the parentheses admins often leave out
 * ("objectClass=person") added as libldap itself would. */
static int filter_setting(struct mxg_arena *arena, const char *text, const char *key,
			  const char **out, struct mxg_error *err)
{
	const char *f = text;

	*out = NULL;
	if (text == NULL)
		return 0;
	while (*f == ' ')
		f++;
	if (*f == '\0')
		return 0;	/* "" means no filter */
	f = *f == '(' ? mxg_arena_strdup(arena, f) : mxg_arena_printf(arena, "(%s)", f);
	if (mxg_ldap_filter_check(f, err) < 0) {
		mxg_error_prefix(err, "%s: not a valid LDAP filter: ", key);
		return -1;
	}
	*out = f;
	return 0;
}

int mxg_ldap_settings_resolve(const struct mxg_ldap_settings *set, const struct mxg_store_env *env,
			      struct mxg_arena *arena, struct mxg_ldap_map *map,
			      const char **filter_r, const char **login_filter_r,
			      struct mxg_error *err)
{
	const struct preset *p = &presets[set->preset];
	const struct mxg_ldap_attrs *lists[4];
	const char *singles[4];

	memset(map, 0, sizeof(*map));
	map->env = env;
	map->is_mxid = set->localpart_type == MXG_LDAP_LOCALPART_MXID;
	map->lowercase = set->lowercase_localpart;
	if (set->default_region != NULL && set->default_region[0] != '\0') {
		if (strlen(set->default_region) != 2 ||
		    mxg_msisdn_calling_code(set->default_region) == NULL)
			return mxg_error_set(err, EINVAL,
					     "default_region: '%s' is not a known ISO 3166 country code",
					     set->default_region);
		map->default_region = set->default_region;
	}
	if (filter_setting(arena, set->filter != NULL ? set->filter : p->filter, "filter",
			   filter_r, err) < 0 ||
	    filter_setting(arena, set->login_filter, "login_filter", login_filter_r, err) < 0)
		return -1;
	if (attr_list(arena, &set->login_attributes, p->login, "login_attributes", &map->login,
		      err) < 0 ||
	    attr_list(arena, &set->email_attributes, p->email, "email_attributes", &map->email,
		      err) < 0 ||
	    attr_list(arena, &set->msisdn_attributes, p->msisdn, "msisdn_attributes",
		      &map->msisdn, err) < 0 ||
	    attr_list(arena, &set->search_attributes, p->search, "search_attributes",
		      &map->search, err) < 0 ||
	    attr_one(set->localpart_attribute, p->localpart, "localpart_attribute",
		     &map->localpart_attribute, err) < 0 ||
	    attr_one(set->display_name_attribute, p->display_name, "display_name_attribute",
		     &map->display_name_attribute, err) < 0 ||
	    attr_one(set->avatar_attribute, NULL, "avatar_attribute", &map->avatar_attribute,
		     err) < 0)
		return -1;
	/* Entries without displayName are common in OpenLDAP and AD alike;
	 * cn is the name every person entry has.  Only when the admin did not
	 * pick the attribute: a chosen one is taken as meant. */
	if (set->display_name_attribute == NULL)
		map->display_fallback = "cn";
	if (map->login.count == 0)
		return mxg_error_set(err, EINVAL, "login_attributes: at least one attribute is needed");

	singles[0] = map->localpart_attribute;
	singles[1] = map->display_name_attribute;
	singles[2] = map->display_fallback;
	singles[3] = map->avatar_attribute;
	lists[0] = &map->email;
	lists[1] = &map->msisdn;
	attr_union(arena, &map->person_attrs, lists, 2, singles, 4);
	attr_union(arena, &map->email_read, lists, 1, singles, 1);
	attr_union(arena, &map->msisdn_read, &lists[1], 1, singles, 1);
	attr_union(arena, &map->enum_read, lists, 2, singles, 1);
	lists[1] = &map->login;
	attr_union(arena, &map->email_login, lists, 2, NULL, 0);
	return 0;
}
