/*
 * test-ldap.c: the `ldap` store module without a server: RFC 4515 escaping
 * (injection attempts included), filter building and checking, the
 * presets, attribute mapping of entries to people, the configurations init
 * refuses, and the manual page documenting every key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "conf-report.h"
#include "ldap-private.h"
#include "man-keys.h"
#include "test.h"

extern const struct mxg_store_driver mxg_store_ldap;

static const struct mxg_store_env env = { .server_name = "example.org" };

/* --- escaping and filters --- */

static void test_escape(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "alice", 5, "alice" },
		{ "*", 1, "\\2a" },
		{ ")(uid=*", 7, "\\29\\28uid=\\2a" },
		{ "*)(|(uid=*", 10, "\\2a\\29\\28|\\28uid=\\2a" },
		{ "a\\b", 3, "a\\5cb" },
		{ "a\0b", 3, "a\\00b" },
		{ "\0", 1, "\\00" },
		{ "x\001y\177", 4, "x\\01y\\7f" },
		{ "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac", 11, "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac" },
		{ "", 0, "" },
		{ "a=b,c", 5, "a=b,c" },
	};
	struct mxg_arena *arena = mxg_arena_create(1024);

	test_begin("RFC 4515 escaping");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mxg_ldap_escape(arena, cases[i].in, cases[i].len);

		test_assert_idx(strcmp(got, cases[i].out) == 0, i);
	}
	test_end();
	mxg_arena_destroy(&arena);
}

static void test_filter_check(void)
{
	static const char *const good[] = {
		"(objectClass=inetOrgPerson)",
		"(&(sAMAccountType=805306368)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
		"(memberOf=cn=matrix,ou=groups,dc=example,dc=org)",
		"(&(a=b)(|(c=*)(d=x*y*z)))",
		"(!(a=b))",
		"(cn:dn:=John)",
		"(cn:dn:caseExactMatch:=John)",
		"(:1.2.3:=x)",
		"(a=\\2a\\28)",
		"(&)",
		"(|)",
		"(a~=b)",
		"(a>=1)",
		"(a<=1)",
		"(displayName;lang-en=Zo\xc3\xab)",
		"(2.5.4.3=x)",
		"(a=)",
	};
	static const char *const bad[] = {
		"", "(a=b", "a=b)", "((a=b))", "(a=b))", "(a=b)(c=d)", "(a=(b))",
		"(a=\\zz)", "(a=\\2)", "(=b)", "(a>b)", "(a~=*)", "(:=x)", "(!(a=b)(c=d))",
		"(a b=c)", "(1a=b)", "(&(a=b)", "(&a=b)", "(a:=*)", "(a=b\\", "(01.2=x)",
	};
	struct mxg_error err;
	char deep[200] = "";

	test_begin("filter syntax check: accepted");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = mxg_ldap_filter_check(good[i], &err);

		if (rc < 0)
			fprintf(stderr, "  %s: %s\n", good[i], err.msg);
		test_assert_idx(rc == 0, i);
	}
	test_end();

	test_begin("filter syntax check: refused");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mxg_error_clear(&err);
		test_assert_idx(mxg_ldap_filter_check(bad[i], &err) < 0 && err.msg[0] != '\0', i);
	}
	for (int i = 0; i < 40; i++)
		strcat(deep, "(!");
	strcat(deep, "(a=b)");
	for (int i = 0; i < 40; i++)
		strcat(deep, ")");
	test_assert(mxg_ldap_filter_check(deep, &err) < 0);
	test_end();
}

static void test_attr_valid(void)
{
	static const char *const good[] = { "uid", "sAMAccountName", "displayName;lang-en",
					    "2.5.4.3", "x-custom-1" };
	static const char *const bad[] = { "", "uid)(x", "1uid", "a b", "uid=", "2.", "a;",
					   "*", "(uid)" };

	test_begin("attribute names");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		test_assert_idx(mxg_ldap_attr_valid(good[i]), i);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_assert_idx(!mxg_ldap_attr_valid(bad[i]), i);
	test_assert(!mxg_ldap_attr_valid(NULL));
	test_end();
}

static void test_filter_build(void)
{
	static const char *uid_mail[] = { "uid", "mail", NULL };
	static const char *cn[] = { "cn", NULL };
	static const char *phones[] = { "telephoneNumber", "mobile", NULL };
	const struct mxg_ldap_attrs a2 = { uid_mail, 2 }, a1 = { cn, 1 }, none = { cn, 0 };
	const struct mxg_ldap_attrs ph = { phones, 2 };
	struct mxg_arena *arena = mxg_arena_create(4096);
	const char *v[] = { "alice", "bob" }, *parts[3];
	struct mxg_error err;

	test_begin("filter building");
	test_assert_streq(mxg_ldap_filter_any(arena, &a2, v, 1, MXG_LDAP_MATCH_EQUAL),
			  "(|(uid=alice)(mail=alice))");
	test_assert_streq(mxg_ldap_filter_any(arena, &a1, v, 1, MXG_LDAP_MATCH_EQUAL),
			  "(cn=alice)");
	test_assert_streq(mxg_ldap_filter_any(arena, &a1, v, 2, MXG_LDAP_MATCH_EQUAL),
			  "(|(cn=alice)(cn=bob))");
	test_assert_streq(mxg_ldap_filter_any(arena, &a1, v, 1, MXG_LDAP_MATCH_SUBSTRING),
			  "(cn=*alice*)");
	test_assert_streq(mxg_ldap_filter_any(arena, &ph, NULL, 0, MXG_LDAP_MATCH_PRESENT),
			  "(|(telephoneNumber=*)(mobile=*))");
	test_assert(mxg_ldap_filter_any(arena, &none, v, 1, MXG_LDAP_MATCH_EQUAL) == NULL);
	test_assert(mxg_ldap_filter_any(arena, &a2, v, 0, MXG_LDAP_MATCH_EQUAL) == NULL);
	parts[0] = "(a=1)";
	parts[1] = NULL;
	parts[2] = "(b=2)";
	test_assert_streq(mxg_ldap_filter_and(arena, parts, 3), "(&(a=1)(b=2))");
	test_assert_streq(mxg_ldap_filter_and(arena, parts, 2), "(a=1)");
	parts[0] = NULL;
	test_assert(mxg_ldap_filter_and(arena, parts, 2) == NULL);
	test_assert(mxg_ldap_filter_check(mxg_ldap_filter_any(arena, &a2, v, 2,
							      MXG_LDAP_MATCH_SUBSTRING), &err) == 0);
	test_end();
	mxg_arena_destroy(&arena);
}

/* Whatever a user types, the filter built from it stays one well-formed
 * filter whose structure is ours: the input shows up only escaped. */
static void test_injection(void)
{
	static const char *const attacks[] = {
		"*", ")(uid=*", "*)(|(uid=*", "admin)(&)", "\\", "\\2a", "x)(objectClass=*",
		"(", ")", "*)(userPassword=*)", "a*b*c", ")(!(uid=x", "uid=*))(|(uid=*",
	};
	static const char *attrs[] = { "uid", "mail", NULL };
	const struct mxg_ldap_attrs a2 = { attrs, 2 };
	struct mxg_arena *arena = mxg_arena_create(4096);
	char big[MXG_LDAP_INPUT_MAX + 2];
	struct mxg_error err;

	test_begin("filter injection attempts stay data");
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		for (int m = 0; m < 2; m++) {
			const char *f = mxg_ldap_filter_any(arena, &a2, &attacks[i], 1,
				m == 0 ? MXG_LDAP_MATCH_EQUAL : MXG_LDAP_MATCH_SUBSTRING);
			const char *parts[2] = { f, "(objectClass=inetOrgPerson)" };
			const char *whole = mxg_ldap_filter_and(arena, parts, 2);
			size_t stars = 0, opens = 0;

			test_assert_idx(mxg_ldap_filter_check(whole, &err) == 0, i);
			for (const char *p = whole; *p != '\0'; p++) {
				stars += *p == '*';
				opens += *p == '(';
			}
			/* (&(|(uid=..)(mail=..))(objectClass=..)): 5 '(' and,
			 * for substrings, exactly our 4 '*'. */
			test_assert_idx(opens == 5, i);
			test_assert_idx(stars == (m == 0 ? 0u : 4u), i);
		}
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	test_assert(!mxg_ldap_input_ok(big));
	big[MXG_LDAP_INPUT_MAX] = '\0';
	test_assert(mxg_ldap_input_ok(big));
	test_assert(!mxg_ldap_input_ok("caf\xe9"));	/* Latin-1, not UTF-8 */
	test_assert(!mxg_ldap_input_ok("\xc3"));
	test_assert(mxg_ldap_input_ok("Zo\xc3\xab"));
	test_end();
	mxg_arena_destroy(&arena);
}

/* --- settings, presets, init --- */

struct loaded {
	struct mxg_arena *arena;
	struct mxg_ldap_settings set;
	struct mxg_store store;
	int problems;
	int init_rc;
	struct mxg_error err;
};

static void load(struct loaded *l, const char *yaml)
{
	memset(l, 0, sizeof(*l));
	nreports = 0;
	l->arena = mxg_arena_create(4096);
	l->problems = mxg_conf_load_string("test", yaml, strlen(yaml), mxg_ldap_settings_table,
					   &l->set, l->arena, collect, NULL);
	l->store.driver = &mxg_store_ldap;
	l->store.name = "corp";
	l->store.env = &env;
	l->store.settings = &l->set;
	l->init_rc = l->problems == 0 ? mxg_store_ldap.init(&l->store, &l->err) : -1;
}

static void unload(struct loaded *l)
{
	mxg_store_ldap.deinit(&l->store);
	mxg_arena_destroy(&l->arena);
}

static bool attrs_are(const struct mxg_ldap_attrs *a, const char *const *want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++)
		if (n >= a->count || strcmp(a->names[n], want[n]) != 0)
			return false;
	return n == a->count && a->names[n] == NULL;
}

#define BASE "uris: ldap://127.0.0.1:1\nbase_dn: dc=example,dc=org\n"

static void test_presets(void)
{
	static const char *const ol_login[] = { "uid", "mail", NULL };
	static const char *const ol_search[] = { "uid", "cn", "displayName", "mail", NULL };
	static const char *const ad_login[] = { "sAMAccountName", "userPrincipalName", "mail",
						NULL };
	static const char *const ad_search[] = { "sAMAccountName", "cn", "displayName", "mail",
						 NULL };
	static const char *const mail[] = { "mail", NULL };
	static const char *const phones[] = { "telephoneNumber", "mobile", NULL };
	static const char *const mail_login[] = { "mail", "uid", NULL };
	static const char *const custom[] = { "cn", "employeeNumber", NULL };
	static const char *const empty[] = { NULL };
	struct mxg_ldap_ctx *ctx;
	struct loaded l;

	test_begin("preset openldap fills the absent keys");
	load(&l, BASE);
	test_assert(l.init_rc == 0);
	ctx = l.store.ctx;
	test_assert_streq(ctx->filter, "(objectClass=inetOrgPerson)");
	test_assert(ctx->login_filter == NULL);
	test_assert(attrs_are(&ctx->map.login, ol_login));
	test_assert_streq(ctx->map.localpart_attribute, "uid");
	test_assert_streq(ctx->map.display_name_attribute, "displayName");
	test_assert_streq(ctx->map.display_fallback, "cn");
	test_assert(attrs_are(&ctx->map.email, mail));
	test_assert(attrs_are(&ctx->map.msisdn, phones));
	test_assert(attrs_are(&ctx->map.search, ol_search));
	test_assert(attrs_are(&ctx->map.email_login, mail_login));
	test_assert(ctx->map.avatar_attribute == NULL);
	test_assert(!ctx->map.is_mxid && ctx->map.lowercase);
	test_assert(l.set.pool_size == 4 && l.set.timeout_ms == 10000 &&
		    l.set.connect_timeout_ms == 5000 && l.set.page_size == 500 &&
		    l.set.bulk_batch == 50 && l.set.tls_verify && !l.set.start_tls);
	unload(&l);
	test_end();

	test_begin("preset active_directory fills the absent keys");
	load(&l, BASE "preset: active_directory\n");
	test_assert(l.init_rc == 0);
	ctx = l.store.ctx;
	test_assert_streq(ctx->filter, "(&(sAMAccountType=805306368)"
			  "(!(userAccountControl:1.2.840.113556.1.4.803:=2)))");
	test_assert(attrs_are(&ctx->map.login, ad_login));
	test_assert_streq(ctx->map.localpart_attribute, "sAMAccountName");
	test_assert_streq(ctx->map.display_name_attribute, "displayName");
	test_assert(attrs_are(&ctx->map.email, mail));
	test_assert(attrs_are(&ctx->map.msisdn, phones));
	test_assert(attrs_are(&ctx->map.search, ad_search));
	unload(&l);
	test_end();

	test_begin("set keys win over the preset");
	load(&l, BASE "preset: active_directory\nfilter: objectClass=person\n"
	     "login_filter: \"(memberOf=cn=matrix,ou=groups,dc=example,dc=org)\"\n"
	     "login_attributes: [cn, employeeNumber, CN]\nlocalpart_attribute: uid\n"
	     "display_name_attribute: cn\nmsisdn_attributes: []\navatar_attribute: labeledURI\n"
	     "localpart_type: mxid\nlowercase_localpart: false\ndefault_region: gb\n");
	test_assert(l.init_rc == 0);
	ctx = l.store.ctx;
	test_assert_streq(ctx->filter, "(objectClass=person)");
	test_assert_streq(ctx->login_filter, "(memberOf=cn=matrix,ou=groups,dc=example,dc=org)");
	test_assert(attrs_are(&ctx->map.login, custom));
	test_assert_streq(ctx->map.localpart_attribute, "uid");
	test_assert_streq(ctx->map.display_name_attribute, "cn");
	test_assert(ctx->map.display_fallback == NULL);
	test_assert(attrs_are(&ctx->map.msisdn, empty));
	test_assert_streq(ctx->map.avatar_attribute, "labeledURI");
	test_assert(ctx->map.is_mxid && !ctx->map.lowercase);
	test_assert_streq(ctx->map.default_region, "gb");
	unload(&l);
	test_end();
}

static void test_refusals(void)
{
	static const struct {
		const char *yaml;
		const char *says;	/* in init's message, or NULL: the engine refuses */
	} cases[] = {
		{ "uris: ldaps://127.0.0.1:1\nbase_dn: dc=x\nstart_tls: true\n", "start_tls" },
		{ "uris: [ldap://a, ldaps://b]\nbase_dn: dc=x\nstart_tls: true\n", "ldaps://b" },
		{ BASE "filter: \"(uid=a\"\n", "filter" },
		{ BASE "filter: \"(a=b)(c=d)\"\n", "filter" },
		{ BASE "login_filter: \"(memberOf=cn=x\"\n", "login_filter" },
		{ "uris: http://127.0.0.1\nbase_dn: dc=x\n", "ldap://" },
		{ "uris: ldapi:///\nbase_dn: dc=x\n", "ldaps://" },
		{ "uris: not a uri\nbase_dn: dc=x\n", "uris" },
		{ BASE "bind_dn: cn=admin,dc=example,dc=org\n", "bind_password" },
		{ BASE "bind_password: secret\n", "bind_dn" },
		{ BASE "bind_dn: cn=admin,dc=example,dc=org\nbind_password: \"\"\n", "bind_password" },
		{ BASE "bind_dn: not-a-dn\nbind_password: x\n", "bind_dn" },
		{ "uris: ldap://h\nbase_dn: \"not a dn\"\n", "base_dn" },
		{ BASE "login_attributes: [\"uid)(x\"]\n", "login_attributes" },
		{ BASE "search_attributes: [\"*\"]\n", "search_attributes" },
		{ BASE "localpart_attribute: \"uid=\"\n", "localpart_attribute" },
		{ BASE "login_attributes: []\n", "login_attributes" },
		{ BASE "default_region: XX\n", "default_region" },
		{ BASE "default_region: GBR\n", "default_region" },
		{ BASE "ca_file: /nonexistent/ca.pem\n", "ca_file" },
		{ BASE "pool_size: 0\n", NULL },
		{ BASE "pool_size: 65\n", NULL },
		{ BASE "preset: novell\n", NULL },
		{ BASE "localpart_type: email\n", NULL },
		{ "base_dn: dc=x\n", NULL },
		{ "uris: ldap://h\n", NULL },
		{ BASE "page_size: 0\n", NULL },
		{ BASE "timeout: forever\n", NULL },
	};

	test_begin("configurations refused");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct loaded l;

		load(&l, cases[i].yaml);
		if (cases[i].says == NULL) {
			test_assert_idx(l.problems > 0, i);
		} else {
			test_assert_idx(l.problems == 0 && l.init_rc < 0, i);
			test_assert_idx(strstr(l.err.msg, cases[i].says) != NULL, i);
			if (strstr(l.err.msg, cases[i].says) == NULL)
				fprintf(stderr, "  case %zu said: %s\n", i, l.err.msg);
		}
		unload(&l);
	}
	test_end();

	test_begin("secrets: bind_password_file");
	{
		char path[] = "/tmp/test-ldap-pw-XXXXXX", yaml[512];
		int fd = mkstemp(path);
		struct loaded l;

		test_assert(fd >= 0 && write(fd, "s3cret\n", 7) == 7);
		close(fd);
		snprintf(yaml, sizeof(yaml), BASE "bind_dn: cn=admin,dc=example,dc=org\n"
			 "bind_password_file: %s\n", path);
		load(&l, yaml);
		test_assert(l.init_rc == 0);
		test_assert_streq(l.set.bind_password, "s3cret");
		unload(&l);
		unlink(path);
	}
	test_end();
}

/* --- entries to people --- */

struct fake_attr {
	const char *name;
	const char *values[6];
};

static struct mxg_ldap_entry *fake_entry(struct mxg_arena *arena, const char *dn,
					 const struct fake_attr *attrs, size_t n)
{
	struct mxg_ldap_entry *e = mxg_arena_alloc(arena, sizeof(*e));

	e->dn = dn;
	e->attrs = mxg_arena_alloc(arena, n * sizeof(*e->attrs));
	e->count = n;
	for (size_t i = 0; i < n; i++) {
		e->attrs[i].name = attrs[i].name;
		e->attrs[i].values = (const char **)attrs[i].values;
		while (attrs[i].values[e->attrs[i].count] != NULL)
			e->attrs[i].count++;
	}
	return e;
}

static bool has_3pid(const struct mxg_person *p, const char *medium, const char *address)
{
	for (size_t i = 0; i < p->threepid_count; i++)
		if (strcmp(p->threepids[i].medium, medium) == 0 &&
		    strcmp(p->threepids[i].address, address) == 0)
			return true;
	return false;
}

static void test_mapping(void)
{
	static const struct fake_attr alice[] = {
		{ "uid", { "Alice", NULL } },
		{ "displayName", { "Alice Z\xc3\xabta", NULL } },
		{ "cn", { "Alice Zeta", NULL } },
		{ "MAIL", { "Alice@Example.ORG", "not-an-address", " alice@example.org ", NULL } },
		{ "telephoneNumber", { "+44 7700 900123", "07700 900456", "call me", NULL } },
		{ "mobile", { "+44 (0)7700-900123", NULL } },
		{ "labeledURI", { "https://example.org/a.png", "mxc://example.org/abc", NULL } },
	};
	static const struct fake_attr carol[] = {
		{ "uid", { "carol", NULL } },
		{ "cn", { "Carol C", NULL } },
	};
	static const struct fake_attr bob_mxid[] = {
		{ "uid", { "@Bob:Example.org", NULL } },
	};
	static const struct fake_attr bad_mxid[] = {
		{ "uid", { "bob", NULL } },
	};
	static const struct fake_attr no_uid[] = {
		{ "cn", { "Nobody", NULL } },
	};
	struct mxg_arena *arena = mxg_arena_create(4096);
	struct mxg_person p;
	struct mxg_error err;
	struct loaded l;
	struct mxg_ldap_ctx *ctx;

	test_begin("entry to person: lowercasing, e-mails, phones with default_region");
	load(&l, BASE "avatar_attribute: labeledURI\ndefault_region: GB\n");
	ctx = l.store.ctx;
	test_assert(l.init_rc == 0);
	test_assert(mxg_ldap_entry_person(&ctx->map, fake_entry(arena, "uid=Alice", alice, 7),
					  arena, &p, &err) == 0);
	test_assert_streq(p.user_id, "@alice:example.org");
	test_assert_streq(p.display_name, "Alice Z\xc3\xabta");
	test_assert_streq(p.avatar_url, "mxc://example.org/abc");
	test_assert(has_3pid(&p, "email", "alice@example.org"));
	test_assert(has_3pid(&p, "msisdn", "447700900123"));
	test_assert(has_3pid(&p, "msisdn", "447700900456"));
	/* duplicates dropped, bad values skipped */
	test_assert(p.threepid_count == 3);
	unload(&l);
	test_end();

	test_begin("entry to person: without default_region only +numbers");
	load(&l, BASE);
	ctx = l.store.ctx;
	test_assert(mxg_ldap_entry_person(&ctx->map, fake_entry(arena, "uid=Alice", alice, 7),
					  arena, &p, &err) == 0);
	test_assert(has_3pid(&p, "msisdn", "447700900123"));
	test_assert(!has_3pid(&p, "msisdn", "447700900456"));
	test_assert(p.threepid_count == 2);
	test_assert(p.avatar_url == NULL);	/* no avatar_attribute */
	/* no displayName: cn */
	test_assert(mxg_ldap_entry_person(&ctx->map, fake_entry(arena, "uid=carol", carol, 2),
					  arena, &p, &err) == 0);
	test_assert_streq(p.display_name, "Carol C");
	test_assert(p.threepid_count == 0);
	test_assert(mxg_ldap_entry_person(&ctx->map, fake_entry(arena, "cn=Nobody", no_uid, 1),
					  arena, &p, &err) < 0);
	test_assert(strstr(err.msg, "cn=Nobody") != NULL);
	unload(&l);
	test_end();

	test_begin("entry to person: lowercase_localpart off, localpart_type mxid");
	load(&l, BASE "lowercase_localpart: false\n");
	ctx = l.store.ctx;
	test_assert(mxg_ldap_entry_person(&ctx->map, fake_entry(arena, "uid=Alice", alice, 7),
					  arena, &p, &err) == 0);
	test_assert_streq(p.user_id, "@Alice:example.org");
	unload(&l);
	load(&l, BASE "localpart_type: mxid\n");
	ctx = l.store.ctx;
	test_assert(mxg_ldap_entry_person(&ctx->map, fake_entry(arena, "uid=Bob", bob_mxid, 1),
					  arena, &p, &err) == 0);
	test_assert_streq(p.user_id, "@bob:Example.org");
	test_assert(mxg_ldap_entry_person(&ctx->map, fake_entry(arena, "uid=bob", bad_mxid, 1),
					  arena, &p, &err) < 0);
	test_assert(strstr(err.msg, "Matrix ID") != NULL);
	unload(&l);
	test_end();

	test_begin("entry 3PIDs for bulk mapping");
	load(&l, BASE "display_name_attribute: displayName\n");
	ctx = l.store.ctx;
	{
		const char **addrs;
		size_t n = mxg_ldap_entry_3pids(&ctx->map, fake_entry(arena, "uid=Alice", alice, 7),
						"email", arena, &addrs);

		test_assert(n == 1 && strcmp(addrs[0], "alice@example.org") == 0);
		test_assert(ctx->map.display_fallback == NULL);
	}
	unload(&l);
	test_end();
	mxg_arena_destroy(&arena);
}

static void test_man_page(void)
{
	char *man = man_page_read("man/mxgate-ldap.5");

	test_begin("mxgate-ldap(5) documents every key");
	test_assert(man != NULL);
	if (man != NULL) {
		test_assert(man_missing_keys(man, mxg_ldap_settings_table, "stores[].") == 0);
		/* and the presets' values */
		test_assert(strstr(man, "805306368") != NULL);
		test_assert(strstr(man, "sAMAccountName") != NULL);
	}
	free(man);
	test_end();
}

int main(void)
{
	mxg_log_open(NULL, MXG_LOG_ERROR);
	test_escape();
	test_filter_check();
	test_attr_valid();
	test_filter_build();
	test_injection();
	test_presets();
	test_refusals();
	test_mapping();
	test_man_page();
	return test_done("test-ldap");
}
