/*
 * driver.h: what the pool (db.c) needs from a database driver, and the
 * result builder the drivers share.  Internal to src/db/.
 *
 * A driver handle is one connection, used by one thread at a time (the pool
 * guarantees it).  Drivers know nothing about pooling, retries or
 * transactions beyond reporting whether one is open.
 */
#ifndef MXG_DB_DRIVER_H
#define MXG_DB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

struct mxg_db_driver {
	const char *name;	/* "sqlite", "postgresql" */
	/* Open one connection; -1 + err (never quoting the conninfo). */
	int (*connect)(const struct mxg_db_settings *set, void **handle_r,
		       struct mxg_error *err);
	void (*close)(void *handle);
	/* One statement, text parameters $1..$n; *res_r always set on success
	 * (res_r is never NULL here). */
	int (*exec)(void *handle, const char *sql, size_t nparams,
		    const char *const *params, struct mxg_db_result **res_r,
		    struct mxg_error *err);
	/* The connection is lost: drop it, or reconnect and retry. */
	bool (*is_broken)(void *handle);
	/* A transaction is open (explicit BEGIN, or failed and not ended). */
	bool (*in_transaction)(void *handle);
	/* The statement that opens a write transaction. */
	const char *begin_sql;
};

extern const struct mxg_db_driver mxg_db_driver_sqlite;
extern const struct mxg_db_driver mxg_db_driver_pgsql;

/*
 * Result builder: cells are appended row by row, then copied into the one
 * allocation a struct mxg_db_result is (result.c).
 */
struct mxg_db_result_builder {
	size_t cols;
	size_t ncells, cells_cap;
	size_t *offsets;	/* into text; SIZE_MAX = NULL */
	char *text;
	size_t text_len, text_cap;
};

void mxg_db_result_builder_init(struct mxg_db_result_builder *b, size_t cols);
/* Append one cell (value NULL = SQL NULL).  -1 on allocation failure. */
int mxg_db_result_builder_add(struct mxg_db_result_builder *b, const char *value, size_t len);
/* The result (NULL on allocation failure); the builder is emptied either way. */
struct mxg_db_result *mxg_db_result_builder_finish(struct mxg_db_result_builder *b,
						   size_t affected);
void mxg_db_result_builder_deinit(struct mxg_db_result_builder *b);

#endif
