/*
 * test-sessions.c: the validation session rules (sessions.c) against a
 * temporary SQLite database: reuse per (medium, address, client_secret),
 * send_attempt, tokens, wrong attempts, expiry from the last change.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "identity/sessions.h"
#include "test.h"

#define T0 1700000000000LL
#define HOUR_MS (3600LL * 1000)

static struct mxg_db *db;
static struct mxg_threepid_conf conf = {
	.session_lifetime_ms = 24 * HOUR_MS,
	.max_token_attempts = 3,
};
static struct mxg_arena *arena;

static struct mxg_session_request request(long long now, const char *medium, const char *addr,
					  const char *secret, long long attempt)
{
	struct mxg_session_request req;
	struct mxg_error err;

	test_assert(mxg_sessions_request(db, &conf, now, medium, addr, secret, attempt, NULL,
					 &req, &err) == MXG_SESSION_OK);
	if (req.send)
		test_assert(mxg_sessions_mark_sent(db, req.sid, attempt, &err) == 0);
	return req;
}

static enum mxg_session_result submit(long long now, const char *medium, const char *sid,
				      const char *secret, const char *token)
{
	struct mxg_session_3pid tp;
	struct mxg_error err;

	return mxg_sessions_submit(db, &conf, now, medium, sid, secret, token, arena, &tp, &err);
}

static enum mxg_session_result validated(long long now, const char *sid, const char *secret,
					 struct mxg_session_3pid *tp)
{
	struct mxg_error err;

	return mxg_sessions_get_validated(db, &conf, now, sid, secret, arena, tp, &err);
}

static void test_secret_syntax(void)
{
	static const struct { const char *s; bool ok; } cases[] = {
		{ "abc", true }, { "A.b=c_d-9", true }, { "", false }, { "a b", false },
		{ "a/b", false }, { "é", false }, { NULL, false },
	};
	char long_ok[256], long_bad[257];

	test_begin("client_secret syntax");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_assert_idx(mxg_sessions_secret_valid(cases[i].s) == cases[i].ok, i);
	memset(long_ok, 'a', 255);
	long_ok[255] = '\0';
	memset(long_bad, 'a', 256);
	long_bad[256] = '\0';
	test_assert(mxg_sessions_secret_valid(long_ok));
	test_assert(!mxg_sessions_secret_valid(long_bad));
	test_end();
}

static void test_tokens_and_sids(void)
{
	struct mxg_session_request a, b;

	test_begin("sid and tokens: random, right shapes");
	a = request(T0, "email", "tok@example.org", "s1", 1);
	b = request(T0, "msisdn", "447700900123", "s1", 1);
	test_assert(a.send && b.send);
	test_assert(strlen(a.sid) >= 24 && strspn(a.sid, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == strlen(a.sid));
	test_assert(strcmp(a.sid, b.sid) != 0);
	test_assert(strlen(a.token) == MXG_SESSION_EMAIL_TOKEN_LEN);
	test_assert(strlen(b.token) == 6 && strspn(b.token, "0123456789") == 6);
	test_end();
}

static void test_send_attempt(void)
{
	struct mxg_session_request a, b, c, d, e;

	test_begin("send_attempt: same sid, send only when it grows");
	a = request(T0, "email", "alice@example.org", "secret", 1);
	b = request(T0 + 1, "email", "alice@example.org", "secret", 1);
	c = request(T0 + 2, "email", "alice@example.org", "secret", 0);
	d = request(T0 + 3, "email", "alice@example.org", "secret", 2);
	e = request(T0 + 4, "email", "alice@example.org", "other", 1);
	test_assert(a.send && !b.send && !c.send && d.send && e.send);
	test_assert(strcmp(a.sid, b.sid) == 0 && strcmp(a.sid, c.sid) == 0 &&
		    strcmp(a.sid, d.sid) == 0);
	test_assert(strcmp(a.sid, e.sid) != 0);
	test_assert(strcmp(a.token, d.token) != 0);
	/* The old token died with the new send. */
	test_assert(submit(T0 + 5, "email", a.sid, "secret", a.token) ==
		    MXG_SESSION_TOKEN_INCORRECT);
	test_assert(submit(T0 + 6, "email", a.sid, "secret", d.token) == MXG_SESSION_OK);
	test_end();
}

static void test_unsent_retry(void)
{
	struct mxg_session_request a, b;
	struct mxg_error err;

	test_begin("send failed: the same send_attempt sends again");
	test_assert(mxg_sessions_request(db, &conf, T0, "email", "fail@example.org", "s", 3, NULL,
					 &a, &err) == MXG_SESSION_OK && a.send);
	/* no mark_sent: the mail did not go out */
	test_assert(mxg_sessions_request(db, &conf, T0 + 1, "email", "fail@example.org", "s", 3,
					 NULL, &b, &err) == MXG_SESSION_OK && b.send);
	test_assert(strcmp(a.sid, b.sid) == 0);
	test_end();
}

static void test_submit_and_validated(void)
{
	struct mxg_session_request a;
	struct mxg_session_3pid tp;
	struct mxg_error err;

	test_begin("submit, getValidated3pid states");
	test_assert(mxg_sessions_request(db, &conf, T0, "email", "bob@example.org", "sec", 1,
					 "https://example.org/next", &a, &err) == MXG_SESSION_OK);
	test_assert(validated(T0, a.sid, "sec", &tp) == MXG_SESSION_NOT_VALIDATED);
	test_assert(validated(T0, a.sid, "wrong", &tp) == MXG_SESSION_NOT_FOUND);
	test_assert(validated(T0, "nosuchsid", "sec", &tp) == MXG_SESSION_NOT_FOUND);
	test_assert(submit(T0, "msisdn", a.sid, "sec", a.token) == MXG_SESSION_NOT_FOUND);
	test_assert(submit(T0, "email", a.sid, "wrong", a.token) == MXG_SESSION_NOT_FOUND);
	test_assert(mxg_sessions_submit(db, &conf, T0 + 10, "email", a.sid, "sec", a.token, arena,
					&tp, &err) == MXG_SESSION_OK);
	test_assert_streq(tp.next_link, "https://example.org/next");
	test_assert(tp.validated_at == T0 + 10);
	/* A second click on the link is still a success, same time. */
	test_assert(mxg_sessions_submit(db, &conf, T0 + 20, "email", a.sid, "sec", a.token, arena,
					&tp, &err) == MXG_SESSION_OK && tp.validated_at == T0 + 10);
	test_assert(validated(T0 + 30, a.sid, "sec", &tp) == MXG_SESSION_OK);
	test_assert_streq(tp.medium, "email");
	test_assert_streq(tp.address, "bob@example.org");
	test_assert(tp.validated_at == T0 + 10);
	test_end();
}

static void test_wrong_attempts(void)
{
	struct mxg_session_request a;

	test_begin("wrong tokens: bounded, then the session is gone");
	a = request(T0, "msisdn", "15555550100", "sec", 1);
	test_assert(submit(T0, "msisdn", a.sid, "sec", "000000x") == MXG_SESSION_TOKEN_INCORRECT);
	test_assert(submit(T0, "msisdn", a.sid, "sec", "000000y") == MXG_SESSION_TOKEN_INCORRECT);
	test_assert(submit(T0, "msisdn", a.sid, "sec", "000000z") == MXG_SESSION_TOKEN_INCORRECT);
	/* max_token_attempts = 3: even the right token is too late now */
	test_assert(submit(T0, "msisdn", a.sid, "sec", a.token) == MXG_SESSION_NOT_FOUND);
	test_end();
}

static void test_expiry(void)
{
	struct mxg_session_request a, b, c;
	struct mxg_session_3pid tp;
	struct mxg_error err;
	long long life = conf.session_lifetime_ms;

	test_begin("expiry from the last modification");
	a = request(T0, "email", "exp@example.org", "sec", 1);
	test_assert(submit(T0 + life + 1, "email", a.sid, "sec", a.token) == MXG_SESSION_EXPIRED);
	test_assert(validated(T0 + life + 1, a.sid, "sec", &tp) == MXG_SESSION_EXPIRED);
	/* validation at T0 + life - 1 restarts the clock */
	b = request(T0, "email", "exp2@example.org", "sec", 1);
	test_assert(submit(T0 + life - 1, "email", b.sid, "sec", b.token) == MXG_SESSION_OK);
	test_assert(validated(T0 + 2 * life - 2, b.sid, "sec", &tp) == MXG_SESSION_OK);
	test_assert(validated(T0 + 2 * life, b.sid, "sec", &tp) == MXG_SESSION_EXPIRED);
	/* requestToken on an expired session starts a new one */
	c = request(T0 + life + 1, "email", "exp@example.org", "sec", 1);
	test_assert(c.send && strcmp(a.sid, c.sid) != 0);
	/* purge drops what expired more than a day ago */
	test_assert(mxg_sessions_purge(db, &conf, T0 + 10 * life, &err) >= 2);
	test_assert(validated(T0, b.sid, "sec", &tp) == MXG_SESSION_NOT_FOUND);
	test_end();
}

int main(void)
{
	char dir[] = "/tmp/test-sessions-XXXXXX", path[64];
	struct mxg_db_settings set = {
		.driver = MXG_DB_SQLITE, .pool_size = 2, .busy_timeout_ms = 5000,
		.connect_timeout_ms = 1000, .statement_timeout_ms = 5000,
		.acquire_timeout_ms = 5000,
	};
	struct mxg_error err;
	int rc;

	mxg_log_open("-", MXG_LOG_WARNING);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/s.db", dir);
	set.path = path;
	if (mxg_db_open(&set, &db, &err) < 0 || mxg_db_migrate(db, &err) < 0) {
		fprintf(stderr, "database: %s\n", err.msg);
		return 1;
	}
	arena = mxg_arena_create(4096);

	test_secret_syntax();
	test_tokens_and_sids();
	test_send_attempt();
	test_unsent_retry();
	test_submit_and_validated();
	test_wrong_attempts();
	test_expiry();

	mxg_arena_destroy(&arena);
	mxg_db_close(&db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/s.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/s.db-shm", dir);
	unlink(path);
	rmdir(dir);
	rc = test_done("test-sessions");
	return rc;
}
