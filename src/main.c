/*
 * main.c: the `mxgate` entry point: subcommand dispatch only.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct mxg_cli_cmd commands[] = {
	{ "serve", "run the daemon in the foreground", mxg_cli_serve },
	{ "config", "generate or check a configuration file", mxg_cli_config },
	{ "db", "migrate the database schema", mxg_cli_db },
	{ "keys", "generate an ed25519 signing key", mxg_cli_keys },
	{ "lookup", "ask the identity stores who owns a 3PID", mxg_cli_lookup },
	{ "auth-test", "check a password against the identity stores", mxg_cli_auth_test },
	{ "search", "search the identity stores' directories", mxg_cli_search },
	{ "profile", "ask the identity stores for a person's profile", mxg_cli_profile },
	{ "accounts", "add local accounts, set their passwords", mxg_cli_accounts },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: mxgate <command> [options]\n"
		     "       mxgate --version | --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`mxgate <command> --help` describes a command.\n"
		     "Exit status: 0 ok, 1 runtime failure, 2 usage or configuration error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MXG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return MXG_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return MXG_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "mxgate: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return MXG_EXIT_USAGE;
}
