/*
 * test-bindings.c: the bindings service (bindings.c) against a temporary
 * SQLite database, and on PostgreSQL when $MXGATE_TEST_PGCONNINFO is set:
 * bind, rebind to another Matrix ID, lookup, enumerate, and unbind only by
 * the current owner.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"
#include "identity/bindings.h"
#include "test.h"
#include "db-test-util.h"

#define T0 1700000000000LL

static struct mxg_db *db;
static struct mxg_arena *arena;

static void bind(const char *medium, const char *address, const char *mxid, long long ts)
{
	struct mxg_binding b = { medium, address, mxid, ts, ts, ts + 1000 };
	struct mxg_error err;

	test_assert(mxg_bindings_bind(db, &b, &err) == 0);
}

/* The owner of a 3PID, or NULL. */
static const char *owner(const char *medium, const char *address)
{
	struct mxg_binding b;
	struct mxg_error err;
	int r = mxg_bindings_lookup(db, medium, address, arena, &b, &err);

	test_assert(r >= 0);
	return r == 1 ? b.mxid : NULL;
}

struct seen {
	int n;
	char last[256];
};

static int count_cb(void *ctx, const char *medium, const char *address, const char *user_id)
{
	struct seen *s = ctx;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s %s %s", medium, address, user_id);
	return 0;
}

static int stop_cb(void *ctx, const char *medium, const char *address, const char *user_id)
{
	(void)medium, (void)address, (void)user_id;
	++*(int *)ctx;
	return 1;
}

static void test_bind_lookup(void)
{
	struct mxg_binding b;
	struct mxg_error err;

	test_begin("bind, then lookup gives every field");
	bind("email", "alice@example.org", "@alice:example.org", T0);
	test_assert(mxg_bindings_lookup(db, "email", "alice@example.org", arena, &b, &err) == 1);
	test_assert(strcmp(b.medium, "email") == 0 && strcmp(b.address, "alice@example.org") == 0);
	test_assert(strcmp(b.mxid, "@alice:example.org") == 0);
	test_assert(b.ts == T0 && b.not_before == T0 && b.not_after == T0 + 1000);
	test_assert(owner("msisdn", "alice@example.org") == NULL);
	test_assert(owner("email", "nobody@example.org") == NULL);
	test_end();
}

static void test_rebind(void)
{
	struct mxg_binding b;
	struct mxg_error err;
	struct seen s = { 0 };

	test_begin("rebinding a 3PID replaces its owner, one row remains");
	bind("email", "alice@example.org", "@bob:example.org", T0 + 5);
	test_assert(mxg_bindings_lookup(db, "email", "alice@example.org", arena, &b, &err) == 1);
	test_assert(strcmp(b.mxid, "@bob:example.org") == 0 && b.ts == T0 + 5);
	test_assert(mxg_bindings_enumerate(db, count_cb, &s, &err) == 0);
	test_assert(s.n == 1 && strcmp(s.last, "email alice@example.org @bob:example.org") == 0);
	test_end();
}

static void test_enumerate(void)
{
	struct mxg_error err;
	struct seen s = { 0 };
	int stopped = 0;

	test_begin("enumerate feeds every binding; a non-zero callback stops");
	bind("msisdn", "15551234567", "@carol:example.org", T0);
	bind("email", "dave@example.org", "@dave:example.org", T0);
	test_assert(mxg_bindings_enumerate(db, count_cb, &s, &err) == 0 && s.n == 3);
	test_assert(mxg_bindings_enumerate(db, stop_cb, &stopped, &err) == 0 && stopped == 1);
	test_end();
}

static void test_unbind(void)
{
	struct mxg_error err;
	bool removed = true;

	test_begin("unbind removes only the current owner's binding");
	test_assert(mxg_bindings_unbind(db, "email", "alice@example.org", "@alice:example.org",
					&removed, &err) == 0 && !removed);
	test_assert(owner("email", "alice@example.org") != NULL);
	test_assert(mxg_bindings_unbind(db, "email", "alice@example.org", "@bob:example.org",
					&removed, &err) == 0 && removed);
	test_assert(owner("email", "alice@example.org") == NULL);
	test_assert(mxg_bindings_unbind(db, "email", "alice@example.org", "@bob:example.org",
					NULL, &err) == 0);
	test_assert(owner("msisdn", "15551234567") != NULL);
	test_end();
}

static void run_cases(struct mxg_db *database, const char *backend)
{
	db = database;
	fprintf(stderr, "# %s\n", backend);
	test_bind_lookup();
	test_rebind();
	test_enumerate();
	test_unbind();
}

int main(void)
{

	mxg_log_open("-", MXG_LOG_WARNING);
	arena = mxg_arena_create(4096);
	test_each_database(run_cases);
	mxg_arena_destroy(&arena);
	return test_done("test-bindings");
}
