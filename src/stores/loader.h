/*
 * loader.h: finding store drivers by module name: built-in drivers first,
 * then <plugin_dir>/<name>.so, whose exported mxg_store_<name> must carry a
 * compatible ABI version.  Loaded modules stay loaded until exit.
 */
#ifndef MXG_STORE_LOADER_H
#define MXG_STORE_LOADER_H

#include "core/error.h"

struct mxg_store_driver;

/* Returns the driver, or NULL + err naming the missing module, the file
 * tried, or the ABI mismatch.  Thread-safe. */
const struct mxg_store_driver *mxg_store_driver_find(const char *plugin_dir, const char *name,
						     struct mxg_error *err);

#endif
