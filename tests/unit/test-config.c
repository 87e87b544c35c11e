/*
 * test-config.c: mxgate's configuration (src/core/config.c): a good file and
 * its derived fields, the generated file, bad files (each problem at its
 * line and key), and the man page documenting every key.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/mxconfig.h"
#include "http/http.h"
#include "stores/static.h"
#include "stores/store.h"
#include "conf-report.h"
#include "man-keys.h"
#include "test.h"


static int load(const char *yaml, struct mxg_config **cfg_r)
{
	nreports = 0;
	return mxg_config_load_string("test.yaml", yaml, cfg_r, collect, NULL);
}

static void dump_reports(void)
{
	for (int i = 0; i < nreports && i < MAX_REPORTS; i++)
		fprintf(stderr, "    report: %d: %s: %s\n", reports[i].line, reports[i].key,
			reports[i].msg);
}

static const char good[] =
	"server_name: example.org\n"				/* 1 */
	"data_dir: /srv/mxgate\n"				/* 2 */
	"listeners:\n"						/* 3 */
	"  - bind: 127.0.0.1:8090\n"				/* 4 */
	"    resources: [identity, client, health]\n"		/* 5 */
	"  - bind: \"[::1]:8091\"\n"				/* 6 */
	"    resources: admin\n"				/* 7 */
	"  - bind: localhost:8092\n"				/* 8 */
	"    resources: [internal, metrics]\n"			/* 9 */
	"http:\n"						/* 10 */
	"  workers: 4\n"					/* 11 */
	"  max_body_size: 64k\n"				/* 12 */
	"database:\n"						/* 13 */
	"  busy_timeout: 250ms\n"				/* 14 */
	"stores:\n"						/* 15 */
	"  - name: late\n"					/* 16 */
	"    module: static\n"					/* 17 */
	"    priority: 200\n"					/* 18 */
	"  - name: people\n"					/* 19 */
	"    module: static\n"					/* 20 */
	"    users:\n"						/* 21 */
	"      - localpart: alice\n"				/* 22 */
	"        display_name: Alice\n"				/* 23 */
	"        password_hash: \"$6$salt$hash\"\n"		/* 24 */
	"        threepids:\n"					/* 25 */
	"          - { medium: email, address: alice@example.org }\n"
	"  - name: early\n"					/* 27 */
	"    module: static\n"					/* 28 */
	"    priority: 10\n"					/* 29 */
	"    enabled: false\n"					/* 30 */
	"  - name: also-100\n"					/* 31 */
	"    module: static\n"					/* 32 */
	"lookup:\n"						/* 33 */
	"  algorithms: sha256\n"				/* 34 */
	"log:\n"						/* 35 */
	"  level: debug\n";					/* 36 */

static void test_good(void)
{
	struct mxg_config *cfg = NULL;
	struct mxg_listener_conf *l;
	struct mxg_store_conf *s;
	struct mxg_static_settings *st;
	struct mxg_static_user_conf *u;

	test_begin("a good config loads, with derived fields");
	test_assert(load(good, &cfg) == 0);
	if (cfg == NULL) {
		dump_reports();
		test_end();
		return;
	}
	test_assert(nreports == 0);
	test_assert_streq(cfg->file, "test.yaml");
	test_assert_streq(cfg->server_name, "example.org");
	test_assert_streq(cfg->public_baseurl, "http://127.0.0.1:8090/");
	test_assert_streq(cfg->plugin_dir, MXG_PLUGINDIR);
	test_assert(cfg->listeners.count == 3);
	l = cfg->listeners.items;
	test_assert_streq(l[0].host, "127.0.0.1");
	test_assert(l[0].port == 8090);
	test_assert(l[0].resource_mask == (MXG_RES_IDENTITY | MXG_RES_CLIENT | MXG_RES_HEALTH));
	test_assert_streq(l[1].host, "::1");
	test_assert(l[1].port == 8091);
	test_assert(l[1].resource_mask == MXG_RES_ADMIN);
	test_assert_streq(l[2].host, "localhost");
	test_assert(l[2].resource_mask == (MXG_RES_INTERNAL | MXG_RES_METRICS));
	test_assert(cfg->http.threads == 0 && cfg->http.workers == 4);
	test_assert(cfg->http.worker_queue == 256);
	test_assert(cfg->http.max_body_size == 65536);
	test_assert(cfg->http.connection_timeout_ms == 30000);
	test_assert(cfg->http.shutdown_timeout_ms == 10000);
	test_assert(cfg->database.driver == MXG_DB_SQLITE);
	test_assert_streq(cfg->database.path, "/srv/mxgate/mxgate.db");
	test_assert(cfg->database.conninfo == NULL);
	test_assert(cfg->database.pool_size == 4);
	test_assert(cfg->database.busy_timeout_ms == 250);
	test_assert(cfg->database.connect_timeout_ms == 5000);
	test_assert(cfg->database.statement_timeout_ms == 30000);
	test_assert(cfg->database.acquire_timeout_ms == 5000);
	test_assert_streq(cfg->keys.signing_key_path, "/srv/mxgate/signing.key");
	test_assert(cfg->lookup.algorithm_mask == MXG_LOOKUP_SHA256);
	test_assert(cfg->lookup.max_addresses == 10000);
	test_assert(cfg->lookup.refresh_interval_ms == 300000);
	test_assert_streq(cfg->log.level, "debug");
	test_assert_streq(cfg->log.file, "-");
	test_assert(cfg->log.access_log == true);
	test_end();

	test_begin("stores: sorted by priority (stable), drivers and settings resolved");
	test_assert(cfg->stores.count == 4);
	s = cfg->stores.items;
	test_assert_streq(s[0].name, "early");
	test_assert(s[0].enabled == false);
	test_assert_streq(s[1].name, "people");	/* 100, before also-100 (file order) */
	test_assert_streq(s[2].name, "also-100");
	test_assert_streq(s[3].name, "late");
	test_assert(s[1].driver == &mxg_store_static);
	test_assert(s[1].priority == 100 && s[1].enabled);
	st = s[1].settings;
	test_assert(st != NULL && st->users.count == 1);
	u = st->users.items;
	test_assert_streq(u->localpart, "alice");
	test_assert_streq(u->password_hash, "$6$salt$hash");
	test_assert(u->threepids.count == 1);
	test_assert_streq(((struct mxg_static_threepid_conf *)u->threepids.items)->address,
			  "alice@example.org");
	test_end();
	mxg_config_free(&cfg);

	test_begin("config_free sets NULL; public_baseurl gets its trailing slash");
	test_assert(cfg == NULL);
	test_assert(load("server_name: example.org:8448\npublic_baseurl: https://id.example.org\n"
			 "listeners:\n  - bind: 0.0.0.0:80\n    resources: identity\n", &cfg) == 0);
	test_assert(cfg != NULL && strcmp(cfg->public_baseurl, "https://id.example.org/") == 0);
	test_assert(cfg != NULL && cfg->stores.count == 0);
	test_assert(cfg != NULL && cfg->lookup.algorithm_mask ==
		    (MXG_LOOKUP_SHA256 | MXG_LOOKUP_NONE));
	test_assert(cfg != NULL && cfg->homeserver.base_url == NULL &&
		    cfg->homeserver.timeout_ms == 30000 && cfg->homeserver.tls_verify);
	mxg_config_free(&cfg);
	test_end();

	test_begin("homeserver.base_url loses its trailing slashes");
	test_assert(load("server_name: example.org\nhomeserver:\n  base_url: http://127.0.0.1:8008//\n"
			 "listeners:\n  - bind: 0.0.0.0:80\n    resources: client\n", &cfg) == 0);
	test_assert(cfg != NULL && strcmp(cfg->homeserver.base_url, "http://127.0.0.1:8008") == 0);
	mxg_config_free(&cfg);
	test_end();

	test_begin("server names: host, IPv4, [IPv6], with port");
	{
		static const struct { const char *name; bool ok; } cases[] = {
			{ "example.org", true }, { "matrix.example.org:8448", true },
			{ "1.2.3.4", true }, { "[::1]", true }, { "[2001:db8::1]:443", true },
			{ "localhost", true }, { "", false }, { "exa mple.org", false },
			{ "example.org:", false }, { "example.org:70000", false },
			{ "[::1", false }, { "[nothex]", false }, { "a_b.org", false },
			{ "example.org:80x", false },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			test_assert_idx((mxg_config_check_server_name(cases[i].name, NULL) == 0) ==
					cases[i].ok, i);
	}
	test_end();
}

static void test_postgresql(void)
{
	struct mxg_config *cfg = NULL;
	char path[] = "/tmp/test-config-XXXXXX", yaml[512];
	int fd = mkstemp(path);

	test_begin("postgresql with conninfo_file");
	test_assert(fd >= 0 && write(fd, "dbname=mxgate\n", 14) == 14);
	close(fd);
	snprintf(yaml, sizeof(yaml), "server_name: example.org\n"
		 "listeners: [{ bind: \"127.0.0.1:1\", resources: [health] }]\n"
		 "database:\n  driver: postgresql\n  conninfo_file: %s\n", path);
	test_assert(load(yaml, &cfg) == 0);
	test_assert(cfg != NULL && cfg->database.driver == MXG_DB_POSTGRESQL);
	test_assert(cfg != NULL && strcmp(cfg->database.conninfo, "dbname=mxgate") == 0);
	mxg_config_free(&cfg);
	unlink(path);
	test_end();
}

static void test_generated(void)
{
	struct mxg_config *cfg = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	test_begin("the generated config loads as it is");
	test_assert(mxg_config_generate(f, "example.org", "/tmp/mxgate \"data\"", NULL) == 0);
	fclose(f);
	test_assert(load(text, &cfg) == 0);
	dump_reports();
	test_assert(cfg != NULL && strcmp(cfg->server_name, "example.org") == 0);
	test_assert(cfg != NULL && strcmp(cfg->data_dir, "/tmp/mxgate \"data\"") == 0);
	test_assert(cfg != NULL &&
		    strcmp(cfg->database.path, "/tmp/mxgate \"data\"/mxgate.db") == 0);
	test_assert(cfg != NULL && cfg->listeners.count == 1 &&
		    ((struct mxg_listener_conf *)cfg->listeners.items)->port == 8090);
	test_assert(cfg != NULL &&
		    ((struct mxg_listener_conf *)cfg->listeners.items)->resource_mask ==
		    (MXG_RES_IDENTITY | MXG_RES_CLIENT | MXG_RES_HEALTH | MXG_RES_METRICS));
	test_assert(cfg != NULL && cfg->stores.count == 0);
	test_assert(strstr(text, "#    module: static") != NULL);
	mxg_config_free(&cfg);
	free(text);
	test_end();

	test_begin("the commented static store example loads once uncommented");
	f = open_memstream(&text, &len);
	test_assert(mxg_config_generate(f, "example.org", NULL, NULL) == 0);
	fclose(f);
	{
		/* Drop "stores: []" and the "#" of the example block. */
		char *out = malloc(len + 1), *o = out, *line = text;
		bool in_example = false;

		while (*line != '\0') {
			char *nl = strchr(line, '\n');
			size_t n = nl != NULL ? (size_t)(nl - line + 1) : strlen(line);

			if (strncmp(line, "stores: []", 10) == 0) {
				line += n;
				continue;
			}
			if (strncmp(line, "#stores:", 8) == 0)
				in_example = true;
			else if (line[0] != '#')
				in_example = false;
			if (in_example) {
				memcpy(o, line + 1, n - 1);
				o += n - 1;
			} else {
				memcpy(o, line, n);
				o += n;
			}
			line += n;
		}
		*o = '\0';
		test_assert(load(out, &cfg) == 0);
		dump_reports();
		test_assert(cfg != NULL && cfg->stores.count == 1);
		mxg_config_free(&cfg);
		free(out);
	}
	free(text);
	test_end();

	test_begin("generate refuses a bad server name");
	f = open_memstream(&text, &len);
	test_assert(mxg_config_generate(f, "not a name", NULL, NULL) == -1);
	fclose(f);
	free(text);
	test_end();
}

/* A minimal good config, then each bad one differs from it in one place. */
#define HEAD "server_name: example.org\n"
#define LISTENER "listeners:\n  - bind: 127.0.0.1:8090\n    resources: [identity]\n"

static void test_bad(void)
{
	static const struct {
		const char *yaml;
		int line;
		const char *key, *frag;
	} cases[] = {
		/* unknown key, with a hint */
		{ HEAD LISTENER "lisen: 1\n", 5, "lisen", "unknown key" },
		{ HEAD LISTENER "htp:\n  threads: 1\n", 5, "htp", "did you mean 'http'?" },
		{ HEAD LISTENER "http:\n  therads: 2\n", 6, "http.therads",
		  "did you mean 'threads'?" },
		/* wrong type */
		{ HEAD LISTENER "http: 5\n", 5, "http", "expected a mapping, got a scalar" },
		{ HEAD "listeners:\n  bind: 1.2.3.4:5\n", 3, "listeners", "expected a list" },
		{ HEAD LISTENER "http:\n  workers: many\n", 6, "http.workers", "not an integer" },
		{ HEAD LISTENER "homeserver:\n  base_url: 127.0.0.1:8008\n", 6, "homeserver.base_url",
		  "must start with http:// or https://" },
		/* missing keys */
		{ LISTENER, 1, "server_name", "missing required key" },
		{ HEAD, 1, "listeners", "missing required key" },
		{ HEAD "listeners: []\n", 2, "listeners", "at least one element" },
		{ HEAD "listeners:\n  - resources: [identity]\n", 3, "listeners[0].bind",
		  "missing required key" },
		{ HEAD "listeners:\n  - bind: 127.0.0.1:8090\n", 3, "listeners[0].resources",
		  "missing required key" },
		/* listen addresses */
		{ HEAD "listeners:\n  - bind: example.org:80\n    resources: [identity]\n", 3,
		  "listeners[0].bind", "not a listen address" },
		{ HEAD "listeners:\n  - bind: 127.0.0.1\n    resources: [identity]\n", 3,
		  "listeners[0].bind", "port is missing" },
		{ HEAD "listeners:\n  - bind: 127.0.0.1:0\n    resources: [identity]\n", 3,
		  "listeners[0].bind", "port must be a number in 1..65535" },
		{ HEAD "listeners:\n  - bind: 127.0.0.1:65536\n    resources: [identity]\n", 3,
		  "listeners[0].bind", "1..65535" },
		{ HEAD "listeners:\n  - bind: \"[::1:80\"\n    resources: [identity]\n", 3,
		  "listeners[0].bind", "closing ']'" },
		{ HEAD "listeners:\n  - bind: ::1:80\n    resources: [identity]\n", 3,
		  "listeners[0].bind", "not a listen address" },
		{ HEAD LISTENER "  - bind: 127.0.0.1:8091\n    resources: [health]\n"
		  "  - bind: 127.0.0.1:8090\n    resources: [admin]\n", 7, "listeners[2]",
		  "duplicate listener 127.0.0.1:8090 (also listeners[0])" },
		/* resources */
		{ HEAD "listeners:\n  - bind: 127.0.0.1:8090\n    resources: [identity, web]\n", 4,
		  "listeners[0].resources",
		  "unknown resource 'web' (valid: identity, client, oauth, internal, admin, "
		  "health, metrics)" },
		/* server name, base URL */
		{ "server_name: \"bad name\"\n" LISTENER, 1, "server_name", "not a server name" },
		{ HEAD "public_baseurl: ftp://x/\n" LISTENER, 2, "public_baseurl",
		  "must start with http:// or https://" },
		/* stores */
		{ HEAD LISTENER "stores:\n  - name: a\n    module: static\n  - name: b\n"
		  "    module: static\n  - name: a\n    module: static\n", 10, "stores[2]",
		  "duplicate store name 'a' (also stores[0])" },
		{ HEAD LISTENER "stores:\n  - name: Big\n    module: static\n", 6, "stores[0].name",
		  "not a store name" },
		{ HEAD LISTENER "stores:\n  - name: x\n    module: nosuchmodule\n", 6, "stores[0]",
		  "store module 'nosuchmodule' not found" },
		{ HEAD LISTENER "stores:\n  - name: x\n    module: \"../evil\"\n", 6, "stores[0]",
		  "invalid store module name" },
		{ HEAD LISTENER "stores:\n  - name: x\n", 6, "stores[0].module",
		  "missing required key" },
		{ HEAD LISTENER "stores:\n  - name: x\n    module: static\n    users:\n"
		  "      - localpart: bob\n        pasword_hash: x\n", 10,
		  "stores[0].users[0].pasword_hash", "did you mean 'password_hash'?" },
		{ HEAD LISTENER "stores:\n  - name: x\n    module: static\n    user: []\n", 8,
		  "stores[0].user", "did you mean 'users'?" },
		{ HEAD LISTENER "stores:\n  - name: x\n    module: static\n    users:\n"
		  "      - display_name: Bob\n", 9, "stores[0].users[0].localpart",
		  "missing required key" },
		/* database */
		{ HEAD LISTENER "database:\n  driver: postgresql\n", 5, "database",
		  "driver postgresql needs conninfo" },
		{ HEAD LISTENER "database:\n  driver: mysql\n", 6, "database.driver",
		  "'mysql' is not one of: sqlite, postgresql" },
		{ HEAD LISTENER "database:\n  conninfo: a\n  conninfo_file: /x\n", 7,
		  "database.conninfo_file", "not both" },
		{ HEAD LISTENER "database:\n  conninfo_file: /nonexistent/pg\n", 6,
		  "database.conninfo_file", "cannot read /nonexistent/pg" },
		{ HEAD LISTENER "database:\n  pool_size: 0\n", 6, "database.pool_size",
		  "out of range (1..64)" },
		/* durations, sizes, enums, booleans */
		{ HEAD LISTENER "http:\n  connection_timeout: 30 seconds\n", 6,
		  "http.connection_timeout", "is not a duration" },
		{ HEAD LISTENER "lookup:\n  refresh_interval: 500ms\n", 6,
		  "lookup.refresh_interval", "out of range (1s..30d)" },
		{ HEAD LISTENER "http:\n  max_body_size: 100M\n", 6, "http.max_body_size",
		  "out of range (1k..64M)" },
		{ HEAD LISTENER "log:\n  level: verbose\n", 6, "log.level",
		  "'verbose' is not one of: debug, info, warning, error, crit" },
		{ HEAD LISTENER "log:\n  access_log: sometimes\n", 6, "log.access_log",
		  "is not a boolean" },
		/* lookup algorithms */
		{ HEAD LISTENER "lookup:\n  algorithms: [none]\n", 6, "lookup.algorithms",
		  "sha256 must be enabled" },
		{ HEAD LISTENER "lookup:\n  algorithms: [sha256, md5]\n", 6, "lookup.algorithms",
		  "unknown algorithm 'md5'" },
		/* YAML itself */
		{ HEAD LISTENER "http:\n  threads: [1\n", 7, "", "YAML syntax error" },
		{ HEAD LISTENER "http:\n  threads: 1\n  threads: 2\n", 7, "http.threads",
		  "duplicate key (first at line 6)" },
		{ HEAD LISTENER "x: &a 1\ny: *a\n", 6, "", "aliases" },
	};
	struct mxg_config *cfg;

	test_begin("bad configs: each problem at its line and key");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = load(cases[i].yaml, &cfg);

		test_assert_idx(ret != 0 && cfg == NULL, i);
		test_assert_idx(nreports == 1, i);
		test_assert_idx(reports[0].line == cases[i].line, i);
		test_assert_idx(strcmp(reports[0].key, cases[i].key) == 0, i);
		test_assert_idx(strstr(reports[0].msg, cases[i].frag) != NULL, i);
		if (nreports != 1 || reports[0].line != cases[i].line ||
		    strcmp(reports[0].key, cases[i].key) != 0 ||
		    strstr(reports[0].msg, cases[i].frag) == NULL)
			dump_reports();
	}
	test_end();

	test_begin("every problem is reported");
	test_assert(load("server_name: example.org\n"
			 "listeners:\n"
			 "  - bind: 127.0.0.1:99999\n"
			 "    resources: [identity]\n"
			 "http:\n"
			 "  workers: 0\n"
			 "log:\n"
			 "  levle: debug\n", &cfg) == 3);
	test_assert(nreports == 3);
	test_assert(reports[0].line == 3 && strcmp(reports[0].key, "listeners[0].bind") == 0);
	test_assert(reports[1].line == 6 && strcmp(reports[1].key, "http.workers") == 0);
	test_assert(reports[2].line == 8 && strcmp(reports[2].key, "log.levle") == 0);
	test_end();

	test_begin("an unreadable file is -1");
	nreports = 0;
	test_assert(mxg_config_load("/nonexistent/mxgate.yaml", &cfg, collect, NULL) == -1);
	test_assert(cfg == NULL && nreports == 1 && reports[0].line == 0);
	test_end();
}

static void test_path(void)
{
	test_begin("config path: -c, else MXGATE_CONFIG");
	setenv("MXGATE_CONFIG", "/etc/from-env.yaml", 1);
	test_assert_streq(mxg_config_path("/x.yaml"), "/x.yaml");
	test_assert_streq(mxg_config_path(NULL), "/etc/from-env.yaml");
	unsetenv("MXGATE_CONFIG");
	test_assert(mxg_config_path(NULL) == NULL);
	test_end();
}

/* --- the man page documents every key ------------------------------------------ */

static void test_man_page(void)
{
	char *man;

	test_begin("man/mxgate.yaml.5 documents every key");
	man = man_page_read("man/mxgate.yaml.5");
	test_assert(man != NULL);
	if (man != NULL) {
		test_assert(man_missing_keys(man, mxg_config_table, "") == 0);
		test_assert(man_missing_keys(man, mxg_store_static.settings, "stores[].") == 0);
		test_assert(man_has_word(man, "MXGATE_CONFIG"));
	}
	free(man);
	test_end();
}

int main(void)
{
	test_good();
	test_postgresql();
	test_generated();
	test_bad();
	test_path();
	test_man_page();
	return test_done("test-config");
}
