/*
 * sql.c: the `sql` identity store module: people read from a SQL database,
 * PostgreSQL or SQLite, by the admin's own parameterised queries or by the
 * `synapse` preset's (see mxgate-sql(5) for the contract of each query).
 *
 * This file holds the store operations; settings and presets are in
 * sql-settings.c, running queries (and the lazily opened pool) in
 * sql-query.c, password preparation in sql-password.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/threepid.h"
#include "stores/util.h"
#include "sql.h"

/* 3PIDs per bulk query: bounds the JSON parameter and the matching below,
 * which compares every row with every 3PID of its batch. */
#define BULK_BATCH 200

static const char *const media[] = { "email", "msisdn" };

/* The interned medium name, or NULL for one we do not know. */
static const char *medium_name(const char *medium)
{
	for (size_t i = 0; i < sizeof(media) / sizeof(media[0]); i++)
		if (medium != NULL && strcmp(medium, media[i]) == 0)
			return media[i];
	return NULL;
}

static int sql_init(struct mxg_store *s, struct mxg_error *err)
{
	struct mxg_sql_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	s->ctx = ctx;
	ctx->store_name = s->name;
	ctx->server_name = s->env != NULL ? s->env->server_name : NULL;
	if (ctx->server_name == NULL)
		return mxg_error_set(err, EINVAL, "no server_name");
	if (pthread_mutex_init(&ctx->lock, NULL) != 0)
		return mxg_error_set(err, ENOMEM, "cannot create a mutex");
	ctx->lock_init = true;
	/* No connection here: the database may be down while we start. */
	return mxg_sql_settings_apply(s->settings, ctx, err);
}

static void sql_deinit(struct mxg_store *s)
{
	struct mxg_sql_ctx *ctx = s->ctx;

	if (ctx == NULL)
		return;
	mxg_sql_pool_close(ctx);
	free(ctx->decoy_hash);
	if (ctx->lock_init)
		pthread_mutex_destroy(&ctx->lock);
	free(ctx);
	s->ctx = NULL;
}

/* The person's 3PIDs (canonical; rows of unknown media or invalid
 * addresses skipped).  OK with none when profile_threepids is off. */
static enum mxg_store_result fetch_threepids(struct mxg_sql_ctx *ctx, const char *key,
					     const char *lp, struct mxg_arena *arena,
					     struct mxg_person *person, struct mxg_error *err)
{
	const char *params[] = { key, lp };
	struct mxg_db_result *res;
	enum mxg_store_result r;
	struct mxg_3pid *out;
	size_t rows, n = 0;

	if (ctx->q[MXG_SQL_Q_PROFILE_THREEPIDS].sql == NULL)
		return MXG_STORE_OK;
	r = mxg_sql_run(ctx, MXG_SQL_Q_PROFILE_THREEPIDS, params, 2, &res, err);
	if (r != MXG_STORE_OK)
		return r;
	rows = mxg_db_result_rows(res);
	out = mxg_arena_alloc(arena, sizeof(*out) * (rows + 1));
	for (size_t i = 0; i < rows; i++) {
		const char *m = medium_name(mxg_db_result_get(res, i, 0));
		const char *addr = mxg_db_result_get(res, i, 1);

		if (m == NULL || addr == NULL ||
		    (addr = mxg_3pid_canonicalize(arena, m, addr)) == NULL)
			continue;
		out[n].medium = m;
		out[n++].address = addr;
	}
	mxg_db_result_free(&res);
	person->threepids = out;
	person->threepid_count = n;
	return MXG_STORE_OK;
}

/* The first column of the lookup query for one canonical 3PID. */
static enum mxg_store_result lookup_value(struct mxg_sql_ctx *ctx, const char *medium,
					  const char *address, struct mxg_arena *arena,
					  const char **value_r, struct mxg_error *err)
{
	const char *params[] = { medium, address };
	struct mxg_db_result *res;
	enum mxg_store_result r;

	if (ctx->q[MXG_SQL_Q_LOOKUP].sql == NULL)
		return MXG_STORE_NOT_FOUND;
	r = mxg_sql_run(ctx, MXG_SQL_Q_LOOKUP, params, 1, &res, err);
	if (r != MXG_STORE_OK)
		return r;
	*value_r = mxg_db_result_rows(res) > 0 ? mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 0))
					       : NULL;
	mxg_db_result_free(&res);
	return *value_r != NULL ? MXG_STORE_OK : MXG_STORE_NOT_FOUND;
}

/* The authenticate row for a person, copied out: the password hash only
 * lives as long as the check. */
struct auth_row {
	const char *user_id;
	const char *display_name;
	bool disabled;
};

static void keep_decoy(struct mxg_sql_ctx *ctx, const char *hash)
{
	char *copy, *none = NULL;

	if (__atomic_load_n(&ctx->decoy_hash, __ATOMIC_ACQUIRE) != NULL)
		return;
	copy = strdup(hash);
	if (copy != NULL && !__atomic_compare_exchange_n(&ctx->decoy_hash, &none, copy, false,
							  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		free(copy);
}

/* An unknown user: spend the time a wrong password would have taken. */
static void check_decoy(struct mxg_sql_ctx *ctx, const struct mxg_cred *cred)
{
	const char *decoy = __atomic_load_n(&ctx->decoy_hash, __ATOMIC_ACQUIRE);

	if (decoy != NULL)
		(void)mxg_sql_password_check(ctx, cred->password, cred->password_len, decoy);
}

static enum mxg_store_result check_row(struct mxg_sql_ctx *ctx, const struct mxg_db_result *res,
				       const struct mxg_cred *cred, struct mxg_arena *arena,
				       struct auth_row *row, struct mxg_error *err)
{
	size_t cols = mxg_db_result_cols(res);
	const char *hash;

	row->user_id = mxg_sql_user_id(ctx, arena, mxg_db_result_get(res, 0, 0));
	if (row->user_id == NULL) {
		mxg_error_set(err, EINVAL, "queries.authenticate: id '%s' is not a %s",
			      mxg_db_result_get(res, 0, 0) != NULL ? mxg_db_result_get(res, 0, 0)
								   : "NULL",
			      ctx->id_is_mxid ? "Matrix ID" : "localpart");
		return MXG_STORE_INTERNAL;
	}
	row->display_name = cols > 2 ? mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 2)) : NULL;
	row->disabled = cols > 3 && mxg_sql_truthy(mxg_db_result_get(res, 0, 3));
	hash = mxg_db_result_get(res, 0, 1);
	/* No hash: an account without a password (SSO only, or deactivated
	 * by an application that clears it). */
	if (hash == NULL || hash[0] == '\0')
		return MXG_STORE_DENIED;
	keep_decoy(ctx, hash);
	switch (mxg_sql_password_check(ctx, cred->password, cred->password_len, hash)) {
	case MXG_PASSWORD_MATCH:
		return MXG_STORE_OK;
	case MXG_PASSWORD_MISMATCH:
		return MXG_STORE_DENIED;
	case MXG_PASSWORD_BAD_HASH:
		break;
	}
	mxg_error_set(err, EINVAL, "user '%s': unusable password hash (not crypt(3) or argon2)",
		      row->user_id);
	return MXG_STORE_INTERNAL;
}

static enum mxg_store_result sql_authenticate(struct mxg_store *s, const struct mxg_cred *cred,
					      struct mxg_arena *arena, struct mxg_person *person_r,
					      struct mxg_error *err)
{
	struct mxg_sql_ctx *ctx = s->ctx;
	const char *user = cred->user, *key, *lp;
	const char *params[2];
	struct mxg_db_result *res;
	enum mxg_store_result r;
	struct auth_row row;
	size_t rows;

	if (ctx->q[MXG_SQL_Q_AUTHENTICATE].sql == NULL)
		return MXG_STORE_NOT_FOUND;
	/* Never a login without a password, whatever the hash would say. */
	if (cred->password == NULL || cred->password_len == 0)
		return MXG_STORE_DENIED;
	if (cred->medium != NULL) {
		const char *m = medium_name(cred->medium);
		const char *addr = m != NULL ? mxg_3pid_canonicalize(arena, m, cred->user) : NULL;

		if (addr == NULL)
			return MXG_STORE_NOT_FOUND;
		r = lookup_value(ctx, m, addr, arena, &user, err);
		if (r == MXG_STORE_NOT_FOUND)
			check_decoy(ctx, cred);
		if (r != MXG_STORE_OK)
			return r;
	}
	if (!mxg_sql_person_key(ctx, arena, user, &key, &lp))
		return MXG_STORE_NOT_FOUND;
	params[0] = key;
	params[1] = lp;
	r = mxg_sql_run(ctx, MXG_SQL_Q_AUTHENTICATE, params, 2, &res, err);
	if (r != MXG_STORE_OK)
		return r;
	rows = mxg_db_result_rows(res);
	if (rows == 0) {
		check_decoy(ctx, cred);
		r = MXG_STORE_NOT_FOUND;
	} else if (rows > 1) {
		/* Never pick one of several people for a password. */
		mxg_error_set(err, EINVAL, "queries.authenticate: %zu rows for '%s'", rows, key);
		r = MXG_STORE_INTERNAL;
	} else {
		r = check_row(ctx, res, cred, arena, &row, err);
	}
	mxg_db_result_free(&res);
	if (r != MXG_STORE_OK)
		return r;
	/* Disabled is told only to someone who knows the password. */
	if (row.disabled)
		return MXG_STORE_DISABLED;
	memset(person_r, 0, sizeof(*person_r));
	person_r->user_id = row.user_id;
	person_r->display_name = row.display_name;
	return fetch_threepids(ctx, key, lp, arena, person_r, err);
}

static enum mxg_store_result sql_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
					struct mxg_arena *arena, const char **user_id_r,
					struct mxg_error *err)
{
	struct mxg_sql_ctx *ctx = s->ctx;
	const char *m = medium_name(tpid->medium), *addr, *value;
	enum mxg_store_result r;

	addr = m != NULL ? mxg_3pid_canonicalize(arena, m, tpid->address) : NULL;
	if (addr == NULL)
		return MXG_STORE_NOT_FOUND;
	r = lookup_value(ctx, m, addr, arena, &value, err);
	if (r != MXG_STORE_OK)
		return r;
	*user_id_r = mxg_sql_user_id(ctx, arena, value);
	if (*user_id_r == NULL) {
		mxg_error_set(err, EINVAL, "queries.lookup: id '%s' is not a %s", value,
			      ctx->id_is_mxid ? "Matrix ID" : "localpart");
		return MXG_STORE_INTERNAL;
	}
	return MXG_STORE_OK;
}

/* One batch of the bulk query: tpids[0..count) with their canonical
 * addresses in addrs (NULL = invalid, not asked). */
static enum mxg_store_result bulk_batch(struct mxg_sql_ctx *ctx, const struct mxg_3pid *tpids,
					const char *const *addrs, size_t count,
					struct mxg_arena *arena, const char **user_ids_r,
					struct mxg_error *err)
{
	json_t *array = json_array();
	struct mxg_db_result *res;
	enum mxg_store_result r;
	const char *params[1];
	char *text;

	for (size_t i = 0; i < count; i++) {
		json_t *item;

		if (addrs[i] == NULL)
			continue;
		/* json_string() refuses what is not UTF-8: such an address
		 * cannot be in the database either. */
		item = json_pack("{s:s, s:s}", "medium", medium_name(tpids[i].medium),
				 "address", addrs[i]);
		if (item != NULL)
			json_array_append_new(array, item);
	}
	if (json_array_size(array) == 0) {
		json_decref(array);
		return MXG_STORE_OK;
	}
	text = json_dumps(array, JSON_COMPACT);
	json_decref(array);
	if (text == NULL) {
		mxg_error_set(err, ENOMEM, "out of memory");
		return MXG_STORE_INTERNAL;
	}
	params[0] = text;
	r = mxg_sql_run(ctx, MXG_SQL_Q_LOOKUP_BULK, params, 3, &res, err);
	free(text);
	if (r != MXG_STORE_OK)
		return r;
	for (size_t row = 0; row < mxg_db_result_rows(res); row++) {
		const char *m = mxg_db_result_get(res, row, 0), *a = mxg_db_result_get(res, row, 1);
		const char *id = NULL;

		if (m == NULL || a == NULL)
			continue;
		for (size_t i = 0; i < count; i++) {
			if (addrs[i] == NULL || user_ids_r[i] != NULL ||
			    strcmp(m, tpids[i].medium) != 0 || strcmp(a, addrs[i]) != 0)
				continue;
			if (id == NULL)
				id = mxg_sql_user_id(ctx, arena, mxg_db_result_get(res, row, 2));
			user_ids_r[i] = id;
		}
	}
	mxg_db_result_free(&res);
	return MXG_STORE_OK;
}

static enum mxg_store_result sql_lookup_bulk(struct mxg_store *s, const struct mxg_3pid *tpids,
					     size_t count, struct mxg_arena *arena,
					     const char **user_ids_r, struct mxg_error *err)
{
	struct mxg_sql_ctx *ctx = s->ctx;
	const char *addrs[BULK_BATCH];

	if (ctx->q[MXG_SQL_Q_LOOKUP_BULK].sql == NULL) {
		/* One lookup query per 3PID. */
		for (size_t i = 0; i < count; i++) {
			enum mxg_store_result r = sql_lookup(s, &tpids[i], arena, &user_ids_r[i], err);

			if (r == MXG_STORE_NOT_FOUND)
				user_ids_r[i] = NULL;
			else if (r != MXG_STORE_OK)
				return r;
		}
		return MXG_STORE_OK;
	}
	for (size_t off = 0; off < count; off += BULK_BATCH) {
		size_t n = count - off < BULK_BATCH ? count - off : BULK_BATCH;
		enum mxg_store_result r;

		for (size_t i = 0; i < n; i++) {
			const char *m = medium_name(tpids[off + i].medium);

			addrs[i] = m != NULL ? mxg_3pid_canonicalize(arena, m, tpids[off + i].address)
					     : NULL;
		}
		r = bulk_batch(ctx, tpids + off, addrs, n, arena, user_ids_r + off, err);
		if (r != MXG_STORE_OK)
			return r;
	}
	return MXG_STORE_OK;
}

static enum mxg_store_result sql_enumerate(struct mxg_store *s, mxg_store_3pid_fn *cb,
					   void *cb_ctx, struct mxg_error *err)
{
	struct mxg_sql_ctx *ctx = s->ctx;
	struct mxg_db_result *res;
	struct mxg_arena *scratch;
	enum mxg_store_result r;
	size_t rows, skipped = 0;

	if (ctx->q[MXG_SQL_Q_ENUMERATE].sql == NULL)
		return MXG_STORE_OK;
	r = mxg_sql_run(ctx, MXG_SQL_Q_ENUMERATE, NULL, 3, &res, err);
	if (r != MXG_STORE_OK)
		return r;
	rows = mxg_db_result_rows(res);
	scratch = mxg_arena_create(16384);
	for (size_t i = 0; i < rows; i++) {
		const char *m = medium_name(mxg_db_result_get(res, i, 0));
		const char *addr = mxg_db_result_get(res, i, 1), *id;

		/* A fresh scratch arena now and then: the rows are in memory
		 * already, their canonical copies need not all be. */
		if (i % 1024 == 1023) {
			mxg_arena_destroy(&scratch);
			scratch = mxg_arena_create(16384);
		}
		id = mxg_sql_user_id(ctx, scratch, mxg_db_result_get(res, i, 2));
		if (m == NULL || addr == NULL || id == NULL ||
		    (addr = mxg_3pid_canonicalize(scratch, m, addr)) == NULL) {
			skipped++;
			continue;
		}
		if (cb(cb_ctx, m, addr, id) != 0)
			break;
	}
	mxg_arena_destroy(&scratch);
	mxg_db_result_free(&res);
	if (skipped > 0)
		mxg_warning("store '%s': enumerate: %zu rows skipped (unknown medium, invalid "
			    "address or id)", ctx->store_name, skipped);
	return MXG_STORE_OK;
}

static enum mxg_store_result sql_search(struct mxg_store *s, const char *term, size_t limit,
					struct mxg_arena *arena, struct mxg_person **people_r,
					size_t *count_r, struct mxg_error *err)
{
	struct mxg_sql_ctx *ctx = s->ctx;
	const char *params[3];
	struct mxg_db_result *res;
	struct mxg_person *out;
	enum mxg_store_result r;
	size_t rows, n = 0;

	*people_r = NULL;
	*count_r = 0;
	if (ctx->q[MXG_SQL_Q_DIRECTORY_SEARCH].sql == NULL || limit == 0 ||
	    !mxg_store_term_ok(term))
		return MXG_STORE_OK;
	params[0] = mxg_sql_like_contains(arena, term);
	params[1] = mxg_arena_printf(arena, "%zu", limit);
	params[2] = ctx->server_name;
	r = mxg_sql_run(ctx, MXG_SQL_Q_DIRECTORY_SEARCH, params, 2, &res, err);
	if (r != MXG_STORE_OK)
		return r;
	rows = mxg_db_result_rows(res);
	out = mxg_arena_alloc(arena, sizeof(*out) * (rows + 1));
	for (size_t i = 0; i < rows && n < limit; i++) {
		const char *id = mxg_sql_user_id(ctx, arena, mxg_db_result_get(res, i, 0));

		if (id == NULL)
			continue;
		out[n].user_id = id;
		out[n].display_name = mxg_arena_strdup(arena, mxg_db_result_get(res, i, 1));
		if (mxg_db_result_cols(res) > 2)
			out[n].avatar_url = mxg_arena_strdup(arena, mxg_db_result_get(res, i, 2));
		n++;
	}
	mxg_db_result_free(&res);
	*people_r = out;
	*count_r = n;
	return MXG_STORE_OK;
}

static enum mxg_store_result sql_profile(struct mxg_store *s, const char *user_id,
					 struct mxg_arena *arena, struct mxg_person *person_r,
					 struct mxg_error *err)
{
	struct mxg_sql_ctx *ctx = s->ctx;
	const char *key, *lp, *params[2];
	struct mxg_db_result *res;
	enum mxg_store_result r;

	if (ctx->q[MXG_SQL_Q_PROFILE].sql == NULL || user_id == NULL || user_id[0] != '@' ||
	    !mxg_sql_person_key(ctx, arena, user_id, &key, &lp))
		return MXG_STORE_NOT_FOUND;
	params[0] = key;
	params[1] = lp;
	r = mxg_sql_run(ctx, MXG_SQL_Q_PROFILE, params, 1, &res, err);
	if (r != MXG_STORE_OK)
		return r;
	if (mxg_db_result_rows(res) == 0) {
		mxg_db_result_free(&res);
		return MXG_STORE_NOT_FOUND;
	}
	memset(person_r, 0, sizeof(*person_r));
	person_r->user_id = ctx->id_is_mxid ? key
			    : mxg_arena_printf(arena, "@%s:%s", lp, ctx->server_name);
	person_r->display_name = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 0));
	if (mxg_db_result_cols(res) > 1)
		person_r->avatar_url = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 1));
	mxg_db_result_free(&res);
	return fetch_threepids(ctx, key, lp, arena, person_r, err);
}

/* The loader finds this by name: mxg_store_<module name>. */
extern const struct mxg_store_driver mxg_store_sql;
const struct mxg_store_driver mxg_store_sql = {
	.abi_version = MXG_STORE_ABI,
	.name = "sql",
	.settings = mxg_sql_settings_table,
	.settings_size = sizeof(struct mxg_sql_settings),
	.init = sql_init,
	.deinit = sql_deinit,
	.authenticate = sql_authenticate,
	.lookup = sql_lookup,
	.lookup_bulk = sql_lookup_bulk,
	.enumerate_3pids = sql_enumerate,
	.directory_search = sql_search,
	.profile = sql_profile,
};
