/* loader.c: placeholder, replaced by the store loader. */
#include "config.h"
#include "stores/loader.h"
#include "stores/store.h"

const struct mxg_store_driver *mxg_store_driver_find(const char *plugin_dir, const char *name,
						     struct mxg_error *err)
{ (void)plugin_dir; mxg_error_set(err, 1, "store module '%s' not found", name); return NULL; }
const char *mxg_store_result_str(enum mxg_store_result res) { (void)res; return "?"; }
