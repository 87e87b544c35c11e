/*
 * ldap.c: the `ldap` identity store module: people from OpenLDAP, Active
 * Directory or any LDAPv3 directory.  This file is the driver glue: init
 * checks what the config engine cannot (URI schemes, conflicting keys),
 * resolves the preset and sets up the two connection pools; the operations
 * live in ops.c and enumerate.c, the keys in ldap-settings.c.
 *
 * init never talks to the server: connections open on first use, so a
 * directory that is down at start makes operations UNAVAILABLE, not the
 * daemon refuse to start.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "ldap-private.h"

static int check_uris(const struct mxg_ldap_settings *set, struct mxg_error *err)
{
	for (size_t i = 0; i < set->uris.count; i++) {
		const char *uri = set->uris.items[i];
		LDAPURLDesc *lud = NULL;
		bool ldaps;

		if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS)
			return mxg_error_set(err, EINVAL, "uris: '%s' is not an ldap:// or ldaps:// URI", uri);
		ldaps = strcasecmp(lud->lud_scheme, "ldaps") == 0;
		if (!ldaps && strcasecmp(lud->lud_scheme, "ldap") != 0) {
			ldap_free_urldesc(lud);
			return mxg_error_set(err, EINVAL,
					     "uris: '%s': only ldap:// and ldaps:// URIs are supported",
					     uri);
		}
		ldap_free_urldesc(lud);
		if (ldaps && set->start_tls)
			return mxg_error_set(err, EINVAL,
					     "start_tls: '%s' is ldaps:// (TLS already); StartTLS is "
					     "for ldap:// URIs", uri);
	}
	return 0;
}

static bool dn_valid(const char *s)
{
	LDAPDN dn = NULL;

	if (ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return false;
	ldap_dnfree(dn);
	return true;
}

static int check_settings(const struct mxg_ldap_settings *set, struct mxg_error *err)
{
	if (check_uris(set, err) < 0)
		return -1;
	if (set->bind_dn != NULL && !dn_valid(set->bind_dn))
		return mxg_error_set(err, EINVAL, "bind_dn: '%s' is not a DN", set->bind_dn);
	if ((set->bind_dn == NULL) != (set->bind_password == NULL))
		return mxg_error_set(err, EINVAL, set->bind_dn != NULL ?
				     "bind_dn without bind_password (or bind_password_file)" :
				     "bind_password without bind_dn");
	if (set->bind_password != NULL && set->bind_password[0] == '\0')
		/* An empty simple bind is an anonymous one (RFC 4513 5.1.2). */
		return mxg_error_set(err, EINVAL, "bind_password: empty");
	if (set->ca_file != NULL && access(set->ca_file, R_OK) < 0)
		return mxg_error_set(err, errno, "ca_file: cannot read '%s': %s", set->ca_file,
				     strerror(errno));
	for (size_t i = 0; i < set->base_dn.count; i++)
		if (set->base_dn.items[i][0] != '\0' && !dn_valid(set->base_dn.items[i]))
			return mxg_error_set(err, EINVAL, "base_dn: '%s' is not a DN",
					     set->base_dn.items[i]);
	return 0;
}

static int ldap_init(struct mxg_store *s, struct mxg_error *err)
{
	const struct mxg_ldap_settings *set = s->settings;
	struct mxg_ldap_server_conf *sc;
	struct mxg_ldap_ctx *ctx;

	if (check_settings(set, err) < 0)
		return -1;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	s->ctx = ctx;
	ctx->name = s->name;
	ctx->set = set;
	ctx->arena = mxg_arena_create(4096);
	if (mxg_ldap_settings_resolve(set, s->env, ctx->arena, &ctx->map, &ctx->filter,
				      &ctx->login_filter, err) < 0)
		return -1;
	if (!set->tls_verify)
		mxg_warning("ldap store '%s': tls_verify is off: the server's certificate and name "
			    "are not checked (tests only)", s->name);

	sc = &ctx->server_conf;
	sc->store_name = s->name;
	sc->uris = (const char *const *)set->uris.items;
	sc->uri_count = set->uris.count;
	sc->start_tls = set->start_tls;
	sc->ca_file = set->ca_file;
	sc->tls_verify = set->tls_verify;
	sc->bind_dn = set->bind_dn;
	sc->bind_password = set->bind_password;
	sc->connect_timeout_ms = set->connect_timeout_ms;
	sc->timeout_ms = set->timeout_ms;
	sc->failback_ms = set->failback_interval_ms;
	ctx->servers = mxg_ldap_servers_create(sc);
	if (ctx->servers != NULL) {
		/* Password checks get connections of their own: binding as the
		 * user on a search connection would leave it bound as that user
		 * (and cost a rebind as the service account after). */
		ctx->search_pool = mxg_ldap_pool_create(ctx->servers, (size_t)set->pool_size, true,
							"search");
		ctx->bind_pool = mxg_ldap_pool_create(ctx->servers, (size_t)set->pool_size, false,
						      "bind");
	}
	if (ctx->search_pool == NULL || ctx->bind_pool == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static void ldap_deinit(struct mxg_store *s)
{
	struct mxg_ldap_ctx *ctx = s->ctx;

	if (ctx == NULL)
		return;
	mxg_ldap_pool_destroy(&ctx->search_pool);
	mxg_ldap_pool_destroy(&ctx->bind_pool);
	mxg_ldap_servers_destroy(&ctx->servers);
	mxg_arena_destroy(&ctx->arena);
	free(ctx);
	s->ctx = NULL;
}

/* The loader finds this by name: mxg_store_<module name>. */
extern const struct mxg_store_driver mxg_store_ldap;
const struct mxg_store_driver mxg_store_ldap = {
	.abi_version = MXG_STORE_ABI,
	.name = "ldap",
	.settings = mxg_ldap_settings_table,
	.settings_size = sizeof(struct mxg_ldap_settings),
	.init = ldap_init,
	.deinit = ldap_deinit,
	.authenticate = mxg_ldap_authenticate,
	.lookup = mxg_ldap_lookup,
	.lookup_bulk = mxg_ldap_lookup_bulk,
	.enumerate_3pids = mxg_ldap_enumerate,
	.directory_search = mxg_ldap_search,
	.profile = mxg_ldap_profile,
};
