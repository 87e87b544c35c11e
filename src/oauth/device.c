/*
 * device.c: device authorizations in the database (see device.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "oauth/device.h"
#include "oauth/oauth.h"

static const char user_alphabet[] = "BCDFGHJKLMNPQRSTVWXZ";

static int make_user_code(char out[MXG_USER_CODE_SIZE])
{
	unsigned char raw[8];

	if (mxg_random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	for (int i = 0, o = 0; i < 8; i++) {
		if (i == 4)
			out[o++] = '-';
		/* 256 % 20 != 0: a bias of under 2 %, on a code that lives
		 * minutes and is rate-limited by its expiry. */
		out[o++] = user_alphabet[raw[i] % 20];
	}
	out[9] = '\0';
	return 0;
}

/* "bcdf ghjk", "BCDFGHJK", "BCDF-GHJK" -> "BCDF-GHJK"; NULL if not a code. */
static const char *normal_user_code(struct mxg_arena *a, const char *in)
{
	char *out = mxg_arena_alloc(a, MXG_USER_CODE_SIZE);
	int n = 0;

	for (const char *p = in; *p != '\0'; p++) {
		char c = (char)toupper((unsigned char)*p);

		if (c == '-' || c == ' ')
			continue;
		if (strchr(user_alphabet, c) == NULL || n == 8)
			return NULL;
		out[n < 4 ? n : n + 1] = c;
		n++;
	}
	if (n != 8)
		return NULL;
	out[4] = '-';
	out[9] = '\0';
	return out;
}

int mxg_oauth_device_start(struct mxg_oauth *p, const char *client_id, const char *scope,
			   char device_code[MXG_TOKEN_SIZE], char user_code[MXG_USER_CODE_SIZE],
			   struct mxg_error *err)
{
	char hash[MXG_TOKEN_HASH_SIZE], now[24], exp[24];
	const char *const params[] = { hash, user_code, client_id, scope, now, exp };
	long long now_ms = mxg_oauth_now_ms();

	if (mxg_token_mint(MXG_TOKEN_DEVICE_CODE, device_code) < 0 ||
	    make_user_code(user_code) < 0)
		return mxg_error_set(err, 5, "no randomness for a device code");
	mxg_token_hash(device_code, hash);
	mxg_db_num(now, now_ms);
	mxg_db_num(exp, now_ms + p->conf->device_code_lifetime_ms);
	/* Expired grants free their user codes first (the column is unique). */
	{
		const char *const purge[] = { now };

		if (mxg_db_query(p->db, "DELETE FROM oauth_device_grants WHERE expires_at < $1", 1,
				 purge, NULL, err) < 0)
			return -1;
	}
	return mxg_db_query(p->db, "INSERT INTO oauth_device_grants (device_code_hash, user_code,"
			    " client_id, scope, state, created_at, expires_at)"
			    " VALUES ($1, $2, $3, $4, 'pending', $5, $6)", 6, params, NULL, err);
}

#define GRANT_COLS "device_code_hash, client_id, scope, state, user_id, auth_time, expires_at," \
		   " last_poll_at"

static void grant_cols(struct mxg_arena *a, const struct mxg_db_result *res,
		       struct mxg_oauth_device_grant *g)
{
	g->device_hash = mxg_db_result_dup(res, 0, 0, a);
	g->client_id = mxg_db_result_dup(res, 0, 1, a);
	g->scope = mxg_db_result_dup(res, 0, 2, a);
	g->state = mxg_db_result_dup(res, 0, 3, a);
	g->user_id = mxg_db_result_dup(res, 0, 4, a);
	g->auth_time_ms = mxg_db_result_ll(res, 0, 5);
	g->expires_at_ms = mxg_db_result_ll(res, 0, 6);
	g->last_poll_ms = mxg_db_result_ll(res, 0, 7);
}

int mxg_oauth_device_find(struct mxg_oauth *p, const char *user_code, struct mxg_arena *a,
			  struct mxg_oauth_device_grant *g, struct mxg_error *err)
{
	const char *code = normal_user_code(a, user_code);
	char now[24];
	const char *const params[] = { code, now };
	struct mxg_db_result *res = NULL;
	int found;

	memset(g, 0, sizeof(*g));
	if (code == NULL)
		return 0;
	mxg_db_num(now, mxg_oauth_now_ms());
	if (mxg_db_query(p->db, "SELECT " GRANT_COLS " FROM oauth_device_grants WHERE"
			 " user_code = $1 AND state = 'pending' AND expires_at > $2", 2, params,
			 &res, err) < 0)
		return -1;
	found = mxg_db_result_rows(res) == 1;
	if (found) {
		grant_cols(a, res, g);
		g->user_code = code;
	}
	mxg_db_result_free(&res);
	return found;
}

int mxg_oauth_device_decide(struct mxg_oauth *p, const char *device_hash, const char *user_id,
			    long long auth_time_ms, bool allow, struct mxg_error *err)
{
	char auth[24];
	const char *const params[] = { device_hash, allow ? "approved" : "denied", user_id, auth };
	struct mxg_db_result *res = NULL;
	int done;

	mxg_db_num(auth, auth_time_ms);
	if (mxg_db_query(p->db, "UPDATE oauth_device_grants SET state = $2, user_id = $3,"
			 " auth_time = $4 WHERE device_code_hash = $1 AND state = 'pending'", 4,
			 params, &res, err) < 0)
		return -1;
	done = mxg_db_result_affected(res) == 1;
	mxg_db_result_free(&res);
	return done;
}

enum mxg_device_poll mxg_oauth_device_poll(struct mxg_oauth *p, const char *device_code,
					   const char *client_id, long long now_ms,
					   struct mxg_arena *a, struct mxg_oauth_device_grant *g,
					   struct mxg_error *err)
{
	char hash[MXG_TOKEN_HASH_SIZE], now[24];
	const char *const sel[] = { hash };
	const char *const poll[] = { hash, now };
	struct mxg_db_result *res = NULL;
	bool spent;

	memset(g, 0, sizeof(*g));
	if (mxg_token_kind(device_code) != MXG_TOKEN_DEVICE_CODE)
		return MXG_DEVICE_INVALID;
	mxg_token_hash(device_code, hash);
	if (mxg_db_query(p->db, "SELECT " GRANT_COLS " FROM oauth_device_grants"
			 " WHERE device_code_hash = $1", 1, sel, &res, err) < 0)
		return MXG_DEVICE_ERROR;
	if (mxg_db_result_rows(res) != 1) {
		mxg_db_result_free(&res);
		return MXG_DEVICE_INVALID;
	}
	grant_cols(a, res, g);
	mxg_db_result_free(&res);
	if (strcmp(g->client_id, client_id) != 0 || strcmp(g->state, "exchanged") == 0)
		return MXG_DEVICE_INVALID;
	if (now_ms >= g->expires_at_ms)
		return MXG_DEVICE_EXPIRED;
	if (strcmp(g->state, "denied") == 0)
		return MXG_DEVICE_DENIED;
	mxg_db_num(now, now_ms);
	if (strcmp(g->state, "pending") == 0) {
		if (mxg_db_query(p->db, "UPDATE oauth_device_grants SET last_poll_at = $2"
				 " WHERE device_code_hash = $1", 2, poll, NULL, err) < 0)
			return MXG_DEVICE_ERROR;
		return g->last_poll_ms != 0 &&
		       now_ms - g->last_poll_ms < MXG_DEVICE_INTERVAL_S * 1000 ?
		       MXG_DEVICE_SLOW_DOWN : MXG_DEVICE_PENDING;
	}
	/* approved: spent by whoever gets here first */
	if (mxg_db_query(p->db, "UPDATE oauth_device_grants SET state = 'exchanged'"
			 " WHERE device_code_hash = $1 AND state = 'approved'", 1, sel, &res,
			 err) < 0)
		return MXG_DEVICE_ERROR;
	spent = mxg_db_result_affected(res) == 1;
	mxg_db_result_free(&res);
	return spent ? MXG_DEVICE_APPROVED : MXG_DEVICE_INVALID;
}
