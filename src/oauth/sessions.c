/*
 * sessions.c: sessions and their tokens in the database (see sessions.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "oauth/oauth.h"
#include "oauth/sessions.h"

/* A session's last activity is written at most this often. */
#define ACTIVITY_RESOLUTION_MS (60 * 1000)

/* Insert an access token (and a refresh token when refresh != NULL) for
 * session_id on conn. */
static int insert_tokens(struct mxg_oauth *p, struct mxg_db_conn *conn, const char *session_id,
			 long long now_ms, bool expires, struct mxg_oauth_tokens *t,
			 bool refresh, bool compat, struct mxg_error *err)
{
	const struct mxg_oauth_conf *c = p->conf;
	char ah[MXG_TOKEN_HASH_SIZE], rh[MXG_TOKEN_HASH_SIZE], now[24], aexp[24], rexp[24];
	const char *const acc[] = { ah, session_id, now, expires ? aexp : NULL };
	const char *const ref[] = { rh, session_id, ah, now,
				    c->refresh_token_lifetime_ms > 0 ? rexp : NULL };

	if (mxg_token_mint(compat ? MXG_TOKEN_COMPAT_ACCESS : MXG_TOKEN_ACCESS, t->access) < 0 ||
	    (refresh && mxg_token_mint(compat ? MXG_TOKEN_COMPAT_REFRESH : MXG_TOKEN_REFRESH,
				       t->refresh) < 0))
		return mxg_error_set(err, EIO, "no randomness for a token");
	if (!refresh)
		t->refresh[0] = '\0';
	mxg_token_hash(t->access, ah);
	mxg_db_num(now, now_ms);
	mxg_db_num(aexp, now_ms + c->access_token_lifetime_ms);
	mxg_db_num(rexp, now_ms + c->refresh_token_lifetime_ms);
	t->expires_in_s = expires ? c->access_token_lifetime_ms / 1000 : 0;
	if (mxg_db_conn_query(conn, "INSERT INTO oauth_access_tokens (token_hash, session_id,"
			      " created_at, expires_at) VALUES ($1, $2, $3, $4)", 4, acc, NULL,
			      err) < 0)
		return -1;
	if (!refresh)
		return 0;
	mxg_token_hash(t->refresh, rh);
	return mxg_db_conn_query(conn, "INSERT INTO oauth_refresh_tokens (token_hash, session_id,"
				 " access_token_hash, created_at, expires_at)"
				 " VALUES ($1, $2, $3, $4, $5)", 5, ref, NULL, err);
}

int mxg_oauth_session_create(struct mxg_oauth *p, const struct mxg_oauth_session_spec *spec,
			     long long now_ms, struct mxg_oauth_tokens *t, struct mxg_error *err)
{
	char now[MXG_DB_NUM_SIZE], auth_time[24];
	const char *const params[] = {
		t->session_id, spec->kind, spec->client_id, spec->user_id, spec->scope,
		spec->device_id, spec->browser_session, spec->auth_time_ms > 0 ? auth_time : NULL,
		now, spec->ip, spec->user_agent,
	};
	struct mxg_db_conn *conn;
	int rc;

	memset(t, 0, sizeof(*t));
	if (mxg_random_token(t->session_id, MXG_SESSION_ID_LEN) < 0)
		return mxg_error_set(err, EIO, "no randomness for a session");
	mxg_db_num(now, now_ms);
	mxg_db_num(auth_time, spec->auth_time_ms);
	conn = mxg_db_acquire(p->db, err);
	if (conn == NULL)
		return -1;
	rc = mxg_db_begin(conn, err);
	if (rc == 0)
		rc = mxg_db_conn_query(conn, "INSERT INTO oauth_sessions (id, kind, client_id,"
				       " user_id, scope, device_id, browser_session, auth_time,"
				       " created_at, last_active_at, last_ip, user_agent)"
				       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)",
				       11, params, NULL, err);
	if (rc == 0)
		rc = insert_tokens(p, conn, t->session_id, now_ms, spec->expires, t,
				   spec->refresh, spec->compat, err);
	if (rc == 0)
		rc = mxg_db_commit(conn, err);
	mxg_db_release(p->db, &conn);
	if (rc < 0)
		explicit_bzero(t, sizeof(*t));
	return rc;
}

/* Columns 0-6 of both lookups: the session's. */
#define SESSION_COLS "s.id, s.kind, s.client_id, s.user_id, s.scope, s.device_id, s.finished_at"

static void session_cols(struct mxg_arena *a, const struct mxg_db_result *res,
			 struct mxg_oauth_token_info *info)
{
	info->session_id = mxg_db_result_dup(res, 0, 0, a);
	info->kind = mxg_db_result_dup(res, 0, 1, a);
	info->client_id = mxg_db_result_dup(res, 0, 2, a);
	info->user_id = mxg_db_result_dup(res, 0, 3, a);
	info->scope = mxg_db_result_dup(res, 0, 4, a);
	info->device_id = mxg_db_result_dup(res, 0, 5, a);
}

/* Mark an access token used and its session active (cheaply: only the
 * first use, and activity at ACTIVITY_RESOLUTION_MS). */
static int note_use(struct mxg_oauth *p, const char *hash, const char *session_id,
		    long long first_used, long long last_active, long long now_ms,
		    struct mxg_error *err)
{
	char now[MXG_DB_NUM_SIZE];
	const char *const tok[] = { hash, now };
	const char *const ses[] = { session_id, now };

	mxg_db_num(now, now_ms);
	if (first_used == 0 &&
	    mxg_db_query(p->db, "UPDATE oauth_access_tokens SET first_used_at = $2"
			 " WHERE token_hash = $1 AND first_used_at IS NULL", 2, tok, NULL, err) < 0)
		return -1;
	if (now_ms - last_active >= ACTIVITY_RESOLUTION_MS &&
	    mxg_db_query(p->db, "UPDATE oauth_sessions SET last_active_at = $2 WHERE id = $1",
			 2, ses, NULL, err) < 0)
		return -1;
	return 0;
}

int mxg_oauth_token_lookup(struct mxg_oauth *p, const char *token, long long now_ms, bool use,
			   struct mxg_arena *a, struct mxg_oauth_token_info *info,
			   struct mxg_error *err)
{
	char hash[MXG_TOKEN_HASH_SIZE];
	const char *const params[] = { hash };
	struct mxg_db_result *res = NULL;
	int kind = mxg_token_kind(token);
	long long revoked, finished, consumed;

	memset(info, 0, sizeof(*info));
	if (kind != MXG_TOKEN_ACCESS && kind != MXG_TOKEN_REFRESH &&
	    kind != MXG_TOKEN_COMPAT_ACCESS && kind != MXG_TOKEN_COMPAT_REFRESH)
		return 0;
	mxg_token_hash(token, hash);
	info->refresh = kind == MXG_TOKEN_REFRESH || kind == MXG_TOKEN_COMPAT_REFRESH;
	if (mxg_db_query(p->db, info->refresh ?
			 "SELECT " SESSION_COLS ", t.created_at, t.expires_at, t.revoked_at,"
			 " t.consumed_at FROM oauth_refresh_tokens t JOIN oauth_sessions s"
			 " ON s.id = t.session_id WHERE t.token_hash = $1" :
			 "SELECT " SESSION_COLS ", t.created_at, t.expires_at, t.revoked_at,"
			 " t.first_used_at, s.last_active_at FROM oauth_access_tokens t"
			 " JOIN oauth_sessions s ON s.id = t.session_id WHERE t.token_hash = $1",
			 1, params, &res, err) < 0)
		return -1;
	if (mxg_db_result_rows(res) != 1) {
		mxg_db_result_free(&res);
		return 0;
	}
	session_cols(a, res, info);
	finished = mxg_db_result_ll(res, 0, 6);
	info->iat_ms = mxg_db_result_ll(res, 0, 7);
	info->exp_ms = mxg_db_result_ll(res, 0, 8);
	revoked = mxg_db_result_ll(res, 0, 9);
	consumed = info->refresh ? mxg_db_result_ll(res, 0, 10) : 0;
	info->active = finished == 0 && revoked == 0 && consumed == 0 &&
		       (info->exp_ms == 0 || now_ms < info->exp_ms);
	if (info->active && use && !info->refresh &&
	    note_use(p, hash, info->session_id, mxg_db_result_ll(res, 0, 10),
		     mxg_db_result_ll(res, 0, 11), now_ms, err) < 0) {
		mxg_db_result_free(&res);
		return -1;
	}
	mxg_db_result_free(&res);
	return 1;
}

/* The (user_id, device_id) rows an UPDATE ... RETURNING gave, those with a
 * device, appended to gone (may be NULL); the count of rows. */
static int collect(struct mxg_db_result *res, json_t *gone)
{
	size_t n = mxg_db_result_rows(res);

	for (size_t i = 0; gone != NULL && i < n; i++)
		if (mxg_db_result_get(res, i, 0) != NULL && mxg_db_result_get(res, i, 1) != NULL)
			json_array_append_new(gone, json_pack("{s:s, s:s}", "user_id",
							      mxg_db_result_get(res, i, 0),
							      "device_id",
							      mxg_db_result_get(res, i, 1)));
	return (int)n;
}

/* Run an ending UPDATE (it RETURNs user_id, device_id): the count, or -1. */
static int end_where(struct mxg_db *db, const char *sql, size_t nparams,
		     const char *const *params, json_t *gone, struct mxg_error *err)
{
	struct mxg_db_result *res = NULL;
	int n;

	if (mxg_db_query(db, sql, nparams, params, &res, err) < 0)
		return -1;
	n = collect(res, gone);
	mxg_db_result_free(&res);
	return n;
}

int mxg_oauth_session_end(struct mxg_oauth *p, const char *session_id, long long now_ms,
			  json_t *gone, struct mxg_error *err)
{
	char now[MXG_DB_NUM_SIZE];
	const char *const params[] = { session_id, now };

	mxg_db_num(now, now_ms);
	return end_where(p->db, "UPDATE oauth_sessions SET finished_at = $2 WHERE id = $1 AND"
			 " finished_at IS NULL RETURNING user_id, device_id", 2, params, gone,
			 err) < 0 ? -1 : 0;
}

/* Issue a new pair for session_id on conn, spend old_hash (naming the new
 * refresh token its successor). */
static int rotate(struct mxg_oauth *p, struct mxg_db_conn *conn, const char *session_id,
		  const char *old_hash, bool unspent, bool compat, long long now_ms,
		  struct mxg_oauth_tokens *t, struct mxg_error *err)
{
	char next[MXG_TOKEN_HASH_SIZE], now[24];
	const char *const spend[] = { old_hash, now, next };
	const char *const relink[] = { old_hash, next };
	struct mxg_db_result *res = NULL;
	size_t n;

	if (insert_tokens(p, conn, session_id, now_ms, true, t, true, compat, err) < 0)
		return -1;
	mxg_token_hash(t->refresh, next);
	mxg_db_num(now, now_ms);
	if ((unspent ? mxg_db_conn_query(conn, "UPDATE oauth_refresh_tokens SET consumed_at = $2,"
					 " next_hash = $3 WHERE token_hash = $1 AND"
					 " consumed_at IS NULL", 3, spend, &res, err) :
	     mxg_db_conn_query(conn, "UPDATE oauth_refresh_tokens SET next_hash = $2"
			       " WHERE token_hash = $1", 2, relink, &res, err)) < 0)
		return -1;
	n = mxg_db_result_affected(res);
	mxg_db_result_free(&res);
	return n == 1 ? 1 : 0;		/* 0: another request spent it first */
}

/* Is the pair that spent token gave still unused?  1 yes (its hashes in
 * next/access), 0 no, -1 error. */
static int successor_unused(struct mxg_db_conn *conn, const char *next_hash,
			    struct mxg_error *err)
{
	const char *const params[] = { next_hash };
	struct mxg_db_result *res = NULL;
	int unused;

	if (next_hash == NULL)
		return 0;
	if (mxg_db_conn_query(conn, "SELECT 1 FROM oauth_refresh_tokens n JOIN"
			      " oauth_access_tokens a ON a.token_hash = n.access_token_hash"
			      " WHERE n.token_hash = $1 AND n.consumed_at IS NULL AND"
			      " n.revoked_at IS NULL AND a.first_used_at IS NULL", 1, params, &res,
			      err) < 0)
		return -1;
	unused = mxg_db_result_rows(res) == 1;
	mxg_db_result_free(&res);
	return unused;
}

/* Revoke the pair whose refresh token is next_hash. */
static int revoke_successor(struct mxg_db_conn *conn, const char *next_hash, long long now_ms,
			    struct mxg_error *err)
{
	char now[MXG_DB_NUM_SIZE];
	const char *const params[] = { next_hash, now };

	mxg_db_num(now, now_ms);
	if (mxg_db_conn_query(conn, "UPDATE oauth_access_tokens SET revoked_at = $2 WHERE"
			      " token_hash = (SELECT access_token_hash FROM oauth_refresh_tokens"
			      " WHERE token_hash = $1)", 2, params, NULL, err) < 0)
		return -1;
	return mxg_db_conn_query(conn, "UPDATE oauth_refresh_tokens SET revoked_at = $2"
				 " WHERE token_hash = $1", 2, params, NULL, err);
}

static enum mxg_refresh_result refresh_once(struct mxg_oauth *p, const char *refresh_token,
					    const char *client_id, long long now_ms,
					    struct mxg_arena *a, struct mxg_oauth_token_info *info,
					    long long *auth_time_ms, struct mxg_oauth_tokens *t,
					    bool *raced, struct mxg_error *err)
{
	char hash[MXG_TOKEN_HASH_SIZE];
	const char *const params[] = { hash };
	struct mxg_db_result *res = NULL;
	struct mxg_db_conn *conn;
	enum mxg_refresh_result out = MXG_REFRESH_ERROR;
	const char *next;
	long long finished, expires, revoked, consumed;
	int kind = mxg_token_kind(refresh_token), unused;

	memset(info, 0, sizeof(*info));
	memset(t, 0, sizeof(*t));
	if (kind != MXG_TOKEN_REFRESH && kind != MXG_TOKEN_COMPAT_REFRESH)
		return MXG_REFRESH_INVALID;
	mxg_token_hash(refresh_token, hash);
	conn = mxg_db_acquire(p->db, err);
	if (conn == NULL)
		return MXG_REFRESH_ERROR;
	/* One transaction: two refreshes of one token race to spend it. */
	if (mxg_db_begin(conn, err) < 0 ||
	    mxg_db_conn_query(conn, "SELECT " SESSION_COLS ", s.auth_time, t.expires_at,"
			      " t.revoked_at, t.consumed_at, t.next_hash FROM oauth_refresh_tokens t"
			      " JOIN oauth_sessions s ON s.id = t.session_id"
			      " WHERE t.token_hash = $1", 1, params, &res, err) < 0)
		goto out;
	if (mxg_db_result_rows(res) != 1) {
		out = MXG_REFRESH_INVALID;
		goto out;
	}
	session_cols(a, res, info);
	finished = mxg_db_result_ll(res, 0, 6);
	*auth_time_ms = mxg_db_result_ll(res, 0, 7);
	expires = mxg_db_result_ll(res, 0, 8);
	revoked = mxg_db_result_ll(res, 0, 9);
	consumed = mxg_db_result_ll(res, 0, 10);
	next = mxg_db_result_dup(res, 0, 11, a);
	if (strcmp(info->client_id, client_id) != 0 || finished != 0 || revoked != 0 ||
	    (expires != 0 && now_ms >= expires)) {
		out = MXG_REFRESH_INVALID;
		goto out;
	}
	if (consumed != 0) {
		unused = successor_unused(conn, next, err);
		if (unused < 0)
			goto out;
		if (unused == 0) {
			/* A stolen token, or a client gone wrong: either
			 * way nothing of this session can be trusted. */
			char now[MXG_DB_NUM_SIZE];
			const char *const end[] = { info->session_id, now };

			mxg_db_num(now, now_ms);
			if (mxg_db_conn_query(conn, "UPDATE oauth_sessions SET finished_at = $2"
					      " WHERE id = $1 AND finished_at IS NULL", 2, end, NULL,
					      err) < 0)
				goto out;
			out = MXG_REFRESH_REPLAYED;
			goto commit;
		}
		if (revoke_successor(conn, next, now_ms, err) < 0)
			goto out;
	}
	switch (rotate(p, conn, info->session_id, hash, consumed == 0,
		       kind == MXG_TOKEN_COMPAT_REFRESH, now_ms, t, err)) {
	case 1:
		out = MXG_REFRESH_OK;
		break;
	case 0:
		*raced = true;		/* rolled back below; the caller tries again */
		goto out;
	default:
		goto out;
	}
commit:
	if (mxg_db_commit(conn, err) < 0)
		out = MXG_REFRESH_ERROR;
out:
	mxg_db_result_free(&res);
	mxg_db_release(p->db, &conn);
	if (out != MXG_REFRESH_OK)
		explicit_bzero(t, sizeof(*t));
	return out;
}

enum mxg_refresh_result mxg_oauth_refresh(struct mxg_oauth *p, const char *refresh_token,
					  const char *client_id, long long now_ms,
					  struct mxg_arena *a, struct mxg_oauth_token_info *info,
					  long long *auth_time_ms, struct mxg_oauth_tokens *t,
					  struct mxg_error *err)
{
	bool raced = false;
	enum mxg_refresh_result res = refresh_once(p, refresh_token, client_id, now_ms, a, info,
						   auth_time_ms, t, &raced, err);

	/* Two refreshes with one token at once: the one that lost sees the
	 * token spent, and is the retry of a lost answer. */
	if (raced) {
		raced = false;
		res = refresh_once(p, refresh_token, client_id, now_ms, a, info, auth_time_ms, t,
				   &raced, err);
	}
	return raced ? MXG_REFRESH_INVALID : res;
}

json_t *mxg_oauth_sessions_of(struct mxg_oauth *p, const char *user_id, struct mxg_error *err)
{
	const char *const params[] = { user_id };
	struct mxg_db_result *res = NULL;
	json_t *list;

	if (mxg_db_query(p->db, "SELECT id, client_id, device_id, created_at, last_active_at,"
			 " last_ip, user_agent FROM oauth_sessions WHERE user_id = $1 AND"
			 " finished_at IS NULL ORDER BY created_at DESC", 1, params, &res, err) < 0)
		return NULL;
	list = json_array();
	for (size_t i = 0; list != NULL && i < mxg_db_result_rows(res); i++) {
		const char *v[7];

		for (size_t c = 0; c < 7; c++)
			v[c] = mxg_db_result_get(res, i, c);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s?, s:I, s:I, s:s?, s:s?}",
			"id", v[0], "client_id", v[1], "device_id", v[2],
			"created_at", (json_int_t)strtoll(v[3], NULL, 10),
			"last_active_at", (json_int_t)(v[4] != NULL ? strtoll(v[4], NULL, 10) : 0),
			"last_ip", v[5], "user_agent", v[6]));
	}
	mxg_db_result_free(&res);
	return list;
}

int mxg_oauth_sessions_end_all(struct mxg_db *db, const char *user_id, long long now_ms,
			       json_t *gone, struct mxg_error *err)
{
	char now[MXG_DB_NUM_SIZE];
	const char *const all[] = { user_id, now };
	int n;

	mxg_db_num(now, now_ms);
	n = end_where(db, "UPDATE oauth_sessions SET finished_at = $2 WHERE user_id = $1 AND"
		      " finished_at IS NULL RETURNING user_id, device_id", 2, all, gone, err);
	if (n < 0)
		return -1;
	if (mxg_db_query(db, "UPDATE oauth_browser_sessions SET finished_at = $2"
			 " WHERE user_id = $1 AND finished_at IS NULL", 2, all, NULL, err) < 0)
		return -1;
	return n;
}

int mxg_oauth_sessions_end_user(struct mxg_oauth *p, const char *user_id, const char *id,
				long long now_ms, json_t *gone, struct mxg_error *err)
{
	char now[MXG_DB_NUM_SIZE];
	const char *const one[] = { user_id, now, id };

	if (id == NULL)
		return mxg_oauth_sessions_end_all(p->db, user_id, now_ms, gone, err);
	mxg_db_num(now, now_ms);
	return end_where(p->db, "UPDATE oauth_sessions SET finished_at = $2 WHERE user_id = $1"
			 " AND id = $3 AND finished_at IS NULL RETURNING user_id, device_id", 3,
			 one, gone, err);
}

int mxg_oauth_sessions_end_browser(struct mxg_oauth *p, const char *id_hash,
				   const char *client_id, long long now_ms, json_t *gone,
				   struct mxg_error *err)
{
	char now[MXG_DB_NUM_SIZE];
	const char *const params[] = { id_hash, now, client_id };

	mxg_db_num(now, now_ms);
	return end_where(p->db, "UPDATE oauth_sessions SET finished_at = $2 WHERE"
			 " browser_session = $1 AND client_id = $3 AND finished_at IS NULL"
			 " RETURNING user_id, device_id", 3, params, gone, err) < 0 ? -1 : 0;
}
