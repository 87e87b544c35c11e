/*
 * test-sql-util.h: what the `sql` module's unit tests share (test-sql.c,
 * test-sql-db.c): a store instance made from YAML as the config engine
 * would make it, and crypt(3) hashes made on the spot.  Header only, like
 * test.h; include it after test.h.
 */
#ifndef MXG_TEST_SQL_UTIL_H
#define MXG_TEST_SQL_UTIL_H

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/conf.h"
#include "stores/store.h"
#include "conf-report.h"

extern const struct mxg_store_driver mxg_store_sql;

static const struct mxg_store_env env = { .server_name = "example.org" };

struct fixture {
	struct mxg_store store;
	struct mxg_arena *arena;
};

/* Parse yaml with the module's table and init a store from it: init's
 * return, or -2 when the config engine itself refused (err says why). */
static int store_open(struct fixture *f, const char *yaml, struct mxg_error *err)
{
	void *settings;

	memset(f, 0, sizeof(*f));
	f->arena = mxg_arena_create(4096);
	settings = mxg_arena_alloc(f->arena, mxg_store_sql.settings_size);
	nreports = 0;
	f->store = (struct mxg_store){ .driver = &mxg_store_sql, .name = "t", .env = &env,
				       .settings = settings };
	if (mxg_conf_load_string("test", yaml, strlen(yaml), mxg_store_sql.settings, settings,
				 f->arena, collect, NULL) != 0) {
		mxg_error_set(err, EINVAL, "%s: %s", reports[0].key, reports[0].msg);
		return -2;
	}
	return mxg_store_sql.init(&f->store, err);
}

static void store_close(struct fixture *f)
{
	mxg_store_sql.deinit(&f->store);
	mxg_arena_destroy(&f->arena);
}

static char *hash_crypt(const char *prefix, const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	char *out;

	memset(&data, 0, sizeof(data));
	/* bcrypt cost 4: the test checks the format, not the strength. */
	if (crypt_gensalt_rn(prefix, strcmp(prefix, "$2b$") == 0 ? 4 : 0, NULL, 0, salt,
			     sizeof(salt)) == NULL)
		return NULL;
	out = crypt_rn(password, salt, &data, sizeof(data));
	return out != NULL && out[0] != '*' ? strdup(out) : NULL;
}

#endif
