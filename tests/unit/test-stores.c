/*
 * test-stores.c: the store registry and loader (built-in, loadable modules,
 * ABI mismatch, missing module), the built-in static store, and the chain's
 * rules (priority, "unavailable" never becomes "not found" or "denied").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/mxconfig.h"
#include "stores/chain.h"
#include "stores/loader.h"
#include "stores/local.h"
#include "stores/static.h"
#include "test.h"

/* "correct horse" in two independent forms (openssl passwd -6, python bcrypt). */
#define SHA512_HASH "$6$mxgatetestsalt$2HFrpLgJW.xs8zRQyNdMv0tgu28C.j8/LaBbZS/uvn72mYukr9Qy1a.4xW8cq5Vcs4d5xIpba/vdVnDTdbqzg."
#define BCRYPT_HASH "$2b$04$Xqq5u2SizRY6qcbmKUkyC.g/kb6ZwOoOsNyP9nXSbujVczDTts1iK"

/* --- a scriptable fake driver for the chain tests --- */
struct fake_settings {
	enum mxg_store_result answer;
	const char *user_id;
};

static enum mxg_store_result fake_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
					 struct mxg_arena *arena, const char **user_id_r,
					 struct mxg_error *err)
{
	const struct fake_settings *f = s->settings;

	(void)tpid; (void)arena;
	if (f->answer == MXG_STORE_UNAVAILABLE)
		mxg_error_set(err, 1, "connection refused");
	if (f->answer == MXG_STORE_OK)
		*user_id_r = f->user_id;
	return f->answer;
}

static enum mxg_store_result fake_auth(struct mxg_store *s, const struct mxg_cred *cred,
				       struct mxg_arena *arena, struct mxg_person *person_r,
				       struct mxg_error *err)
{
	const struct fake_settings *f = s->settings;

	(void)cred; (void)arena; (void)err;
	if (f->answer == MXG_STORE_OK)
		person_r->user_id = f->user_id;
	return f->answer;
}

static enum mxg_store_result fake_enum(struct mxg_store *s, mxg_store_3pid_fn *cb, void *cb_ctx,
				       struct mxg_error *err)
{
	const struct fake_settings *f = s->settings;

	if (f->answer == MXG_STORE_UNAVAILABLE)
		return mxg_error_set(err, 1, "down"), MXG_STORE_UNAVAILABLE;
	cb(cb_ctx, "email", "x@example.org", f->user_id);
	return MXG_STORE_OK;
}

/* Two people: the store's own and one every fake store knows. */
static enum mxg_store_result fake_search(struct mxg_store *s, const char *term, size_t limit,
					 struct mxg_arena *arena, struct mxg_person **people_r,
					 size_t *count_r, struct mxg_error *err)
{
	const struct fake_settings *f = s->settings;
	struct mxg_person *p = mxg_arena_alloc(arena, 2 * sizeof(*p));

	(void)term;
	if (f->answer == MXG_STORE_UNAVAILABLE)
		return mxg_error_set(err, 1, "down"), MXG_STORE_UNAVAILABLE;
	memset(p, 0, 2 * sizeof(*p));
	p[0].user_id = f->user_id;
	p[0].display_name = s->name;
	p[1].user_id = "@shared:example.org";
	p[1].display_name = s->name;
	*people_r = p;
	*count_r = limit < 2 ? limit : 2;
	return MXG_STORE_OK;
}

static const struct mxg_store_driver fake_driver = {
	.abi_version = MXG_STORE_ABI,
	.name = "fake",
	.lookup = fake_lookup,
	.authenticate = fake_auth,
	.enumerate_3pids = fake_enum,
	.directory_search = fake_search,
};

static int count_cb(void *ctx, const char *medium, const char *address, const char *user_id)
{
	(void)medium; (void)address; (void)user_id;
	(*(int *)ctx)++;
	return 0;
}

static enum mxg_store_result chain_lookup_with(struct fake_settings *fs, size_t n,
					       const char **uid_r, const char **store_r)
{
	struct mxg_store_conf confs[4];
	struct mxg_config cfg = { .server_name = "example.org" };
	struct mxg_store_chain *chain;
	struct mxg_arena *arena = mxg_arena_create(256);
	struct mxg_3pid q = { "email", "x@example.org" };
	const struct mxg_store *st = NULL;
	static const char *const names[] = { "one", "two", "three", "four" };
	enum mxg_store_result res;
	struct mxg_error err;

	for (size_t i = 0; i < n; i++)
		confs[i] = (struct mxg_store_conf){ .name = (char *)names[i], .module = "fake",
						    .enabled = true, .settings = &fs[i],
						    .driver = &fake_driver };
	cfg.stores.items = confs;
	cfg.stores.count = n;
	if (mxg_store_chain_create(&cfg, &chain, &err) < 0)
		return MXG_STORE_INTERNAL;
	*uid_r = NULL;
	res = mxg_store_chain_lookup(chain, &q, arena, uid_r, &st, &err);
	*store_r = st != NULL ? st->name : NULL;
	mxg_store_chain_destroy(&chain);
	mxg_arena_destroy(&arena);
	return res;
}

static struct mxg_store_chain *fake_chain(struct fake_settings *fs, size_t n,
					   struct mxg_store_conf *confs)
{
	static const char *const names[] = { "one", "two", "three", "four" };
	struct mxg_config cfg = { .server_name = "example.org" };
	struct mxg_store_chain *chain;
	struct mxg_error err;

	for (size_t i = 0; i < n; i++)
		confs[i] = (struct mxg_store_conf){ .name = (char *)names[i], .module = "fake",
						    .enabled = true, .settings = &fs[i],
						    .driver = &fake_driver };
	cfg.stores.items = confs;
	cfg.stores.count = n;
	return mxg_store_chain_create(&cfg, &chain, &err) < 0 ? NULL : chain;
}

static void test_chain_search(void)
{
	struct fake_settings fs[] = { { MXG_STORE_OK, "@one:example.org" },
				      { MXG_STORE_OK, "@two:example.org" } };
	struct mxg_store_conf confs[2];
	struct mxg_store_chain *chain = fake_chain(fs, 2, confs);
	struct mxg_arena *arena = mxg_arena_create(1024);
	struct mxg_store_search out;
	struct mxg_error err;

	test_begin("chain search: merged, each person once, from the first store");
	test_assert(chain != NULL);
	test_assert(mxg_store_chain_search(chain, "sh", 10, arena, &out, &err) == MXG_STORE_OK);
	test_assert(out.count == 3 && !out.limited && !out.partial);
	test_assert_streq(out.people[0].user_id, "@one:example.org");
	test_assert_streq(out.people[1].user_id, "@shared:example.org");
	test_assert_streq(out.people[1].display_name, "one");
	test_assert_streq(out.people[2].user_id, "@two:example.org");
	test_end();

	test_begin("chain search: limit kept, limited set");
	test_assert(mxg_store_chain_search(chain, "sh", 2, arena, &out, &err) == MXG_STORE_OK);
	test_assert(out.count == 2 && out.limited);
	test_end();

	test_begin("chain search: a term under two characters asks nobody");
	fs[0].answer = fs[1].answer = MXG_STORE_UNAVAILABLE;	/* would fail if asked */
	test_assert(mxg_store_chain_search(chain, " x ", 10, arena, &out, &err) == MXG_STORE_OK);
	test_assert(out.count == 0);
	test_assert(mxg_store_chain_search(chain, "", 10, arena, &out, &err) == MXG_STORE_OK);
	test_assert(out.count == 0);
	test_end();

	test_begin("chain search: one store down -> partial; all down -> unavailable");
	fs[0].answer = MXG_STORE_OK;
	test_assert(mxg_store_chain_search(chain, "sh", 10, arena, &out, &err) == MXG_STORE_OK);
	test_assert(out.count == 2 && out.partial);
	test_assert(strstr(err.msg, "store 'two'") != NULL);
	fs[0].answer = MXG_STORE_UNAVAILABLE;
	test_assert(mxg_store_chain_search(chain, "sh", 10, arena, &out, &err) ==
		    MXG_STORE_UNAVAILABLE);
	test_end();
	mxg_store_chain_destroy(&chain);
	mxg_arena_destroy(&arena);
}

static void test_chain(void)
{
	const char *uid, *store;

	test_begin("chain: first store that knows decides");
	{
		struct fake_settings fs[] = { { MXG_STORE_NOT_FOUND, NULL },
					      { MXG_STORE_OK, "@two:example.org" },
					      { MXG_STORE_OK, "@three:example.org" } };
		test_assert(chain_lookup_with(fs, 3, &uid, &store) == MXG_STORE_OK);
		test_assert_streq(uid, "@two:example.org");
		test_assert_streq(store, "two");
	}
	test_end();

	test_begin("chain: a store down before an answer does not hide it");
	{
		struct fake_settings fs[] = { { MXG_STORE_UNAVAILABLE, NULL },
					      { MXG_STORE_OK, "@two:example.org" } };
		test_assert(chain_lookup_with(fs, 2, &uid, &store) == MXG_STORE_OK);
		test_assert_streq(uid, "@two:example.org");
	}
	test_end();

	test_begin("chain: nobody knows and one is down -> unavailable, not 'not found'");
	{
		struct fake_settings fs[] = { { MXG_STORE_NOT_FOUND, NULL },
					      { MXG_STORE_UNAVAILABLE, NULL } };
		test_assert(chain_lookup_with(fs, 2, &uid, &store) == MXG_STORE_UNAVAILABLE);
		test_assert(uid == NULL);
	}
	test_end();

	test_begin("chain: nobody knows -> not found");
	{
		struct fake_settings fs[] = { { MXG_STORE_NOT_FOUND, NULL } };
		test_assert(chain_lookup_with(fs, 1, &uid, &store) == MXG_STORE_NOT_FOUND);
	}
	test_end();

	test_begin("chain: 'denied' after a store was down becomes unavailable");
	{
		struct fake_settings fs[] = { { MXG_STORE_UNAVAILABLE, NULL },
					      { MXG_STORE_DENIED, NULL } };
		struct mxg_store_conf confs[2];
		struct mxg_config cfg = { .server_name = "example.org" };
		struct mxg_store_chain *chain;
		struct mxg_arena *arena = mxg_arena_create(256);
		struct mxg_cred cred = { .user = "x", .password = "p", .password_len = 1 };
		struct mxg_person person = { 0 };
		struct mxg_error err;
		int n = 0;

		for (size_t i = 0; i < 2; i++)
			confs[i] = (struct mxg_store_conf){ .name = i ? "b" : "a", .enabled = true,
							    .settings = &fs[i],
							    .driver = &fake_driver };
		cfg.stores.items = confs;
		cfg.stores.count = 2;
		test_assert(mxg_store_chain_create(&cfg, &chain, &err) == 0);
		test_assert(mxg_store_chain_authenticate(chain, &cred, arena, &person, NULL, &err) ==
			    MXG_STORE_UNAVAILABLE);
		test_assert(strstr(err.msg, "store 'a'") != NULL);
		/* enumerate: the healthy store is still read, the result is partial */
		test_assert(mxg_store_chain_enumerate(chain, count_cb, &n, &err) == MXG_STORE_UNAVAILABLE);
		test_assert(n == 1);
		fs[0].answer = MXG_STORE_NOT_FOUND;
		fs[1].answer = MXG_STORE_DENIED;
		test_assert(mxg_store_chain_authenticate(chain, &cred, arena, &person, NULL, &err) ==
			    MXG_STORE_DENIED);
		mxg_store_chain_destroy(&chain);
		test_assert(chain == NULL);
		mxg_arena_destroy(&arena);
	}
	test_end();

	test_begin("chain: disabled stores are skipped");
	{
		struct fake_settings fs = { MXG_STORE_OK, "@x:example.org" };
		struct mxg_store_conf conf = { .name = "off", .enabled = false, .settings = &fs,
					       .driver = &fake_driver };
		struct mxg_config cfg = { .server_name = "example.org",
					  .stores = { .items = &conf, .count = 1 } };
		struct mxg_store_chain *chain;
		struct mxg_error err;

		test_assert(mxg_store_chain_create(&cfg, &chain, &err) == 0);
		test_assert(mxg_store_chain_count(chain) == 0);
		mxg_store_chain_destroy(&chain);
	}
	test_end();
}

/* --- the static store --- */

static struct mxg_static_threepid_conf alice_3pids[] = {
	{ "email", "Alice@Example.org" }, { "msisdn", "+44 7700 900123" },
};
static struct mxg_static_threepid_conf bob_3pids[] = { { "email", "bob@example.org" } };
static struct mxg_static_user_conf users[] = {
	{ .localpart = "bob", .display_name = "Bob Bauer", .password_hash = BCRYPT_HASH,
	  .threepids = { bob_3pids, 1 } },
	{ .localpart = "alice", .display_name = "Alice Liddell", .password_hash = SHA512_HASH,
	  .threepids = { alice_3pids, 2 } },
	{ .localpart = "carol", .display_name = "Carol \xc3\x89tienne", .password_hash = SHA512_HASH,
	  .disabled = true },
	{ .localpart = "nopass", .display_name = "No Password" },
};

static int static_chain(struct mxg_static_settings *set, struct mxg_store_chain **chain_r,
			struct mxg_error *err)
{
	static struct mxg_store_conf conf;
	static struct mxg_config cfg;

	conf = (struct mxg_store_conf){ .name = "people", .module = "static", .enabled = true,
					.settings = set, .driver = &mxg_store_static };
	cfg = (struct mxg_config){ .server_name = "example.org",
				   .stores = { .items = &conf, .count = 1 } };
	return mxg_store_chain_create(&cfg, chain_r, err);
}

static enum mxg_store_result auth(struct mxg_store_chain *chain, struct mxg_arena *arena,
				  const char *user, const char *medium, const char *pw,
				  struct mxg_person *p)
{
	struct mxg_cred cred = { user, medium, pw, strlen(pw) };
	struct mxg_error err;

	memset(p, 0, sizeof(*p));
	return mxg_store_chain_authenticate(chain, &cred, arena, p, NULL, &err);
}

static void test_static(void)
{
	struct mxg_static_settings set = { .users = { users, 4 } };
	struct mxg_store_chain *chain = NULL;
	struct mxg_arena *arena = mxg_arena_create(1024);
	struct mxg_person p, *people;
	struct mxg_error err;
	const char *uid;
	size_t n;
	int count = 0;

	test_begin("static: init");
	test_assert(static_chain(&set, &chain, &err) == 0);
	test_end();
	if (chain == NULL) {
		fprintf(stderr, "  static store did not start: %s\n", err.msg);
		mxg_arena_destroy(&arena);
		return;
	}

	test_begin("static: authenticate by localpart, mxid and 3PID");
	test_assert(auth(chain, arena, "alice", NULL, "correct horse", &p) == MXG_STORE_OK);
	test_assert_streq(p.user_id, "@alice:example.org");
	test_assert_streq(p.display_name, "Alice Liddell");
	test_assert(p.threepid_count == 2);
	test_assert(auth(chain, arena, "@bob:example.org", NULL, "correct horse", &p) == MXG_STORE_OK);
	test_assert(auth(chain, arena, "ALICE@example.ORG", "email", "correct horse", &p) ==
		    MXG_STORE_OK);
	test_assert_streq(p.user_id, "@alice:example.org");
	test_assert(auth(chain, arena, "447700900123", "msisdn", "correct horse", &p) == MXG_STORE_OK);
	test_end();

	test_begin("static: denied, not found, disabled");
	test_assert(auth(chain, arena, "alice", NULL, "wrong", &p) == MXG_STORE_DENIED);
	test_assert(p.user_id == NULL);
	test_assert(auth(chain, arena, "alice", NULL, "", &p) == MXG_STORE_DENIED);
	test_assert(auth(chain, arena, "mallory", NULL, "correct horse", &p) == MXG_STORE_NOT_FOUND);
	test_assert(auth(chain, arena, "@alice:elsewhere.org", NULL, "correct horse", &p) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(auth(chain, arena, "carol", NULL, "correct horse", &p) == MXG_STORE_DISABLED);
	test_assert(auth(chain, arena, "carol", NULL, "wrong", &p) == MXG_STORE_DENIED);
	test_assert(auth(chain, arena, "nopass", NULL, "", &p) == MXG_STORE_DENIED);
	test_assert(auth(chain, arena, "*", NULL, "correct horse", &p) == MXG_STORE_NOT_FOUND);
	test_end();

	test_begin("static: lookup, canonical forms");
	{
		struct mxg_3pid q1 = { "email", " alice@EXAMPLE.org" }, q2 = { "msisdn", "447700900123" },
				q3 = { "email", "nobody@example.org" };
		test_assert(mxg_store_chain_lookup(chain, &q1, arena, &uid, NULL, &err) == MXG_STORE_OK);
		test_assert_streq(uid, "@alice:example.org");
		test_assert(mxg_store_chain_lookup(chain, &q2, arena, &uid, NULL, &err) == MXG_STORE_OK);
		test_assert(mxg_store_chain_lookup(chain, &q3, arena, &uid, NULL, &err) ==
			    MXG_STORE_NOT_FOUND);
	}
	test_end();

	test_begin("static: bulk lookup, enumerate, search, profile");
	{
		struct mxg_store *s = mxg_store_chain_get(chain, 0);
		struct mxg_3pid qs[3] = { { "email", "bob@example.org" }, { "email", "x@y.z" },
					  { "email", "alice@example.org" } };
		const char *out[3] = { NULL, NULL, NULL };

		test_assert(s->driver->lookup_bulk(s, qs, 3, arena, out, &err) == MXG_STORE_OK);
		test_assert_streq(out[0], "@bob:example.org");
		test_assert(out[1] == NULL);
		test_assert_streq(out[2], "@alice:example.org");
		test_assert(mxg_store_chain_enumerate(chain, count_cb, &count, &err) == MXG_STORE_OK);
		test_assert(count == 3);
		test_assert(s->driver->directory_search(s, "LIDD", 10, arena, &people, &n, &err) ==
			    MXG_STORE_OK);
		test_assert(n == 1 && strcmp(people[0].user_id, "@alice:example.org") == 0);
		test_assert(s->driver->directory_search(s, "o", 1, arena, &people, &n, &err) ==
			    MXG_STORE_OK);
		test_assert(n == 1);
		test_assert(mxg_store_chain_profile(chain, "@carol:example.org", arena, &p, NULL, &err) ==
			    MXG_STORE_OK);
		test_assert_streq(p.display_name, "Carol \xc3\x89tienne");
		test_assert(mxg_store_chain_profile(chain, "carol", arena, &p, NULL, &err) ==
			    MXG_STORE_NOT_FOUND);
	}
	test_end();
	mxg_store_chain_destroy(&chain);

	test_begin("static: bad settings are refused with the user named");
	{
		struct mxg_static_threepid_conf bad3[] = { { "email", "not-an-address" } };
		struct mxg_static_user_conf bad[] = {
			{ .localpart = "Upper" },
			{ .localpart = "ok", .password_hash = "plaintext" },
			{ .localpart = "ok2", .threepids = { bad3, 1 } },
		};
		struct mxg_static_user_conf dup[] = {
			{ .localpart = "twin", .threepids = { bob_3pids, 1 } },
			{ .localpart = "twin2", .threepids = { bob_3pids, 1 } },
		};
		const char *want[] = { "invalid localpart", "password_hash", "invalid email" };

		for (size_t i = 0; i < 3; i++) {
			struct mxg_static_settings one = { .users = { &bad[i], 1 } };
			test_assert_idx(static_chain(&one, &chain, &err) < 0, i);
			test_assert_idx(strstr(err.msg, want[i]) != NULL, i);
			test_assert_idx(strstr(err.msg, "store 'people'") != NULL, i);
		}
		set = (struct mxg_static_settings){ .users = { dup, 2 } };
		test_assert(static_chain(&set, &chain, &err) < 0);
		test_assert(strstr(err.msg, "belongs to both") != NULL);
	}
	test_end();
	mxg_arena_destroy(&arena);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_static_file(void)
{
	char path[] = "/tmp/mxgate-test-users-XXXXXX";
	int fd = mkstemp(path);
	struct mxg_static_settings set = { .users = { users, 1 }, .users_file = path };
	struct mxg_store_chain *chain = NULL;
	struct mxg_arena *arena = mxg_arena_create(1024);
	struct mxg_3pid q = { "email", "dave@example.org" };
	struct mxg_person p;
	struct mxg_error err;
	const char *uid = NULL;
	int count = 0;

	if (fd >= 0)
		close(fd);
	test_begin("static users_file: people from a tab-separated file");
	write_file(path, "# localpart\tdisplay\thash\t3pids\n"
			 "dave\tDave D\t" SHA512_HASH "\temail:Dave@example.org,msisdn:+1 800 555 2067\n"
			 "\n"
			 "erin\n"
			 "frank\t\t\temail:frank@example.org\n");
	test_assert(static_chain(&set, &chain, &err) == 0);
	if (chain != NULL) {
		test_assert(mxg_store_chain_lookup(chain, &q, arena, &uid, NULL, &err) == MXG_STORE_OK);
		test_assert_streq(uid, "@dave:example.org");
		test_assert(auth(chain, arena, "dave", NULL, "correct horse", &p) == MXG_STORE_OK);
		test_assert_streq(p.display_name, "Dave D");
		test_assert(auth(chain, arena, "erin", NULL, "x", &p) == MXG_STORE_DENIED);
		test_assert(auth(chain, arena, "bob", NULL, "correct horse", &p) == MXG_STORE_OK);
		test_assert(mxg_store_chain_enumerate(chain, count_cb, &count, &err) == MXG_STORE_OK);
		test_assert(count == 4);
	}
	mxg_store_chain_destroy(&chain);
	test_end();

	test_begin("static users_file: errors name the file and line");
	write_file(path, "ok\n\tno localpart\n");
	test_assert(static_chain(&set, &chain, &err) < 0);
	test_assert(strstr(err.msg, ":2: no localpart") != NULL);
	write_file(path, "ok\t\t\tbroken3pid\n");
	test_assert(static_chain(&set, &chain, &err) < 0);
	test_assert(strstr(err.msg, ":1: 3PID 'broken3pid'") != NULL);
	unlink(path);
	test_assert(static_chain(&set, &chain, &err) < 0);
	test_assert(strstr(err.msg, "cannot open users_file") != NULL);
	test_end();
	mxg_arena_destroy(&arena);
}

/* --- the registry and loader --- */

static void test_loader(void)
{
	const char *dir = getenv("MXG_TEST_PLUGIN_DIR");
	const struct mxg_store_driver *d;
	static const struct mxg_store_driver dup = { .abi_version = MXG_STORE_ABI, .name = "static" };
	static const struct mxg_store_driver future = {
		.abi_version = MXG_STORE_ABI + 1, .name = "future" };
	struct mxg_error err;

	test_begin("loader: built-in static is found without a plugin dir");
	test_assert(mxg_store_driver_find(NULL, "static", &err) == &mxg_store_static);
	test_end();

	test_begin("loader: registry refuses duplicates and newer minors");
	test_assert(mxg_store_driver_register(&dup, &err) < 0 && strstr(err.msg, "twice") != NULL);
	test_assert(mxg_store_driver_register(&future, &err) < 0 && strstr(err.msg, "ABI") != NULL);
	test_end();

	test_begin("loader: bad names and missing modules");
	test_assert(mxg_store_driver_find(dir, "../etc/passwd", &err) == NULL);
	test_assert(strstr(err.msg, "invalid store module name") != NULL);
	test_assert(mxg_store_driver_find("/nonexistent", "ldapx", &err) == NULL);
	test_assert(strstr(err.msg, "/nonexistent/ldapx.so") != NULL);
	test_end();

	if (dir == NULL) {
		test_skip("loader: loadable modules", "MXG_TEST_PLUGIN_DIR not set");
		return;
	}
	test_begin("loader: a module is loaded and works");
	d = mxg_store_driver_find(dir, "testmod", &err);
	test_assert(d != NULL);
	if (d != NULL) {
		struct mxg_3pid q = { "email", "a@b.c" };
		const char *uid = NULL;
		test_assert(d->lookup(NULL, &q, NULL, &uid, &err) == MXG_STORE_OK);
		test_assert_streq(uid, "@mod:test");
		test_assert(mxg_store_driver_find(dir, "testmod", &err) == d);
	}
	test_end();

	test_begin("loader: an ABI mismatch is refused with both versions");
	test_assert(mxg_store_driver_find(dir, "testabi", &err) == NULL);
	test_assert(strstr(err.msg, "built for store ABI 2.0") != NULL);
	test_assert(strstr(err.msg, "this mxgate has 1.1") != NULL);
	test_end();
}

static void test_local_policy(void)
{
	const struct mxg_local_settings set = { .hash_version = 2, .min_length = 10,
						.min_classes = 2 };

	test_begin("local store: the password policy (length in characters, kinds, name)");
	test_assert(mxg_local_password_policy(&set, "alice", "Correct horse 9") == NULL);
	test_assert(strstr(mxg_local_password_policy(&set, "alice", "Short1"), "short") != NULL);
	test_assert(strstr(mxg_local_password_policy(&set, "alice", "lowercaseonly"), "kinds") !=
		    NULL);
	test_assert(strstr(mxg_local_password_policy(&set, "Alicealice1", "alicealice1"), "name") !=
		    NULL);
	/* Ten characters of two bytes each are ten, not twenty. */
	test_assert(mxg_local_password_policy(&set, "x", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
					      "\xc3\xa9" "1") != NULL);
	test_assert(mxg_local_password_policy(&set, "x", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
					      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "1A") ==
		    NULL);
	test_end();
}

int main(void)
{
	test_chain_search();
	test_loader();
	test_static();
	test_static_file();
	test_local_policy();
	test_chain();
	return test_done("test-stores");
}
