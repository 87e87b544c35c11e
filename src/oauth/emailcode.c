/*
 * emailcode.c: e-mail codes for local accounts (see emailcode.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "notify/mail.h"
#include "oauth/emailcode.h"
#include "oauth/oauth.h"

#define CODE_LIFETIME_MS (10 * 60 * 1000)
#define MAX_ATTEMPTS_SQL "5"
/* Codes one address receives in CODE_LIFETIME_MS at most: a mailbox is
 * not to be flooded through us. */
#define MAX_CODES_PER_ADDRESS 3

static void code_hash(const char *id, const char *code, char out[MXG_SHA256_HEX_SIZE])
{
	char buf[MXG_EMAILCODE_ID_LEN + 16];

	snprintf(buf, sizeof(buf), "%s:%s", id, code);
	mxg_sha256_hex(buf, strlen(buf), out);
	explicit_bzero(buf, sizeof(buf));
}

int mxg_emailcode_send(struct mxg_oauth *p, const struct mxg_emailcode_pending *w,
		       char id[MXG_EMAILCODE_ID_LEN + 1], struct mxg_error *err)
{
	unsigned char raw[4];
	char code[8], hash[MXG_SHA256_HEX_SIZE], now[24], exp[24], version[24];
	const char *const params[] = { id, w->purpose, w->localpart, w->email, hash,
				       w->password_hash, w->password_hash != NULL ? version : NULL,
				       now, exp };
	long long now_ms = mxg_oauth_now_ms();
	int rc;

	{
		/* Shared by every replica: the database counts. */
		char since[24];
		const char *const q[] = { w->email, since };
		struct mxg_db_result *res = NULL;
		long long recent;

		mxg_db_num(since, now_ms - CODE_LIFETIME_MS);
		if (mxg_db_query(p->db, "SELECT COUNT(*) FROM local_account_codes WHERE email = $1"
				 " AND created_at > $2", 2, q, &res, err) < 0)
			return -1;
		recent = mxg_db_result_ll(res, 0, 0);
		mxg_db_result_free(&res);
		if (recent >= MAX_CODES_PER_ADDRESS)
			return mxg_error_set(err, MXG_EMAILCODE_ERR_LIMIT, "%lld codes went to this "
					     "address in 10 minutes", recent);
	}
	if (mxg_random_token(id, MXG_EMAILCODE_ID_LEN) < 0 || mxg_random_bytes(raw, 4) < 0)
		return mxg_error_set(err, 5, "no randomness for a code");
	/* 2^32 % 10^6 leaves a bias of under 0.1 %: harmless for a code of
	 * five attempts and ten minutes. */
	snprintf(code, sizeof(code), "%06u",
		 (unsigned)(((uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
			     (uint32_t)raw[2] << 8 | raw[3]) % 1000000u));
	code_hash(id, code, hash);
	mxg_db_num(now, now_ms);
	mxg_db_num(exp, now_ms + CODE_LIFETIME_MS);
	snprintf(version, sizeof(version), "%d", w->hash_version);
	if (mxg_db_query(p->db, "INSERT INTO local_account_codes (id, purpose, localpart, email,"
			 " code_hash, password_hash, hash_version, attempts, created_at,"
			 " expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)", 9, params,
			 NULL, err) < 0) {
		explicit_bzero(code, sizeof(code));
		return -1;
	}
	{
		const struct mxg_template_var vars[] = {
			{ "code", code }, { "server_name", p->cfg->server_name },
			{ "address", w->email }, { "localpart", w->localpart },
			{ "purpose_register", strcmp(w->purpose, "register") == 0 ? "yes" : "" },
		};

		rc = mxg_mail_send_templated(&p->cfg->threepid.email, "account-code", vars,
					     sizeof(vars) / sizeof(vars[0]), w->email,
					     "Your code", err);
	}
	explicit_bzero(code, sizeof(code));
	return rc;
}

enum mxg_emailcode_check mxg_emailcode_check(struct mxg_oauth *p, const char *purpose,
					     const char *id, const char *code,
					     struct mxg_arena *a,
					     struct mxg_emailcode_pending *w,
					     struct mxg_error *err)
{
	char hash[MXG_SHA256_HEX_SIZE], now[24];
	const char *const sel[] = { id, purpose, now };
	const char *const use[] = { id, now };
	struct mxg_db_result *res = NULL;
	const char *stored;
	size_t n;

	memset(w, 0, sizeof(*w));
	if (id == NULL || code == NULL || strlen(id) != MXG_EMAILCODE_ID_LEN)
		return MXG_EMAILCODE_GONE;
	mxg_db_num(now, mxg_oauth_now_ms());
	if (mxg_db_query(p->db, "SELECT localpart, email, code_hash, password_hash, hash_version"
			 " FROM local_account_codes WHERE id = $1 AND purpose = $2 AND"
			 " used_at IS NULL AND expires_at > $3 AND attempts < " MAX_ATTEMPTS_SQL, 3,
			 sel, &res, err) < 0)
		return MXG_EMAILCODE_ERROR;
	if (mxg_db_result_rows(res) != 1) {
		mxg_db_result_free(&res);
		return MXG_EMAILCODE_GONE;
	}
	code_hash(id, code, hash);
	stored = mxg_db_result_get(res, 0, 2);
	if (!mxg_const_streq(hash, stored)) {
		mxg_db_result_free(&res);
		if (mxg_db_query(p->db, "UPDATE local_account_codes SET attempts = attempts + 1"
				 " WHERE id = $1", 1, sel, NULL, err) < 0)
			return MXG_EMAILCODE_ERROR;
		return MXG_EMAILCODE_WRONG;
	}
	w->purpose = purpose;
	w->localpart = mxg_arena_strdup(a, mxg_db_result_get(res, 0, 0));
	w->email = mxg_arena_strdup(a, mxg_db_result_get(res, 0, 1));
	if (mxg_db_result_get(res, 0, 3) != NULL) {
		w->password_hash = mxg_arena_strdup(a, mxg_db_result_get(res, 0, 3));
		w->hash_version = atoi(mxg_db_result_get(res, 0, 4));
	}
	mxg_db_result_free(&res);
	/* Spent by whoever gets here first. */
	if (mxg_db_query(p->db, "UPDATE local_account_codes SET used_at = $2 WHERE id = $1 AND"
			 " used_at IS NULL", 2, use, &res, err) < 0)
		return MXG_EMAILCODE_ERROR;
	n = mxg_db_result_affected(res);
	mxg_db_result_free(&res);
	return n == 1 ? MXG_EMAILCODE_OK : MXG_EMAILCODE_GONE;
}
