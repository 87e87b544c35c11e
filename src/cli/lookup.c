/*
 * lookup.c: `mxgate lookup -c FILE MEDIUM ADDRESS`: ask every store of the
 * chain who owns a 3PID and say which store answered what, for admins
 * debugging a directory.  Talks to the stores directly, not to a daemon.
 */
#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/mxconfig.h"
#include "core/log.h"
#include "core/threepid.h"
#include "stores/chain.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: mxgate lookup [-c FILE] MEDIUM ADDRESS\n\n"
		     "Ask each identity store, in priority order, who owns the 3PID\n"
		     "(MEDIUM is email or msisdn) and print every store's answer.\n\n"
		     "  -c, --config FILE   configuration (default: $MXGATE_CONFIG)\n"
		     "  -h, --help          this text\n\n"
		     "Exit status: 0 found, 1 not found or a store unavailable,\n"
		     "2 usage or configuration error.\n");
}

/* Each store's own answer, then the chain's. */
static int run_lookup(struct mxg_store_chain *chain, const struct mxg_3pid *q)
{
	struct mxg_arena *arena = mxg_arena_create(1024);
	const struct mxg_store *winner = NULL;
	const char *user_id = NULL;
	enum mxg_store_result res;
	struct mxg_error err;

	for (size_t i = 0; i < mxg_store_chain_count(chain); i++) {
		struct mxg_store *s = mxg_store_chain_get(chain, i);
		const char *uid = NULL;

		if (s->driver->lookup == NULL) {
			printf("store %-16s (%s): no lookup\n", s->name, s->driver->name);
			continue;
		}
		mxg_error_clear(&err);
		res = s->driver->lookup(s, q, arena, &uid, &err);
		printf("store %-16s (%s): %s%s%s\n", s->name, s->driver->name,
		       res == MXG_STORE_OK ? uid : mxg_store_result_str(res),
		       err.msg[0] != '\0' ? ": " : "", err.msg);
	}
	mxg_error_clear(&err);
	res = mxg_store_chain_lookup(chain, q, arena, &user_id, &winner, &err);
	if (res == MXG_STORE_OK)
		printf("%s %s -> %s (store %s)\n", q->medium, q->address, user_id, winner->name);
	else
		printf("%s %s -> %s%s%s\n", q->medium, q->address, mxg_store_result_str(res),
		       err.msg[0] != '\0' ? ": " : "", err.msg);
	mxg_arena_destroy(&arena);
	return res == MXG_STORE_OK ? MXG_EXIT_OK : MXG_EXIT_FAILURE;
}

int mxg_cli_lookup(int argc, char **argv)
{
	struct mxg_store_chain *chain = NULL;
	struct mxg_config *cfg = NULL;
	const char *conf_arg;
	struct mxg_arena *arena;
	struct mxg_error err;
	struct mxg_3pid q;
	int rc, first;

	rc = mxg_cli_config_options(argc, argv, "lookup", 2, usage, &conf_arg, &first);
	if (rc >= 0)
		return rc;
	if (!mxg_3pid_medium_valid(argv[first])) {
		fprintf(stderr, "mxgate lookup: unknown medium '%s' (email, msisdn)\n", argv[first]);
		return MXG_EXIT_USAGE;
	}
	arena = mxg_arena_create(256);
	q.medium = argv[first];
	q.address = mxg_3pid_canonicalize(arena, q.medium, argv[first + 1]);
	if (q.address == NULL) {
		fprintf(stderr, "mxgate lookup: '%s' is not a valid %s address\n", argv[first + 1],
			q.medium);
		mxg_arena_destroy(&arena);
		return MXG_EXIT_USAGE;
	}
	rc = mxg_cli_load_config(conf_arg, &cfg);
	if (rc == MXG_EXIT_OK) {
		/* Store drivers log their own trouble: show it on stderr. */
		mxg_log_open(NULL, MXG_LOG_WARNING);
		mxg_error_clear(&err);
		if (mxg_store_chain_create(cfg, &chain, &err) < 0) {
			fprintf(stderr, "mxgate lookup: %s\n", err.msg);
			rc = MXG_EXIT_USAGE;
		} else {
			rc = run_lookup(chain, &q);
		}
	}
	mxg_store_chain_destroy(&chain);
	mxg_config_free(&cfg);
	mxg_arena_destroy(&arena);
	return rc;
}
