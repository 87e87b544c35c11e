/*
 * config-generate.c: `mxgate config generate`'s output, a commented
 * mxgate.yaml that runs as it is (SQLite under data_dir, one loopback
 * listener, no stores yet) and teaches the keys a first deployment touches.
 * Values written here equal the table defaults in config.c; the unit tests
 * load the result to keep the two in step.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "core/mxconfig.h"

#ifndef MXG_PLUGINDIR
#define MXG_PLUGINDIR "/usr/local/lib/mxgate"
#endif

static void put_escaped(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
}

/* A YAML double-quoted scalar of a then b: safe whatever the text holds. */
static void put_quoted2(FILE *out, const char *a, const char *b)
{
	fputc('"', out);
	put_escaped(out, a);
	put_escaped(out, b);
	fputc('"', out);
}

static void put_quoted(FILE *out, const char *s)
{
	put_quoted2(out, s, "");
}

int mxg_config_generate(FILE *out, const char *server_name, const char *data_dir,
			const char *plugin_dir)
{
	if (mxg_config_check_server_name(server_name, NULL) < 0 ||
	    (data_dir != NULL && data_dir[0] == '\0')) {
		errno = EINVAL;
		return -1;
	}
	if (data_dir == NULL)
		data_dir = "/var/lib/mxgate";

	fputs("# mxgate.yaml: configuration of mxgate, the Matrix identity service and\n"
	      "# authentication gateway.  Written by `mxgate config generate`; every key is\n"
	      "# described in mxgate.yaml(5).  A key left out takes its default (shown in the\n"
	      "# comments).  Check a change with `mxgate config check -c FILE`.\n"
	      "#\n"
	      "# Durations: 250ms, 30s, 5m, 24h, 7d (a bare number is seconds).\n"
	      "# Sizes: 512, 64k, 1M, 1G.  A secret `key` may instead be read from a file\n"
	      "# with `key_file: /path` (one trailing newline is removed).\n\n", out);

	fputs("# The Matrix server name: the part after ':' in user IDs (@alice:NAME).\n"
	      "server_name: ", out);
	put_quoted(out, server_name);
	fputs("\n\n# The URL clients reach this gateway at (behind a reverse proxy, the public\n"
	      "# https:// one).  Default: http://<bind of the first listener>/.\n"
	      "#public_baseurl: \"https://identity.example.org/\"\n\n", out);

	fputs("# Where the SQLite database and the signing key live; mxgate needs write\n"
	      "# access to it.\n"
	      "data_dir: ", out);
	put_quoted(out, data_dir);
	fputs("\n\n# Directory of loadable store modules (ldap.so, rest.so, sql.so).\n", out);
	fputs(plugin_dir != NULL ? "plugin_dir: " : "#plugin_dir: ", out);
	put_quoted(out, plugin_dir != NULL ? plugin_dir : MXG_PLUGINDIR);
	fputs("\n\n", out);

	fputs("# Where to listen, and what to serve there.  bind is IPv4:port, [IPv6]:port or\n"
	      "# localhost:port.  Resources: identity (/_matrix/identity), client\n"
	      "# (/_matrix/client login), oauth, internal, admin, health (GET /health),\n"
	      "# metrics.  Keep internal and admin on a loopback-only listener.\n"
	      "listeners:\n"
	      "  - bind: \"127.0.0.1:8090\"\n"
	      "    resources: [identity, client, health, metrics]\n"
	      "  #- bind: \"127.0.0.1:8091\"\n"
	      "  #  resources: [internal, admin]\n\n", out);

	fputs("http:\n"
	      "  # Event threads; 0 = one per CPU core.\n"
	      "  threads: 0\n"
	      "  # Threads for requests that block (stores, database), and how many such\n"
	      "  # requests may wait for one before new ones get 503.\n"
	      "  workers: 8\n"
	      "  worker_queue: 256\n"
	      "  # Larger request bodies are refused with 413 M_TOO_LARGE.\n"
	      "  max_body_size: 1M\n"
	      "  # Idle keep-alive connections are closed after this.\n"
	      "  connection_timeout: 30s\n"
	      "  # On SIGTERM, requests in flight get this long to finish.\n"
	      "  shutdown_timeout: 10s\n\n", out);

	fputs("database:\n"
	      "  # sqlite (one file, default) or postgresql (shared by several mxgate).\n"
	      "  driver: sqlite\n"
	      "  # sqlite: the database file.  Default: <data_dir>/mxgate.db.\n"
	      "  #path: ", out);
	put_quoted2(out, data_dir, "/mxgate.db");
	fputs("\n"
	      "  # postgresql: a libpq connection string; a secret, so better in a file:\n"
	      "  #conninfo_file: /etc/mxgate/db-conninfo\n"
	      "  #conninfo: \"host=/run/postgresql dbname=mxgate\"\n"
	      "  pool_size: 4\n"
	      "  connect_timeout: 5s\n"
	      "  busy_timeout: 5s\n"
	      "  statement_timeout: 30s\n"
	      "  acquire_timeout: 5s\n\n", out);

	fputs("keys:\n"
	      "  # The ed25519 signing key (Synapse format; `mxgate keys generate` writes\n"
	      "  # one).  Default: <data_dir>/signing.key.\n"
	      "  #signing_key_path: ", out);
	put_quoted2(out, data_dir, "/signing.key");
	fputs("\n\n", out);

	fputs("# Identity stores: who exists, their passwords and 3PIDs.  Asked in priority\n"
	      "# order (lower first).  Each store has a unique name, a module (static, or a\n"
	      "# module in plugin_dir), and the module's own keys beside those.\n"
	      "stores: []\n"
	      "#stores:\n"
	      "#  - name: people\n"
	      "#    module: static\n"
	      "#    priority: 100\n"
	      "#    enabled: true\n"
	      "#    users:\n"
	      "#      - localpart: alice\n"
	      "#        display_name: Alice Liddell\n"
	      "#        # crypt(3) or $argon2id$ hash; or password_hash_file: /path\n"
	      "#        password_hash: \"$argon2id$v=19$m=65536,t=3,p=4$...\"\n"
	      "#        threepids:\n"
	      "#          - { medium: email, address: alice@example.org }\n"
	      "#          - { medium: msisdn, address: \"447700900000\" }\n\n", out);

	fputs("lookup:\n"
	      "  # Hash algorithms offered to clients; sha256 is mandatory.\n"
	      "  algorithms: [sha256, none]\n"
	      "  # At most this many addresses per lookup request.\n"
	      "  max_addresses: 10000\n"
	      "  # How often the lookup index is rebuilt from the stores.\n"
	      "  refresh_interval: 5m\n"
	      "  # A new pepper when the newest is older than this (e.g. 30d); 0 = never.\n"
	      "  pepper_rotation: 0\n"
	      "  # hash_details and lookup need an identity-server token (the spec's\n"
	      "  # rule); false answers anyone (private deployments, benchmarks).\n"
	      "  require_auth: true\n\n", out);

	fputs("# Requests per client IP: per_second refills the bucket (0 = no limit),\n"
	      "# burst is its size; beyond it, 429 M_LIMIT_EXCEEDED.  Behind a reverse\n"
	      "# proxy, list it in http.trusted_proxies so that X-Forwarded-For counts.\n"
	      "rate_limits:\n"
	      "  lookup: { per_second: 10, burst: 50 }\n"
	      "  request_token: { per_second: 0.2, burst: 5 }\n"
	      "  submit_token: { per_second: 1, burst: 10 }\n"
	      "  register: { per_second: 1, burst: 5 }\n\n", out);

	fputs("# Identity-server accounts: clients register with an OpenID token from\n"
	      "# their homeserver; terms they must accept; the legacy v1 API.\n"
	      "identity:\n"
	      "  # Homeservers whose users may register; default: server_name only;\n"
	      "  # \"*\" allows any.\n"
	      "  #allowed_homeservers: [example.org]\n"
	      "  # A homeserver reached at a fixed URL instead of federation discovery.\n"
	      "  #homeservers:\n"
	      "  #  - { server_name: example.org, base_url: \"https://matrix.example.org\" }\n"
	      "  #token_lifetime: 30d\n"
	      "  # Policies users must accept (GET and POST /terms).\n"
	      "  #terms:\n"
	      "  #  - id: privacy_policy\n"
	      "  #    version: \"1.0\"\n"
	      "  #    languages:\n"
	      "  #      - { lang: en, name: Privacy Policy,\n"
	      "  #          url: \"https://example.org/privacy-1.0.html\" }\n"
	      "  # Serve the legacy /_matrix/identity/api/v1 lookup and pubkey paths.\n"
	      "  v1_api: false\n\n", out);

	fputs("# 3PID validation (requestToken/submitToken): sessions, e-mail, SMS.\n"
	      "#threepid:\n"
	      "#  session_lifetime: 24h\n"
	      "#  max_token_attempts: 5\n"
	      "#  email:\n"
	      "#    from: \"Example <noreply@example.org>\"\n"
	      "#    # smtp://host:port (starttls: true to require STARTTLS) or smtps://\n"
	      "#    smtp_url: smtp://localhost:25\n"
	      "#    starttls: false\n"
	      "#    #username: mxgate\n"
	      "#    #password_file: /etc/mxgate/smtp-password\n"
	      "#  msisdn:\n"
	      "#    # A Twilio-style gateway: form POST of To, From, Body.\n"
	      "#    #gateway_url: https://sms.example.org/send\n"
	      "#    #username: account\n"
	      "#    #password_file: /etc/mxgate/sms-password\n\n", out);

	fputs("# Password checks for the homeserver (check_credentials): lockout after\n"
	      "# repeated failures, per login name and per client IP, in the database.\n"
	      "# interception: jwt checks client logins (/_matrix/client/v3/login) against\n"
	      "# the stores, then logs in at the homeserver with a JWT (Synapse: jwt_config\n"
	      "# with the same secret); passthrough only maps e-mail/phone to users.\n"
	      "#login:\n"
	      "#  lockout:\n"
	      "#    account_failures: 5\n"
	      "#    ip_failures: 50\n"
	      "#    window: 15m\n"
	      "#    duration: 15m\n"
	      "#  #shared_secret_file: /etc/mxgate/check-credentials-secret\n"
	      "#  interception: off\n"
	      "#  jwt:\n"
	      "#    algorithm: HS256\n"
	      "#    secret_file: /etc/mxgate/jwt-secret\n\n", out);

	fputs("# The homeserver's client-server API as mxgate reaches it, for login\n"
	      "# interception, the reverse proxy, directory and profile.\n"
	      "#homeserver:\n"
	      "#  base_url: \"http://127.0.0.1:8008\"\n"
	      "#  timeout: 30s\n\n", out);

	fputs("log:\n"
	      "  # debug, info, warning, error or crit.\n"
	      "  level: info\n"
	      "  # A file (reopened on SIGHUP), or - for stderr.\n"
	      "  file: \"-\"\n"
	      "  # One line per HTTP request.\n"
	      "  access_log: true\n", out);

	return ferror(out) ? -1 : 0;
}
