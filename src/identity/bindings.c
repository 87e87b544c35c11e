/*
 * bindings.c: 3PID bindings over the database (table bindings, migration 4).
 * The rules are described in bindings.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/arena.h"
#include "db/db.h"
#include "identity/bindings.h"

static long long to_ll(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

int mxg_bindings_bind(struct mxg_db *db, const struct mxg_binding *b, struct mxg_error *err)
{
	char ts[24], nb[24], na[24];
	const char *params[6] = { b->medium, b->address, b->mxid, ts, nb, na };

	snprintf(ts, sizeof(ts), "%lld", b->ts);
	snprintf(nb, sizeof(nb), "%lld", b->not_before);
	snprintf(na, sizeof(na), "%lld", b->not_after);
	/* One statement, atomic on both dialects (SQLite >= 3.24, PostgreSQL
	 * >= 9.5): concurrent binds of one 3PID leave exactly one row. */
	return mxg_db_query(db, "INSERT INTO bindings (medium, address, mxid, ts, not_before,"
			    " not_after) VALUES ($1, $2, $3, $4, $5, $6)"
			    " ON CONFLICT (medium, address) DO UPDATE SET mxid = excluded.mxid,"
			    " ts = excluded.ts, not_before = excluded.not_before,"
			    " not_after = excluded.not_after", 6, params, NULL, err);
}

int mxg_bindings_unbind(struct mxg_db *db, const char *medium, const char *address,
			const char *mxid, bool *removed_r, struct mxg_error *err)
{
	const char *params[3] = { medium, address, mxid };
	struct mxg_db_result *res;

	if (mxg_db_query(db, "DELETE FROM bindings WHERE medium = $1 AND address = $2"
			 " AND mxid = $3", 3, params, &res, err) < 0)
		return -1;
	if (removed_r != NULL)
		*removed_r = mxg_db_result_affected(res) > 0;
	mxg_db_result_free(&res);
	return 0;
}

int mxg_bindings_lookup(struct mxg_db *db, const char *medium, const char *address,
			struct mxg_arena *arena, struct mxg_binding *b_r, struct mxg_error *err)
{
	const char *params[2] = { medium, address };
	struct mxg_db_result *res;
	int found;

	if (mxg_db_query(db, "SELECT medium, address, mxid, ts, not_before, not_after"
			 " FROM bindings WHERE medium = $1 AND address = $2",
			 2, params, &res, err) < 0)
		return -1;
	found = mxg_db_result_rows(res) == 1;
	if (found) {
		b_r->medium = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 0));
		b_r->address = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 1));
		b_r->mxid = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 2));
		b_r->ts = to_ll(mxg_db_result_get(res, 0, 3));
		b_r->not_before = to_ll(mxg_db_result_get(res, 0, 4));
		b_r->not_after = to_ll(mxg_db_result_get(res, 0, 5));
	}
	mxg_db_result_free(&res);
	return found;
}

int mxg_bindings_enumerate(struct mxg_db *db, mxg_store_3pid_fn *cb, void *cb_ctx,
			   struct mxg_error *err)
{
	struct mxg_db_result *res;
	size_t n;

	/* One result in memory: bindings are made one by one by people, far
	 * fewer than the stores' 3PIDs. */
	if (mxg_db_query(db, "SELECT medium, address, mxid FROM bindings", 0, NULL, &res,
			 err) < 0)
		return -1;
	n = mxg_db_result_rows(res);
	for (size_t i = 0; i < n; i++) {
		const char *m = mxg_db_result_get(res, i, 0), *a = mxg_db_result_get(res, i, 1);
		const char *u = mxg_db_result_get(res, i, 2);

		if (m != NULL && a != NULL && u != NULL && cb(cb_ctx, m, a, u) != 0)
			break;
	}
	mxg_db_result_free(&res);
	return 0;
}
