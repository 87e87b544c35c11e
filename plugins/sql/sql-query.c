/*
 * sql-query.c: running the `sql` store's configured queries.
 *
 * The pool is opened on first use, not in init(): mxgate must start while
 * the directory's database is down, and a store that is down answers
 * UNAVAILABLE (HTTP 503), never "not found" or "denied".  A failed open is
 * remembered for a second so that a burst of requests does not queue up
 * behind one connect timeout after another; the next call after that tries
 * again.  Values always travel as $n parameters: nothing here pastes input
 * into SQL (the LIKE pattern is a parameter too, escaped for LIKE only).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "stores/util.h"
#include "sql.h"

/* How long a failed open answers for itself before the next try. */
#define REOPEN_INTERVAL_MS 1000

/* Placeholders tracked (every query is offered far fewer). */
#define MAX_PLACEHOLDER 64

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Past a quoted literal or identifier opened at *p; NULL if unterminated.
 * A doubled quote stands for itself; backslash escapes in E'' strings. */
static const char *skip_quoted(const char *p, bool backslash)
{
	char q = *p++;

	for (; *p != '\0'; p++) {
		if (backslash && *p == '\\' && p[1] != '\0') {
			p++;
		} else if (*p == q) {
			if (p[1] != q)
				return p + 1;
			p++;
		}
	}
	return NULL;
}

/* Past a PostgreSQL dollar-quoted string ($$...$$, $tag$...$tag$) opened at
 * p, whose opening delimiter is len bytes; NULL if unterminated. */
static const char *skip_dollar_quoted(const char *p, size_t len)
{
	const char *end = p + len;

	for (;;) {
		end = strchr(end, '$');
		if (end == NULL)
			return NULL;
		if (strncmp(end, p, len) == 0)
			return end + len;
		end++;
	}
}

/* The length of a dollar-quote delimiter at p ("$$", "$tag$"), or 0. */
static size_t dollar_tag_len(const char *p)
{
	size_t n = 1;

	if (p[1] >= '0' && p[1] <= '9')
		return 0;	/* $1: a placeholder */
	while (p[n] != '\0' && p[n] != '$' && ident_char(p[n]))
		n++;
	return p[n] == '$' ? n + 1 : 0;
}

int mxg_sql_placeholders(const char *sql, size_t *max_r, struct mxg_error *err)
{
	bool used[MAX_PLACEHOLDER + 1] = { false };
	size_t max = 0;
	const char *p = sql;

	while (*p != '\0') {
		bool after_ident = p > sql && ident_char(p[-1]);
		size_t tag;

		if (*p == '\'' || *p == '"') {
			/* E'...' takes backslash escapes (PostgreSQL). */
			bool e = *p == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
				  (p - 1 == sql || !ident_char(p[-2]));

			p = skip_quoted(p, e);
			if (p == NULL)
				return mxg_error_set(err, EINVAL, "unterminated quote");
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			p = strstr(p + 2, "*/");
			if (p == NULL)
				return mxg_error_set(err, EINVAL, "unterminated comment");
			p += 2;
		} else if (*p == '$' && !after_ident && p[1] >= '0' && p[1] <= '9') {
			size_t n = 0;

			for (p++; *p >= '0' && *p <= '9'; p++) {
				n = n * 10 + (size_t)(*p - '0');
				if (n > MAX_PLACEHOLDER)
					return mxg_error_set(err, EINVAL, "placeholder $%zu too high", n);
			}
			if (n == 0)
				return mxg_error_set(err, EINVAL, "placeholder $0 (they start at $1)");
			used[n] = true;
			if (n > max)
				max = n;
		} else if (*p == '$' && !after_ident && (tag = dollar_tag_len(p)) > 0) {
			p = skip_dollar_quoted(p, tag);
			if (p == NULL)
				return mxg_error_set(err, EINVAL, "unterminated dollar quote");
		} else {
			p++;
		}
	}
	for (size_t n = 1; n < max; n++)
		if (!used[n])
			return mxg_error_set(err, EINVAL, "uses $%zu but not $%zu (a query may "
					     "leave out only its last parameters)", max, n);
	*max_r = max;
	return 0;
}

char *mxg_sql_like_contains(struct mxg_arena *arena, const char *term)
{
	size_t len = strlen(term);
	char *out = mxg_arena_alloc(arena, 2 * len + 3), *o = out;

	*o++ = '%';
	for (const char *p = term; *p != '\0'; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

bool mxg_sql_truthy(const char *value)
{
	static const char *const yes[] = { "1", "t", "true", "y", "yes", "on" };

	if (value == NULL)
		return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(value, yes[i]) == 0)
			return true;
	return false;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The pool, opened now if it is not yet; NULL + err (a message without the
 * conninfo) when the database cannot be reached. */
static struct mxg_db *pool_get(struct mxg_sql_ctx *ctx, struct mxg_error *err)
{
	struct mxg_db *db;
	struct mxg_error e = { 0 };

	pthread_mutex_lock(&ctx->lock);
	db = ctx->db;
	if (db != NULL)
		goto out;
	if (ctx->failed_at_ms != 0 && now_ms() - ctx->failed_at_ms < REOPEN_INTERVAL_MS) {
		mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "%s", ctx->failed_msg);
		goto out;
	}
	/* read_only (sql-settings.c): a missing SQLite file is an error, not
	 * a new empty directory. */
	if (mxg_db_open(&ctx->dbset, &ctx->db, &e) == 0) {
		db = ctx->db;
		ctx->failed_at_ms = 0;
		mxg_info("store '%s': %s database open", ctx->store_name,
			 mxg_db_driver_name(db));
		goto out;
	}
	/* Logged once per retry interval at most, by whoever tried. */
	mxg_warning("store '%s': %s", ctx->store_name, e.msg);
	snprintf(ctx->failed_msg, sizeof(ctx->failed_msg), "%s", e.msg);
	ctx->failed_at_ms = now_ms();
	if (ctx->failed_at_ms == 0)
		ctx->failed_at_ms = 1;
	if (err != NULL)
		*err = e;
out:
	pthread_mutex_unlock(&ctx->lock);
	return db;
}

void mxg_sql_pool_close(struct mxg_sql_ctx *ctx)
{
	mxg_db_close(&ctx->db);
}

enum mxg_store_result mxg_sql_run(struct mxg_sql_ctx *ctx, enum mxg_sql_query_kind kind,
				  const char *const *params, size_t min_cols,
				  struct mxg_db_result **res_r, struct mxg_error *err)
{
	const struct mxg_sql_query *q = &ctx->q[kind];
	struct mxg_db *db;

	*res_r = NULL;
	db = pool_get(ctx, err);
	if (db == NULL)
		return MXG_STORE_UNAVAILABLE;
	if (mxg_db_query(db, q->sql, q->nparams, params, res_r, err) < 0) {
		bool down = err != NULL && err->code == MXG_DB_ERR_UNAVAILABLE;

		mxg_error_prefix(err, "queries.%s: ", mxg_sql_query_name(kind));
		return down ? MXG_STORE_UNAVAILABLE : MXG_STORE_INTERNAL;
	}
	if (mxg_db_result_rows(*res_r) > 0 && mxg_db_result_cols(*res_r) < min_cols) {
		mxg_error_set(err, EINVAL, "queries.%s: returns %zu column%s, needs at least %zu",
			      mxg_sql_query_name(kind), mxg_db_result_cols(*res_r),
			      mxg_db_result_cols(*res_r) == 1 ? "" : "s", min_cols);
		mxg_db_result_free(res_r);
		return MXG_STORE_INTERNAL;
	}
	return MXG_STORE_OK;
}

const char *mxg_sql_user_id(const struct mxg_sql_ctx *ctx, struct mxg_arena *arena,
			    const char *value)
{
	struct mxg_store_env env = { .server_name = ctx->server_name };

	return mxg_store_user_id(arena, &env, value, ctx->id_is_mxid, ctx->lowercase);
}

static void lower_ascii(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

bool mxg_sql_person_key(const struct mxg_sql_ctx *ctx, struct mxg_arena *arena,
			const char *user, const char **key_r, const char **localpart_r)
{
	const char *server = ctx->server_name;
	char *lp;

	if (user == NULL || user[0] == '\0')
		return false;
	if (user[0] == '@') {
		const char *colon = strchr(user, ':');

		if (colon == NULL || colon == user + 1 || colon[1] == '\0')
			return false;
		/* Only an mxid-keyed store can hold people of other servers. */
		if (strcmp(colon + 1, ctx->server_name) != 0) {
			if (!ctx->id_is_mxid)
				return false;
			server = colon + 1;
		}
		lp = mxg_arena_strndup(arena, user + 1, (size_t)(colon - user - 1));
	} else {
		if (strchr(user, ':') != NULL)
			return false;
		lp = mxg_arena_strdup(arena, user);
	}
	if (strpbrk(lp, " \t\r\n") != NULL)
		return false;
	if (ctx->lowercase)
		lower_ascii(lp);
	*localpart_r = lp;
	*key_r = ctx->id_is_mxid ? mxg_arena_printf(arena, "@%s:%s", lp, server) : lp;
	return true;
}
