/*
 * sessions.c: 3PID validation sessions over the database (table
 * validation_sessions, migration 3).  The rules are described in sessions.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "identity/sessions.h"

#define HASH_HEX (2 * MXG_SHA256_LEN + 1)
#define PURGE_GRACE_MS (24LL * 3600 * 1000)

long long mxg_sessions_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool mxg_sessions_secret_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 255 &&
	       strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.=_-") == n;
}

static void hash_hex(const char *s, char out[HASH_HEX])
{
	unsigned char d[MXG_SHA256_LEN];

	mxg_sha256(s, strlen(s), d);
	for (size_t i = 0; i < MXG_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static long long to_ll(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* Six digits without modulo bias: reject the top of the 32-bit range. */
static int sms_token(char out[MXG_SESSION_SMS_TOKEN_LEN + 1])
{
	uint32_t v;

	do {
		if (mxg_random_bytes(&v, sizeof(v)) < 0)
			return -1;
	} while (v >= 4000000000u);
	snprintf(out, MXG_SESSION_SMS_TOKEN_LEN + 1, "%06" PRIu32, v % 1000000u);
	return 0;
}

static int new_token(const char *medium, char *token, char hash[HASH_HEX],
		     struct mxg_error *err)
{
	int rc = strcmp(medium, "msisdn") == 0 ? sms_token(token)
		 : mxg_random_token(token, MXG_SESSION_EMAIL_TOKEN_LEN);

	if (rc < 0)
		return mxg_error_set(err, EIO, "no randomness for a token");
	hash_hex(token, hash);
	return 0;
}

static bool expired(const struct mxg_threepid_conf *conf, long long now, long long modified)
{
	return now - modified > conf->session_lifetime_ms;
}

/* Reuse: a live session for the key, maybe with a new token to send. */
static enum mxg_session_result reuse(struct mxg_db *db, const char *sid, long long sent,
				     long long now, const char *medium, long long send_attempt,
				     const char *next_link, struct mxg_session_request *req_r,
				     struct mxg_error *err)
{
	char hash[HASH_HEX], now_s[24];
	const char *params[4] = { sid, hash, now_s, next_link };

	snprintf(req_r->sid, sizeof(req_r->sid), "%s", sid);
	if (send_attempt <= sent)
		return MXG_SESSION_OK;	/* a retry: same sid, nothing sent */
	if (new_token(medium, req_r->token, hash, err) < 0)
		return MXG_SESSION_ERROR;
	snprintf(now_s, sizeof(now_s), "%lld", now);
	/* A new token starts a fresh count of wrong attempts.  send_attempt
	 * itself moves only once the message is out (mxg_sessions_mark_sent):
	 * a failed send must not make the client's retry a no-op. */
	if (mxg_db_query(db, "UPDATE validation_sessions SET token_hash = $2, modified_at = $3,"
			 " wrong_attempts = 0, next_link = COALESCE($4, next_link)"
			 " WHERE sid = $1", 4, params, NULL, err) < 0)
		return MXG_SESSION_ERROR;
	req_r->send = true;
	return MXG_SESSION_OK;
}

static enum mxg_session_result create(struct mxg_db *db, long long now, const char *medium,
				      const char *address, const char *secret_hash,
				      const char *next_link, struct mxg_session_request *req_r,
				      struct mxg_error *err)
{
	char hash[HASH_HEX], now_s[24];
	const char *params[7] = { req_r->sid, medium, address, secret_hash, hash, now_s,
				  next_link };

	if (mxg_random_token(req_r->sid, MXG_SESSION_SID_LEN) < 0) {
		mxg_error_set(err, EIO, "no randomness for a session id");
		return MXG_SESSION_ERROR;
	}
	if (new_token(medium, req_r->token, hash, err) < 0)
		return MXG_SESSION_ERROR;
	snprintf(now_s, sizeof(now_s), "%lld", now);
	if (mxg_db_query(db, "INSERT INTO validation_sessions (sid, medium, address,"
			 " client_secret_hash, token_hash, send_attempt, next_link, wrong_attempts,"
			 " created_at, modified_at) VALUES ($1, $2, $3, $4, $5, -1, $7, 0, $6, $6)",
			 7, params, NULL, err) < 0)
		return MXG_SESSION_ERROR;
	req_r->send = true;
	return MXG_SESSION_OK;
}

enum mxg_session_result mxg_sessions_request(struct mxg_db *db,
					     const struct mxg_threepid_conf *conf,
					     long long now, const char *medium,
					     const char *address, const char *client_secret,
					     long long send_attempt, const char *next_link,
					     struct mxg_session_request *req_r,
					     struct mxg_error *err)
{
	char secret_hash[HASH_HEX];
	const char *params[3] = { medium, address, secret_hash };
	struct mxg_db_result *res;
	enum mxg_session_result rc;

	memset(req_r, 0, sizeof(*req_r));
	hash_hex(client_secret, secret_hash);
	/* Twice at most: a concurrent request may insert the same key between
	 * our SELECT and INSERT; the unique index stops it and we reuse. */
	for (int round = 0; round < 2; round++) {
		if (mxg_db_query(db, "SELECT sid, send_attempt, modified_at FROM validation_sessions"
				 " WHERE medium = $1 AND address = $2 AND client_secret_hash = $3",
				 3, params, &res, err) < 0)
			return MXG_SESSION_ERROR;
		if (mxg_db_result_rows(res) == 1) {
			const char *sid = mxg_db_result_get(res, 0, 0);

			if (!expired(conf, now, to_ll(mxg_db_result_get(res, 0, 2)))) {
				rc = reuse(db, sid, to_ll(mxg_db_result_get(res, 0, 1)), now, medium,
					   send_attempt, next_link, req_r, err);
				mxg_db_result_free(&res);
				return rc;
			}
			/* An expired session is replaced by a new one, new sid. */
			const char *del[1] = { sid };

			if (mxg_db_query(db, "DELETE FROM validation_sessions WHERE sid = $1",
					 1, del, NULL, err) < 0) {
				mxg_db_result_free(&res);
				return MXG_SESSION_ERROR;
			}
		}
		mxg_db_result_free(&res);
		rc = create(db, now, medium, address, secret_hash, next_link, req_r, err);
		if (rc != MXG_SESSION_ERROR || err == NULL || err->code != MXG_DB_ERR_CONSTRAINT)
			return rc;
		explicit_bzero(req_r, sizeof(*req_r));
	}
	return MXG_SESSION_ERROR;
}

int mxg_sessions_mark_sent(struct mxg_db *db, const char *sid, long long send_attempt,
			   struct mxg_error *err)
{
	char attempt[24];
	const char *params[2] = { sid, attempt };

	snprintf(attempt, sizeof(attempt), "%lld", send_attempt);
	return mxg_db_query(db, "UPDATE validation_sessions SET send_attempt = $2"
			    " WHERE sid = $1 AND send_attempt < $2", 2, params, NULL, err);
}

/* Columns of load_session(). */
enum { C_MEDIUM, C_ADDRESS, C_SECRET, C_TOKEN, C_NEXT, C_MODIFIED, C_VALIDATED };

/* The session sid if client_secret matches it; NOT_FOUND otherwise. */
static enum mxg_session_result load_session(struct mxg_db *db, const char *sid,
					    const char *client_secret,
					    struct mxg_db_result **res_r, struct mxg_error *err)
{
	char secret_hash[HASH_HEX];
	const char *params[1] = { sid };

	if (mxg_db_query(db, "SELECT medium, address, client_secret_hash, token_hash, next_link,"
			 " modified_at, validated_at FROM validation_sessions WHERE sid = $1",
			 1, params, res_r, err) < 0)
		return MXG_SESSION_ERROR;
	hash_hex(client_secret, secret_hash);
	if (mxg_db_result_rows(*res_r) != 1 ||
	    !mxg_const_streq(mxg_db_result_get(*res_r, 0, C_SECRET), secret_hash)) {
		mxg_db_result_free(res_r);
		return MXG_SESSION_NOT_FOUND;
	}
	return MXG_SESSION_OK;
}

static void fill_3pid(const struct mxg_db_result *res, struct mxg_arena *arena,
		      struct mxg_session_3pid *out_r)
{
	out_r->medium = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, C_MEDIUM));
	out_r->address = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, C_ADDRESS));
	out_r->validated_at = to_ll(mxg_db_result_get(res, 0, C_VALIDATED));
	out_r->next_link = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, C_NEXT));
}

static enum mxg_session_result wrong_token(struct mxg_db *db,
					   const struct mxg_threepid_conf *conf,
					   const char *sid, struct mxg_error *err)
{
	char max[24];
	const char *params[2] = { sid, max };

	snprintf(max, sizeof(max), "%lld", conf->max_token_attempts);
	/* Two statements, each atomic: concurrent guesses still each count. */
	if (mxg_db_query(db, "UPDATE validation_sessions SET wrong_attempts = wrong_attempts + 1"
			 " WHERE sid = $1", 1, params, NULL, err) < 0 ||
	    mxg_db_query(db, "DELETE FROM validation_sessions WHERE sid = $1"
			 " AND wrong_attempts >= $2", 2, params, NULL, err) < 0)
		return MXG_SESSION_ERROR;
	return MXG_SESSION_TOKEN_INCORRECT;
}

enum mxg_session_result mxg_sessions_submit(struct mxg_db *db,
					    const struct mxg_threepid_conf *conf,
					    long long now, const char *medium, const char *sid,
					    const char *client_secret, const char *token,
					    struct mxg_arena *arena,
					    struct mxg_session_3pid *out_r,
					    struct mxg_error *err)
{
	struct mxg_db_result *res;
	enum mxg_session_result rc;
	char token_hash[HASH_HEX], now_s[24];
	const char *params[2] = { sid, now_s };
	bool validated;

	memset(out_r, 0, sizeof(*out_r));
	rc = load_session(db, sid, client_secret, &res, err);
	if (rc != MXG_SESSION_OK)
		return rc;
	if (strcmp(mxg_db_result_get(res, 0, C_MEDIUM), medium) != 0) {
		rc = MXG_SESSION_NOT_FOUND;
		goto out;
	}
	if (expired(conf, now, to_ll(mxg_db_result_get(res, 0, C_MODIFIED)))) {
		rc = MXG_SESSION_EXPIRED;
		goto out;
	}
	hash_hex(token, token_hash);
	if (!mxg_const_streq(mxg_db_result_get(res, 0, C_TOKEN), token_hash)) {
		rc = wrong_token(db, conf, sid, err);
		goto out;
	}
	validated = mxg_db_result_get(res, 0, C_VALIDATED) != NULL;
	fill_3pid(res, arena, out_r);
	if (!validated) {
		snprintf(now_s, sizeof(now_s), "%lld", now);
		if (mxg_db_query(db, "UPDATE validation_sessions SET validated_at = $2,"
				 " modified_at = $2, wrong_attempts = 0 WHERE sid = $1",
				 2, params, NULL, err) < 0) {
			rc = MXG_SESSION_ERROR;
			goto out;
		}
		out_r->validated_at = now;
	}
out:
	mxg_db_result_free(&res);
	return rc;
}

enum mxg_session_result mxg_sessions_get_validated(struct mxg_db *db,
						   const struct mxg_threepid_conf *conf,
						   long long now, const char *sid,
						   const char *client_secret,
						   struct mxg_arena *arena,
						   struct mxg_session_3pid *out_r,
						   struct mxg_error *err)
{
	struct mxg_db_result *res;
	enum mxg_session_result rc;

	memset(out_r, 0, sizeof(*out_r));
	rc = load_session(db, sid, client_secret, &res, err);
	if (rc != MXG_SESSION_OK)
		return rc;
	if (expired(conf, now, to_ll(mxg_db_result_get(res, 0, C_MODIFIED))))
		rc = MXG_SESSION_EXPIRED;
	else if (mxg_db_result_get(res, 0, C_VALIDATED) == NULL)
		rc = MXG_SESSION_NOT_VALIDATED;
	else
		fill_3pid(res, arena, out_r);
	mxg_db_result_free(&res);
	return rc;
}

long long mxg_sessions_purge(struct mxg_db *db, const struct mxg_threepid_conf *conf,
			     long long now, struct mxg_error *err)
{
	struct mxg_db_result *res;
	char before[24];
	const char *params[1] = { before };
	long long n;

	snprintf(before, sizeof(before), "%lld", now - conf->session_lifetime_ms - PURGE_GRACE_MS);
	if (mxg_db_query(db, "DELETE FROM validation_sessions WHERE modified_at < $1",
			 1, params, &res, err) < 0)
		return -1;
	n = (long long)mxg_db_result_affected(res);
	mxg_db_result_free(&res);
	return n;
}
