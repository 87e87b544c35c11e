/*
 * sql.c: the `sql` identity store module: people from SQL databases (PostgreSQL, SQLite, a Synapse database).
 */
#include "config.h"

#include "stores/store.h"

static int sql_init(struct mxg_store *s, struct mxg_error *err)
{
	(void)s;
	(void)err;
	return 0;
}

static void sql_deinit(struct mxg_store *s)
{
	(void)s;
}

/* The loader finds this by name: mxg_store_<module name>. */
extern const struct mxg_store_driver mxg_store_sql;
const struct mxg_store_driver mxg_store_sql = {
	.abi_version = MXG_STORE_ABI,
	.name = "sql",
	.init = sql_init,
	.deinit = sql_deinit,
};
