/*
 * stores.c: `mxgate lookup|auth-test|search|profile`: ask every identity
 * store of the configuration, in priority order, and print which store
 * answered what, then the chain's own answer: the tools an admin needs when
 * "login fails" or "my colleague is not found" and the question is which
 * directory says so.  They talk to the stores directly, not to a daemon.
 *
 * Output, one line per store, then the chain's answer:
 *   store NAME (MODULE): ok @u:server | not found | denied | unavailable: why
 *   QUERY -> @u:server (store NAME)     followed by indented person lines
 * Exit status: 0 found / accepted, 1 not (or a store down), 2 usage.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/threepid.h"
#include "stores/chain.h"
#include "stores/util.h"

#define PASSWORD_MAX 4096
#define SEARCH_LIMIT_DEFAULT 10
#define SEARCH_LIMIT_MAX 1000

struct store_cmd {
	const char *name;		/* "auth-test" */
	const char *operands;		/* "USER", for usage */
	const char *summary;		/* what it does, for usage */
	const char *exit_ok;		/* what exit 0 means */
	bool has_medium, has_limit;
	int operand_count;
};

struct store_opts {
	const char *config;
	const char *medium;
	long limit;
	int first;			/* argv index of the first operand */
};

static void usage(const struct store_cmd *cmd, FILE *out)
{
	fprintf(out, "usage: mxgate %s [-c FILE]%s%s %s\n\n%s\n\n"
		     "  -c, --config FILE   configuration (default: $MXGATE_CONFIG)\n",
		cmd->name, cmd->has_medium ? " [-m email|msisdn]" : "",
		cmd->has_limit ? " [-l LIMIT]" : "", cmd->operands, cmd->summary);
	if (cmd->has_medium)
		fprintf(out, "  -m, --medium M      USER is a 3PID of this medium (default: an\n"
			     "                      address with '@' inside is an e-mail, one\n"
			     "                      starting with '+' a phone number)\n");
	if (cmd->has_limit)
		fprintf(out, "  -l, --limit N       at most N people (default %d, at most %d)\n",
			SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX);
	fprintf(out, "  -h, --help          this text\n\n"
		     "Exit status: 0 %s, 1 otherwise (including a store unavailable),\n"
		     "2 usage or configuration error.\n", cmd->exit_ok);
}

/* -1 to go on with o filled; otherwise the exit code (usage printed). */
static int parse_options(const struct store_cmd *cmd, int argc, char **argv,
			 struct store_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "medium", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->limit = SEARCH_LIMIT_DEFAULT;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":c:m:l:h", opts, NULL)) != -1) {
		if ((c == 'm' && !cmd->has_medium) || (c == 'l' && !cmd->has_limit))
			c = '?';
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'm':
			if (!mxg_3pid_medium_valid(optarg)) {
				fprintf(stderr, "mxgate %s: unknown medium '%s' (email, msisdn)\n",
					cmd->name, optarg);
				return MXG_EXIT_USAGE;
			}
			o->medium = optarg;
			break;
		case 'l':
			o->limit = strtol(optarg, &end, 10);
			if (*end != '\0' || o->limit < 1 || o->limit > SEARCH_LIMIT_MAX) {
				fprintf(stderr, "mxgate %s: --limit must be 1..%d\n", cmd->name,
					SEARCH_LIMIT_MAX);
				return MXG_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(cmd, stdout);
			return MXG_EXIT_OK;
		case ':':
			fprintf(stderr, "mxgate %s: %s needs a value\n\n", cmd->name,
				argv[optind - 1]);
			usage(cmd, stderr);
			return MXG_EXIT_USAGE;
		default:
			fprintf(stderr, "mxgate %s: unknown option '%s'\n\n", cmd->name,
				argv[optind - 1]);
			usage(cmd, stderr);
			return MXG_EXIT_USAGE;
		}
	}
	if (argc - optind != cmd->operand_count) {
		fprintf(stderr, "mxgate %s: %s\n\n", cmd->name,
			argc - optind > cmd->operand_count ? "too many arguments"
							    : "missing argument");
		usage(cmd, stderr);
		return MXG_EXIT_USAGE;
	}
	o->first = optind;
	return -1;
}

/* Load the config and start its stores.  MXG_EXIT_OK or the exit code. */
static int open_chain(const struct store_cmd *cmd, const char *conf_arg,
		      struct mxg_config **cfg_r, struct mxg_store_chain **chain_r)
{
	struct mxg_error err;
	int rc;

	rc = mxg_cli_load_config(conf_arg, cfg_r);
	if (rc != MXG_EXIT_OK)
		return rc;
	/* Store drivers log their own trouble: show it on stderr. */
	mxg_log_open(NULL, MXG_LOG_WARNING);
	mxg_error_clear(&err);
	if (mxg_store_chain_create(*cfg_r, chain_r, &err) < 0) {
		fprintf(stderr, "mxgate %s: %s\n", cmd->name, err.msg);
		return MXG_EXIT_USAGE;
	}
	return MXG_EXIT_OK;
}

static void close_chain(struct mxg_config **cfg, struct mxg_store_chain **chain)
{
	mxg_store_chain_destroy(chain);
	mxg_config_free(cfg);
}

/* Directory values are not ours: a newline or escape in a display name
 * must not forge output lines or drive the terminal. */
static void put_clean(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_field(const char *key, const char *value)
{
	if (value == NULL)
		return;
	printf("  %s: ", key);
	put_clean(value);
	putchar('\n');
}

static void print_person(const struct mxg_person *p)
{
	print_field("display_name", p->display_name);
	print_field("avatar_url", p->avatar_url);
	for (size_t i = 0; i < p->threepid_count; i++)
		print_field(p->threepids[i].medium, p->threepids[i].address);
}

/* "store NAME (MODULE): " */
static void print_store(const struct mxg_store *s)
{
	printf("store %s (%s): ", s->name, s->driver->name);
}

/* "ok X", or the result and the store's reason. */
static void print_result(enum mxg_store_result res, const char *ok_value,
			 const struct mxg_error *err)
{
	if (res == MXG_STORE_OK && ok_value != NULL) {
		fputs("ok ", stdout);
		put_clean(ok_value);
	} else {
		fputs(mxg_store_result_str(res), stdout);
		if (res != MXG_STORE_OK && err->msg[0] != '\0') {
			fputs(": ", stdout);
			put_clean(err->msg);
		}
	}
	putchar('\n');
}

/* The chain's answer: "QUERY -> value (store NAME)" or "QUERY -> result". */
static void print_verdict(const char *query, enum mxg_store_result res, const char *value,
			  const struct mxg_store *winner, const struct mxg_error *err)
{
	put_clean(query);
	fputs(" -> ", stdout);
	if (res == MXG_STORE_OK) {
		put_clean(value);
		printf(" (store %s)\n", winner != NULL ? winner->name : "?");
	} else {
		print_result(res, NULL, err);
	}
}

/*
 * auth-test and profile ask for a person: each store that has the
 * operation, then the chain.  query is the operation's argument (a struct
 * mxg_cred, or a user ID), label how the verdict line names it.
 */
struct person_query {
	const char *missing;		/* printed for a store without the op */
	bool (*has)(const struct mxg_store *s);	/* the driver has the op */
	enum mxg_store_result (*ask)(struct mxg_store *s, const void *query,
				     struct mxg_arena *arena, struct mxg_person *person_r,
				     struct mxg_error *err);
	enum mxg_store_result (*ask_chain)(struct mxg_store_chain *chain, const void *query,
					   struct mxg_arena *arena, struct mxg_person *person_r,
					   const struct mxg_store **winner_r,
					   struct mxg_error *err);
	bool show_user_id;		/* "ok @u:s" per store, and as the verdict */
};

static int run_person_query(struct mxg_store_chain *chain, const struct person_query *pq,
			    const void *query, const char *label, struct mxg_arena *arena)
{
	const struct mxg_store *winner = NULL;
	struct mxg_person person;
	enum mxg_store_result res;
	struct mxg_error err;

	for (size_t i = 0; i < mxg_store_chain_count(chain); i++) {
		struct mxg_store *s = mxg_store_chain_get(chain, i);

		print_store(s);
		if (!pq->has(s)) {
			puts(pq->missing);
			continue;
		}
		memset(&person, 0, sizeof(person));
		mxg_error_clear(&err);
		res = pq->ask(s, query, arena, &person, &err);
		print_result(res, pq->show_user_id ? person.user_id : NULL, &err);
	}
	memset(&person, 0, sizeof(person));
	mxg_error_clear(&err);
	res = pq->ask_chain(chain, query, arena, &person, &winner, &err);
	print_verdict(label, res, pq->show_user_id ? person.user_id : "ok", winner, &err);
	if (res == MXG_STORE_OK)
		print_person(&person);
	return res == MXG_STORE_OK ? MXG_EXIT_OK : MXG_EXIT_FAILURE;
}

/* --- lookup ------------------------------------------------------------------ */

static const struct store_cmd lookup_cmd = {
	.name = "lookup", .operands = "MEDIUM ADDRESS", .operand_count = 2,
	.summary = "Ask each identity store, in priority order, who owns the 3PID\n"
		   "(MEDIUM is email or msisdn) and print every store's answer.",
	.exit_ok = "found",
};

static int run_lookup(struct mxg_store_chain *chain, const struct mxg_3pid *q,
		      struct mxg_arena *arena)
{
	const struct mxg_store *winner = NULL;
	const char *user_id = NULL;
	enum mxg_store_result res;
	struct mxg_error err;

	for (size_t i = 0; i < mxg_store_chain_count(chain); i++) {
		struct mxg_store *s = mxg_store_chain_get(chain, i);
		const char *uid = NULL;

		print_store(s);
		if (s->driver->lookup == NULL) {
			puts("no lookup");
			continue;
		}
		mxg_error_clear(&err);
		res = s->driver->lookup(s, q, arena, &uid, &err);
		print_result(res, uid, &err);
	}
	mxg_error_clear(&err);
	res = mxg_store_chain_lookup(chain, q, arena, &user_id, &winner, &err);
	printf("%s ", q->medium);
	print_verdict(q->address, res, user_id, winner, &err);
	return res == MXG_STORE_OK ? MXG_EXIT_OK : MXG_EXIT_FAILURE;
}

int mxg_cli_lookup(int argc, char **argv)
{
	struct mxg_store_chain *chain = NULL;
	struct mxg_config *cfg = NULL;
	struct mxg_arena *arena;
	struct store_opts o;
	struct mxg_3pid q;
	int rc;

	rc = parse_options(&lookup_cmd, argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (!mxg_3pid_medium_valid(argv[o.first])) {
		fprintf(stderr, "mxgate lookup: unknown medium '%s' (email, msisdn)\n",
			argv[o.first]);
		return MXG_EXIT_USAGE;
	}
	arena = mxg_arena_create(1024);
	q.medium = argv[o.first];
	q.address = mxg_3pid_canonicalize(arena, q.medium, argv[o.first + 1]);
	if (q.address == NULL) {
		fprintf(stderr, "mxgate lookup: '%s' is not a valid %s address\n",
			argv[o.first + 1], q.medium);
		rc = MXG_EXIT_USAGE;
	} else {
		rc = open_chain(&lookup_cmd, o.config, &cfg, &chain);
		if (rc == MXG_EXIT_OK)
			rc = run_lookup(chain, &q, arena);
	}
	close_chain(&cfg, &chain);
	mxg_arena_destroy(&arena);
	return rc;
}

/* --- auth-test ----------------------------------------------------------------- */

static const struct store_cmd auth_cmd = {
	.name = "auth-test", .operands = "USER", .operand_count = 1, .has_medium = true,
	.summary = "Check a password against each identity store, in priority order, and\n"
		   "print every store's answer.  USER is a localpart, a Matrix ID, an\n"
		   "e-mail address or a phone number.  The password is read from the\n"
		   "first line of standard input (never from the command line).",
	.exit_ok = "accepted",
};

/* One line from stdin, without echo on a terminal.  Returns its length, or
 * -1.  The buffer is the caller's, wiped by the caller. */
static ssize_t read_password(char *buf, size_t size)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t len;

	if (tty) {
		fputs("Password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)size, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	len = strlen(buf);
	if (len == size - 1 && buf[len - 1] != '\n')
		return -1;	/* longer than we take: refuse, don't truncate */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return (ssize_t)len;
}

/* One store's, and the chain's, verdict on a password. */
static enum mxg_store_result ask_auth(struct mxg_store *s, const void *q, struct mxg_arena *arena,
				      struct mxg_person *person_r, struct mxg_error *err)
{
	return s->driver->authenticate(s, q, arena, person_r, err);
}

static enum mxg_store_result ask_chain_auth(struct mxg_store_chain *chain, const void *q,
					    struct mxg_arena *arena, struct mxg_person *person_r,
					    const struct mxg_store **winner_r,
					    struct mxg_error *err)
{
	return mxg_store_chain_authenticate(chain, q, arena, person_r, winner_r, err);
}

static bool has_auth(const struct mxg_store *s)
{
	return s->driver->authenticate != NULL;
}

static const struct person_query auth_query = {
	.missing = "no authenticate",
	.has = has_auth,
	.ask = ask_auth,
	.ask_chain = ask_chain_auth,
	.show_user_id = true,
};

int mxg_cli_auth_test(int argc, char **argv)
{
	struct mxg_store_chain *chain = NULL;
	struct mxg_config *cfg = NULL;
	struct mxg_arena *arena;
	struct mxg_cred cred = { 0 };
	struct store_opts o;
	char *password;
	ssize_t len;
	int rc;

	rc = parse_options(&auth_cmd, argc, argv, &o);
	if (rc >= 0)
		return rc;
	arena = mxg_arena_create(4096);
	cred.user = argv[o.first];
	cred.medium = o.medium;
	if (cred.medium == NULL && cred.user[0] != '@' && strchr(cred.user, '@') != NULL)
		cred.medium = "email";
	else if (cred.medium == NULL && cred.user[0] == '+')
		cred.medium = "msisdn";
	if (cred.medium != NULL) {
		cred.user = mxg_3pid_canonicalize(arena, cred.medium, argv[o.first]);
		if (cred.user == NULL) {
			fprintf(stderr, "mxgate auth-test: '%s' is not a valid %s address\n",
				argv[o.first], cred.medium);
			mxg_arena_destroy(&arena);
			return MXG_EXIT_USAGE;
		}
	}
	password = malloc(PASSWORD_MAX + 2);
	if (password == NULL) {
		mxg_arena_destroy(&arena);
		return MXG_EXIT_FAILURE;
	}
	len = read_password(password, PASSWORD_MAX + 2);
	if (len < 0) {
		fprintf(stderr, "mxgate auth-test: password longer than %d bytes\n", PASSWORD_MAX);
		rc = MXG_EXIT_USAGE;
	} else {
		cred.password = password;
		cred.password_len = (size_t)len;
		rc = open_chain(&auth_cmd, o.config, &cfg, &chain);
		if (rc == MXG_EXIT_OK)
			rc = run_person_query(chain, &auth_query, &cred, cred.user, arena);
	}
	explicit_bzero(password, PASSWORD_MAX + 2);
	free(password);
	close_chain(&cfg, &chain);
	mxg_arena_destroy(&arena);
	return rc;
}

/* --- search -------------------------------------------------------------------- */

static const struct store_cmd search_cmd = {
	.name = "search", .operands = "TERM", .operand_count = 1, .has_limit = true,
	.summary = "Search each identity store's directory for people matching TERM (at\n"
		   "least two characters), then print the merged result a client would\n"
		   "get: each person once, the higher-priority store first.",
	.exit_ok = "somebody found",
};

static void print_people(const struct mxg_person *people, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputs("  ", stdout);
		put_clean(people[i].user_id);
		putchar('\t');
		put_clean(people[i].display_name != NULL ? people[i].display_name : "");
		putchar('\n');
	}
}

static int run_search(struct mxg_store_chain *chain, const char *term, size_t limit,
		      struct mxg_arena *arena)
{
	struct mxg_store_search found;
	enum mxg_store_result res;
	struct mxg_error err;

	for (size_t i = 0; i < mxg_store_chain_count(chain); i++) {
		struct mxg_store *s = mxg_store_chain_get(chain, i);
		struct mxg_person *people = NULL;
		size_t n = 0;

		print_store(s);
		if (s->driver->directory_search == NULL) {
			puts("no directory search");
			continue;
		}
		if (!mxg_store_term_ok(term)) {
			puts("not asked: term too short");
			continue;
		}
		mxg_error_clear(&err);
		res = s->driver->directory_search(s, term, limit, arena, &people, &n, &err);
		if (res != MXG_STORE_OK) {
			print_result(res, NULL, &err);
			continue;
		}
		printf("%zu found\n", n);
		print_people(people, n);
	}
	mxg_error_clear(&err);
	res = mxg_store_chain_search(chain, term, limit, arena, &found, &err);
	if (res != MXG_STORE_OK) {
		fputs("result: ", stdout);
		print_result(res, NULL, &err);
		return MXG_EXIT_FAILURE;
	}
	printf("result: %zu found%s%s\n", found.count, found.limited ? ", limited" : "",
	       found.partial ? ", partial" : "");
	print_people(found.people, found.count);
	return found.count > 0 ? MXG_EXIT_OK : MXG_EXIT_FAILURE;
}

int mxg_cli_search(int argc, char **argv)
{
	struct mxg_store_chain *chain = NULL;
	struct mxg_config *cfg = NULL;
	struct mxg_arena *arena;
	struct store_opts o;
	int rc;

	rc = parse_options(&search_cmd, argc, argv, &o);
	if (rc >= 0)
		return rc;
	arena = mxg_arena_create(16384);
	rc = open_chain(&search_cmd, o.config, &cfg, &chain);
	if (rc == MXG_EXIT_OK)
		rc = run_search(chain, argv[o.first], (size_t)o.limit, arena);
	close_chain(&cfg, &chain);
	mxg_arena_destroy(&arena);
	return rc;
}

/* --- profile ------------------------------------------------------------------- */

static const struct store_cmd profile_cmd = {
	.name = "profile", .operands = "USER_ID", .operand_count = 1,
	.summary = "Ask each identity store, in priority order, for the profile of a\n"
		   "Matrix ID (display name, avatar, 3PIDs) and print every answer.",
	.exit_ok = "found",
};

static enum mxg_store_result ask_profile(struct mxg_store *s, const void *q,
					 struct mxg_arena *arena, struct mxg_person *person_r,
					 struct mxg_error *err)
{
	return s->driver->profile(s, q, arena, person_r, err);
}

static enum mxg_store_result ask_chain_profile(struct mxg_store_chain *chain, const void *q,
					       struct mxg_arena *arena,
					       struct mxg_person *person_r,
					       const struct mxg_store **winner_r,
					       struct mxg_error *err)
{
	return mxg_store_chain_profile(chain, q, arena, person_r, winner_r, err);
}

static bool has_profile(const struct mxg_store *s)
{
	return s->driver->profile != NULL;
}

static const struct person_query profile_query = {
	.missing = "no profile",
	.has = has_profile,
	.ask = ask_profile,
	.ask_chain = ask_chain_profile,
};

int mxg_cli_profile(int argc, char **argv)
{
	struct mxg_store_chain *chain = NULL;
	struct mxg_config *cfg = NULL;
	struct mxg_arena *arena;
	struct store_opts o;
	const char *user_id;
	int rc;

	rc = parse_options(&profile_cmd, argc, argv, &o);
	if (rc >= 0)
		return rc;
	user_id = argv[o.first];
	if (user_id[0] != '@' || strchr(user_id, ':') == NULL) {
		fprintf(stderr, "mxgate profile: '%s' is not a Matrix ID (@user:server)\n",
			user_id);
		return MXG_EXIT_USAGE;
	}
	arena = mxg_arena_create(4096);
	rc = open_chain(&profile_cmd, o.config, &cfg, &chain);
	if (rc == MXG_EXIT_OK)
		rc = run_person_query(chain, &profile_query, user_id, user_id, arena);
	close_chain(&cfg, &chain);
	mxg_arena_destroy(&arena);
	return rc;
}
