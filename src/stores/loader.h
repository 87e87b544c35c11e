/*
 * loader.h: finding store drivers by module name.
 *
 * Drivers registered with mxg_store_driver_register() (the built-in ones, or
 * a test's) are found first; otherwise <plugin_dir>/<name>.so is opened and
 * its exported `mxg_store_<name>` must carry a compatible ABI version (same
 * major, minor not newer than ours).  Loaded modules stay loaded until exit.
 */
#ifndef MXG_STORE_LOADER_H
#define MXG_STORE_LOADER_H

#include "core/error.h"

struct mxg_store_driver;

/* Register a driver (not copied).  -1 + err when the name is taken or the
 * ABI version does not fit. */
int mxg_store_driver_register(const struct mxg_store_driver *driver, struct mxg_error *err);

/* Returns the driver, or NULL + err naming the missing module, the file
 * tried, or the ABI mismatch.  Thread-safe. */
const struct mxg_store_driver *mxg_store_driver_find(const char *plugin_dir, const char *name,
						     struct mxg_error *err);

#endif
