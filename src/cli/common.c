/*
 * common.c: helpers shared by the subcommands: the -c/--help options,
 * loading the configuration with every problem printed, and spotting --help.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/mxconfig.h"

struct cli_report {
	int count;
};

/* "file:line: key: message", leaving out what is unknown. */
static void print_problem(void *ctx, const char *file, int line, const char *key,
			  const char *msg)
{
	struct cli_report *r = ctx;

	r->count++;
	if (line > 0)
		fprintf(stderr, "%s:%d: ", file, line);
	else
		fprintf(stderr, "%s: ", file);
	if (key != NULL && key[0] != '\0')
		fprintf(stderr, "%s: ", key);
	fprintf(stderr, "%s\n", msg);
}

int mxg_cli_load_config(const char *arg, struct mxg_config **cfg_r)
{
	struct cli_report r = { 0 };
	const char *path = mxg_config_path(arg);

	*cfg_r = NULL;
	if (path == NULL || path[0] == '\0') {
		fprintf(stderr, "mxgate: no configuration file: give -c FILE or set "
			"MXGATE_CONFIG\n");
		return MXG_EXIT_USAGE;
	}
	if (mxg_config_load(path, cfg_r, print_problem, &r) == 0)
		return MXG_EXIT_OK;
	if (r.count == 0)	/* cannot happen: a failed load reports why */
		r.count = 1;
	fprintf(stderr, "%d problem%s in %s\n", r.count, r.count == 1 ? "" : "s", path);
	return MXG_EXIT_USAGE;
}

int mxg_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int mxg_cli_config_options(int argc, char **argv, const char *command, int operands,
			   void (*usage)(FILE *out), const char **config_r, int *first_r)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*config_r = NULL;
	opterr = 0;	/* our own messages, naming the whole command */
	optind = 0;	/* glibc: a full reset, getopt may have run before */
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config_r = optarg;
			break;
		case 'h':
			usage(stdout);
			return MXG_EXIT_OK;
		case ':':
			fprintf(stderr, "mxgate %s: %s needs a FILE\n\n", command, argv[optind - 1]);
			usage(stderr);
			return MXG_EXIT_USAGE;
		default:
			fprintf(stderr, "mxgate %s: unknown option '%s'\n\n", command, argv[optind - 1]);
			usage(stderr);
			return MXG_EXIT_USAGE;
		}
	}
	if (argc - optind != operands) {
		if (argc - optind > operands)
			fprintf(stderr, "mxgate %s: unexpected argument '%s'\n\n", command,
				argv[optind + operands]);
		else
			fprintf(stderr, "mxgate %s: missing argument\n\n", command);
		usage(stderr);
		return MXG_EXIT_USAGE;
	}
	*first_r = optind;
	return -1;
}
