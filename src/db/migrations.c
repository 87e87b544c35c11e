/*
 * migrations.c: the database schema, as an ordered list of migrations
 * compiled into the binary.
 *
 * The table schema_version holds one row, the version of the last applied
 * migration (no row or no table: 0).  Each migration runs together with its
 * version bump in one transaction, under a lock (SQLite: BEGIN IMMEDIATE;
 * PostgreSQL: a transaction-level advisory lock), so that two processes
 * migrating at once apply each step exactly once.
 *
 * SQL here must run unchanged on both dialects: TEXT, INTEGER, BIGINT, no
 * AUTOINCREMENT/SERIAL, one statement per string.  Never edit a released
 * migration; add a new one.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "db/db.h"

struct migration {
	int version;
	const char *description;
	const char *const *sql;		/* NULL-terminated */
};

static const char *const m1_sql[] = {
	/* Peppers for hashed 3PID lookup (MSC2134); created_at in ms since
	 * the epoch.  The lookup service uses the newest; several mxgate
	 * processes may each insert a first one, which does no harm. */
	"CREATE TABLE lookup_peppers ("
	" pepper TEXT NOT NULL PRIMARY KEY,"
	" created_at BIGINT NOT NULL)",
	NULL
};

static const char *const m2_sql[] = {
	/* Identity-server accounts (one per Matrix user that registered) and
	 * the terms version the user last accepted in full ('' = none yet). */
	"CREATE TABLE is_accounts ("
	" user_id TEXT NOT NULL PRIMARY KEY,"
	" created_at BIGINT NOT NULL,"
	" terms_version TEXT NOT NULL DEFAULT '')",
	/* Tokens from POST /account/register, by the hex sha256 of the token:
	 * the token itself is never stored.  Times in ms since the epoch. */
	"CREATE TABLE is_tokens ("
	" token_hash TEXT NOT NULL PRIMARY KEY,"
	" user_id TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL)",
	"CREATE INDEX is_tokens_user ON is_tokens (user_id)",
	"CREATE INDEX is_tokens_expiry ON is_tokens (expires_at)",
	/* Every policy URL a user accepted (POST /terms appends). */
	"CREATE TABLE is_terms_accepted ("
	" user_id TEXT NOT NULL,"
	" url TEXT NOT NULL,"
	" accepted_at BIGINT NOT NULL,"
	" PRIMARY KEY (user_id, url))",
	NULL
};

static const char *const m3_sql[] = {
	/* 3PID validation sessions (requestToken/submitToken).  One session per
	 * (medium, address, client secret); the client secret and the token are
	 * stored as hex SHA-256, never as sent.  send_attempt is the last one a
	 * message went out for (-1: none yet).  Times in ms since the epoch;
	 * validated_at NULL until the token was submitted. */
	"CREATE TABLE validation_sessions ("
	" sid TEXT NOT NULL PRIMARY KEY,"
	" medium TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" client_secret_hash TEXT NOT NULL,"
	" token_hash TEXT NOT NULL,"
	" send_attempt BIGINT NOT NULL,"
	" next_link TEXT,"
	" wrong_attempts INTEGER NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" modified_at BIGINT NOT NULL,"
	" validated_at BIGINT)",
	"CREATE UNIQUE INDEX validation_sessions_key"
	" ON validation_sessions (medium, address, client_secret_hash)",
	"CREATE INDEX validation_sessions_modified ON validation_sessions (modified_at)",
	NULL
};

static const char *const m4_sql[] = {
	/* 3PID bindings made with POST /3pid/bind: one Matrix ID per
	 * (medium, canonical address); a new bind replaces the old one.  ts,
	 * not_before and not_after are those of the signed association, in ms
	 * since the epoch. */
	"CREATE TABLE bindings ("
	" medium TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" mxid TEXT NOT NULL,"
	" ts BIGINT NOT NULL,"
	" not_before BIGINT NOT NULL,"
	" not_after BIGINT NOT NULL,"
	" PRIMARY KEY (medium, address))",
	"CREATE INDEX bindings_mxid ON bindings (mxid)",
	NULL
};

static const char *const m5_sql[] = {
	/* Pending room invitations to a 3PID (POST /store-invite).  token is
	 * random and kept as issued: the homeserver needs it back when the
	 * address gets bound, and it is only a room-invite handle, not a
	 * credential.  ephemeral_public_key is the URL-safe unpadded base64
	 * handed out with the invite (pubkey/ephemeral/isvalid); extra holds
	 * the other store-invite fields (room_name, sender_display_name, ...)
	 * as a JSON object.  delivered_at stays NULL until the invite has been
	 * handed to the homeserver on bind.  Times in ms since the epoch. */
	"CREATE TABLE invites ("
	" token TEXT NOT NULL PRIMARY KEY,"
	" medium TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" room_id TEXT NOT NULL,"
	" sender TEXT NOT NULL,"
	" ephemeral_public_key TEXT NOT NULL,"
	" extra TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" delivered_at BIGINT)",
	"CREATE INDEX invites_address ON invites (medium, address)",
	"CREATE INDEX invites_ephemeral_key ON invites (ephemeral_public_key)",
	NULL
};

static const char *const m6_sql[] = {
	/* Onbind callbacks waiting for delivery to a homeserver (onbind.c):
	 * id random; body the JSON text POSTed to the mxid's homeserver;
	 * next_attempt_at and created_at in ms since the epoch. */
	"CREATE TABLE onbind_queue ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" mxid TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" attempts INTEGER NOT NULL,"
	" next_attempt_at BIGINT NOT NULL,"
	" created_at BIGINT NOT NULL)",
	"CREATE INDEX onbind_queue_due ON onbind_queue (next_attempt_at)",
	NULL
};

static const char *const m7_sql[] = {
	/* Failed password checks (login/lockout.c), shared by every process:
	 * scope 'account' (subject: sha256 hex of the canonical login name, so
	 * a password typed into the user field is not kept in clear) or 'ip';
	 * times in ms since the epoch. */
	"CREATE TABLE login_failures ("
	" scope TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" failures INTEGER NOT NULL,"
	" window_start BIGINT NOT NULL,"
	" locked_until BIGINT NOT NULL,"
	" PRIMARY KEY (scope, subject))",
	NULL
};

static const char *const m8_sql[] = {
	/* The OAuth provider.  Times in ms since the epoch; every token and
	 * code is stored as the hex SHA-256 of itself, never as it is. */
	/* When each signing key (by RFC 7638 thumbprint) was first seen: a
	 * key replaced by a newer one leaves the JWKS key_grace after that
	 * one's first sighting. */
	"CREATE TABLE oauth_keys ("
	" kid TEXT NOT NULL PRIMARY KEY,"
	" first_seen BIGINT NOT NULL)",
	/* Clients registered dynamically (config clients are not stored):
	 * their metadata as registered (JSON); digest: of a public client's
	 * metadata, to hand the same client_id to the same registration. */
	"CREATE TABLE oauth_clients ("
	" client_id TEXT NOT NULL PRIMARY KEY,"
	" metadata TEXT NOT NULL,"
	" digest TEXT,"
	" secret_hash TEXT,"
	" created_at BIGINT NOT NULL)",
	"CREATE INDEX oauth_clients_digest ON oauth_clients (digest)",
	/* A session: what one authorization (or compat login, or client
	 * credentials grant) gave a client; its tokens come and go, it ends
	 * at logout or revocation.  user_id NULL: the client's own. */
	"CREATE TABLE oauth_sessions ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" kind TEXT NOT NULL,"
	" client_id TEXT NOT NULL,"
	" user_id TEXT,"
	" scope TEXT NOT NULL,"
	" device_id TEXT,"
	" browser_session TEXT,"
	" auth_time BIGINT,"
	" created_at BIGINT NOT NULL,"
	" last_active_at BIGINT,"
	" last_ip TEXT,"
	" user_agent TEXT,"
	" finished_at BIGINT)",
	"CREATE INDEX oauth_sessions_user ON oauth_sessions (user_id)",
	"CREATE TABLE oauth_access_tokens ("
	" token_hash TEXT NOT NULL PRIMARY KEY,"
	" session_id TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT,"
	" first_used_at BIGINT,"
	" revoked_at BIGINT)",
	"CREATE INDEX oauth_access_tokens_session ON oauth_access_tokens (session_id)",
	/* Rotation: a used refresh token is consumed and names its successor;
	 * the pair it came with is access_token_hash. */
	"CREATE TABLE oauth_refresh_tokens ("
	" token_hash TEXT NOT NULL PRIMARY KEY,"
	" session_id TEXT NOT NULL,"
	" access_token_hash TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT,"
	" consumed_at BIGINT,"
	" next_hash TEXT,"
	" revoked_at BIGINT)",
	"CREATE INDEX oauth_refresh_tokens_session ON oauth_refresh_tokens (session_id)",
	/* Authorization codes, with what the token request must match. */
	"CREATE TABLE oauth_grants ("
	" code_hash TEXT NOT NULL PRIMARY KEY,"
	" client_id TEXT NOT NULL,"
	" redirect_uri TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" nonce TEXT,"
	" code_challenge TEXT,"
	" user_id TEXT NOT NULL,"
	" browser_session TEXT,"
	" auth_time BIGINT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" exchanged_at BIGINT,"
	" session_id TEXT)",
	/* RFC 8628 device authorizations; state: pending, approved, denied
	 * or exchanged. */
	"CREATE TABLE oauth_device_grants ("
	" device_code_hash TEXT NOT NULL PRIMARY KEY,"
	" user_code TEXT NOT NULL UNIQUE,"
	" client_id TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" user_id TEXT,"
	" auth_time BIGINT,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" last_poll_at BIGINT,"
	" session_id TEXT)",
	/* Consent given, per user, client and the scope set (sorted). */
	"CREATE TABLE oauth_consents ("
	" user_id TEXT NOT NULL,"
	" client_id TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" PRIMARY KEY (user_id, client_id, scope))",
	/* A browser's login at the provider (its cookie holds the token). */
	"CREATE TABLE oauth_browser_sessions ("
	" id_hash TEXT NOT NULL PRIMARY KEY,"
	" user_id TEXT NOT NULL,"
	" auth_time BIGINT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" last_active_at BIGINT NOT NULL,"
	" user_agent TEXT,"
	" finished_at BIGINT)",
	"CREATE INDEX oauth_browser_sessions_user ON oauth_browser_sessions (user_id)",
	/* jti of client assertions (RFC 7523) seen, until they expire: each
	 * is good for one request. */
	"CREATE TABLE oauth_assertions ("
	" jti_hash TEXT NOT NULL PRIMARY KEY,"
	" expires_at BIGINT NOT NULL)",
	NULL
};

static const char *const m9_sql[] = {
	/* Tokens are only ever found by their hash (a session ends in its own
	 * row, which every lookup joins): these indexes cost each refresh two
	 * more B-trees to write, a quarter of its time, and no query used
	 * them. */
	"DROP INDEX oauth_access_tokens_session",
	"DROP INDEX oauth_refresh_tokens_session",
	NULL
};

static const char *const m10_sql[] = {
	/* Accounts of the built-in local store.  hash_version: the password
	 * scheme of password_hash (core/password.h; 0: a crypt(3) hash
	 * imported as it was); an address counts once verified; a locked or
	 * deactivated account cannot log in. */
	"CREATE TABLE local_accounts ("
	" localpart TEXT NOT NULL PRIMARY KEY,"
	" display_name TEXT,"
	" email TEXT UNIQUE,"
	" email_verified_at BIGINT,"
	" password_hash TEXT,"
	" hash_version INTEGER NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" locked_at BIGINT,"
	" deactivated_at BIGINT)",
	NULL
};

static const char *const m11_sql[] = {
	/* Codes sent by e-mail to finish a registration or recover an
	 * account.  id goes into the page's form; code_hash is the hex
	 * SHA-256 of id and code; a registration keeps the chosen password
	 * only hashed (hash_version as in local_accounts). */
	"CREATE TABLE local_account_codes ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" purpose TEXT NOT NULL,"
	" localpart TEXT NOT NULL,"
	" email TEXT NOT NULL,"
	" code_hash TEXT NOT NULL,"
	" password_hash TEXT,"
	" hash_version INTEGER,"
	" attempts INTEGER NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" used_at BIGINT)",
	NULL
};

static const struct migration migrations[] = {
	{ 1, "lookup peppers", m1_sql },
	{ 2, "identity accounts, tokens and accepted terms", m2_sql },
	{ 3, "validation sessions", m3_sql },
	{ 4, "3PID bindings", m4_sql },
	{ 5, "invites", m5_sql },
	{ 6, "onbind queue", m6_sql },
	{ 7, "login failures", m7_sql },
	{ 8, "OAuth provider", m8_sql },
	{ 9, "OAuth tokens without session indexes", m9_sql },
	{ 10, "local accounts", m10_sql },
	{ 11, "e-mail codes for local accounts", m11_sql },
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

/* Serialises migrations on one PostgreSQL database ("mxgate" + 1). */
#define PG_MIGRATE_LOCK "7887406322733449217"

int mxg_db_schema_latest(void)
{
	return migrations[N_MIGRATIONS - 1].version;
}

static int fetch_int(struct mxg_db_conn *conn, const char *sql, int *value_r, bool *found_r,
		     struct mxg_error *err)
{
	struct mxg_db_result *res;
	const char *v;
	char *end;
	long n;

	if (mxg_db_conn_query(conn, sql, 0, NULL, &res, err) < 0)
		return -1;
	*found_r = mxg_db_result_rows(res) > 0;
	*value_r = 0;
	if (mxg_db_result_rows(res) > 1) {
		mxg_error_set(err, MXG_DB_ERR_SCHEMA, "table schema_version has %zu rows, not one",
			      mxg_db_result_rows(res));
		goto fail;
	}
	if (*found_r) {
		v = mxg_db_result_get(res, 0, 0);
		errno = 0;
		n = v != NULL ? strtol(v, &end, 10) : -1;
		if (v == NULL || errno != 0 || *end != '\0' || n < 0 || n > 1000000) {
			mxg_error_set(err, MXG_DB_ERR_SCHEMA, "invalid schema version '%s'",
				      v != NULL ? v : "NULL");
			goto fail;
		}
		*value_r = (int)n;
	}
	mxg_db_result_free(&res);
	return 0;
fail:
	mxg_db_result_free(&res);
	return -1;
}

static int read_version(struct mxg_db *db, struct mxg_db_conn *conn, int *version_r,
			struct mxg_error *err)
{
	/* "Does the table exist" is the only dialect-specific question. */
	const char *exists_sql = mxg_db_driver(db) == MXG_DB_SQLITE
		? "SELECT count(*) FROM sqlite_master"
		  " WHERE type = 'table' AND name = 'schema_version'"
		: "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN 0 ELSE 1 END";
	int exists;
	bool found;

	if (fetch_int(conn, exists_sql, &exists, &found, err) < 0)
		return -1;
	if (exists == 0) {
		*version_r = 0;
		return 0;
	}
	return fetch_int(conn, "SELECT version FROM schema_version", version_r, &found, err);
}

static int newer_error(int version, struct mxg_error *err)
{
	return mxg_error_set(err, MXG_DB_ERR_SCHEMA,
			     "database schema version %d is newer than this mxgate supports (%d):"
			     " upgrade mxgate", version, mxg_db_schema_latest());
}

int mxg_db_schema_version(struct mxg_db *db, int *version_r, struct mxg_error *err)
{
	struct mxg_db_conn *conn = mxg_db_acquire(db, err);
	int rc;

	if (conn == NULL)
		return -1;
	rc = read_version(db, conn, version_r, err);
	mxg_db_release(db, &conn);
	return rc;
}

/* One step: lock, read the version, apply the next migration if any.
 * Sets *done_r when the schema is current.  The caller rolls back on error
 * (by releasing the connection). */
static int migrate_step(struct mxg_db *db, struct mxg_db_conn *conn, bool *done_r,
			struct mxg_error *err)
{
	const struct migration *m;
	char version[16];
	const char *const params[] = { version };
	int current;

	*done_r = false;
	if (mxg_db_begin(conn, err) < 0)
		return -1;
	/* The lock comes first: even CREATE TABLE IF NOT EXISTS can fail when
	 * two PostgreSQL sessions run it at once. */
	if (mxg_db_driver(db) == MXG_DB_POSTGRESQL &&
	    mxg_db_conn_query(conn, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ")",
			      0, NULL, NULL, err) < 0)
		return -1;
	if (mxg_db_conn_query(conn, "CREATE TABLE IF NOT EXISTS schema_version"
			      " (version INTEGER NOT NULL)", 0, NULL, NULL, err) < 0 ||
	    read_version(db, conn, &current, err) < 0)
		return -1;
	if (current > mxg_db_schema_latest())
		return newer_error(current, err);
	if (current == mxg_db_schema_latest()) {
		*done_r = true;
		return mxg_db_commit(conn, err);
	}

	m = &migrations[current];	/* versions are 1..N, in order */
	for (size_t i = 0; m->sql[i] != NULL; i++) {
		if (mxg_db_conn_query(conn, m->sql[i], 0, NULL, NULL, err) < 0) {
			mxg_error_prefix(err, "migration %d (%s)", m->version, m->description);
			return -1;
		}
	}
	snprintf(version, sizeof(version), "%d", m->version);
	if (mxg_db_conn_query(conn, "DELETE FROM schema_version", 0, NULL, NULL, err) < 0 ||
	    mxg_db_conn_query(conn, "INSERT INTO schema_version (version) VALUES ($1)",
			      1, params, NULL, err) < 0 ||
	    mxg_db_commit(conn, err) < 0)
		return -1;
	mxg_info("database: schema migrated to version %d (%s)", m->version, m->description);
	return 0;
}

int mxg_db_migrate(struct mxg_db *db, struct mxg_error *err)
{
	struct mxg_db_conn *conn;
	bool done = false;
	int rc = 0;

	conn = mxg_db_acquire(db, err);
	if (conn == NULL)
		return -1;
	while (rc == 0 && !done)
		rc = migrate_step(db, conn, &done, err);
	mxg_db_release(db, &conn);
	return rc;
}
