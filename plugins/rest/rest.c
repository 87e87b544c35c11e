/*
 * rest.c: the `rest` identity store module: people from REST IAM services (the ma1sd backend protocol).
 */
#include "config.h"

#include "stores/store.h"

static int rest_init(struct mxg_store *s, struct mxg_error *err)
{
	(void)s;
	(void)err;
	return 0;
}

static void rest_deinit(struct mxg_store *s)
{
	(void)s;
}

/* The loader finds this by name: mxg_store_<module name>. */
extern const struct mxg_store_driver mxg_store_rest;
const struct mxg_store_driver mxg_store_rest = {
	.abi_version = MXG_STORE_ABI,
	.name = "rest",
	.init = rest_init,
	.deinit = rest_deinit,
};
