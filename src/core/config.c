/*
 * config.c: mxgate's configuration: the tables that map mxgate.yaml onto
 * struct mxg_config, the checks that need the tables' line numbers (done as
 * table checks so every message points at a line), and the derived fields
 * filled once everything parsed.  The Identity Service's own sections are in
 * config-services.c.  Every key is documented in man/mxgate.yaml.5 (a unit
 * test keeps them in step).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/mxconfig.h"
#include "core/config-internal.h"
#include "core/log.h"
#include "http/http.h"
#include "stores/loader.h"
#include "stores/store.h"

#ifndef MXG_PLUGINDIR
#define MXG_PLUGINDIR "/usr/local/lib/mxgate"
#endif

/* --- addresses ---------------------------------------------------------------- */

static int parse_port(const char *s, int *port_r)
{
	long v = 0;

	if (s[0] == '\0' || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port_r = (int)v;
	return 0;
}

/* "127.0.0.1:8090", "[::1]:8090", "localhost:8090" into host and port;
 * host is written to buf (brackets removed). */
static int parse_bind(const char *bind, char *host, size_t size, int *port_r,
		      struct mxg_error *err)
{
	const char *colon, *h = bind;
	size_t hlen;
	unsigned char addr[16];
	char tmp[INET6_ADDRSTRLEN + 1];

	if (bind[0] == '[') {
		const char *close = strchr(bind, ']');

		if (close == NULL || close[1] != ':')
			return mxg_error_set(err, EINVAL, "'%s' is not a listen address ([IPv6]:port "
					     "needs the closing ']' then ':port')", bind);
		h = bind + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(bind, ':');
		if (colon == NULL)
			return mxg_error_set(err, EINVAL, "'%s' is not a listen address: the "
					     "port is missing (e.g. 127.0.0.1:8090)", bind);
		hlen = (size_t)(colon - bind);
	}
	if (hlen >= sizeof(tmp) || hlen >= size)
		return mxg_error_set(err, EINVAL, "'%s' is not a listen address", bind);
	memcpy(tmp, h, hlen);
	tmp[hlen] = '\0';
	if (bind[0] == '[' ? inet_pton(AF_INET6, tmp, addr) != 1 :
	    strcmp(tmp, "localhost") != 0 && inet_pton(AF_INET, tmp, addr) != 1)
		return mxg_error_set(err, EINVAL, "'%s' is not a listen address (use an IPv4 "
				     "address, [IPv6] address or localhost, then :port)", bind);
	if (parse_port(colon + 1, port_r) < 0)
		return mxg_error_set(err, EINVAL, "'%s': port must be a number in 1..65535", bind);
	memcpy(host, tmp, hlen + 1);
	return 0;
}

int mxg_config_check_server_name(const char *name, struct mxg_error *err)
{
	const char *port = NULL, *end;
	unsigned char addr[16];
	char host[256];
	size_t hlen;
	int p;

	if (name == NULL || name[0] == '\0')
		return mxg_error_set(err, EINVAL, "the server name is empty");
	if (name[0] == '[') {
		end = strchr(name, ']');
		if (end == NULL)
			return mxg_error_set(err, EINVAL, "'%s' is not a server name: missing ']'",
					     name);
		hlen = (size_t)(end - name - 1);
		if (hlen >= sizeof(host))
			return mxg_error_set(err, EINVAL, "server name too long");
		memcpy(host, name + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return mxg_error_set(err, EINVAL, "'%s' is not a server name: bad IPv6 "
					     "address", name);
		if (end[1] != '\0' && end[1] != ':')
			return mxg_error_set(err, EINVAL, "'%s' is not a server name", name);
		port = end[1] == ':' ? end + 2 : NULL;
	} else {
		end = strchr(name, ':');
		hlen = end != NULL ? (size_t)(end - name) : strlen(name);
		if (hlen == 0 || hlen > 255)
			return mxg_error_set(err, EINVAL, "'%s' is not a server name", name);
		/* The spec's dns-name: 1*255 of [A-Za-z0-9.-]; it covers IPv4 too. */
		for (size_t i = 0; i < hlen; i++) {
			char ch = name[i];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
				return mxg_error_set(err, EINVAL, "'%s' is not a server name (a "
						     "host name, IPv4 or [IPv6] address, optional "
						     ":port)", name);
		}
		port = end != NULL ? end + 1 : NULL;
	}
	if (port != NULL && parse_port(port, &p) < 0)
		return mxg_error_set(err, EINVAL, "'%s': the port must be a number in 1..65535",
				     name);
	return 0;
}

/* --- checks ------------------------------------------------------------------- */

int mxg_config_check_server_name_field(const void *value, struct mxg_error *err)
{
	return mxg_config_check_server_name(*(char *const *)value, err);
}

int mxg_config_check_baseurl(const void *value, struct mxg_error *err)
{
	const char *url = *(char *const *)value;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return mxg_error_set(err, EINVAL, "must start with http:// or https://");
	if (url[url[4] == 's' ? 8 : 7] == '\0')
		return mxg_error_set(err, EINVAL, "has no host");
	return 0;
}

int mxg_config_check_nonempty(const void *value, struct mxg_error *err)
{
	if ((*(char *const *)value)[0] == '\0')
		return mxg_error_set(err, EINVAL, "must not be empty");
	return 0;
}

static int check_bind(const void *value, struct mxg_error *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	int port;

	return parse_bind(*(char *const *)value, host, sizeof(host), &port, err);
}

static void resource_names(char *buf, size_t size)
{
	buf[0] = '\0';
	for (unsigned int bit = 1; bit <= MXG_RES_METRICS; bit <<= 1)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", bit > 1 ? ", " : "",
			 mxg_resource_name((enum mxg_resource)bit));
}

static int check_resources(const void *value, struct mxg_error *err)
{
	const struct mxg_conf_strlist *list = value;
	char names[128];

	for (size_t i = 0; i < list->count; i++) {
		if (mxg_resource_parse(list->items[i]) == 0) {
			resource_names(names, sizeof(names));
			return mxg_error_set(err, EINVAL, "unknown resource '%s' (valid: %s)",
					     list->items[i], names);
		}
	}
	return 0;
}

static int check_listeners(const struct mxg_conf_list *list, size_t *bad_index_r,
			   struct mxg_error *err)
{
	const struct mxg_listener_conf *l = list->items;
	char hi[INET6_ADDRSTRLEN + 1], hj[INET6_ADDRSTRLEN + 1];
	int pi, pj;

	for (size_t i = 1; i < list->count; i++) {
		if (l[i].bind == NULL || parse_bind(l[i].bind, hi, sizeof(hi), &pi, NULL) < 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (l[j].bind == NULL ||
			    parse_bind(l[j].bind, hj, sizeof(hj), &pj, NULL) < 0)
				continue;
			if (pi == pj && strcmp(hi, hj) == 0) {
				*bad_index_r = i;
				return mxg_error_set(err, EINVAL, "duplicate listener %s (also "
						     "listeners[%zu])", l[i].bind, j);
			}
		}
	}
	return 0;
}

static int check_store_name(const void *value, struct mxg_error *err)
{
	const char *name = *(char *const *)value;

	if (name[0] == '\0' || strlen(name) > 64 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name))
		return mxg_error_set(err, EINVAL, "'%s' is not a store name (use [a-z0-9_-], "
				     "at most 64)", name);
	return 0;
}

static int check_stores(const struct mxg_conf_list *list, size_t *bad_index_r,
			struct mxg_error *err)
{
	const struct mxg_store_conf *s = list->items;

	for (size_t i = 1; i < list->count; i++) {
		for (size_t j = 0; j < i && s[i].name != NULL; j++) {
			if (s[j].name != NULL && strcmp(s[i].name, s[j].name) == 0) {
				*bad_index_r = i;
				return mxg_error_set(err, EEXIST, "duplicate store name '%s' (also "
						     "stores[%zu])", s[i].name, j);
			}
		}
	}
	return 0;
}

/* The module's settings sit flat beside name/module/priority/enabled. */
static int resolve_store(const void *root, const void *parent,
			 const struct mxg_conf_def **table_r, size_t *size_r,
			 struct mxg_error *err)
{
	const struct mxg_config *cfg = root;
	/* parent is our own, writable struct; conf.h hands it as const so that
	 * resolvers in general don't scribble over what was parsed. */
	struct mxg_store_conf *store = (struct mxg_store_conf *)parent;
	const struct mxg_store_driver *drv;

	if (store->module == NULL)
		return mxg_error_set(err, EINVAL, "%s", "");	/* reported as missing */
	drv = mxg_store_driver_find(cfg->plugin_dir, store->module, err);
	if (drv == NULL)
		return -1;
	store->driver = drv;
	*table_r = drv->settings;
	*size_r = drv->settings_size;
	return 0;
}

static int check_database(const void *value, struct mxg_error *err)
{
	const struct mxg_db_settings *db = value;

	if (db->driver == MXG_DB_POSTGRESQL && (db->conninfo == NULL || db->conninfo[0] == '\0'))
		return mxg_error_set(err, EINVAL, "driver postgresql needs conninfo "
				     "(or conninfo_file)");
	return 0;
}

unsigned int mxg_lookup_algo_parse(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "sha256") == 0)
		return MXG_LOOKUP_SHA256;
	if (strcmp(name, "none") == 0)
		return MXG_LOOKUP_NONE;
	return 0;
}

static int check_algorithms(const void *value, struct mxg_error *err)
{
	const struct mxg_conf_strlist *list = value;
	unsigned int mask = 0;

	for (size_t i = 0; i < list->count; i++) {
		if (mxg_lookup_algo_parse(list->items[i]) == 0)
			return mxg_error_set(err, EINVAL, "unknown algorithm '%s' (valid: sha256, "
					     "none)", list->items[i]);
		mask |= mxg_lookup_algo_parse(list->items[i]);
	}
	if (!(mask & MXG_LOOKUP_SHA256))
		return mxg_error_set(err, EINVAL, "sha256 must be enabled (the identity "
				     "service spec makes it mandatory)");
	return 0;
}

static int check_log_level(const void *value, struct mxg_error *err)
{
	enum mxg_log_level level;

	if (mxg_log_level_parse(*(char *const *)value, &level) < 0)
		return mxg_error_set(err, EINVAL, "'%s' is not one of: debug, info, warning, "
				     "error, crit", *(char *const *)value);
	return 0;
}

/* rate_limits.*.per_second: a decimal number of requests per second. */
static int check_ip_list(const void *value, struct mxg_error *err)
{
	const struct mxg_conf_strlist *list = value;
	unsigned char addr[16];

	for (size_t i = 0; i < list->count; i++)
		if (inet_pton(AF_INET, list->items[i], addr) != 1 &&
		    inet_pton(AF_INET6, list->items[i], addr) != 1)
			return mxg_error_set(err, EINVAL, "'%s' is not an IP address",
					     list->items[i]);
	return 0;
}

/* --- tables ------------------------------------------------------------------- */

static const struct mxg_conf_def listener_table[] = {
	{ .key = "bind", .type = MXG_CONF_STRING, .offset = F(mxg_listener_conf, bind),
	  .flags = MXG_CONF_REQUIRED, .check = check_bind,
	  .doc = "address:port to listen on: IPv4, [IPv6] or localhost" },
	{ .key = "resources", .type = MXG_CONF_STRLIST,
	  .offset = F(mxg_listener_conf, resources), .flags = MXG_CONF_REQUIRED,
	  .check = check_resources, .doc = "what this listener serves" },
	{ .key = NULL },
};

static const struct mxg_conf_def http_table[] = {
	{ .key = "threads", .type = MXG_CONF_INT, .offset = F(mxg_http_conf, threads),
	  .dflt = "0", .min = 0, .max = 64, .doc = "event threads; 0 = one per CPU core" },
	{ .key = "workers", .type = MXG_CONF_INT, .offset = F(mxg_http_conf, workers),
	  .dflt = "8", .min = 1, .max = 256, .doc = "threads for blocking handlers" },
	{ .key = "worker_queue", .type = MXG_CONF_INT, .offset = F(mxg_http_conf, worker_queue),
	  .dflt = "256", .min = 1, .max = 100000,
	  .doc = "blocking requests queued before answering 503" },
	{ .key = "max_body_size", .type = MXG_CONF_SIZE, .offset = F(mxg_http_conf, max_body_size),
	  .dflt = "1M", .min = 1024, .max = 64 << 20, .doc = "larger request bodies get 413" },
	{ .key = "connection_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_http_conf, connection_timeout_ms), .dflt = "30s",
	  .min = SEC, .max = HOUR, .doc = "idle keep-alive connections are closed after" },
	{ .key = "shutdown_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_http_conf, shutdown_timeout_ms), .dflt = "10s",
	  .min = 0, .max = 10 * MIN, .doc = "how long SIGTERM waits for requests in flight" },
	{ .key = "trusted_proxies", .type = MXG_CONF_STRLIST,
	  .offset = F(mxg_http_conf, trusted_proxies), .dflt = "[]", .check = check_ip_list,
	  .doc = "proxy IPs whose X-Forwarded-For names the client" },
	{ .key = NULL },
};

static const char *const db_drivers[] = { "sqlite", "postgresql", NULL };

static const struct mxg_conf_def database_table[] = {
	{ .key = "driver", .type = MXG_CONF_ENUM, .offset = F(mxg_db_settings, driver),
	  .dflt = "sqlite", .enum_values = db_drivers, .doc = "sqlite or postgresql" },
	{ .key = "path", .type = MXG_CONF_STRING, .offset = F(mxg_db_settings, path),
	  .check = mxg_config_check_nonempty, .doc = "sqlite file; default <data_dir>/mxgate.db" },
	{ .key = "conninfo", .type = MXG_CONF_SECRET, .offset = F(mxg_db_settings, conninfo),
	  .doc = "postgresql: libpq connection string" },
	{ .key = "pool_size", .type = MXG_CONF_INT, .offset = F(mxg_db_settings, pool_size),
	  .dflt = "4", .min = 1, .max = 64, .doc = "connections kept at most" },
	{ .key = "connect_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_db_settings, connect_timeout_ms), .dflt = "5s",
	  .min = 100, .max = 10 * MIN, .doc = "postgresql: connection set-up bound" },
	{ .key = "busy_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_db_settings, busy_timeout_ms), .dflt = "5s",
	  .min = 0, .max = 10 * MIN, .doc = "sqlite: how long to wait for a lock" },
	{ .key = "statement_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_db_settings, statement_timeout_ms), .dflt = "30s",
	  .min = 100, .max = HOUR, .doc = "postgresql: statement_timeout" },
	{ .key = "acquire_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_db_settings, acquire_timeout_ms), .dflt = "5s",
	  .min = 10, .max = 10 * MIN, .doc = "wait for a free pooled connection" },
	{ .key = NULL },
};

static const struct mxg_conf_def keys_table[] = {
	{ .key = "signing_key_path", .type = MXG_CONF_STRING,
	  .offset = F(mxg_keys_conf, signing_key_path), .check = mxg_config_check_nonempty,
	  .doc = "ed25519 signing key; default <data_dir>/signing.key" },
	{ .key = NULL },
};

static const struct mxg_conf_def store_table[] = {
	{ .key = "name", .type = MXG_CONF_STRING, .offset = F(mxg_store_conf, name),
	  .flags = MXG_CONF_REQUIRED, .check = check_store_name,
	  .doc = "unique name, [a-z0-9_-]" },
	{ .key = "module", .type = MXG_CONF_STRING, .offset = F(mxg_store_conf, module),
	  .flags = MXG_CONF_REQUIRED, .doc = "static, or a module in plugin_dir" },
	{ .key = "priority", .type = MXG_CONF_INT, .offset = F(mxg_store_conf, priority),
	  .dflt = "100", .min = -1000000, .max = 1000000, .doc = "lower is asked first" },
	{ .key = "enabled", .type = MXG_CONF_BOOL, .offset = F(mxg_store_conf, enabled),
	  .dflt = "true", .doc = "false keeps the store configured but unused" },
	{ .key = "settings", .type = MXG_CONF_DYNAMIC, .offset = F(mxg_store_conf, settings),
	  .resolve = resolve_store, .doc = "the module's own keys, beside these" },
	{ .key = NULL },
};

static const struct mxg_conf_def lookup_table[] = {
	{ .key = "algorithms", .type = MXG_CONF_STRLIST,
	  .offset = F(mxg_lookup_conf, algorithms), .dflt = "[sha256, none]",
	  .check = check_algorithms, .doc = "hash algorithms offered: sha256, none" },
	{ .key = "max_addresses", .type = MXG_CONF_INT, .offset = F(mxg_lookup_conf, max_addresses),
	  .dflt = "10000", .min = 1, .max = 1000000, .doc = "addresses per lookup request" },
	{ .key = "refresh_interval", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_lookup_conf, refresh_interval_ms), .dflt = "5m",
	  .min = SEC, .max = 30 * DAY, .doc = "how often the index is rebuilt from the stores" },
	{ .key = "pepper_rotation", .type = MXG_CONF_DURATION,
	  .offset = F(mxg_lookup_conf, pepper_rotation_ms), .dflt = "0",
	  .min = 0, .max = 3650 * DAY, .doc = "a new pepper when the newest is older; 0 = never" },
	{ .key = "require_auth", .type = MXG_CONF_BOOL, .offset = F(mxg_lookup_conf, require_auth),
	  .dflt = "true", .doc = "hash_details and lookup need an identity-server token" },
	{ .key = NULL },
};

static const struct mxg_conf_def log_table[] = {
	{ .key = "level", .type = MXG_CONF_STRING, .offset = F(mxg_log_conf, level),
	  .dflt = "info", .check = check_log_level,
	  .doc = "debug, info, warning, error or crit" },
	{ .key = "file", .type = MXG_CONF_STRING, .offset = F(mxg_log_conf, file),
	  .dflt = "\"-\"", .check = mxg_config_check_nonempty, .doc = "log file; - = stderr" },
	{ .key = "access_log", .type = MXG_CONF_BOOL, .offset = F(mxg_log_conf, access_log),
	  .dflt = "true", .doc = "one line per HTTP request" },
	{ .key = NULL },
};

/* Table order matters: stores resolve their modules from plugin_dir. */
const struct mxg_conf_def mxg_config_table[] = {
	{ .key = "server_name", .type = MXG_CONF_STRING, .offset = F(mxg_config, server_name),
	  .flags = MXG_CONF_REQUIRED, .check = mxg_config_check_server_name_field,
	  .doc = "the Matrix server name (the part after ':' in user IDs)" },
	{ .key = "public_baseurl", .type = MXG_CONF_STRING,
	  .offset = F(mxg_config, public_baseurl), .check = mxg_config_check_baseurl,
	  .doc = "URL clients reach us at; default http://<first listener>/" },
	{ .key = "data_dir", .type = MXG_CONF_STRING, .offset = F(mxg_config, data_dir),
	  .dflt = "/var/lib/mxgate", .check = mxg_config_check_nonempty,
	  .doc = "database and signing key directory" },
	{ .key = "plugin_dir", .type = MXG_CONF_STRING, .offset = F(mxg_config, plugin_dir),
	  .dflt = MXG_PLUGINDIR, .check = mxg_config_check_nonempty, .doc = "store modules directory" },
	{ .key = "listeners", .type = MXG_CONF_LIST, .offset = F(mxg_config, listeners),
	  .flags = MXG_CONF_REQUIRED, .sub = listener_table,
	  .elem_size = sizeof(struct mxg_listener_conf), .list_check = check_listeners,
	  .doc = "where to listen and what to serve" },
	{ .key = "http", .type = MXG_CONF_SECTION, .offset = F(mxg_config, http),
	  .sub = http_table, .doc = "HTTP server tuning" },
	{ .key = "database", .type = MXG_CONF_SECTION, .offset = F(mxg_config, database),
	  .sub = database_table, .check = check_database, .doc = "the database" },
	{ .key = "keys", .type = MXG_CONF_SECTION, .offset = F(mxg_config, keys),
	  .sub = keys_table, .doc = "signing keys" },
	{ .key = "stores", .type = MXG_CONF_LIST, .offset = F(mxg_config, stores),
	  .sub = store_table, .elem_size = sizeof(struct mxg_store_conf),
	  .list_check = check_stores, .doc = "identity stores, asked in priority order" },
	{ .key = "lookup", .type = MXG_CONF_SECTION, .offset = F(mxg_config, lookup),
	  .sub = lookup_table, .doc = "hashed 3PID lookup" },
	{ .key = "log", .type = MXG_CONF_SECTION, .offset = F(mxg_config, log),
	  .sub = log_table, .doc = "logging" },
	{ .key = "rate_limits", .type = MXG_CONF_SECTION, .offset = F(mxg_config, rate_limits),
	  .sub = mxg_config_rate_limits_table, .doc = "token buckets per client and action" },
	{ .key = "identity", .type = MXG_CONF_SECTION, .offset = F(mxg_config, identity),
	  .sub = mxg_config_identity_table, .doc = "Identity Service API: accounts, terms, legacy v1" },
	{ .key = "threepid", .type = MXG_CONF_SECTION, .offset = F(mxg_config, threepid),
	  .sub = mxg_config_threepid_table, .doc = "3PID validation sessions, e-mail and SMS" },
	{ .key = "login", .type = MXG_CONF_SECTION, .offset = F(mxg_config, login),
	  .sub = mxg_config_login_table, .check = mxg_config_check_login,
	  .doc = "password checks and client logins for the homeserver" },
	{ .key = "homeserver", .type = MXG_CONF_SECTION, .offset = F(mxg_config, homeserver),
	  .sub = mxg_config_homeserver_table, .doc = "the homeserver mxgate stands beside" },
	{ .key = "client", .type = MXG_CONF_SECTION, .offset = F(mxg_config, client),
	  .sub = mxg_config_client_table,
	  .doc = "what mxgate adds to the client-server API: directory, profile, discovery" },
	{ .key = "oauth", .type = MXG_CONF_SECTION, .offset = F(mxg_config, oauth),
	  .sub = mxg_config_oauth_table, .check = mxg_config_check_oauth,
	  .doc = "OAuth 2.0 / OpenID Connect provider" },
	{ .key = NULL },
};

/* --- derived fields ------------------------------------------------------------ */

static void sort_stores(struct mxg_conf_list *stores)
{
	struct mxg_store_conf *s = stores->items, tmp;

	/* Insertion sort: stable (ties keep file order), and lists are short. */
	for (size_t i = 1; i < stores->count; i++) {
		size_t j = i;

		tmp = s[i];
		while (j > 0 && s[j - 1].priority > tmp.priority) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = tmp;
	}
}

static void derive(struct mxg_config *cfg)
{
	struct mxg_arena *a = cfg->arena;
	struct mxg_listener_conf *l = cfg->listeners.items;
	char host[INET6_ADDRSTRLEN + 1];

	for (size_t i = 0; i < cfg->listeners.count; i++) {
		if (parse_bind(l[i].bind, host, sizeof(host), &l[i].port, NULL) == 0)
			l[i].host = mxg_arena_strdup(a, host);
		for (size_t j = 0; j < l[i].resources.count; j++)
			l[i].resource_mask |= mxg_resource_parse(l[i].resources.items[j]);
	}
	if (cfg->public_baseurl == NULL && cfg->listeners.count > 0)
		cfg->public_baseurl = mxg_arena_printf(a, "http://%s/", l[0].bind);
	else if (cfg->public_baseurl != NULL &&
		 cfg->public_baseurl[strlen(cfg->public_baseurl) - 1] != '/')
		cfg->public_baseurl = mxg_arena_printf(a, "%s/", cfg->public_baseurl);
	if (cfg->homeserver.base_url != NULL) {
		/* Paths are appended as "/_matrix/...". */
		char *u = cfg->homeserver.base_url;
		size_t n = strlen(u);

		while (n > 0 && u[n - 1] == '/')
			u[--n] = '\0';
	}
	if (cfg->database.path == NULL)
		cfg->database.path = mxg_arena_printf(a, "%s/mxgate.db", cfg->data_dir);
	if (cfg->keys.signing_key_path == NULL)
		cfg->keys.signing_key_path = mxg_arena_printf(a, "%s/signing.key", cfg->data_dir);
	for (size_t i = 0; i < cfg->lookup.algorithms.count; i++)
		cfg->lookup.algorithm_mask |= mxg_lookup_algo_parse(cfg->lookup.algorithms.items[i]);
	sort_stores(&cfg->stores);
	mxg_config_derive_services(cfg);
}

static struct mxg_config *config_new(const char *name)
{
	struct mxg_arena *arena = mxg_arena_create(16384);
	struct mxg_config *cfg = mxg_arena_alloc(arena, sizeof(*cfg));

	cfg->arena = arena;
	cfg->file = mxg_arena_strdup(arena, name);
	return cfg;
}

static int finish(struct mxg_config *cfg, int ret, struct mxg_config **cfg_r)
{
	if (ret != 0) {
		mxg_config_free(&cfg);
		return ret;
	}
	derive(cfg);
	*cfg_r = cfg;
	return 0;
}

int mxg_config_load(const char *path, struct mxg_config **cfg_r,
		    mxg_conf_report_fn *report, void *report_ctx)
{
	struct mxg_config *cfg = config_new(path);

	*cfg_r = NULL;
	return finish(cfg, mxg_conf_load_file(path, mxg_config_table, cfg, cfg->arena, report,
					      report_ctx), cfg_r);
}

int mxg_config_load_string(const char *name, const char *yaml,
			   struct mxg_config **cfg_r, mxg_conf_report_fn *report, void *report_ctx)
{
	struct mxg_config *cfg = config_new(name);

	*cfg_r = NULL;
	return finish(cfg, mxg_conf_load_string(name, yaml, strlen(yaml), mxg_config_table, cfg,
						cfg->arena, report, report_ctx), cfg_r);
}

void mxg_config_free(struct mxg_config **cfg)
{
	struct mxg_arena *arena;
	struct mxg_store_conf *s;

	if (*cfg == NULL)
		return;
	mxg_conf_wipe_secrets(mxg_config_table, *cfg);
	/* Store settings hang off a DYNAMIC part the generic walk can't see. */
	s = (*cfg)->stores.items;
	for (size_t i = 0; i < (*cfg)->stores.count; i++)
		if (s[i].driver != NULL)
			mxg_conf_wipe_secrets(s[i].driver->settings, s[i].settings);
	arena = (*cfg)->arena;
	*cfg = NULL;
	mxg_arena_destroy(&arena);
}

const char *mxg_config_path(const char *arg)
{
	return arg != NULL ? arg : getenv("MXGATE_CONFIG");
}
