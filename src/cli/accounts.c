/*
 * accounts.c: `mxgate accounts add|passwd|lock|unlock`: accounts of the
 * built-in local store (stores: module local), kept in mxgate's own
 * database.  The password is read from standard input (one line), never
 * from the command line, and must meet the store's policy.  Locking ends
 * every session of the account (its tokens introspect inactive at once).
 *
 * Exit status: 0 ok, 1 the database failed or the account exists / does
 * not exist, 2 bad usage or configuration (no local store, weak password).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/mxconfig.h"
#include "core/threepid.h"
#include "db/db.h"
#include "oauth/sessions.h"
#include "stores/local.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mxgate accounts add [-c FILE] [--display-name NAME] [--email ADDRESS] "
		"LOCALPART\n"
		"       mxgate accounts passwd [-c FILE] LOCALPART\n"
		"       mxgate accounts lock|unlock [-c FILE] LOCALPART\n"
		"\n"
		"  add      create an account of the local store; an e-mail address given\n"
		"           here counts as verified\n"
		"  passwd   set an account's password\n"
		"  lock     refuse the account's logins and end its sessions; unlock: undo\n"
		"The password is read from standard input (one line).\n"
		"Exit status: 0 ok, 1 failure, 2 usage or configuration error.\n");
}

static const struct mxg_local_settings *local_store(const struct mxg_config *cfg)
{
	const struct mxg_store_conf *s = cfg->stores.items;

	for (size_t i = 0; i < cfg->stores.count; i++)
		if (strcmp(s[i].module, "local") == 0)
			return s[i].settings;
	return NULL;
}

static char *read_password(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n <= 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static int lock_account(const struct mxg_config *cfg, const char *lp, bool lock)
{
	struct mxg_db *db = NULL;
	struct mxg_error err;
	char user_id[512];
	int rc, ended = 0;

	mxg_error_clear(&err);
	if (mxg_db_open(&cfg->database, &db, &err) < 0) {
		fprintf(stderr, "mxgate accounts: %s\n", err.msg);
		return MXG_EXIT_FAILURE;
	}
	rc = mxg_local_account_lock(db, lp, lock, &err);
	snprintf(user_id, sizeof(user_id), "@%s:%s", lp, cfg->server_name);
	if (rc == 1 && lock) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		/* The homeserver keeps the devices: the CLI makes no calls to
		 * it (the daemon's revocation or logout would). */
		ended = mxg_oauth_sessions_end_all(db, user_id, (long long)ts.tv_sec * 1000 +
						   ts.tv_nsec / 1000000, NULL, &err);
		if (ended < 0)
			rc = -1;
	}
	mxg_db_close(&db);
	if (rc < 0) {
		fprintf(stderr, "mxgate accounts: %s\n", err.msg);
		return MXG_EXIT_FAILURE;
	}
	if (rc == 0) {
		fprintf(stderr, "mxgate accounts: no account %s\n", lp);
		return MXG_EXIT_FAILURE;
	}
	if (lock)
		printf("account %s locked, %d session(s) ended\n", lp, ended);
	else
		printf("account %s unlocked\n", lp);
	return MXG_EXIT_OK;
}

int mxg_cli_accounts(int argc, char **argv)
{
	const char *display = NULL, *email = NULL, *config_arg, *action, *problem, *lp;
	const struct mxg_local_settings *set;
	struct mxg_config *cfg = NULL;
	struct mxg_db *db = NULL;
	struct mxg_error err;
	struct mxg_arena *arena = mxg_arena_create(256);
	char *password = NULL;
	const char *addr = NULL;
	int rc, first, n = 1;

	if (argc < 2 || mxg_cli_wants_help(argc, argv)) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? MXG_EXIT_USAGE : MXG_EXIT_OK;
	}
	action = argv[1];
	if (strcmp(action, "add") != 0 && strcmp(action, "passwd") != 0 &&
	    strcmp(action, "lock") != 0 && strcmp(action, "unlock") != 0) {
		fprintf(stderr, "mxgate accounts: unknown action '%s'\n", action);
		usage(stderr);
		return MXG_EXIT_USAGE;
	}
	/* Our own options out of the way, the rest to the common parser. */
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--display-name") == 0)
			display = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--email") == 0)
			email = argv[++i];
		else
			argv[n++] = argv[i];
	}
	rc = mxg_cli_config_options(n - 1, argv + 1, action, 1, usage, &config_arg, &first);
	if (rc >= 0) {
		mxg_arena_destroy(&arena);
		return rc;
	}
	lp = argv[1 + first];
	rc = mxg_cli_load_config(config_arg, &cfg);
	if (rc != MXG_EXIT_OK) {
		mxg_arena_destroy(&arena);
		return rc;
	}
	set = local_store(cfg);
	if (set == NULL) {
		fprintf(stderr, "mxgate accounts: no store with module local in the config\n");
		rc = MXG_EXIT_USAGE;
		goto out;
	}
	if (email != NULL && (addr = mxg_3pid_canonicalize(arena, "email", email)) == NULL) {
		fprintf(stderr, "mxgate accounts: '%s' is not an e-mail address\n", email);
		rc = MXG_EXIT_USAGE;
		goto out;
	}
	if (strcmp(action, "lock") == 0 || strcmp(action, "unlock") == 0) {
		rc = lock_account(cfg, lp, strcmp(action, "lock") == 0);
		goto out;
	}
	password = read_password();
	problem = password == NULL ? "no password on standard input" :
		  mxg_local_password_policy(set, lp, password);
	if (problem != NULL) {
		fprintf(stderr, "mxgate accounts %s: %s\n", action, problem);
		rc = MXG_EXIT_USAGE;
		goto out;
	}
	if (mxg_db_open(&cfg->database, &db, &err) < 0) {
		fprintf(stderr, "mxgate accounts %s: %s\n", action, err.msg);
		rc = MXG_EXIT_FAILURE;
		goto out;
	}
	mxg_error_clear(&err);
	if (strcmp(action, "add") == 0) {
		rc = mxg_local_account_create(db, set, lp, display, addr, password, &err);
		if (rc == 0)
			printf("account %s created\n", lp);
		else if (rc == 1)
			fprintf(stderr, "mxgate accounts add: %s, or that e-mail address, exists\n",
				lp);
	} else {
		rc = mxg_local_account_set_password(db, set, lp, password, &err);
		if (rc == 1)
			printf("password of %s set\n", lp);
		else if (rc == 0)
			fprintf(stderr, "mxgate accounts passwd: no account %s\n", lp);
		rc = rc == 1 ? 0 : rc == 0 ? 1 : -1;
	}
	if (rc < 0)
		fprintf(stderr, "mxgate accounts %s: %s\n", action, err.msg);
	rc = rc == 0 ? MXG_EXIT_OK : MXG_EXIT_FAILURE;
out:
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	mxg_arena_destroy(&arena);
	mxg_db_close(&db);
	mxg_config_free(&cfg);
	return rc;
}
