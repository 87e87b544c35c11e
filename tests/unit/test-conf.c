/*
 * test-conf.c: the configuration engine (src/core/conf.c) with its own small
 * tables: every type, defaults, bounds, secrets, DYNAMIC parts, list checks,
 * problem reporting (line, key, message) and hostile YAML.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/error.h"
#include "conf-report.h"
#include "test.h"

struct t_inner {
	long long n;
	char *s;
};

struct t_elem {
	char *name;
	long long weight;
};

struct t_dyn_a {
	char *alpha;
	long long level;
	char *token;
};

struct t_plug {
	char *kind;
	void *extra;
};

struct t_conf {
	char *req;
	char *str;
	char *secret;
	long long num;
	bool flag;
	long long dur;
	size_t size;
	int color;
	struct mxg_conf_strlist tags;
	struct t_inner inner;
	struct mxg_conf_list elems;
	struct mxg_conf_list plugs;
};

static int check_nonempty(const void *value, struct mxg_error *err)
{
	if ((*(char *const *)value)[0] == '\0')
		return mxg_error_set(err, EINVAL, "must not be empty");
	return 0;
}

static int check_unique(const struct mxg_conf_list *list, size_t *bad_r, struct mxg_error *err)
{
	const struct t_elem *e = list->items;

	for (size_t i = 1; i < list->count; i++)
		for (size_t j = 0; j < i; j++)
			if (e[i].name != NULL && e[j].name != NULL &&
			    strcmp(e[i].name, e[j].name) == 0) {
				*bad_r = i;
				return mxg_error_set(err, EEXIST, "name '%s' used twice",
						     e[i].name);
			}
	return 0;
}

static const struct mxg_conf_def inner_table[] = {
	{ .key = "n", .type = MXG_CONF_INT, .offset = offsetof(struct t_inner, n), .dflt = "7" },
	{ .key = "s", .type = MXG_CONF_STRING, .offset = offsetof(struct t_inner, s),
	  .check = check_nonempty },
	{ .key = NULL },
};

static const struct mxg_conf_def elem_table[] = {
	{ .key = "name", .type = MXG_CONF_STRING, .offset = offsetof(struct t_elem, name),
	  .flags = MXG_CONF_REQUIRED },
	{ .key = "weight", .type = MXG_CONF_INT, .offset = offsetof(struct t_elem, weight) },
	{ .key = NULL },
};

static const struct mxg_conf_def dyn_a_table[] = {
	{ .key = "alpha", .type = MXG_CONF_STRING, .offset = offsetof(struct t_dyn_a, alpha),
	  .flags = MXG_CONF_REQUIRED },
	{ .key = "level", .type = MXG_CONF_INT, .offset = offsetof(struct t_dyn_a, level),
	  .dflt = "3" },
	{ .key = "token", .type = MXG_CONF_SECRET, .offset = offsetof(struct t_dyn_a, token) },
	{ .key = NULL },
};

static const void *resolve_root_seen;

static int resolve_plug(const void *root, const void *parent, const struct mxg_conf_def **table_r,
			size_t *size_r, struct mxg_error *err)
{
	const struct t_plug *p = parent;

	resolve_root_seen = root;
	if (p->kind == NULL)
		return mxg_error_set(err, EINVAL, "%s", "");
	if (strcmp(p->kind, "a") == 0) {
		*table_r = dyn_a_table;
		*size_r = sizeof(struct t_dyn_a);
		return 0;
	}
	if (strcmp(p->kind, "b") == 0) {
		*table_r = NULL;
		*size_r = 0;
		return 0;
	}
	return mxg_error_set(err, ENOENT, "unknown kind '%s'", p->kind);
}

static const struct mxg_conf_def plug_table[] = {
	{ .key = "kind", .type = MXG_CONF_STRING, .offset = offsetof(struct t_plug, kind),
	  .flags = MXG_CONF_REQUIRED },
	{ .key = "extra", .type = MXG_CONF_DYNAMIC, .offset = offsetof(struct t_plug, extra),
	  .resolve = resolve_plug },
	{ .key = NULL },
};

static const char *const colors[] = { "red", "green", "blue", NULL };

static const struct mxg_conf_def table[] = {
	{ .key = "req", .type = MXG_CONF_STRING, .offset = offsetof(struct t_conf, req),
	  .flags = MXG_CONF_REQUIRED },
	{ .key = "str", .type = MXG_CONF_STRING, .offset = offsetof(struct t_conf, str),
	  .dflt = "hello" },
	{ .key = "secret", .type = MXG_CONF_SECRET, .offset = offsetof(struct t_conf, secret) },
	{ .key = "num", .type = MXG_CONF_INT, .offset = offsetof(struct t_conf, num),
	  .dflt = "5", .min = 1, .max = 10 },
	{ .key = "flag", .type = MXG_CONF_BOOL, .offset = offsetof(struct t_conf, flag),
	  .dflt = "yes" },
	{ .key = "dur", .type = MXG_CONF_DURATION, .offset = offsetof(struct t_conf, dur),
	  .dflt = "30s", .min = 1000, .max = 3600000 },
	{ .key = "size", .type = MXG_CONF_SIZE, .offset = offsetof(struct t_conf, size),
	  .dflt = "64k", .min = 1024, .max = 1 << 20 },
	{ .key = "color", .type = MXG_CONF_ENUM, .offset = offsetof(struct t_conf, color),
	  .dflt = "green", .enum_values = colors },
	{ .key = "tags", .type = MXG_CONF_STRLIST, .offset = offsetof(struct t_conf, tags),
	  .dflt = "[a, b]" },
	{ .key = "inner", .type = MXG_CONF_SECTION, .offset = offsetof(struct t_conf, inner),
	  .sub = inner_table },
	{ .key = "elems", .type = MXG_CONF_LIST, .offset = offsetof(struct t_conf, elems),
	  .sub = elem_table, .elem_size = sizeof(struct t_elem), .list_check = check_unique },
	{ .key = "plugs", .type = MXG_CONF_LIST, .offset = offsetof(struct t_conf, plugs),
	  .sub = plug_table, .elem_size = sizeof(struct t_plug) },
	{ .key = NULL },
};

/* --- collecting reports ------------------------------------------------------- */


static struct mxg_arena *arena;
static struct t_conf conf;

static int load(const char *yaml)
{
	mxg_arena_destroy(&arena);
	arena = mxg_arena_create(4096);
	memset(&conf, 0, sizeof(conf));
	nreports = 0;
	return mxg_conf_load_string("t.yaml", yaml, strlen(yaml), table, &conf, arena, collect,
				    NULL);
}

/* The report at line with key whose message contains frag. */
static bool has_report(int line, const char *key, const char *frag)
{
	for (int i = 0; i < nreports && i < MAX_REPORTS; i++)
		if (reports[i].line == line && strcmp(reports[i].key, key) == 0 &&
		    strstr(reports[i].msg, frag) != NULL)
			return true;
	for (int i = 0; i < nreports && i < MAX_REPORTS; i++)
		fprintf(stderr, "    report %d: %d: %s: %s\n", i, reports[i].line, reports[i].key,
			reports[i].msg);
	return false;
}

/* --- cases -------------------------------------------------------------------- */

static void test_defaults(void)
{
	test_begin("defaults fill every absent key");
	test_assert(load("req: x\n") == 0);
	test_assert_streq(conf.req, "x");
	test_assert_streq(conf.str, "hello");
	test_assert(conf.secret == NULL);
	test_assert(conf.num == 5);
	test_assert(conf.flag == true);
	test_assert(conf.dur == 30000);
	test_assert(conf.size == 65536);
	test_assert(conf.color == 1);
	test_assert(conf.tags.count == 2);
	test_assert_streq(conf.tags.items[0], "a");
	test_assert_streq(conf.tags.items[1], "b");
	test_assert(conf.inner.n == 7);		/* a missing section gets its defaults */
	test_assert(conf.inner.s == NULL);
	test_assert(conf.elems.count == 0);
	test_assert(conf.plugs.count == 0);
	test_end();

	test_begin("a null value counts as absent");
	test_assert(load("req: x\nstr:\nnum: ~\ninner:\n") == 0);
	test_assert_streq(conf.str, "hello");
	test_assert(conf.num == 5);
	test_assert(conf.inner.n == 7);
	test_end();
}

static void test_all_types(void)
{
	test_begin("every type parses");
	test_assert(load("req: x\n"
			 "str: \"quoted: text\"\n"
			 "secret: s3cret\n"
			 "num: -3\n"	/* out of range: checked below */
			 "flag: off\n"
			 "dur: 2m\n"
			 "size: 128k\n"
			 "color: blue\n"
			 "tags: [x, y, z]\n"
			 "inner: { n: 42, s: inside }\n"
			 "elems:\n"
			 "  - name: e1\n"
			 "    weight: 2\n"
			 "  - { name: e2 }\n") == 1);
	test_assert(has_report(4, "num", "out of range (1..10)"));
	test_assert_streq(conf.str, "quoted: text");
	test_assert_streq(conf.secret, "s3cret");
	test_assert(conf.flag == false);
	test_assert(conf.dur == 120000);
	test_assert(conf.size == 131072);
	test_assert(conf.color == 2);
	test_assert(conf.tags.count == 3 && strcmp(conf.tags.items[2], "z") == 0);
	test_assert(conf.inner.n == 42);
	test_assert_streq(conf.inner.s, "inside");
	test_assert(conf.elems.count == 2);
	test_assert_streq(((struct t_elem *)conf.elems.items)[0].name, "e1");
	test_assert(((struct t_elem *)conf.elems.items)[0].weight == 2);
	test_assert_streq(((struct t_elem *)conf.elems.items)[1].name, "e2");
	test_end();

	test_begin("a scalar is a list of one");
	test_assert(load("req: x\ntags: solo\n") == 0);
	test_assert(conf.tags.count == 1);
	test_assert_streq(conf.tags.items[0], "solo");
	test_end();

	test_begin("keys are applied whatever their order in the file");
	test_assert(load("inner: { s: z }\ncolor: red\nreq: x\n") == 0);
	test_assert(conf.color == 0 && strcmp(conf.req, "x") == 0);
	test_end();
}

static void test_bool_table(void)
{
	static const struct { const char *text; int want; } cases[] = {
		{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 }, { "on", 1 },
		{ "off", 0 }, { "True", 1 }, { "NO", 0 }, { "1", -1 }, { "maybe", -1 },
	};
	char yaml[64];

	test_begin("booleans");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), "req: x\nflag: %s\n", cases[i].text);
		if (cases[i].want < 0) {
			test_assert_idx(load(yaml) == 1, i);
			test_assert_idx(has_report(2, "flag", "is not a boolean"), i);
		} else {
			test_assert_idx(load(yaml) == 0, i);
			test_assert_idx(conf.flag == (cases[i].want == 1), i);
		}
	}
	test_end();
}

static void test_duration_size_parsers(void)
{
	static const struct { const char *text; int ok; long long ms; } durs[] = {
		{ "250ms", 1, 250 }, { "30s", 1, 30000 }, { "5m", 1, 300000 },
		{ "24h", 1, 86400000 }, { "7d", 1, 604800000 }, { "12", 1, 12000 },
		{ "0", 1, 0 }, { "", 0, 0 }, { "s", 0, 0 }, { "5 s", 0, 0 }, { "-5s", 0, 0 },
		{ "1.5s", 0, 0 }, { "5w", 0, 0 }, { "99999999999999999999", 0, 0 },
		{ "9999999999999999d", 0, 0 },
	};
	static const struct { const char *text; int ok; size_t bytes; } sizes[] = {
		{ "512", 1, 512 }, { "64k", 1, 65536 }, { "64K", 1, 65536 },
		{ "1M", 1, 1048576 }, { "1G", 1, 1073741824 }, { "0", 1, 0 },
		{ "", 0, 0 }, { "1T", 0, 0 }, { "1kb", 0, 0 }, { "-1", 0, 0 }, { "k", 0, 0 },
		{ "99999999999999999999G", 0, 0 }, { "17179869184G", 0, 0 },
	};

	test_begin("duration parser");
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		long long ms = -1;
		int ret = mxg_conf_parse_duration(durs[i].text, &ms);

		test_assert_idx(ret == (durs[i].ok ? 0 : -1), i);
		if (durs[i].ok)
			test_assert_idx(ms == durs[i].ms, i);
	}
	test_end();

	test_begin("size parser");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t bytes = 1;
		int ret = mxg_conf_parse_size(sizes[i].text, &bytes);

		test_assert_idx(ret == (sizes[i].ok ? 0 : -1), i);
		if (sizes[i].ok)
			test_assert_idx(bytes == sizes[i].bytes, i);
	}
	test_end();
}

static void test_bad_values(void)
{
	static const struct {
		const char *yaml;
		int line;
		const char *key, *frag;
	} cases[] = {
		{ "req: x\nnum: 11\n", 2, "num", "out of range (1..10)" },
		{ "req: x\nnum: 0\n", 2, "num", "out of range" },
		{ "req: x\nnum: 3x\n", 2, "num", "'3x' is not an integer" },
		{ "req: x\nnum: 99999999999999999999\n", 2, "num", "is not an integer" },
		{ "req: x\ndur: 500ms\n", 2, "dur", "out of range (1s..1h)" },
		{ "req: x\ndur: 2h\n", 2, "dur", "out of range (1s..1h)" },
		{ "req: x\ndur: soon\n", 2, "dur", "is not a duration" },
		{ "req: x\nsize: 2M\n", 2, "size", "out of range (1k..1M)" },
		{ "req: x\nsize: 12q\n", 2, "size", "is not a size" },
		{ "req: x\ncolor: pink\n", 2, "color", "'pink' is not one of: red, green, blue" },
		{ "req: x\nstr: [a]\n", 2, "str", "expected a string, got a list" },
		{ "req: x\nnum: {a: 1}\n", 2, "num", "expected a scalar, got a mapping" },
		{ "req: x\ntags: {a: 1}\n", 2, "tags", "expected a list of strings" },
		{ "req: x\ntags: [a, [b]]\n", 2, "tags[1]", "expected a string, got a list" },
		{ "req: x\ninner: 5\n", 2, "inner", "expected a mapping, got a scalar" },
		{ "req: x\ninner:\n  s: \"\"\n", 3, "inner.s", "must not be empty" },
		{ "req: x\nelems: {a: 1}\n", 2, "elems", "expected a list, got a mapping" },
		{ "req: x\nelems: [1]\n", 2, "elems[0]", "expected a mapping, got a scalar" },
		{ "req: x\nelems:\n  - weight: 1\n", 3, "elems[0].name", "missing required key" },
		{ "str: y\n", 1, "req", "missing required key" },
		{ "str: y\nreq:\n", 2, "req", "missing required key" },
		{ "req: x\nstrr: y\n", 2, "strr", "unknown key (did you mean 'str'?)" },
		{ "req: x\ncompletely_else: y\n", 2, "completely_else", "unknown key" },
		{ "req: x\ninner:\n  nn: 1\n", 3, "inner.nn", "did you mean 'n'?" },
		{ "req: x\nsecret_fil: /x\n", 2, "secret_fil", "did you mean 'secret_file'?" },
		{ "req: x\nnum: 2\nnum: 3\n", 3, "num", "duplicate key (first at line 2)" },
		{ "req: x\n[a]: 1\n", 2, "", "keys must be plain strings" },
		{ "req: \"a\\0b\"\n", 1, "req", "contains a NUL byte" },
		{ "req: x\n\"a\\x01b\": 1\n", 2, "a\\x01b", "unknown key" },
		{ "- a\n- b\n", 1, "", "expected a mapping at the top, got a list" },
	};

	test_begin("bad values: line, key and message");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_assert_idx(load(cases[i].yaml) == 1, i);
		test_assert_idx(has_report(cases[i].line, cases[i].key, cases[i].frag), i);
	}
	test_end();

	test_begin("every problem is reported, in line order");
	test_assert(load("num: 0\ncolor: pink\nbogus: 1\ninner:\n  n: x\n") == 5);
	test_assert(reports[0].line == 1 && strcmp(reports[0].key, "req") == 0);
	test_assert(reports[1].line == 1 && strcmp(reports[1].key, "num") == 0);
	test_assert(reports[2].line == 2 && strcmp(reports[2].key, "color") == 0);
	test_assert(reports[3].line == 3 && strcmp(reports[3].key, "bogus") == 0);
	test_assert(reports[4].line == 5 && strcmp(reports[4].key, "inner.n") == 0);
	test_end();
}

static const char *write_tmp(char *path, const char *content, size_t len)
{
	int fd;

	strcpy(path, "/tmp/test-conf-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

static void test_secrets(void)
{
	char p1[64], p2[64], p3[64], yaml[256];

	test_begin("secret inline");
	test_assert(load("req: x\nsecret: inline-value\n") == 0);
	test_assert_streq(conf.secret, "inline-value");
	test_end();

	test_begin("secret from a file: one trailing newline stripped");
	write_tmp(p1, "from-file\r\n", 11);
	write_tmp(p2, "two\n\n", 5);
	write_tmp(p3, "none", 4);
	snprintf(yaml, sizeof(yaml), "req: x\nsecret_file: %s\n", p1);
	test_assert(load(yaml) == 0);
	test_assert_streq(conf.secret, "from-file");
	snprintf(yaml, sizeof(yaml), "req: x\nsecret_file: %s\n", p2);
	test_assert(load(yaml) == 0);
	test_assert_streq(conf.secret, "two\n");
	snprintf(yaml, sizeof(yaml), "req: x\nsecret_file: %s\n", p3);
	test_assert(load(yaml) == 0);
	test_assert_streq(conf.secret, "none");
	test_end();

	test_begin("secret given twice is a problem");
	snprintf(yaml, sizeof(yaml), "req: x\nsecret: a\nsecret_file: %s\n", p1);
	test_assert(load(yaml) == 1);
	test_assert(has_report(3, "secret_file", "either secret or secret_file, not both"));
	test_end();

	test_begin("unreadable secret file names the path");
	test_assert(load("req: x\nsecret_file: /nonexistent/secret\n") == 1);
	test_assert(has_report(2, "secret_file", "cannot read /nonexistent/secret"));
	test_end();

	test_begin("secrets in DYNAMIC parts and _file there");
	snprintf(yaml, sizeof(yaml), "req: x\nplugs:\n  - kind: a\n    alpha: q\n"
		 "    token_file: %s\n", p3);
	test_assert(load(yaml) == 0);
	test_assert_streq(((struct t_dyn_a *)((struct t_plug *)conf.plugs.items)[0].extra)->token,
			  "none");
	test_end();

	test_begin("wipe_secrets zeroes secrets, keeps the rest");
	test_assert(load("req: x\nsecret: topsecret\n") == 0);
	{
		char *s = conf.secret;

		mxg_conf_wipe_secrets(table, &conf);
		test_assert(memcmp(s, "\0\0\0\0\0\0\0\0\0", 9) == 0);
		test_assert_streq(conf.req, "x");
	}
	test_end();
	unlink(p1);
	unlink(p2);
	unlink(p3);
}

static void test_dynamic(void)
{
	struct t_plug *p;
	struct t_dyn_a *a;

	test_begin("DYNAMIC: resolved table applies to the remaining keys");
	test_assert(load("req: x\nplugs:\n  - kind: a\n    alpha: one\n  - kind: b\n") == 0);
	test_assert(conf.plugs.count == 2);
	p = conf.plugs.items;
	a = p[0].extra;
	test_assert(a != NULL && strcmp(a->alpha, "one") == 0 && a->level == 3);
	test_assert(p[1].extra == NULL);
	test_assert(resolve_root_seen == &conf);
	test_end();

	test_begin("DYNAMIC: problems inside the resolved part");
	test_assert(load("req: x\nplugs:\n  - kind: a\n    level: 4\n    zeta: 1\n") == 2);
	test_assert(has_report(3, "plugs[0].alpha", "missing required key"));
	test_assert(has_report(5, "plugs[0].zeta", "unknown key"));
	test_assert(load("req: x\nplugs:\n  - kind: a\n    alpha: q\n    levl: 1\n") == 1);
	test_assert(has_report(5, "plugs[0].levl", "did you mean 'level'?"));
	test_assert(load("req: x\nplugs:\n  - kind: b\n    alpha: q\n") == 1);
	test_assert(has_report(4, "plugs[0].alpha", "unknown key"));
	test_end();

	test_begin("DYNAMIC: resolve failure reported at the mapping");
	test_assert(load("req: x\nplugs:\n  - kind: a\n    alpha: q\n"
			 "  - kind: zz\n    any: 1\n") == 1);
	test_assert(has_report(5, "plugs[1]", "unknown kind 'zz'"));
	/* Missing kind: reported once, as missing, not again by resolve. */
	test_assert(load("req: x\nplugs:\n  - alpha: q\n") == 1);
	test_assert(has_report(3, "plugs[0].kind", "missing required key"));
	test_end();
}

static void test_list_check(void)
{
	test_begin("list_check points at the element's line");
	test_assert(load("req: x\nelems:\n  - name: a\n  - name: b\n\n  - name: a\n") == 1);
	test_assert(has_report(6, "elems[2]", "name 'a' used twice"));
	test_end();
}

static void test_hostile(void)
{
	static const char laughs[] =
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
		"tags: *i\n";
	char *deep, *big;
	clock_t t0;

	test_begin("aliases are refused with their line");
	test_assert(load("req: &r x\nstr: *r\n") == 1);
	test_assert(has_report(2, "", "YAML aliases (*r) are not supported"));
	test_end();

	test_begin("billion laughs is refused quickly");
	t0 = clock();
	test_assert(load(laughs) == 81);
	test_assert(clock() - t0 < CLOCKS_PER_SEC);
	test_end();

	test_begin("a self-referencing anchor is refused");
	test_assert(load("req: x\ntags: &t [a, *t]\n") == 1);
	test_assert(has_report(2, "", "aliases"));
	test_end();

	test_begin("deep nesting is refused");
	deep = malloc(200001);
	memset(deep, '[', 100000);
	memset(deep + 100000, ']', 100000);
	deep[200000] = '\0';
	test_assert(load(deep) == 1);
	test_assert(has_report(1, "", "nested deeper than"));
	free(deep);
	test_end();

	test_begin("a huge input is refused");
	big = malloc((5u << 20) + 1);
	memset(big, '#', 5u << 20);
	big[5u << 20] = '\0';
	test_assert(load(big) == -1);
	test_assert(has_report(0, "", "larger than 4 MiB"));
	free(big);
	test_end();

	test_begin("too many nodes are refused");
	big = malloc(4u << 20);
	memcpy(big, "tags: [", 7);
	for (size_t i = 7; i + 3 < (4u << 20); i += 2)
		memcpy(big + i, "a,", 2);
	strcpy(big + (4u << 20) - 3, "a]");
	test_assert(load(big) == 1);
	test_assert(has_report(1, "", "more than 1000000 YAML nodes"));
	free(big);
	test_end();

	test_begin("only one document");
	test_assert(load("req: x\n---\nreq: y\n") == 1);
	test_assert(has_report(2, "", "only one YAML document"));
	test_end();

	test_begin("syntax errors give -1 and their line");
	test_assert(load("req: x\nstr: [a, b\nnum: 3\n") == -1);
	test_assert(nreports == 1 && reports[0].line >= 2 &&
		    strstr(reports[0].msg, "YAML syntax error") != NULL);
	test_assert(load("req: x\n  bad: indent\n") == -1);
	test_assert(nreports == 1 && reports[0].line == 2);
	test_assert(load("req: \"\xff\"\n") == -1);
	test_end();

	test_begin("an empty input has every key absent");
	test_assert(load("") == 1);
	test_assert(has_report(1, "req", "missing required key"));
	test_assert(load("# only a comment\n") == 1);
	test_end();
}

static void test_files(void)
{
	char path[64];

	test_begin("load_file: missing file is -1 at line 0");
	nreports = 0;
	test_assert(mxg_conf_load_file("/nonexistent/x.yaml", table, &conf, arena, collect,
				       NULL) == -1);
	test_assert(has_report(0, "", "cannot read"));
	test_end();

	test_begin("load_file: a good file");
	write_tmp(path, "req: fromfile\n", 14);
	nreports = 0;
	memset(&conf, 0, sizeof(conf));
	test_assert(mxg_conf_load_file(path, table, &conf, arena, collect, NULL) == 0);
	test_assert_streq(conf.req, "fromfile");
	unlink(path);
	test_end();
}

int main(void)
{
	test_defaults();
	test_all_types();
	test_bool_table();
	test_duration_size_parsers();
	test_bad_values();
	test_secrets();
	test_dynamic();
	test_list_check();
	test_hostile();
	test_files();
	mxg_arena_destroy(&arena);
	return test_done("test-conf");
}
