/*
 * db.c: `mxgate db migrate|version`: bring the database schema up to date,
 * or say where it stands, using the "database" section of the config.
 *
 * Exit status: 0 ok, 1 the database failed (unreachable, schema newer than
 * this binary), 2 bad usage or configuration.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/mxconfig.h"
#include "db/db.h"

static void usage(FILE *out, bool full)
{
	fprintf(out,
		"usage: mxgate db migrate [-c FILE]\n"
		"       mxgate db version [-c FILE]\n");
	if (!full) {
		fprintf(out, "`mxgate db --help` for more.\n");
		return;
	}
	fprintf(out,
		"\n"
		"  migrate          apply every missing schema migration (safe to run\n"
		"                   again, and from several hosts at once)\n"
		"  version          print the database's schema version and the latest\n"
		"                   this mxgate knows\n"
		"  -c, --config FILE  configuration file (default: $MXGATE_CONFIG)\n"
		"\n"
		"Exit status: 0 ok, 1 database failure, 2 usage or configuration error.\n");
}

/* Parse [-c FILE] for an action; returns -1 (after printing) on bad usage. */
static void usage_short(FILE *out)
{
	usage(out, false);
}

static int run_migrate(struct mxg_db *db, const char *action)
{
	struct mxg_error err;
	int before, after;

	if (mxg_db_schema_version(db, &before, &err) < 0 ||
	    mxg_db_migrate(db, &err) < 0 ||
	    mxg_db_schema_version(db, &after, &err) < 0) {
		fprintf(stderr, "mxgate db %s: %s\n", action, err.msg);
		return MXG_EXIT_FAILURE;
	}
	printf("database: %s, schema version %d -> %d\n", mxg_db_driver_name(db), before, after);
	return MXG_EXIT_OK;
}

static int run_version(struct mxg_db *db, const char *action)
{
	struct mxg_error err;
	int current;

	if (mxg_db_schema_version(db, &current, &err) < 0) {
		fprintf(stderr, "mxgate db %s: %s\n", action, err.msg);
		return MXG_EXIT_FAILURE;
	}
	printf("database: %s, schema version %d, latest %d\n", mxg_db_driver_name(db),
	       current, mxg_db_schema_latest());
	return MXG_EXIT_OK;
}

int mxg_cli_db(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct mxg_db *db, const char *action);
	} actions[] = {
		{ "migrate", run_migrate },
		{ "version", run_version },
	};
	struct mxg_config *cfg = NULL;
	struct mxg_db *db = NULL;
	struct mxg_error err;
	const char *config_arg;
	char command[32];
	int rc, first;

	if (argc < 2) {
		usage(stderr, false);
		return MXG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout, true);
		return MXG_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(argv[1], actions[i].name) != 0)
			continue;
		/* From here argv[0] is the action, as getopt expects. */
		if (mxg_cli_wants_help(argc - 1, argv + 1)) {
			usage(stdout, true);
			return MXG_EXIT_OK;
		}
		snprintf(command, sizeof(command), "db %s", actions[i].name);
		rc = mxg_cli_config_options(argc - 1, argv + 1, command, 0, usage_short,
					    &config_arg, &first);
		if (rc >= 0)
			return rc;
		rc = mxg_cli_load_config(config_arg, &cfg);
		if (rc != MXG_EXIT_OK)
			return rc;
		if (mxg_db_open(&cfg->database, &db, &err) < 0) {
			fprintf(stderr, "mxgate db %s: %s\n", actions[i].name, err.msg);
			mxg_config_free(&cfg);
			return MXG_EXIT_FAILURE;
		}
		rc = actions[i].run(db, actions[i].name);
		mxg_db_close(&db);
		mxg_config_free(&cfg);
		return rc;
	}
	fprintf(stderr, "mxgate db: unknown action '%s'\n", argv[1]);
	usage(stderr, false);
	return MXG_EXIT_USAGE;
}
