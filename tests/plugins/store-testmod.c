/*
 * store-testmod.c: a loadable store module for the loader tests: answers
 * every lookup with @mod:test and counts nothing.  Built only for
 * `make check`.
 */
#include "config.h"

#include <string.h>

#include "stores/store.h"

static enum mxg_store_result testmod_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
					    struct mxg_arena *arena, const char **user_id_r,
					    struct mxg_error *err)
{
	(void)s; (void)arena; (void)err;
	if (strcmp(tpid->medium, "email") != 0)
		return MXG_STORE_NOT_FOUND;
	*user_id_r = "@mod:test";
	return MXG_STORE_OK;
}

const struct mxg_store_driver mxg_store_testmod = {
	.abi_version = MXG_STORE_ABI,
	.name = "testmod",
	.lookup = testmod_lookup,
};
