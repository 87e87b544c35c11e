/*
 * accounts.c: the account, token and accepted-terms tables behind
 * /account/register, /account, /account/logout, /terms and the auth check.
 *
 * SQL is the common subset of SQLite and PostgreSQL (INSERT ... ON CONFLICT
 * DO NOTHING needs SQLite 3.24; configure asks for 3.31).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "identity/accounts.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mxg_is_token_hash(const char *token, char out[MXG_IS_TOKEN_HASH_LEN + 1])
{
	mxg_sha256_hex(token, strlen(token), out);
}

int mxg_is_account_register(struct mxg_db *db, const char *user_id, long long lifetime_ms,
			    char token_r[MXG_IS_TOKEN_LEN + 1], struct mxg_error *err)
{
	char hash[MXG_IS_TOKEN_HASH_LEN + 1], now[24], expires[24];
	const char *const acct[] = { user_id, now };
	const char *const tok[] = { hash, user_id, now, expires };
	const char *const purge[] = { now };
	struct mxg_db_conn *conn;
	long long t = now_ms();
	int rc = -1;

	if (mxg_random_token(token_r, MXG_IS_TOKEN_LEN) < 0)
		return mxg_error_set(err, EIO, "no random bytes for a token");
	mxg_is_token_hash(token_r, hash);
	snprintf(now, sizeof(now), "%lld", t);
	snprintf(expires, sizeof(expires), "%lld", t + lifetime_ms);
	conn = mxg_db_acquire(db, err);
	if (conn == NULL)
		goto out;
	if (mxg_db_begin(conn, err) < 0 ||
	    mxg_db_conn_query(conn, "INSERT INTO is_accounts (user_id, created_at)"
			      " VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
			      2, acct, NULL, err) < 0 ||
	    mxg_db_conn_query(conn, "INSERT INTO is_tokens (token_hash, user_id, created_at,"
			      " expires_at) VALUES ($1, $2, $3, $4)", 4, tok, NULL, err) < 0 ||
	    mxg_db_conn_query(conn, "DELETE FROM is_tokens WHERE expires_at <= $1",
			      1, purge, NULL, err) < 0 ||
	    mxg_db_commit(conn, err) < 0)
		goto out;
	rc = 0;
out:
	if (conn != NULL)
		mxg_db_release(db, &conn);
	if (rc < 0)
		explicit_bzero(token_r, MXG_IS_TOKEN_LEN + 1);
	return rc;
}

int mxg_is_token_lookup(struct mxg_db *db, struct mxg_arena *arena, const char *token,
			struct mxg_is_token_info *info_r, struct mxg_error *err)
{
	char now[24];
	const char *const params[] = { info_r->hash, now };
	struct mxg_db_result *res;
	const char *stored;
	int found = 0;

	mxg_is_token_hash(token, info_r->hash);
	snprintf(now, sizeof(now), "%lld", now_ms());
	if (mxg_db_query(db, "SELECT t.token_hash, t.user_id, a.terms_version"
			 " FROM is_tokens t JOIN is_accounts a ON a.user_id = t.user_id"
			 " WHERE t.token_hash = $1 AND t.expires_at > $2",
			 2, params, &res, err) < 0)
		return -1;
	stored = mxg_db_result_rows(res) == 1 ? mxg_db_result_get(res, 0, 0) : NULL;
	/* The index found it; compare anyway, in constant time, so that a
	 * collation quirk can never let a near miss through. */
	if (stored != NULL && mxg_const_streq(stored, info_r->hash)) {
		const char *tv = mxg_db_result_get(res, 0, 2);

		info_r->user_id = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 1));
		info_r->terms_version = mxg_arena_strdup(arena, tv != NULL ? tv : "");
		found = 1;
	}
	mxg_db_result_free(&res);
	return found;
}

int mxg_is_token_delete(struct mxg_db *db, const char *hash, struct mxg_error *err)
{
	const char *const params[] = { hash };
	struct mxg_db_result *res;
	size_t n;

	if (mxg_db_query(db, "DELETE FROM is_tokens WHERE token_hash = $1", 1, params, &res,
			 err) < 0)
		return -1;
	n = mxg_db_result_affected(res);
	mxg_db_result_free(&res);
	return n > 0 ? 1 : 0;
}

const char *mxg_is_terms_policy_of(const struct mxg_identity_conf *conf, const char *url)
{
	const struct mxg_terms_policy_conf *p = conf->terms.items;

	for (size_t i = 0; i < conf->terms.count; i++) {
		const struct mxg_terms_lang_conf *l = p[i].languages.items;

		for (size_t j = 0; j < p[i].languages.count; j++)
			if (strcmp(l[j].url, url) == 0)
				return p[i].id;
	}
	return NULL;
}

/* Does the accepted set (rows of url) hold some language of policy p? */
static bool policy_covered(const struct mxg_terms_policy_conf *p,
			   const struct mxg_db_result *res)
{
	const struct mxg_terms_lang_conf *l = p->languages.items;

	for (size_t j = 0; j < p->languages.count; j++)
		for (size_t r = 0; r < mxg_db_result_rows(res); r++)
			if (strcmp(l[j].url, mxg_db_result_get(res, r, 0)) == 0)
				return true;
	return false;
}

int mxg_is_terms_accept(struct mxg_db *db, const struct mxg_identity_conf *conf,
			const char *user_id, const char *const *urls, size_t count,
			struct mxg_error *err)
{
	const struct mxg_terms_policy_conf *p = conf->terms.items;
	struct mxg_db_result *res = NULL;
	struct mxg_db_conn *conn;
	char now[24];
	const char *const who[] = { user_id };
	const char *const version[] = { conf->terms_version, user_id };
	bool all = true;
	int rc = -1;

	snprintf(now, sizeof(now), "%lld", now_ms());
	conn = mxg_db_acquire(db, err);
	if (conn == NULL)
		return -1;
	if (mxg_db_begin(conn, err) < 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		const char *const row[] = { user_id, urls[i], now };

		if (mxg_db_conn_query(conn, "INSERT INTO is_terms_accepted (user_id, url,"
				      " accepted_at) VALUES ($1, $2, $3)"
				      " ON CONFLICT (user_id, url) DO NOTHING",
				      3, row, NULL, err) < 0)
			goto out;
	}
	if (mxg_db_conn_query(conn, "SELECT url FROM is_terms_accepted WHERE user_id = $1",
			      1, who, &res, err) < 0)
		goto out;
	for (size_t i = 0; i < conf->terms.count && all; i++)
		all = policy_covered(&p[i], res);
	if (all && mxg_db_conn_query(conn, "UPDATE is_accounts SET terms_version = $1"
				     " WHERE user_id = $2", 2, version, NULL, err) < 0)
		goto out;
	if (mxg_db_commit(conn, err) < 0)
		goto out;
	rc = 0;
out:
	mxg_db_result_free(&res);
	mxg_db_release(db, &conn);
	return rc;
}
