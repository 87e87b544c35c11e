/*
 * loader.c: the registry of store drivers: built-in drivers, then modules
 * dlopen()ed from the plugin directory on first use.
 *
 * The ABI check is mandatory (a module that exports no driver, or one built
 * for another major or a newer minor ABI, is refused with a message naming
 * both versions): a struct read with the wrong layout is a crash waiting for
 * the first login.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "stores/loader.h"
#include "stores/local.h"
#include "stores/static.h"
#include "stores/store.h"

#define MAX_DRIVERS 32

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct mxg_store_driver *registry[MAX_DRIVERS];
static size_t registry_count;
static bool builtins_done;

static const struct mxg_store_driver *const builtin_drivers[] = {
	&mxg_store_static,
	&mxg_store_local,
};

static const struct mxg_store_driver *registry_get(const char *name)
{
	for (size_t i = 0; i < registry_count; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

static int abi_check(const struct mxg_store_driver *drv, const char *where, struct mxg_error *err)
{
	uint32_t major = drv->abi_version >> 16, minor = drv->abi_version & 0xffff;

	if (major != MXG_STORE_ABI_MAJOR || minor > MXG_STORE_ABI_MINOR)
		return mxg_error_set(err, EINVAL,
				     "%s was built for store ABI %u.%u, this mxgate has %u.%u",
				     where, major, minor, MXG_STORE_ABI_MAJOR, MXG_STORE_ABI_MINOR);
	return 0;
}

static int register_locked(const struct mxg_store_driver *drv, struct mxg_error *err)
{
	if (drv->name == NULL || drv->name[0] == '\0')
		return mxg_error_set(err, EINVAL, "store driver without a name");
	if (abi_check(drv, drv->name, err) < 0)
		return -1;
	if (registry_get(drv->name) != NULL)
		return mxg_error_set(err, EEXIST, "store driver '%s' registered twice", drv->name);
	if (registry_count == MAX_DRIVERS)
		return mxg_error_set(err, ENOSPC, "too many store drivers");
	registry[registry_count++] = drv;
	return 0;
}

static void builtins_locked(void)
{
	if (builtins_done)
		return;
	builtins_done = true;
	for (size_t i = 0; i < sizeof(builtin_drivers) / sizeof(builtin_drivers[0]); i++)
		(void)register_locked(builtin_drivers[i], NULL);
}

int mxg_store_driver_register(const struct mxg_store_driver *drv, struct mxg_error *err)
{
	int ret;

	pthread_mutex_lock(&registry_lock);
	builtins_locked();
	ret = register_locked(drv, err);
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

/* Module names become file and symbol names: keep them to [a-z0-9_]. */
static bool name_ok(const char *name)
{
	if (name[0] == '\0' || strlen(name) > 64)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static const struct mxg_store_driver *load_module(const char *plugin_dir, const char *name,
						  struct mxg_error *err)
{
	const struct mxg_store_driver *drv;
	char path[PATH_MAX], symbol[96];
	struct stat st;
	void *handle;

	if (snprintf(path, sizeof(path), "%s/%s.so", plugin_dir, name) >= (int)sizeof(path)) {
		mxg_error_set(err, ENAMETOOLONG, "plugin_dir too long");
		return NULL;
	}
	if (stat(path, &st) < 0) {
		mxg_error_set(err, ENOENT, "store module '%s' not found (no built-in driver, no %s)",
			      name, path);
		return NULL;
	}
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		mxg_error_set(err, EINVAL, "cannot load store module %s: %s", path, dlerror());
		return NULL;
	}
	snprintf(symbol, sizeof(symbol), "mxg_store_%s", name);
	drv = dlsym(handle, symbol);
	if (drv == NULL) {
		mxg_error_set(err, EINVAL, "%s exports no %s: not an mxgate store module", path,
			      symbol);
		dlclose(handle);
		return NULL;
	}
	if (abi_check(drv, path, err) < 0 || register_locked(drv, err) < 0) {
		dlclose(handle);
		return NULL;
	}
	if (strcmp(drv->name, name) != 0) {
		/* Registered under its own name; a mismatch is a packaging bug. */
		mxg_error_set(err, EINVAL, "%s calls itself '%s', expected '%s'", path, drv->name,
			      name);
		return NULL;
	}
	mxg_debug("loaded store module %s", path);
	return drv;
}

const struct mxg_store_driver *mxg_store_driver_find(const char *plugin_dir, const char *name,
						     struct mxg_error *err)
{
	const struct mxg_store_driver *drv;

	if (name == NULL || !name_ok(name)) {
		mxg_error_set(err, EINVAL, "invalid store module name '%s' (use [a-z0-9_])",
			      name != NULL ? name : "");
		return NULL;
	}
	pthread_mutex_lock(&registry_lock);
	builtins_locked();
	drv = registry_get(name);
	if (drv == NULL) {
		if (plugin_dir == NULL || plugin_dir[0] == '\0')
			mxg_error_set(err, ENOENT, "store module '%s' not found (no plugin_dir)",
				      name);
		else
			drv = load_module(plugin_dir, name, err);
	}
	pthread_mutex_unlock(&registry_lock);
	return drv;
}

const char *mxg_store_result_str(enum mxg_store_result res)
{
	switch (res) {
	case MXG_STORE_OK: return "ok";
	case MXG_STORE_NOT_FOUND: return "not found";
	case MXG_STORE_DENIED: return "denied";
	case MXG_STORE_DISABLED: return "disabled";
	case MXG_STORE_UNAVAILABLE: return "unavailable";
	case MXG_STORE_INTERNAL: return "internal error";
	}
	return "unknown";
}
