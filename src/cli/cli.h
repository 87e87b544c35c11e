/*
 * cli.h: the `mxgate` subcommands.  main.c dispatches on argv[1]; each
 * subcommand lives in its own file, parses its own options (getopt_long) and
 * returns one of the documented exit codes.
 */
#ifndef MXG_CLI_H
#define MXG_CLI_H

#include <stdio.h>

struct mxg_config;

enum mxg_exit {
	MXG_EXIT_OK = 0,
	MXG_EXIT_FAILURE = 1,	/* runtime failure: database down, I/O error */
	MXG_EXIT_USAGE = 2,	/* bad usage or bad configuration */
};

struct mxg_cli_cmd {
	const char *name;
	const char *summary;	/* one line for `mxgate --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the subcommand */
};

int mxg_cli_serve(int argc, char **argv);
int mxg_cli_config(int argc, char **argv);
int mxg_cli_db(int argc, char **argv);
int mxg_cli_keys(int argc, char **argv);
int mxg_cli_lookup(int argc, char **argv);
int mxg_cli_auth_test(int argc, char **argv);
int mxg_cli_search(int argc, char **argv);
int mxg_cli_profile(int argc, char **argv);
int mxg_cli_accounts(int argc, char **argv);

/*
 * Load the config named by -c (arg, may be NULL) or $MXGATE_CONFIG, printing
 * every problem to stderr as "file:line: key: message".  Returns MXG_EXIT_OK
 * with *cfg_r set, or MXG_EXIT_USAGE.
 */
int mxg_cli_load_config(const char *arg, struct mxg_config **cfg_r);

/*
 * Parse the options of a command that reads the configuration: -c/--config
 * FILE and -h/--help, followed by exactly `operands` operands.  command
 * names it in messages ("serve", "db migrate").  Returns -1 to go on, with
 * *config_r (NULL: $MXGATE_CONFIG) and the operands at argv[*first_r...];
 * otherwise the exit code to return, usage printed (to stdout for --help, to
 * stderr after the problem for a bad option or operand count).
 */
int mxg_cli_config_options(int argc, char **argv, const char *command, int operands,
			   void (*usage)(FILE *out), const char **config_r, int *first_r);

/* True when argv holds -h or --help (checked before getopt for every command). */
int mxg_cli_wants_help(int argc, char **argv);

#endif
