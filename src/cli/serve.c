/*
 * serve.c: `mxgate serve`: build the services, open the listeners, and wait
 * for signals (SIGTERM/SIGINT stop gracefully, SIGHUP reopens the log).
 *
 * Signals are blocked in every thread and taken synchronously with
 * sigwait() here, so no handler runs in async-signal context.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/app.h"
#include "core/mxconfig.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "db/db.h"
#include "http/server.h"
#include "identity/identity.h"
#include "login/login.h"
#include "matrix/homeserver.h"
#include "matrix/jwt.h"
#include "matrix/matrix.h"
#include "oauth/oauth.h"
#include "identity/lookup.h"
#include "identity/onbind.h"
#include "stores/chain.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: mxgate serve [-c FILE]\n\n"
		     "Run the daemon in the foreground: apply database migrations, create the\n"
		     "signing key if missing, build the lookup index, open the listeners.\n\n"
		     "  -c, --config FILE   configuration (default: $MXGATE_CONFIG)\n"
		     "  -h, --help          this text\n\n"
		     "SIGTERM or SIGINT stops gracefully (exit 0); SIGHUP reopens the log file.\n"
		     "Exit status: 0 stopped cleanly, 1 runtime failure, 2 usage or configuration error.\n");
}

struct serve_state {
	struct mxg_config *cfg;
	struct mxg_app app;
	struct mxg_server *server;
};

static int open_ratelimit(struct serve_state *st)
{
	const struct mxg_ratelimits_conf *rc = &st->cfg->rate_limits;
	const struct {
		const char *action;
		const struct mxg_ratelimit_rule_conf *rule;
	} rules[] = {
		{ "lookup", &rc->lookup },
		{ "request_token", &rc->request_token },
		{ "submit_token", &rc->submit_token },
		{ "register", &rc->register_ },
	};

	st->app.ratelimit = mxg_ratelimit_create((size_t)rc->max_buckets, NULL, NULL);
	if (st->app.ratelimit == NULL) {
		mxg_crit("rate limits: out of memory");
		return MXG_EXIT_FAILURE;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		/* Values were range-checked with the config. */
		(void)mxg_ratelimit_configure(st->app.ratelimit, rules[i].action, rules[i].rule->rate,
					      (double)rules[i].rule->burst);
	return MXG_EXIT_OK;
}

static int open_services(struct serve_state *st)
{
	const struct mxg_config *cfg = st->cfg;
	struct mxg_error err;
	int before, created = 0;

	mxg_error_clear(&err);
	if (mxg_db_open(&cfg->database, &st->app.db, &err) < 0) {
		mxg_crit("database: %s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	if (mxg_db_schema_version(st->app.db, &before, &err) < 0 ||
	    mxg_db_migrate(st->app.db, &err) < 0) {
		mxg_crit("database: %s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	if (before != mxg_db_schema_latest())
		mxg_info("database schema migrated from version %d to %d", before,
			 mxg_db_schema_latest());
	if (mxg_ed25519_load_or_create(cfg->keys.signing_key_path, &st->app.signing_key, &created,
				       &err) < 0) {
		mxg_crit("signing key: %s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	if (created)
		mxg_info("created signing key ed25519:%s in %s", st->app.signing_key.version,
			 cfg->keys.signing_key_path);
	if (mxg_store_chain_create(cfg, &st->app.stores, &err) < 0) {
		mxg_crit("%s", err.msg);
		return MXG_EXIT_USAGE;
	}
	if (mxg_lookup_create_rotating(st->app.db, st->app.stores, cfg->lookup.refresh_interval_ms,
				       cfg->lookup.pepper_rotation_ms, &st->app.lookup, &err) < 0) {
		mxg_crit("lookup: %s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	if (mxg_onbind_create(st->app.db, cfg, &st->app.onbind, &err) < 0) {
		mxg_crit("onbind: %s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	if (cfg->login.interception == MXG_LOGIN_INTERCEPT_OAUTH && cfg->oauth.issuer == NULL) {
		mxg_crit("login.interception oauth needs the OAuth provider (oauth.issuer)");
		return MXG_EXIT_USAGE;
	}
	if (cfg->login.interception != MXG_LOGIN_INTERCEPT_OFF &&
	    cfg->login.interception != MXG_LOGIN_INTERCEPT_OAUTH && !mxg_hs_configured(cfg)) {
		mxg_crit("login.interception needs homeserver.base_url");
		return MXG_EXIT_USAGE;
	}
	if (cfg->login.interception == MXG_LOGIN_INTERCEPT_JWT &&
	    mxg_jwt_signer_create(&cfg->login.jwt, &st->app.login_jwt, &err) < 0) {
		mxg_crit("%s", err.msg);
		return MXG_EXIT_USAGE;
	}
	if (mxg_oauth_create(cfg, st->app.db, st->app.stores, &st->app.oauth, &err) < 0) {
		mxg_crit("%s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	return open_ratelimit(st);
}

static int open_listeners(struct serve_state *st)
{
	const struct mxg_config *cfg = st->cfg;
	const struct mxg_listener_conf *ls = cfg->listeners.items;
	struct mxg_server_settings ss = {
		.threads = (unsigned int)cfg->http.threads,
		.workers = (unsigned int)cfg->http.workers,
		.worker_queue = (unsigned int)cfg->http.worker_queue,
		.max_body_size = cfg->http.max_body_size,
		.connection_timeout_s = (unsigned int)(cfg->http.connection_timeout_ms / 1000),
		.access_log = cfg->log.access_log,
		.proxy = {
			.base_url = cfg->homeserver.proxy ? cfg->homeserver.base_url : NULL,
			.connect_timeout_ms = cfg->homeserver.connect_timeout_ms,
			.timeout_ms = cfg->homeserver.proxy_timeout_ms,
			.ca_file = cfg->homeserver.ca_file,
			.tls_verify = cfg->homeserver.tls_verify,
			.max_body = cfg->homeserver.proxy_max_body,
			.max_exchanges = (unsigned int)cfg->homeserver.proxy_max_connections,
		},
	};
	struct mxg_error err;

	mxg_error_clear(&err);
	if (mxg_server_create(&ss, &st->app, &st->server, &err) < 0) {
		mxg_crit("http: %s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	mxg_server_add_routes(st->server, mxg_identity_routes);
	mxg_server_add_routes(st->server, mxg_identity_lookup_routes(cfg));
	mxg_server_add_routes(st->server, mxg_login_routes);
	mxg_server_add_routes(st->server, mxg_matrix_routes);
	mxg_server_add_routes(st->server, mxg_health_routes);
	if (st->app.oauth != NULL)
		mxg_server_add_routes(st->server, mxg_oauth_routes);
	for (size_t i = 0; i < cfg->listeners.count; i++) {
		if (mxg_server_listen(st->server, ls[i].host, ls[i].port, ls[i].resource_mask, NULL,
				      &err) < 0) {
			mxg_crit("listener %s: %s", ls[i].bind, err.msg);
			return MXG_EXIT_FAILURE;
		}
	}
	if (mxg_lookup_start(st->app.lookup, &err) < 0 ||
	    mxg_onbind_start(st->app.onbind, &err) < 0) {
		mxg_crit("%s", err.msg);
		return MXG_EXIT_FAILURE;
	}
	return MXG_EXIT_OK;
}

static void close_all(struct serve_state *st)
{
	if (st->server != NULL) {
		unsigned int cut = mxg_server_shutdown(st->server, st->cfg->http.shutdown_timeout_ms);
		if (cut > 0)
			mxg_warning("%u request(s) still running at shutdown were cut off", cut);
		mxg_server_destroy(&st->server);
	}
	mxg_lookup_destroy(&st->app.lookup);
	mxg_onbind_destroy(&st->app.onbind);
	mxg_jwt_signer_destroy(&st->app.login_jwt);
	mxg_oauth_destroy(&st->app.oauth);
	mxg_ratelimit_destroy(&st->app.ratelimit);
	mxg_store_chain_destroy(&st->app.stores);
	mxg_db_close(&st->app.db);
	mxg_ed25519_clear(&st->app.signing_key);
}

static void wait_for_stop(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			if (mxg_log_reopen() < 0)
				mxg_error("cannot reopen the log file");
			else
				mxg_info("log file reopened");
			continue;
		}
		mxg_info("%s received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		return;
	}
}

int mxg_cli_serve(int argc, char **argv)
{
	struct serve_state st = { 0 };
	enum mxg_log_level level = MXG_LOG_INFO;
	const char *conf_arg;
	sigset_t set;
	int rc, first;

	rc = mxg_cli_config_options(argc, argv, "serve", 0, usage, &conf_arg, &first);
	if (rc >= 0)
		return rc;
	rc = mxg_cli_load_config(conf_arg, &st.cfg);
	if (rc != MXG_EXIT_OK)
		return rc;
	(void)mxg_log_level_parse(st.cfg->log.level, &level);
	if (mxg_log_open(st.cfg->log.file, level) < 0) {
		fprintf(stderr, "mxgate: cannot open log file %s: %s\n", st.cfg->log.file,
			strerror(errno));
		mxg_config_free(&st.cfg);
		return MXG_EXIT_FAILURE;
	}
	/* Before any thread exists, so that every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* glibc gives each allocating thread an arena of its own (up to 8 per
	 * core); our threads allocate little and briefly, so one arena per core
	 * keeps freed memory reusable by every thread and the RSS flat. */
	mallopt(M_ARENA_MAX, (int)(sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
				   sysconf(_SC_NPROCESSORS_ONLN) : 2));
	st.app.config = st.cfg;
	mxg_info("mxgate %s starting, config %s", PACKAGE_VERSION, st.cfg->file);
	rc = open_services(&st);
	/* Building the store and the index freed a lot of heap (the config's
	 * YAML tree, growing arrays): hand those pages back before requests
	 * start, so that the load's memory lands on a smaller base. */
	if (rc == MXG_EXIT_OK) {
		malloc_trim(0);
		rc = open_listeners(&st);
	}
	if (rc == MXG_EXIT_OK) {
		mxg_info("ready");
		wait_for_stop();
	}
	close_all(&st);
	mxg_info("stopped");
	mxg_log_close();
	mxg_config_free(&st.cfg);
	return rc;
}
