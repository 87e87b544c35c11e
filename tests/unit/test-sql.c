/*
 * test-sql.c: the `sql` store module, linked from its sources: LIKE
 * escaping, placeholder counting, settings and presets (and what they
 * refuse), password preparation (NFKC + pepper, as Synapse hashes), and
 * the man page.
 * The database cases are in test-sql-db.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/password.h"
#include "db/db.h"
#include "stores/store.h"
#include "sql.h"
#include "test.h"
#include "man-keys.h"
#include "test-sql-util.h"

/* ------------------------------------------------------------------ */

static void test_like(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "ali", "%ali%" },
		{ "100%", "%100\\%%" },
		{ "a_b", "%a\\_b%" },
		{ "back\\slash", "%back\\\\slash%" },
		{ "' OR 1=1 --", "%' OR 1=1 --%" },
		{ "", "%%" },
	};
	struct mxg_arena *a = mxg_arena_create(256);

	test_begin("LIKE pattern: %, _ and \\ escaped, wrapped in %");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_assert_idx(strcmp(mxg_sql_like_contains(a, cases[i].in), cases[i].out) == 0, i);
	test_end();
	mxg_arena_destroy(&a);
}

static void test_placeholders(void)
{
	static const struct { const char *sql; int max; } cases[] = {
		{ "SELECT 1", 0 },
		{ "SELECT a FROM t WHERE b = $1 AND c = $2", 2 },
		{ "SELECT '$3', \"$4\" FROM t WHERE b = $1", 1 },
		{ "SELECT a -- $2\nFROM t WHERE b = $1", 1 },
		{ "SELECT /* $5 */ a FROM t WHERE b = $1", 1 },
		{ "SELECT $$ $4 $$, $f$ $9 $f$ FROM t WHERE b = $1", 1 },
		{ "SELECT a$1 FROM t", 0 },
		{ "SELECT E'\\' $3' FROM t WHERE b = $1", 1 },
		{ "SELECT 'it''s $2' FROM t WHERE b = $1", 1 },
		{ "SELECT a FROM t WHERE b = $2", -1 },	/* $1 unused */
		{ "SELECT 'open", -1 },
		{ "SELECT /* open", -1 },
		{ "SELECT $0", -1 },
		{ "SELECT $1, $1, $10, $2, $3, $4, $5, $6, $7, $8, $9", 10 },
	};
	struct mxg_error err;

	test_begin("placeholders: highest $n outside literals, no gaps");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t max = 99;
		int rc = mxg_sql_placeholders(cases[i].sql, &max, &err);

		if (cases[i].max < 0)
			test_assert_idx(rc == -1, i);
		else
			test_assert_idx(rc == 0 && max == (size_t)cases[i].max, i);
	}
	test_end();
}

static void test_truthy(void)
{
	test_begin("disabled column: 1/t/true/yes are true, 0/f/NULL are not");
	test_assert(mxg_sql_truthy("1") && mxg_sql_truthy("t") && mxg_sql_truthy("TRUE") &&
		    mxg_sql_truthy("yes"));
	test_assert(!mxg_sql_truthy("0") && !mxg_sql_truthy("f") && !mxg_sql_truthy(NULL) &&
		    !mxg_sql_truthy("") && !mxg_sql_truthy("false"));
	test_end();
}

static void test_settings(void)
{
	static const struct { const char *yaml, *msg; } refused[] = {
		{ "path: /x.db\n", "no query configured" },
		{ "driver: postgresql\npreset: synapse\n", "needs conninfo" },
		{ "driver: sqlite\npreset: synapse\n", "needs path" },
		{ "path: /x.db\nconninfo: dbname=x\npreset: synapse\n", "conninfo is for" },
		{ "driver: postgresql\nconninfo: dbname=x\npath: /x\npreset: synapse\n",
		  "path is for" },
		{ "path: /x.db\nqueries: {lookup: 'SELECT a FROM t WHERE m = $1 AND a = $3'}\n",
		  "queries.lookup: uses $3 but not $2" },
		{ "path: /x.db\nqueries: {profile: 'SELECT a FROM t WHERE m = $1 AND a = $2 "
		  "AND $3 = $3'}\n", "is given 2 parameters" },
		{ "path: /x.db\nqueries: {enumerate: \"SELECT 'open\"}\n", "unterminated" },
		{ "path: /x.db\npreset: synapse\nid_type: localpart\n", "id_type must be mxid" },
		{ "path: /x.db\npreset: synapse\nqueries: {authenticate: '', lookup: '', "
		  "lookup_bulk: '', enumerate: '', directory_search: '', profile: '', "
		  "profile_threepids: ''}\n", "no query configured" },
	};
	struct mxg_sql_ctx *ctx;
	struct mxg_error err;
	struct fixture f;
	int rc;

	test_begin("settings: synapse preset fills every query, id mxid, NFKC");
	rc = store_open(&f, "path: /nonexistent/homeserver.db\npreset: synapse\n", &err);
	test_assert(rc == 0);
	ctx = f.store.ctx;
	if (rc == 0) {
		for (int k = 0; k < MXG_SQL_Q_COUNT; k++)
			test_assert_idx(ctx->q[k].sql != NULL &&
					ctx->q[k].sql == mxg_sql_preset_query(MXG_SQL_PRESET_SYNAPSE,
									      MXG_DB_SQLITE, k), k);
		test_assert(ctx->id_is_mxid && ctx->nfkc && ctx->lowercase);
		test_assert(ctx->q[MXG_SQL_Q_AUTHENTICATE].nparams == 2);
		test_assert(ctx->q[MXG_SQL_Q_PROFILE_THREEPIDS].nparams == 1);
		test_assert(ctx->q[MXG_SQL_Q_DIRECTORY_SEARCH].nparams == 3);
		test_assert(ctx->q[MXG_SQL_Q_ENUMERATE].nparams == 0);
		test_assert(ctx->dbset.pool_size == 4 && ctx->dbset.connect_timeout_ms == 5000 &&
			    ctx->dbset.statement_timeout_ms == 5000 && ctx->dbset.read_only);
	}
	store_close(&f);
	test_end();

	test_begin("settings: preset none is localpart, no NFKC; a query overrides, '' turns off");
	rc = store_open(&f, "path: /x.db\nqueries:\n  lookup: SELECT u FROM t WHERE m = $1 AND "
			"a = $2\n", &err);
	test_assert(rc == 0);
	if (rc == 0) {
		ctx = f.store.ctx;
		test_assert(!ctx->id_is_mxid && !ctx->nfkc);
		test_assert(ctx->q[MXG_SQL_Q_LOOKUP].sql != NULL &&
			    ctx->q[MXG_SQL_Q_AUTHENTICATE].sql == NULL);
	}
	store_close(&f);
	rc = store_open(&f, "path: /x.db\npreset: synapse\npassword_normalization: none\n"
			"queries: {authenticate: '', lookup: 'SELECT 1 WHERE $1 = $2'}\n", &err);
	test_assert(rc == 0);
	if (rc == 0) {
		ctx = f.store.ctx;
		test_assert(ctx->q[MXG_SQL_Q_AUTHENTICATE].sql == NULL && !ctx->nfkc);
		test_assert(strcmp(ctx->q[MXG_SQL_Q_LOOKUP].sql, "SELECT 1 WHERE $1 = $2") == 0);
		test_assert(ctx->q[MXG_SQL_Q_PROFILE].sql != NULL);
	}
	store_close(&f);
	test_end();

	test_begin("settings: preset synapse on postgresql bulk-looks up with json_to_recordset");
	test_assert(strstr(mxg_sql_preset_query(MXG_SQL_PRESET_SYNAPSE, MXG_DB_POSTGRESQL,
						MXG_SQL_Q_LOOKUP_BULK), "json_to_recordset") != NULL);
	test_assert(strstr(mxg_sql_preset_query(MXG_SQL_PRESET_SYNAPSE, MXG_DB_SQLITE,
						MXG_SQL_Q_LOOKUP_BULK), "json_each") != NULL);
	test_assert(mxg_sql_preset_query(MXG_SQL_PRESET_NONE, MXG_DB_SQLITE,
					 MXG_SQL_Q_LOOKUP) == NULL);
	test_end();

	test_begin("settings: refusals name the problem");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		rc = store_open(&f, refused[i].yaml, &err);
		test_assert_idx(rc == -1 && strstr(err.msg, refused[i].msg) != NULL, i);
		if (rc != -1 || strstr(err.msg, refused[i].msg) == NULL)
			fprintf(stderr, "  case %zu: rc %d: %s\n", i, rc, err.msg);
		store_close(&f);
	}
	test_end();

	test_begin("settings: the config engine refuses bad values");
	test_assert(store_open(&f, "path: /x.db\npreset: mysql\n", &err) == -2);
	store_close(&f);
	test_assert(store_open(&f, "path: /x.db\npool_size: 0\npreset: synapse\n", &err) == -2);
	store_close(&f);
	test_assert(store_open(&f, "path: /x.db\nqueries: {search: x}\n", &err) == -2);
	store_close(&f);
	test_end();
}

static void test_password(void)
{
	/* "ﬁnd Ｘ" (U+FB01 ligature, U+FF38 full-width X) is "find X" under
	 * NFKC: what Synapse hashes. */
	static const char typed[] = "\xef\xac\x81nd \xef\xbc\xb8";
	struct mxg_sql_ctx ctx = { .nfkc = true, .pepper = "pep" };
	char *hash = hash_crypt("$2b$", "find Xpep"), *plain = hash_crypt("$2b$", typed);

	test_begin("password: bcrypt over NFKC(password) + pepper, as Synapse");
	test_assert(hash != NULL && plain != NULL);
	test_assert(mxg_sql_password_check(&ctx, typed, strlen(typed), hash) == MXG_PASSWORD_MATCH);
	test_assert(mxg_sql_password_check(&ctx, "find X", 6, hash) == MXG_PASSWORD_MATCH);
	test_assert(mxg_sql_password_check(&ctx, "find x", 6, hash) == MXG_PASSWORD_MISMATCH);
	/* Not UTF-8: nobody can have hashed it. */
	test_assert(mxg_sql_password_check(&ctx, "\xff\xfe", 2, hash) == MXG_PASSWORD_MISMATCH);
	ctx.pepper = NULL;
	test_assert(mxg_sql_password_check(&ctx, typed, strlen(typed), hash) ==
		    MXG_PASSWORD_MISMATCH);
	ctx.pepper = "pep";
	ctx.nfkc = false;
	test_assert(mxg_sql_password_check(&ctx, typed, strlen(typed), hash) ==
		    MXG_PASSWORD_MISMATCH);
	ctx.pepper = NULL;
	test_assert(mxg_sql_password_check(&ctx, typed, strlen(typed), plain) == MXG_PASSWORD_MATCH);
	test_assert(mxg_sql_password_check(&ctx, "x", 1, "not-a-hash") == MXG_PASSWORD_BAD_HASH);
	test_end();
	free(hash);
	free(plain);
}

static void test_man_page(void)
{
	char *man = man_page_read("man/mxgate-sql.5");

	test_begin("mxgate-sql(5) documents every key");
	test_assert(man != NULL);
	if (man != NULL)
		test_assert(man_missing_keys(man, mxg_store_sql.settings, "stores[].") == 0);
	test_end();
	free(man);
}

int main(void)
{
	test_like();
	test_placeholders();
	test_truthy();
	test_settings();
	test_password();
	test_man_page();
	return test_done("test-sql");
}
