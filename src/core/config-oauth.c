/*
 * config-oauth.c: the `oauth` section: mxgate as an OAuth 2.0 / OpenID
 * Connect provider: its issuer, signing keys, token lifetimes, the secret
 * the homeserver introspects with, and the clients known from the config.
 * Hooked into the root table in config.c.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/config-internal.h"
#include "core/mxconfig.h"

#ifndef MXG_TEMPLATEDIR
#define MXG_TEMPLATEDIR "/usr/local/share/mxgate/templates"
#endif

static const struct mxg_conf_def key_table[] = {
	{ .key = "file", .type = MXG_CONF_STRING, .offset = F(mxg_oauth_key_conf, file),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_nonempty,
	  .doc = "PEM private key, RSA (RS256) or EC P-256 (ES256)" },
	{ .key = NULL },
};

static const char *const auth_methods[] = {
	"none", "client_secret_basic", "client_secret_post", "client_secret_jwt",
	"private_key_jwt", NULL
};

static const struct mxg_conf_def client_table[] = {
	{ .key = "client_id", .type = MXG_CONF_STRING, .offset = F(mxg_oauth_client_conf, client_id),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_nonempty, .doc = "the client's id" },
	{ .key = "client_secret", .type = MXG_CONF_SECRET,
	  .offset = F(mxg_oauth_client_conf, client_secret), .check = mxg_config_check_nonempty,
	  .doc = "for client_secret_basic, _post and _jwt" },
	{ .key = "token_endpoint_auth_method", .type = MXG_CONF_ENUM,
	  .offset = F(mxg_oauth_client_conf, auth_method), .dflt = "client_secret_basic",
	  .enum_values = auth_methods, .doc = "how it authenticates; none: a public client" },
	{ .key = "jwks_file", .type = MXG_CONF_STRING,
	  .offset = F(mxg_oauth_client_conf, jwks_file), .check = mxg_config_check_nonempty,
	  .doc = "private_key_jwt: a JWKS file with the client's public keys" },
	{ .key = "client_name", .type = MXG_CONF_STRING,
	  .offset = F(mxg_oauth_client_conf, client_name), .doc = "shown on the consent page" },
	{ .key = "client_uri", .type = MXG_CONF_STRING,
	  .offset = F(mxg_oauth_client_conf, client_uri), .check = mxg_config_check_baseurl,
	  .doc = "the client's home page" },
	{ .key = "logo_uri", .type = MXG_CONF_STRING, .offset = F(mxg_oauth_client_conf, logo_uri),
	  .check = mxg_config_check_baseurl, .doc = "shown on the consent page" },
	{ .key = "redirect_uris", .type = MXG_CONF_STRLIST,
	  .offset = F(mxg_oauth_client_conf, redirect_uris),
	  .doc = "exact redirect URIs (loopback ones: any port)" },
	{ .key = "grant_types", .type = MXG_CONF_STRLIST,
	  .offset = F(mxg_oauth_client_conf, grant_types),
	  .dflt = "[authorization_code, refresh_token]", .doc = "grants it may use" },
	{ .key = "scopes", .type = MXG_CONF_STRLIST, .offset = F(mxg_oauth_client_conf, scopes),
	  .doc = "scopes it may ask for (a trailing * matches a prefix); empty: any" },
	{ .key = "skip_consent", .type = MXG_CONF_BOOL,
	  .offset = F(mxg_oauth_client_conf, skip_consent), .dflt = "false",
	  .doc = "a first-party client: no consent page" },
	{ .key = "introspection", .type = MXG_CONF_BOOL,
	  .offset = F(mxg_oauth_client_conf, introspection), .dflt = "false",
	  .doc = "may introspect any token (a homeserver, a resource server)" },
	{ .key = NULL },
};

static const char *const known_grants[] = {
	"authorization_code", "refresh_token", "client_credentials",
	"urn:ietf:params:oauth:grant-type:device_code", NULL
};

static int check_clients(const struct mxg_conf_list *list, size_t *bad_index_r,
			 struct mxg_error *err)
{
	const struct mxg_oauth_client_conf *c = list->items;

	for (size_t i = 0; i < list->count; i++) {
		*bad_index_r = i;
		if (c[i].client_id == NULL)
			continue;
		for (size_t j = 0; j < i; j++)
			if (c[j].client_id != NULL && strcmp(c[i].client_id, c[j].client_id) == 0)
				return mxg_error_set(err, EEXIST, "duplicate client_id '%s'",
						     c[i].client_id);
		switch (c[i].auth_method) {
		case MXG_OAUTH_AUTH_SECRET_BASIC:
		case MXG_OAUTH_AUTH_SECRET_POST:
		case MXG_OAUTH_AUTH_SECRET_JWT:
			if (c[i].client_secret == NULL)
				return mxg_error_set(err, EINVAL, "client '%s': its "
						     "token_endpoint_auth_method needs client_secret",
						     c[i].client_id);
			break;
		case MXG_OAUTH_AUTH_PRIVATE_KEY_JWT:
			if (c[i].jwks_file == NULL)
				return mxg_error_set(err, EINVAL, "client '%s': private_key_jwt "
						     "needs jwks_file", c[i].client_id);
			break;
		default:
			if (c[i].client_secret != NULL)
				return mxg_error_set(err, EINVAL, "client '%s': a public client "
						     "(none) has no client_secret", c[i].client_id);
			break;
		}
		for (size_t g = 0; g < c[i].grant_types.count; g++) {
			const char *grant = c[i].grant_types.items[g];
			size_t k = 0;

			while (known_grants[k] != NULL && strcmp(known_grants[k], grant) != 0)
				k++;
			if (known_grants[k] == NULL)
				return mxg_error_set(err, EINVAL, "client '%s': unknown grant type "
						     "'%s'", c[i].client_id, grant);
			if (strcmp(grant, "client_credentials") == 0 &&
			    c[i].auth_method == MXG_OAUTH_AUTH_NONE)
				return mxg_error_set(err, EINVAL, "client '%s': client_credentials "
						     "needs a client that authenticates",
						     c[i].client_id);
		}
		for (size_t u = 0; u < c[i].redirect_uris.count; u++)
			if (strchr(c[i].redirect_uris.items[u], '#') != NULL ||
			    strchr(c[i].redirect_uris.items[u], ':') == NULL)
				return mxg_error_set(err, EINVAL, "client '%s': redirect URI '%s' "
						     "is not an absolute URI without fragment",
						     c[i].client_id, c[i].redirect_uris.items[u]);
	}
	return 0;
}

static const char *const provisionings[] = { "off", "synapse", NULL };

const struct mxg_conf_def mxg_config_oauth_table[] = {
	{ .key = "issuer", .type = MXG_CONF_STRING, .offset = F(mxg_oauth_conf, issuer),
	  .check = mxg_config_check_baseurl,
	  .doc = "the provider's public URL (https); unset: the provider is off" },
	{ .key = "keys", .type = MXG_CONF_LIST, .offset = F(mxg_oauth_conf, keys),
	  .sub = key_table, .elem_size = sizeof(struct mxg_oauth_key_conf),
	  .doc = "signing keys, newest first; none: an RSA and a P-256 key in data_dir" },
	{ .key = "key_grace", .type = MXG_CONF_DURATION, .offset = F(mxg_oauth_conf, key_grace_ms),
	  .dflt = "7d", .min = 0, .max = 365 * DAY,
	  .doc = "how long a replaced key stays in the JWKS" },
	{ .key = "access_token_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_oauth_conf, access_token_lifetime_ms), .dflt = "5m", .min = 30 * SEC,
	  .max = DAY, .doc = "how long an access token is valid" },
	{ .key = "refresh_token_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_oauth_conf, refresh_token_lifetime_ms), .dflt = "0", .min = 0,
	  .max = 3650 * DAY, .doc = "how long an unused refresh token is valid; 0: no limit" },
	{ .key = "code_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_oauth_conf, code_lifetime_ms), .dflt = "10m", .min = SEC,
	  .max = HOUR, .doc = "how long an authorization code may wait for its exchange" },
	{ .key = "id_token_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_oauth_conf, id_token_lifetime_ms), .dflt = "1h", .min = MIN,
	  .max = DAY, .doc = "exp - iat of ID tokens" },
	{ .key = "device_code_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_oauth_conf, device_code_lifetime_ms), .dflt = "20m", .min = MIN,
	  .max = DAY, .doc = "how long a device code waits for the user" },
	{ .key = "homeserver_secret", .type = MXG_CONF_SECRET,
	  .offset = F(mxg_oauth_conf, homeserver_secret), .check = mxg_config_check_nonempty,
	  .doc = "Bearer secret of the homeserver (Synapse matrix_authentication_service.secret)" },
	{ .key = "clients", .type = MXG_CONF_LIST, .offset = F(mxg_oauth_conf, clients),
	  .sub = client_table, .elem_size = sizeof(struct mxg_oauth_client_conf),
	  .list_check = check_clients, .doc = "clients known from the config" },
	{ .key = "browser_session_lifetime", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_oauth_conf, browser_session_lifetime_ms), .dflt = "7d", .min = MIN,
	  .max = 365 * DAY, .doc = "how long a login at the provider's pages lasts" },
	{ .key = "dynamic_registration", .type = MXG_CONF_BOOL,
	  .offset = F(mxg_oauth_conf, dynamic_registration), .dflt = "true",
	  .doc = "clients may register themselves (RFC 7591, MSC2966)" },
	{ .key = "provisioning", .type = MXG_CONF_ENUM,
	  .offset = F(mxg_oauth_conf, provisioning), .dflt = "off", .enum_values = provisionings,
	  .doc = "off, or synapse: users and devices created at the homeserver" },
	{ .key = "homeserver_admin_token", .type = MXG_CONF_SECRET,
	  .offset = F(mxg_oauth_conf, homeserver_admin_token), .check = mxg_config_check_nonempty,
	  .doc = "admin access token, for a Synapse without /_synapse/mas/" },
	{ .key = "registration", .type = MXG_CONF_BOOL, .offset = F(mxg_oauth_conf, registration),
	  .dflt = "false", .doc = "people register local accounts (prompt=create, /register)" },
	{ .key = "password_recovery", .type = MXG_CONF_BOOL,
	  .offset = F(mxg_oauth_conf, password_recovery), .dflt = "false",
	  .doc = "local accounts recover a forgotten password by e-mail (/recover)" },
	{ .key = "templates_dir", .type = MXG_CONF_STRING,
	  .offset = F(mxg_oauth_conf, templates_dir), .dflt = "\"" MXG_TEMPLATEDIR "\"",
	  .check = mxg_config_check_nonempty, .doc = "the pages are its oauth/*.html" },
	{ .key = NULL },
};

/* Cross-key rules of the section (the root table's check on `oauth`). */
int mxg_config_check_oauth(const void *value, struct mxg_error *err)
{
	const struct mxg_oauth_conf *o = value;

	if (o->issuer == NULL)
		return 0;
	if (strchr(o->issuer, '?') != NULL || strchr(o->issuer, '#') != NULL)
		return mxg_error_set(err, EINVAL, "issuer has a query or fragment (RFC 8414 "
				     "forbids both)");
	if (o->provisioning == MXG_PROVISION_SYNAPSE && o->homeserver_secret == NULL &&
	    o->homeserver_admin_token == NULL)
		return mxg_error_set(err, EINVAL, "provisioning synapse needs homeserver_secret "
				     "(/_synapse/mas/) or homeserver_admin_token (admin API)");
	if (o->key_grace_ms < o->id_token_lifetime_ms)
		return mxg_error_set(err, EINVAL, "key_grace is shorter than id_token_lifetime: "
				     "tokens signed by a replaced key could not be checked");
	return 0;
}
