/*
 * test-sql-db.c: the `sql` store's operations against real databases: a
 * Synapse-shaped schema (tests/integration/synapse_schema.sql) read by the
 * `synapse` preset, and a made-up `people` table read by custom queries,
 * each on SQLite and, when $MXGATE_TEST_PGCONNINFO names the suite's
 * PostgreSQL, in a private schema there.  Then a database that is down or
 * missing: UNAVAILABLE from every operation, never NOT_FOUND or DENIED, and
 * the store recovers once it is back.
 */
#include "config.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/password.h"
#include "db/db.h"
#include "stores/store.h"
#include "sql.h"
#include "test.h"
#include "man-keys.h"
#include "test-sql-util.h"

/* "ﬁnd Ｘ": NFKC makes it "find X"; bob's hash is of "find X" + "pep". */
#define BOB_TYPED "\xef\xac\x81nd \xef\xbc\xb8"

struct user_row {
	const char *name, *password, *display, *avatar;
	int guest, deactivated;
	const char *appservice;
	const char *threepids[2][2];	/* medium, address */
};

static const struct user_row synapse_users[] = {
	{ "@alice:example.org", "alice-pw", "Alice Liddell", "mxc://example.org/alice", 0, 0,
	  NULL, { { "email", "alice@example.org" }, { "msisdn", "447700900123" } } },
	{ "@bob:example.org", "find Xpep", "Bob Builder", NULL, 0, 0, NULL,
	  { { "email", "bob@example.org" } } },
	{ "@carol:example.org", "carol-pw", "Carol Gone", NULL, 0, 1, NULL,
	  { { "email", "carol@example.org" } } },
	{ "@guest:example.org", "guest-pw", "Guest Alice", NULL, 1, 0, NULL,
	  { { "email", "guest@example.org" } } },
	{ "@bridge:example.org", "bridge-pw", "Bridged Alice", NULL, 0, 0, "irc",
	  { { "email", "bridge@example.org" } } },
	{ "@nopw:example.org", NULL, "No Password", NULL, 0, 0, NULL, { { NULL } } },
	{ "@badhash:example.org", "", "Bad Hash", NULL, 0, 0, NULL, { { NULL } } },
	{ "@under_score:example.org", "u-pw", "100% Real", NULL, 0, 0, NULL,
	  { { "email", "u@example.org" } } },
};

static int exec(struct mxg_db *db, const char *sql, size_t n, const char *const *params)
{
	struct mxg_error err;

	if (mxg_db_query(db, sql, n, params, NULL, &err) < 0) {
		fprintf(stderr, "  %s: %s\n", sql, err.msg);
		return -1;
	}
	return 0;
}

/* Statements of the shared schema file: '--' lines dropped, split at ";"
 * ending a line. */
static int load_schema(struct mxg_db *db)
{
	char *text = man_page_read("tests/integration/synapse_schema.sql"), *stmt, *p;
	int rc = 0;

	if (text == NULL)
		return -1;
	for (p = text; *p != '\0';) {
		char *eol = strchr(p, '\n');

		if (strncmp(p, "--", 2) == 0)
			memset(p, ' ', eol != NULL ? (size_t)(eol - p) : strlen(p));
		p = eol != NULL ? eol + 1 : p + strlen(p);
	}
	for (stmt = text; rc == 0 && (p = strstr(stmt, ";\n")) != NULL; stmt = p + 2) {
		*p = '\0';
		rc = exec(db, stmt, 0, NULL);
	}
	free(text);
	return rc;
}

static int fill_synapse(struct mxg_db *db)
{
	for (size_t i = 0; i < sizeof(synapse_users) / sizeof(synapse_users[0]); i++) {
		const struct user_row *u = &synapse_users[i];
		char *hash = u->password == NULL ? NULL : u->password[0] == '\0' ?
			     strdup("not-a-hash") : hash_crypt("$2b$", u->password);
		char guest[2] = { (char)('0' + u->guest), 0 }, deact[2] = { (char)('0' + u->deactivated), 0 };
		const char *lp_end = strchr(u->name, ':');
		char lp[64];
		const char *up[] = { u->name, hash, guest, u->appservice, deact };
		const char *pp[] = { lp, u->display, u->avatar };
		int rc;

		snprintf(lp, sizeof(lp), "%.*s", (int)(lp_end - u->name - 1), u->name + 1);
		rc = exec(db, "INSERT INTO users (name, password_hash, creation_ts, is_guest, "
			  "appservice_id, deactivated) VALUES ($1, $2, 1700000000, "
			  "CAST($3 AS INTEGER), $4, CAST($5 AS INTEGER))", 5, up);
		free(hash);
		if (rc < 0 || exec(db, "INSERT INTO profiles (user_id, displayname, avatar_url) "
				   "VALUES ($1, $2, $3)", 3, pp) < 0)
			return -1;
		for (size_t t = 0; t < 2 && u->threepids[t][0] != NULL; t++) {
			const char *tp[] = { u->name, u->threepids[t][0], u->threepids[t][1] };

			if (exec(db, "INSERT INTO user_threepids (user_id, medium, address, "
				 "validated_at, added_at) VALUES ($1, $2, $3, 0, 0)", 3, tp) < 0)
				return -1;
		}
	}
	return 0;
}

static enum mxg_store_result auth(struct fixture *f, const char *user, const char *medium,
				  const char *password, struct mxg_person *p,
				  struct mxg_error *err)
{
	struct mxg_cred cred = { .user = user, .medium = medium, .password = password,
				 .password_len = strlen(password) };

	memset(p, 0, sizeof(*p));
	mxg_error_clear(err);
	return mxg_store_sql.authenticate(&f->store, &cred, f->arena, p, err);
}

static const char *lookup(struct fixture *f, const char *medium, const char *address,
			  enum mxg_store_result *r)
{
	struct mxg_3pid t = { medium, address };
	const char *id = NULL;
	struct mxg_error err;

	*r = mxg_store_sql.lookup(&f->store, &t, f->arena, &id, &err);
	return *r == MXG_STORE_OK ? id : NULL;
}

static size_t search(struct fixture *f, const char *term, size_t limit, struct mxg_person **p)
{
	struct mxg_error err;
	size_t n = 99;

	if (mxg_store_sql.directory_search(&f->store, term, limit, f->arena, p, &n, &err) !=
	    MXG_STORE_OK)
		return 99;
	return n;
}

struct collected {
	char rows[16][128];
	size_t n;
};

static int collect_3pid(void *vctx, const char *medium, const char *address, const char *id)
{
	struct collected *c = vctx;

	if (c->n < 16)
		snprintf(c->rows[c->n], sizeof(c->rows[0]), "%s %s %s", id, medium, address);
	c->n++;
	return 0;
}

static void synapse_cases(const char *backend, const char *conn_yaml)
{
	char yaml[1024], name[128];
	struct fixture f, fp;
	struct mxg_person p;
	struct mxg_error err;
	enum mxg_store_result r;

	snprintf(yaml, sizeof(yaml), "%spreset: synapse\n", conn_yaml);
	snprintf(name, sizeof(name), "%s synapse: authenticate", backend);
	test_begin(name);
	test_assert(store_open(&f, yaml, &err) == 0);
	test_assert(auth(&f, "alice", NULL, "alice-pw", &p, &err) == MXG_STORE_OK);
	test_assert_streq(p.user_id, "@alice:example.org");
	test_assert_streq(p.display_name, "Alice Liddell");
	test_assert(p.threepid_count == 2);
	if (p.threepid_count == 2) {
		test_assert_streq(p.threepids[0].medium, "email");
		test_assert_streq(p.threepids[0].address, "alice@example.org");
		test_assert_streq(p.threepids[1].address, "447700900123");
	}
	test_assert(auth(&f, "@alice:example.org", NULL, "alice-pw", &p, &err) == MXG_STORE_OK);
	test_assert(auth(&f, "ALICE", NULL, "alice-pw", &p, &err) == MXG_STORE_OK);
	test_assert(auth(&f, "Alice@Example.org", "email", "alice-pw", &p, &err) == MXG_STORE_OK);
	test_assert_streq(p.user_id, "@alice:example.org");
	test_assert(auth(&f, "+44 7700 900123", "msisdn", "alice-pw", &p, &err) == MXG_STORE_OK);
	test_assert(auth(&f, "alice", NULL, "wrong", &p, &err) == MXG_STORE_DENIED);
	test_assert(auth(&f, "alice", NULL, "", &p, &err) == MXG_STORE_DENIED);
	test_assert(auth(&f, "zed", NULL, "x", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "@alice:other.org", NULL, "alice-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "nobody@example.org", "email", "x", &p, &err) == MXG_STORE_NOT_FOUND);
	test_end();

	snprintf(name, sizeof(name), "%s synapse: deactivated, guests, appservice users excluded",
		 backend);
	test_begin(name);
	test_assert(auth(&f, "carol", NULL, "carol-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "guest", NULL, "guest-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "bridge", NULL, "bridge-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "carol@example.org", "email", "carol-pw", &p, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(lookup(&f, "email", "carol@example.org", &r) == NULL &&
		    r == MXG_STORE_NOT_FOUND);
	test_assert(lookup(&f, "email", "guest@example.org", &r) == NULL &&
		    r == MXG_STORE_NOT_FOUND);
	test_assert(lookup(&f, "email", "bridge@example.org", &r) == NULL &&
		    r == MXG_STORE_NOT_FOUND);
	test_assert(mxg_store_sql.profile(&f.store, "@carol:example.org", f.arena, &p, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_end();

	snprintf(name, sizeof(name), "%s synapse: no hash is denied, a bad hash is internal",
		 backend);
	test_begin(name);
	test_assert(auth(&f, "nopw", NULL, "anything", &p, &err) == MXG_STORE_DENIED);
	test_assert(auth(&f, "badhash", NULL, "anything", &p, &err) == MXG_STORE_INTERNAL);
	test_assert(strstr(err.msg, "@badhash:example.org") != NULL);
	test_assert(strstr(err.msg, "not-a-hash") == NULL);
	test_end();

	snprintf(name, sizeof(name), "%s synapse: injection attempts match nobody", backend);
	test_begin(name);
	test_assert(auth(&f, "' OR 1=1 --", NULL, "alice-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "alice' --", NULL, "alice-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "x' OR '1'='1@example.org", "email", "x", &p, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "%", NULL, "alice-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(lookup(&f, "email", "%@example.org", &r) == NULL && r == MXG_STORE_NOT_FOUND);
	test_assert(search(&f, "' OR 1=1 --", 10, &(struct mxg_person *){ NULL }) == 0);
	test_assert(search(&f, "%%", 10, &(struct mxg_person *){ NULL }) == 0);
	test_assert(search(&f, "__", 10, &(struct mxg_person *){ NULL }) == 0);
	test_assert(search(&f, "%", 10, &(struct mxg_person *){ NULL }) == 0);
	test_end();

	snprintf(name, sizeof(name), "%s synapse: NFKC + pepper", backend);
	test_begin(name);
	test_assert(auth(&f, "bob", NULL, BOB_TYPED, &p, &err) == MXG_STORE_DENIED);
	snprintf(yaml, sizeof(yaml), "%spreset: synapse\npassword_pepper: pep\n", conn_yaml);
	test_assert(store_open(&fp, yaml, &err) == 0);
	test_assert(auth(&fp, "bob", NULL, BOB_TYPED, &p, &err) == MXG_STORE_OK);
	test_assert_streq(p.user_id, "@bob:example.org");
	test_assert(auth(&fp, "bob", NULL, "find X", &p, &err) == MXG_STORE_OK);
	test_assert(auth(&fp, "bob", NULL, "find x", &p, &err) == MXG_STORE_DENIED);
	test_assert(auth(&fp, "alice", NULL, "alice-pw", &p, &err) == MXG_STORE_DENIED);
	store_close(&fp);
	test_end();

	snprintf(name, sizeof(name), "%s synapse: lookup, bulk lookup, enumerate", backend);
	test_begin(name);
	test_assert_streq(lookup(&f, "email", "ALICE@example.org", &r), "@alice:example.org");
	test_assert_streq(lookup(&f, "msisdn", "447700900123", &r), "@alice:example.org");
	test_assert(lookup(&f, "email", "zed@example.org", &r) == NULL && r == MXG_STORE_NOT_FOUND);
	test_assert(lookup(&f, "fax", "12345", &r) == NULL && r == MXG_STORE_NOT_FOUND);
	{
		const struct mxg_3pid q[] = {
			{ "email", "alice@example.org" }, { "email", "carol@example.org" },
			{ "email", "zed@example.org" }, { "email", "Bob@Example.org" },
			{ "msisdn", "+447700900123" }, { "fax", "1" }, { "email", "not an address" },
		};
		const char *ids[7] = { NULL };

		test_assert(mxg_store_sql.lookup_bulk(&f.store, q, 7, f.arena, ids, &err) ==
			    MXG_STORE_OK);
		test_assert_streq(ids[0], "@alice:example.org");
		test_assert(ids[1] == NULL && ids[2] == NULL && ids[5] == NULL && ids[6] == NULL);
		test_assert_streq(ids[3], "@bob:example.org");
		test_assert_streq(ids[4], "@alice:example.org");
	}
	{
		struct collected c = { .n = 0 };

		test_assert(mxg_store_sql.enumerate_3pids(&f.store, collect_3pid, &c, &err) ==
			    MXG_STORE_OK);
		test_assert(c.n == 4);
		test_assert_streq(c.rows[0], "@alice:example.org email alice@example.org");
		test_assert_streq(c.rows[1], "@alice:example.org msisdn 447700900123");
		test_assert_streq(c.rows[2], "@bob:example.org email bob@example.org");
		test_assert_streq(c.rows[3], "@under_score:example.org email u@example.org");
	}
	test_end();

	snprintf(name, sizeof(name), "%s synapse: directory search and profile", backend);
	test_begin(name);
	{
		struct mxg_person *people = NULL;

		test_assert(search(&f, "alice", 10, &people) == 1);
		if (people != NULL) {
			test_assert_streq(people[0].user_id, "@alice:example.org");
			test_assert_streq(people[0].display_name, "Alice Liddell");
			test_assert_streq(people[0].avatar_url, "mxc://example.org/alice");
		}
		test_assert(search(&f, "LIDD", 10, &people) == 1);
		test_assert(search(&f, "0% r", 10, &people) == 1);
		if (people != NULL)
			test_assert_streq(people[0].user_id, "@under_score:example.org");
		test_assert(search(&f, "r_s", 10, &people) == 1);
		test_assert(search(&f, "example", 10, &people) == 0);	/* not the server name */
		test_assert(search(&f, "li", 10, &people) == 1);
		test_assert(search(&f, "o", 10, &people) == 0);		/* too short */
		test_assert(search(&f, "e", 10, &people) == 0);
		test_assert(search(&f, "ob", 10, &people) == 1);	/* bob, not Bridged */
		test_assert(search(&f, "er", 1, &people) == 1);		/* Builder, under_score */
		test_assert(search(&f, "er", 10, &people) == 2);
	}
	test_assert(mxg_store_sql.profile(&f.store, "@alice:example.org", f.arena, &p, &err) ==
		    MXG_STORE_OK);
	test_assert_streq(p.user_id, "@alice:example.org");
	test_assert_streq(p.display_name, "Alice Liddell");
	test_assert_streq(p.avatar_url, "mxc://example.org/alice");
	test_assert(p.threepid_count == 2);
	test_assert(mxg_store_sql.profile(&f.store, "@zed:example.org", f.arena, &p, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(mxg_store_sql.profile(&f.store, "@alice:other.org", f.arena, &p, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_end();
	store_close(&f);
}

/* A store of our own: preset none, a `people` table keyed by localpart,
 * sha512-crypt and argon2id hashes, a `locked` column. */
static const char people_queries[] =
	"queries:\n"
	"  authenticate: SELECT login, pw, name, locked FROM people WHERE login = $1\n"
	"  lookup: >-\n"
	"    SELECT login FROM people WHERE ($1 = 'email' AND lower(mail) = $2)\n"
	"    OR ($1 = 'msisdn' AND phone = $2)\n"
	"  enumerate: >-\n"
	"    SELECT 'email', mail, login FROM people WHERE mail IS NOT NULL\n"
	"    UNION ALL SELECT 'msisdn', phone, login FROM people WHERE phone IS NOT NULL\n"
	"    ORDER BY 3, 1\n"
	"  directory_search: >-\n"
	"    SELECT login, name FROM people WHERE lower(name) LIKE lower(CAST($1 AS TEXT))\n"
	"    ESCAPE '\\' OR login LIKE $1 ESCAPE '\\' ORDER BY login LIMIT CAST($2 AS INTEGER)\n"
	"  profile: SELECT name FROM people WHERE login = $1\n"
	"  profile_threepids: SELECT 'email', mail FROM people WHERE login = $1 AND mail IS NOT NULL\n";

static int fill_people(struct mxg_db *db)
{
	char *dave = hash_crypt("$6$", "dave-pw"), *frank = hash_crypt("$6$", "frank-pw");
	char *erin = mxg_password_hash_argon2id("erin-pw", 7);
	const char *rows[][6] = {
		{ "dave", dave, "Dave Sha", "Dave@Example.org", NULL, "0" },
		{ "erin", erin, "Erin Argon", NULL, "447700900456", "0" },
		{ "frank", frank, "Frank Locked", "frank@example.org", NULL, "1" },
	};
	int rc = exec(db, "CREATE TABLE people (login TEXT PRIMARY KEY, pw TEXT, name TEXT, "
		      "mail TEXT, phone TEXT, locked INTEGER)", 0, NULL);

	for (size_t i = 0; rc == 0 && i < 3; i++)
		rc = exec(db, "INSERT INTO people VALUES ($1, $2, $3, $4, $5, CAST($6 AS INTEGER))",
			  6, rows[i]);
	free(dave);
	free(frank);
	free(erin);
	return rc;
}

static void people_cases(const char *backend, const char *conn_yaml)
{
	char yaml[2048], name[128];
	struct collected c = { .n = 0 };
	struct mxg_person p, *people = NULL;
	struct mxg_error err;
	enum mxg_store_result r;
	struct fixture f;

	snprintf(yaml, sizeof(yaml), "%s%s", conn_yaml, people_queries);
	snprintf(name, sizeof(name), "%s people: custom queries, sha512-crypt and argon2id",
		 backend);
	test_begin(name);
	test_assert(store_open(&f, yaml, &err) == 0);
	test_assert(auth(&f, "dave", NULL, "dave-pw", &p, &err) == MXG_STORE_OK);
	test_assert_streq(p.user_id, "@dave:example.org");
	test_assert(p.threepid_count == 1);
	if (p.threepid_count == 1)
		test_assert_streq(p.threepids[0].address, "dave@example.org");
	test_assert(auth(&f, "@erin:example.org", NULL, "erin-pw", &p, &err) == MXG_STORE_OK);
	test_assert_streq(p.display_name, "Erin Argon");
	test_assert(auth(&f, "erin", NULL, "dave-pw", &p, &err) == MXG_STORE_DENIED);
	test_assert(auth(&f, "frank", NULL, "frank-pw", &p, &err) == MXG_STORE_DISABLED);
	test_assert(auth(&f, "frank", NULL, "wrong", &p, &err) == MXG_STORE_DENIED);
	test_assert(auth(&f, "@dave:other.org", NULL, "dave-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "' OR 1=1 --", NULL, "dave-pw", &p, &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&f, "447700900456", "msisdn", "erin-pw", &p, &err) == MXG_STORE_OK);
	test_assert_streq(lookup(&f, "email", "dave@example.org", &r), "@dave:example.org");
	test_assert(mxg_store_sql.enumerate_3pids(&f.store, collect_3pid, &c, &err) ==
		    MXG_STORE_OK);
	test_assert(c.n == 3);
	test_assert_streq(c.rows[0], "@dave:example.org email dave@example.org");
	test_assert_streq(c.rows[1], "@erin:example.org msisdn 447700900456");
	test_assert(search(&f, "ARGON", 10, &people) == 1);
	test_assert(search(&f, "_", 10, &people) == 0);
	test_assert(search(&f, "' OR 1=1 --", 10, &people) == 0);
	test_assert(mxg_store_sql.profile(&f.store, "@erin:example.org", f.arena, &p, &err) ==
		    MXG_STORE_OK && p.threepid_count == 0);
	test_assert_streq(p.display_name, "Erin Argon");
	store_close(&f);
	test_end();
}

/* Worker threads ask a fresh store at once: the first uses open the pool
 * under its mutex, and every answer is right. */
struct worker {
	struct fixture *f;
	int right;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct mxg_arena *arena = mxg_arena_create(1024);
	const struct mxg_3pid t = { "email", "alice@example.org" };
	struct mxg_error err;

	for (int i = 0; i < 20; i++) {
		const char *id = NULL;

		if (mxg_store_sql.lookup(&w->f->store, &t, arena, &id, &err) == MXG_STORE_OK &&
		    strcmp(id, "@alice:example.org") == 0)
			w->right++;
	}
	mxg_arena_destroy(&arena);
	return NULL;
}

static void concurrent_cases(const char *backend, const char *conn_yaml)
{
	struct worker w[8];
	pthread_t th[8];
	char yaml[1024], name[128];
	struct mxg_error err;
	struct fixture f;
	int right = 0;

	snprintf(yaml, sizeof(yaml), "%spreset: synapse\npool_size: 3\n", conn_yaml);
	snprintf(name, sizeof(name), "%s: 8 threads share a lazily opened pool of 3", backend);
	test_begin(name);
	test_assert(store_open(&f, yaml, &err) == 0);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .f = &f };
		test_assert(pthread_create(&th[i], NULL, worker_run, &w[i]) == 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		right += w[i].right;
	}
	test_assert(right == 8 * 20);
	store_close(&f);
	test_end();
}

static void run_sqlite(void)
{
	char dir[] = "/tmp/mxgate-test-sql-XXXXXX", path[96], yaml[256];
	struct mxg_db_settings set = { .driver = MXG_DB_SQLITE, .pool_size = 1,
				       .busy_timeout_ms = 2000, .acquire_timeout_ms = 2000 };
	struct mxg_db *db = NULL;
	struct mxg_error err;
	int ok;

	test_begin("sqlite: fixture databases");
	test_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/homeserver.db", dir);
	set.path = path;
	ok = mxg_db_open(&set, &db, &err) == 0 && load_schema(db) == 0 && fill_synapse(db) == 0 &&
	     fill_people(db) == 0;
	test_assert(ok);
	mxg_db_close(&db);
	test_end();
	if (ok) {
		snprintf(yaml, sizeof(yaml), "driver: sqlite\npath: %s\n", path);
		synapse_cases("sqlite", yaml);
		people_cases("sqlite", yaml);
		concurrent_cases("sqlite", yaml);
	}
	for (const char *sfx = ""; sfx != NULL; sfx = sfx[0] == '\0' ? "-wal" :
	     strcmp(sfx, "-wal") == 0 ? "-shm" : NULL) {
		snprintf(path, sizeof(path), "%s/homeserver.db%s", dir, sfx);
		unlink(path);
	}
	rmdir(dir);
}

static void run_pgsql(const char *base)
{
	struct mxg_db_settings set = { .driver = MXG_DB_POSTGRESQL, .pool_size = 1,
				       .connect_timeout_ms = 2000, .statement_timeout_ms = 5000,
				       .acquire_timeout_ms = 5000 };
	struct mxg_db *admin = NULL, *db = NULL;
	char schema[64], sql[128], conninfo[512], yaml[768];
	struct mxg_error err;
	int ok;

	snprintf(schema, sizeof(schema), "mxgsql_%ld", (long)getpid());
	snprintf(conninfo, sizeof(conninfo), "%s options='-c search_path=%s'", base, schema);
	test_begin("postgresql: fixture databases in a private schema");
	set.conninfo = (char *)base;
	ok = mxg_db_open(&set, &admin, &err) == 0;
	test_assert(ok);
	if (!ok) {
		fprintf(stderr, "  %s\n", err.msg);
		test_end();
		return;
	}
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	set.conninfo = conninfo;
	ok = exec(admin, sql, 0, NULL) == 0 && mxg_db_open(&set, &db, &err) == 0 &&
	     load_schema(db) == 0 && fill_synapse(db) == 0 && fill_people(db) == 0;
	test_assert(ok);
	mxg_db_close(&db);
	test_end();
	if (ok) {
		snprintf(yaml, sizeof(yaml), "driver: postgresql\nconninfo: \"%s\"\n", conninfo);
		synapse_cases("postgresql", yaml);
		people_cases("postgresql", yaml);
		concurrent_cases("postgresql", yaml);
	}
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	(void)exec(admin, sql, 0, NULL);
	mxg_db_close(&admin);
}

/* Every operation of a store whose database is unreachable. */
static int count_unavailable(struct fixture *f)
{
	const struct mxg_3pid t = { "email", "alice@example.org" };
	struct collected c = { .n = 0 };
	const char *id = NULL, *ids[1] = { NULL };
	struct mxg_person p, *people;
	struct mxg_error err;
	size_t n;
	int down = 0;

	down += auth(f, "alice", NULL, "alice-pw", &p, &err) == MXG_STORE_UNAVAILABLE;
	down += auth(f, "alice@example.org", "email", "x", &p, &err) == MXG_STORE_UNAVAILABLE;
	down += mxg_store_sql.lookup(&f->store, &t, f->arena, &id, &err) == MXG_STORE_UNAVAILABLE;
	down += mxg_store_sql.lookup_bulk(&f->store, &t, 1, f->arena, ids, &err) ==
		MXG_STORE_UNAVAILABLE;
	down += mxg_store_sql.enumerate_3pids(&f->store, collect_3pid, &c, &err) ==
		MXG_STORE_UNAVAILABLE;
	down += mxg_store_sql.directory_search(&f->store, "alice", 5, f->arena, &people, &n,
					       &err) == MXG_STORE_UNAVAILABLE;
	down += mxg_store_sql.profile(&f->store, "@alice:example.org", f->arena, &p, &err) ==
		MXG_STORE_UNAVAILABLE;
	return down;
}

static int closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void test_down(void)
{
	char dir[] = "/tmp/mxgate-test-sql-XXXXXX", path[96], yaml[512];
	struct mxg_db_settings set = { .driver = MXG_DB_SQLITE, .pool_size = 1,
				       .busy_timeout_ms = 2000, .acquire_timeout_ms = 2000 };
	struct mxg_db *db = NULL;
	struct mxg_error err;
	struct mxg_person p;
	struct fixture f;
	enum mxg_store_result r = MXG_STORE_UNAVAILABLE;

	test_begin("down: PostgreSQL at a closed port starts, then every op is UNAVAILABLE");
	snprintf(yaml, sizeof(yaml), "driver: postgresql\npreset: synapse\nconnect_timeout: 1s\n"
		 "conninfo: host=127.0.0.1 port=%d user=synapse password=s3cr3t-pw dbname=synapse\n",
		 closed_port());
	test_assert(store_open(&f, yaml, &err) == 0);
	test_assert(count_unavailable(&f) == 7);
	test_assert(auth(&f, "alice", NULL, "alice-pw", &p, &err) == MXG_STORE_UNAVAILABLE);
	test_assert(err.msg[0] != '\0' && strstr(err.msg, "s3cr3t-pw") == NULL);
	store_close(&f);
	test_end();

	test_begin("down: a missing SQLite file is UNAVAILABLE, not created, and found later");
	test_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/homeserver.db", dir);
	snprintf(yaml, sizeof(yaml), "path: %s\npreset: synapse\n", path);
	test_assert(store_open(&f, yaml, &err) == 0);
	test_assert(count_unavailable(&f) == 7);
	test_assert(auth(&f, "alice", NULL, "alice-pw", &p, &err) == MXG_STORE_UNAVAILABLE &&
		    strstr(err.msg, path) != NULL);
	test_assert(access(path, F_OK) < 0);
	set.path = path;
	test_assert(mxg_db_open(&set, &db, &err) == 0 && load_schema(db) == 0 &&
		    fill_synapse(db) == 0);
	mxg_db_close(&db);
	/* Polls: a failed open answers for itself for a second. */
	for (int i = 0; i < 100 && r == MXG_STORE_UNAVAILABLE; i++) {
		struct timespec ts = { 0, 50 * 1000000 };

		r = auth(&f, "alice", NULL, "alice-pw", &p, &err);
		if (r == MXG_STORE_UNAVAILABLE)
			nanosleep(&ts, NULL);
	}
	test_assert(r == MXG_STORE_OK);
	store_close(&f);
	unlink(path);
	rmdir(dir);
	test_end();
}

int main(void)
{
	const char *pg = getenv("MXGATE_TEST_PGCONNINFO");

	run_sqlite();
	if (pg != NULL && pg[0] != '\0') {
		run_pgsql(pg);
	} else {
		test_skip("postgresql: synapse and people cases", "MXGATE_TEST_PGCONNINFO not set");
	}
	test_down();
	return test_done("test-sql-db");
}
