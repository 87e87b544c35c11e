/*
 * config.c: `mxgate config` (placeholder until implemented).
 */
#include "config.h"

#include <stdio.h>

#include "cli/cli.h"

int mxg_cli_config(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "mxgate %s: not implemented yet\n", argv[0]);
	return MXG_EXIT_FAILURE;
}
