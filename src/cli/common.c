/* common.c: placeholder, replaced by the CLI helpers. */
#include "config.h"
#include <string.h>
#include "cli/cli.h"
#include "core/config.h"

int mxg_cli_load_config(const char *arg, struct mxg_config **cfg_r)
{
	(void)arg;
	*cfg_r = NULL;
	return MXG_EXIT_USAGE;
}

int mxg_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}
