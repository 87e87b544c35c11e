/*
 * config.c: `mxgate config generate` (write a commented starting config) and
 * `mxgate config check` (load a config, report every problem).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/mxconfig.h"
#include "core/error.h"
#include "core/log.h"
#include "stores/chain.h"

static void usage_config(FILE *out)
{
	fputs("usage: mxgate config generate --server-name NAME [--data-dir DIR]\n"
	      "                              [--plugin-dir DIR] [-o FILE]\n"
	      "       mxgate config check [-c FILE]\n\n"
	      "  generate   write a commented configuration that runs as it is\n"
	      "  check      load a configuration and report every problem in it\n\n"
	      "`mxgate config <command> --help` describes a command; mxgate.yaml(5) every key.\n"
	      "Exit status: 0 ok, 1 runtime failure, 2 usage or configuration error.\n", out);
}

static void usage_generate(FILE *out)
{
	fputs("usage: mxgate config generate --server-name NAME [--data-dir DIR]\n"
	      "                              [--plugin-dir DIR] [-o FILE]\n\n"
	      "Write a commented mxgate.yaml: SQLite database and signing key under DIR,\n"
	      "one listener on 127.0.0.1:8090, no identity store yet.\n\n"
	      "  -n, --server-name NAME  the Matrix server name (example.org)\n"
	      "  -d, --data-dir DIR      data directory (default /var/lib/mxgate; a relative\n"
	      "                          path is made absolute)\n"
	      "  -p, --plugin-dir DIR    store modules directory (default: the installed one,\n"
	      "                          left commented; a relative path is made absolute)\n"
	      "  -o, --output FILE       write to FILE, which must not exist (default stdout)\n"
	      "  -h, --help              this text\n\n"
	      "Exit status: 0 ok, 1 cannot write, 2 usage error or FILE exists.\n", out);
}

static void usage_check(FILE *out)
{
	fputs("usage: mxgate config check [-c FILE]\n\n"
	      "Load FILE (default: $MXGATE_CONFIG) as mxgate serve would, store modules\n"
	      "included, and print every problem as FILE:LINE: KEY: MESSAGE.\n\n"
	      "  -c, --config FILE  the configuration file\n"
	      "  -h, --help         this text\n\n"
	      "Exit status: 0 the configuration is good (\"FILE: ok\"), 2 it has problems.\n", out);
}

/* getopt_long (optstring starting with ':') returned c, an error. */
static int bad_option(const char *cmd, int c, char **argv, void (*usage)(FILE *))
{
	const char *what = c == ':' ? "needs a value" : "is unknown";

	/* optopt names a short option; a long one is only in argv. */
	if (optopt != 0 && strncmp(argv[optind - 1], "--", 2) != 0)
		fprintf(stderr, "mxgate config %s: option -%c %s\n\n", cmd, optopt, what);
	else
		fprintf(stderr, "mxgate config %s: option %s %s\n\n", cmd, argv[optind - 1], what);
	usage(stderr);
	return MXG_EXIT_USAGE;
}

/* An absolute data_dir, so that the config works from any cwd (systemd: /). */
static char *absolute_dir(const char *dir)
{
	char cwd[PATH_MAX], *out;

	if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(dir);
	if (asprintf(&out, "%s/%s", cwd, strncmp(dir, "./", 2) == 0 ? dir + 2 : dir) < 0)
		return NULL;
	return out;
}

static int cmd_generate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server-name", required_argument, NULL, 'n' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "plugin-dir", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server_name = NULL, *data_dir = "/var/lib/mxgate", *output = NULL;
	const char *plugin_dir = NULL;
	struct mxg_error err = { 0 };
	char *dir, *pdir = NULL;
	FILE *out = stdout;
	int c, ret = MXG_EXIT_OK;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":n:d:p:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': server_name = optarg; break;
		case 'd': data_dir = optarg; break;
		case 'p': plugin_dir = optarg; break;
		case 'o': output = optarg; break;
		case 'h': usage_generate(stdout); return MXG_EXIT_OK;
		default: return bad_option("generate", c, argv, usage_generate);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mxgate config generate: unexpected argument '%s'\n\n",
			argv[optind]);
		usage_generate(stderr);
		return MXG_EXIT_USAGE;
	}
	if (server_name == NULL) {
		fprintf(stderr, "mxgate config generate: --server-name is required\n\n");
		usage_generate(stderr);
		return MXG_EXIT_USAGE;
	}
	if (mxg_config_check_server_name(server_name, &err) < 0) {
		fprintf(stderr, "mxgate config generate: --server-name: %s\n", err.msg);
		return MXG_EXIT_USAGE;
	}
	if (data_dir[0] == '\0') {
		fprintf(stderr, "mxgate config generate: --data-dir is empty\n");
		return MXG_EXIT_USAGE;
	}
	if (plugin_dir != NULL && plugin_dir[0] == '\0') {
		fprintf(stderr, "mxgate config generate: --plugin-dir is empty\n");
		return MXG_EXIT_USAGE;
	}
	dir = absolute_dir(data_dir);
	if (plugin_dir != NULL)
		pdir = absolute_dir(plugin_dir);
	if (dir == NULL || (plugin_dir != NULL && pdir == NULL)) {
		free(dir);
		fprintf(stderr, "mxgate config generate: out of memory\n");
		return MXG_EXIT_FAILURE;
	}
	if (output != NULL) {
		/* O_EXCL: never clobber a config someone has edited. */
		int fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

		if (fd < 0) {
			fprintf(stderr, "mxgate config generate: %s: %s\n", output,
				errno == EEXIST ? "exists, not overwriting it" : strerror(errno));
			free(dir);
			free(pdir);
			return errno == EEXIST ? MXG_EXIT_USAGE : MXG_EXIT_FAILURE;
		}
		out = fdopen(fd, "w");
		if (out == NULL) {
			fprintf(stderr, "mxgate config generate: %s: %s\n", output,
				strerror(errno));
			close(fd);
			free(dir);
			free(pdir);
			return MXG_EXIT_FAILURE;
		}
	}
	if (mxg_config_generate(out, server_name, dir, pdir) < 0)
		ret = MXG_EXIT_FAILURE;
	if ((out == stdout ? fflush(out) : fclose(out)) != 0)
		ret = MXG_EXIT_FAILURE;
	if (ret != MXG_EXIT_OK)
		fprintf(stderr, "mxgate config generate: cannot write %s: %s\n",
			output != NULL ? output : "to stdout", strerror(errno));
	free(dir);
	free(pdir);
	return ret;
}

static int cmd_check(int argc, char **argv)
{
	struct mxg_store_chain *chain = NULL;
	struct mxg_error err = { 0 };
	const char *file;
	struct mxg_config *cfg;
	int ret, first;

	ret = mxg_cli_config_options(argc, argv, "config check", 0, usage_check, &file, &first);
	if (ret >= 0)
		return ret;
	ret = mxg_cli_load_config(file, &cfg);
	if (ret != MXG_EXIT_OK)
		return ret;
	/* Start the stores as serve would: a module checks what the table
	 * cannot (keys that exclude each other, query placeholders).  init()
	 * never needs its back-end, so this works offline. */
	mxg_log_open(NULL, MXG_LOG_WARNING);
	if (mxg_store_chain_create(cfg, &chain, &err) < 0) {
		fprintf(stderr, "%s: %s\n1 problem in %s\n", mxg_config_path(file), err.msg,
			mxg_config_path(file));
		ret = MXG_EXIT_USAGE;
	} else {
		printf("%s: ok\n", mxg_config_path(file));
	}
	mxg_store_chain_destroy(&chain);
	mxg_config_free(&cfg);
	return ret;
}

int mxg_cli_config(int argc, char **argv)
{
	if (argc < 2) {
		usage_config(stderr);
		return MXG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_config(stdout);
		return MXG_EXIT_OK;
	}
	if (strcmp(argv[1], "generate") == 0) {
		if (mxg_cli_wants_help(argc - 1, argv + 1)) {
			usage_generate(stdout);
			return MXG_EXIT_OK;
		}
		return cmd_generate(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "check") == 0) {
		if (mxg_cli_wants_help(argc - 1, argv + 1)) {
			usage_check(stdout);
			return MXG_EXIT_OK;
		}
		return cmd_check(argc - 1, argv + 1);
	}
	fprintf(stderr, "mxgate config: unknown command '%s'\n\n", argv[1]);
	usage_config(stderr);
	return MXG_EXIT_USAGE;
}
