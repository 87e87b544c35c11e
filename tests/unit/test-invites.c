/*
 * test-invites.c: the invite service (invites.c): redaction of the invited
 * address (table-driven, sydent's rules) and storing, finding and deleting
 * invites in a throwaway SQLite database.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"
#include "identity/invites.h"
#include "test.h"

static const struct {
	const char *address, *want;
} redactions[] = {
	{ "foo@bar", "f...@b..." },			/* the spec's example */
	{ "alice@example.org", "ali...@exa..." },
	{ "bob@example.org", "b...@exa..." },		/* 3 chars: only the first */
	{ "ab@cd.e", "a...@cd...." },
	{ "a@b", "...@..." },				/* 1 char: nothing */
	{ "", "..." },					/* no '@': one part */
	{ "noatsign", "noa..." },
	{ "\xc3\xa9lodie@\xc3\xa9t\xc3\xa9.fr", "\xc3\xa9lo...@\xc3\xa9t\xc3\xa9..." },
	{ "x@y@z", "...@y..." },			/* the first '@' splits */
};

static void test_redact(void)
{
	struct mxg_arena *a = mxg_arena_create(1024);

	test_begin("redact e-mail");
	for (size_t i = 0; i < sizeof(redactions) / sizeof(redactions[0]); i++) {
		const char *got = mxg_invites_redact_email(a, redactions[i].address,
							   MXG_INVITE_REVEAL_USER,
							   MXG_INVITE_REVEAL_DOMAIN);

		test_assert_idx(strcmp(got, redactions[i].want) == 0, i);
	}
	/* a part no longer than the reveal count but longer than 5: 3 chars */
	test_assert_streq(mxg_invites_redact_email(a, "abcdefg@hijklmn", 10, 10), "abc...@hij...");
	test_assert_streq(mxg_invites_redact_email(a, "abcdefg@hijklmn", 1, 2), "a...@hi...");
	test_end();
	mxg_arena_destroy(&a);
}

static void test_store(struct mxg_db *db)
{
	struct mxg_arena *a = mxg_arena_create(1024);
	struct mxg_invite inv = {
		.token = "tok1", .medium = "email", .address = "bob@example.org",
		.room_id = "!room:example.org", .sender = "@alice:example.org",
		.ephemeral_public_key = "eph-pub-1", .extra = "{\"room_name\":\"Tea\"}",
		.created_at = 1700000000000LL,
	};
	struct mxg_error err;
	const char *sender;
	bool valid;

	test_begin("store, find, delete");
	test_assert(mxg_invites_store(db, &inv, &err) == 0);
	test_assert(mxg_invites_sender(db, a, "tok1", &sender, &err) == 1);
	test_assert(sender != NULL && strcmp(sender, "@alice:example.org") == 0);
	test_assert(mxg_invites_sender(db, a, "tok2", &sender, &err) == 0 && sender == NULL);
	test_assert(mxg_invites_ephemeral_valid(db, "eph-pub-1", &valid, &err) == 0 && valid);
	test_assert(mxg_invites_ephemeral_valid(db, "eph-pub-2", &valid, &err) == 0 && !valid);
	/* tokens are unique */
	test_assert(mxg_invites_store(db, &inv, &err) < 0);
	test_assert(mxg_invites_delete(db, "tok1", &err) == 0);
	test_assert(mxg_invites_sender(db, a, "tok1", &sender, &err) == 0);
	test_assert(mxg_invites_ephemeral_valid(db, "eph-pub-1", &valid, &err) == 0 && !valid);
	test_end();
	mxg_arena_destroy(&a);
}

int main(void)
{
	char dir[] = "/tmp/test-invites-XXXXXX", path[64];
	struct mxg_db_settings set = {
		.driver = MXG_DB_SQLITE, .pool_size = 2, .busy_timeout_ms = 5000,
		.connect_timeout_ms = 1000, .statement_timeout_ms = 5000,
		.acquire_timeout_ms = 5000,
	};
	struct mxg_db *db;
	struct mxg_error err;

	mxg_log_open("-", MXG_LOG_WARNING);
	test_redact();

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/i.db", dir);
	set.path = path;
	if (mxg_db_open(&set, &db, &err) < 0 || mxg_db_migrate(db, &err) < 0) {
		fprintf(stderr, "database: %s\n", err.msg);
		return 1;
	}
	test_store(db);
	mxg_db_close(&db);
	for (const char *const *sfx = (const char *const[]){ "", "-wal", "-shm", NULL };
	     *sfx != NULL; sfx++) {
		snprintf(path, sizeof(path), "%s/i.db%s", dir, *sfx);
		unlink(path);
	}
	rmdir(dir);
	return test_done("test-invites");
}
