/*
 * store-testabi.c: a store module built for a future ABI major version; the
 * loader must refuse it.
 */
#include "config.h"

#include "stores/store.h"

const struct mxg_store_driver mxg_store_testabi = {
	.abi_version = ((MXG_STORE_ABI_MAJOR + 1) << 16) | 0,
	.name = "testabi",
};
