/*
 * ldap.c: the `ldap` identity store module: people from LDAP and Active Directory.
 */
#include "config.h"

#include "stores/store.h"

static int ldap_init(struct mxg_store *s, struct mxg_error *err)
{
	(void)s;
	(void)err;
	return 0;
}

static void ldap_deinit(struct mxg_store *s)
{
	(void)s;
}

/* The loader finds this by name: mxg_store_<module name>. */
extern const struct mxg_store_driver mxg_store_ldap;
const struct mxg_store_driver mxg_store_ldap = {
	.abi_version = MXG_STORE_ABI,
	.name = "ldap",
	.init = ldap_init,
	.deinit = ldap_deinit,
};
