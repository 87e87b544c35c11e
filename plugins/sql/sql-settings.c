/*
 * sql-settings.c: the `sql` store's config table, its presets (the SQL that
 * reads a Synapse database) and the checks that need several keys at once.
 *
 * Every query is the admin's own text (or a preset's) with $1..$n
 * placeholders; values only ever travel as parameters.  The parameters each
 * query is offered, in order, are the contract documented in mxgate-sql(5):
 * keep the two in step.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sql.h"

#define F(field) offsetof(struct mxg_sql_settings, field)
#define Q(kind) (offsetof(struct mxg_sql_settings, queries[kind]) - F(queries))
#define MIN (60 * 1000LL)

static const char *const drivers[] = { "sqlite", "postgresql", NULL };
static const char *const presets[] = { "none", "synapse", NULL };
static const char *const id_types[] = { "auto", "localpart", "mxid", NULL };
static const char *const normalizations[] = { "auto", "none", "nfkc", NULL };

static const struct mxg_conf_def queries_table[] = {
	{ .key = "authenticate", .type = MXG_CONF_STRING, .offset = Q(MXG_SQL_Q_AUTHENTICATE),
	  .doc = "$1 key, $2 localpart -> id, password_hash[, display_name[, disabled]]" },
	{ .key = "lookup", .type = MXG_CONF_STRING, .offset = Q(MXG_SQL_Q_LOOKUP),
	  .doc = "$1 medium, $2 canonical address -> id" },
	{ .key = "lookup_bulk", .type = MXG_CONF_STRING, .offset = Q(MXG_SQL_Q_LOOKUP_BULK),
	  .doc = "$1 JSON array of {medium, address} -> medium, address, id" },
	{ .key = "enumerate", .type = MXG_CONF_STRING, .offset = Q(MXG_SQL_Q_ENUMERATE),
	  .doc = "no parameter -> medium, address, id, ordered by id" },
	{ .key = "directory_search", .type = MXG_CONF_STRING,
	  .offset = Q(MXG_SQL_Q_DIRECTORY_SEARCH),
	  .doc = "$1 LIKE pattern, $2 limit, $3 server name -> id, display_name[, avatar_url]" },
	{ .key = "profile", .type = MXG_CONF_STRING, .offset = Q(MXG_SQL_Q_PROFILE),
	  .doc = "$1 key, $2 localpart -> display_name[, avatar_url]" },
	{ .key = "profile_threepids", .type = MXG_CONF_STRING,
	  .offset = Q(MXG_SQL_Q_PROFILE_THREEPIDS),
	  .doc = "$1 key, $2 localpart -> medium, address" },
	{ .key = NULL },
};

const struct mxg_conf_def mxg_sql_settings_table[] = {
	{ .key = "driver", .type = MXG_CONF_ENUM, .offset = F(driver), .dflt = "sqlite",
	  .enum_values = drivers, .doc = "sqlite or postgresql" },
	{ .key = "path", .type = MXG_CONF_STRING, .offset = F(path),
	  .doc = "sqlite: the database file (opened read-only)" },
	{ .key = "conninfo", .type = MXG_CONF_SECRET, .offset = F(conninfo),
	  .doc = "postgresql: libpq connection string" },
	{ .key = "pool_size", .type = MXG_CONF_INT, .offset = F(pool_size), .dflt = "4",
	  .min = 1, .max = 64, .doc = "connections kept at most" },
	{ .key = "connect_timeout", .type = MXG_CONF_DURATION, .offset = F(connect_timeout_ms),
	  .dflt = "5s", .min = 100, .max = 10 * MIN, .doc = "postgresql: connection set-up bound" },
	{ .key = "statement_timeout", .type = MXG_CONF_DURATION,
	  .offset = F(statement_timeout_ms), .dflt = "5s", .min = 100, .max = 10 * MIN,
	  .doc = "bound on one query (sqlite: on waiting for a lock)" },
	{ .key = "preset", .type = MXG_CONF_ENUM, .offset = F(preset), .dflt = "none",
	  .enum_values = presets, .doc = "none, or synapse: default queries for Synapse's schema" },
	{ .key = "id_type", .type = MXG_CONF_ENUM, .offset = F(id_type), .dflt = "auto",
	  .enum_values = id_types,
	  .doc = "what the id columns hold: localpart or mxid (auto: mxid for synapse)" },
	{ .key = "lowercase_localpart", .type = MXG_CONF_BOOL, .offset = F(lowercase_localpart),
	  .dflt = "true", .doc = "lower-case localparts asked for and returned" },
	{ .key = "password_pepper", .type = MXG_CONF_SECRET, .offset = F(password_pepper),
	  .doc = "appended to the password before it is checked (Synapse's pepper)" },
	{ .key = "password_normalization", .type = MXG_CONF_ENUM,
	  .offset = F(password_normalization), .dflt = "auto", .enum_values = normalizations,
	  .doc = "none or nfkc (auto: nfkc for synapse)" },
	{ .key = "queries", .type = MXG_CONF_SECTION, .offset = F(queries), .sub = queries_table,
	  .doc = "the SQL of each operation; an empty string turns one off" },
	{ .key = NULL },
};

/* Who the preset keeps out everywhere: Synapse's deactivated and guest
 * accounts, and the users appservices registered (bridged people). */
#define SYN_ACTIVE "u.deactivated = 0 AND u.is_guest = 0 AND u.appservice_id IS NULL"
/* The localpart of users.name ("@lp:server"), given $3 = server name: a
 * join on it uses no index, but profiles.user_id holds only localparts. */
#define SYN_LOCALPART "substr(u.name, 2, length(u.name) - length(CAST($3 AS TEXT)) - 2)"

static const char *const synapse_common[MXG_SQL_Q_COUNT] = {
	[MXG_SQL_Q_AUTHENTICATE] =
		"SELECT u.name, u.password_hash, p.displayname FROM users u "
		"LEFT JOIN profiles p ON p.user_id = $2 "
		"WHERE u.name = $1 AND " SYN_ACTIVE,
	[MXG_SQL_Q_LOOKUP] =
		"SELECT t.user_id FROM user_threepids t JOIN users u ON u.name = t.user_id "
		"WHERE t.medium = $1 AND t.address = $2 AND " SYN_ACTIVE
		" ORDER BY t.user_id LIMIT 1",
	[MXG_SQL_Q_ENUMERATE] =
		"SELECT t.medium, t.address, t.user_id FROM user_threepids t "
		"JOIN users u ON u.name = t.user_id WHERE " SYN_ACTIVE
		" ORDER BY t.user_id, t.medium, t.address",
	/* Case-insensitive on both: PostgreSQL's LIKE is case-sensitive,
	 * SQLite's is not, lower() on both sides is the same on each. */
	[MXG_SQL_Q_DIRECTORY_SEARCH] =
		"SELECT u.name, p.displayname, p.avatar_url FROM users u "
		"LEFT JOIN profiles p ON p.user_id = " SYN_LOCALPART " "
		"WHERE " SYN_ACTIVE " AND ("
		"lower(" SYN_LOCALPART ") LIKE lower(CAST($1 AS TEXT)) ESCAPE '\\' "
		"OR lower(p.displayname) LIKE lower(CAST($1 AS TEXT)) ESCAPE '\\') "
		"ORDER BY u.name LIMIT CAST($2 AS INTEGER)",
	[MXG_SQL_Q_PROFILE] =
		"SELECT p.displayname, p.avatar_url FROM users u "
		"LEFT JOIN profiles p ON p.user_id = $2 "
		"WHERE u.name = $1 AND " SYN_ACTIVE,
	[MXG_SQL_Q_PROFILE_THREEPIDS] =
		"SELECT t.medium, t.address FROM user_threepids t WHERE t.user_id = $1 "
		"ORDER BY t.medium, t.address",
};

/* Bulk lookup reads a JSON array parameter: the one query whose dialects
 * differ. */
static const char *const synapse_bulk_sqlite =
	"SELECT t.medium, t.address, t.user_id FROM user_threepids t "
	"JOIN users u ON u.name = t.user_id "
	"JOIN json_each($1) q ON t.medium = json_extract(q.value, '$.medium') "
	"AND t.address = json_extract(q.value, '$.address') WHERE " SYN_ACTIVE;
static const char *const synapse_bulk_pgsql =
	"SELECT t.medium, t.address, t.user_id FROM user_threepids t "
	"JOIN users u ON u.name = t.user_id "
	"JOIN json_to_recordset(CAST($1 AS json)) AS q(medium text, address text) "
	"ON t.medium = q.medium AND t.address = q.address WHERE " SYN_ACTIVE;

static const size_t params_offered[MXG_SQL_Q_COUNT] = {
	[MXG_SQL_Q_AUTHENTICATE] = 2,
	[MXG_SQL_Q_LOOKUP] = 2,
	[MXG_SQL_Q_LOOKUP_BULK] = 1,
	[MXG_SQL_Q_ENUMERATE] = 0,
	[MXG_SQL_Q_DIRECTORY_SEARCH] = 3,
	[MXG_SQL_Q_PROFILE] = 2,
	[MXG_SQL_Q_PROFILE_THREEPIDS] = 2,
};

size_t mxg_sql_query_params_offered(enum mxg_sql_query_kind kind)
{
	return params_offered[kind];
}

const char *mxg_sql_query_name(enum mxg_sql_query_kind kind)
{
	return queries_table[kind].key;
}

const char *mxg_sql_preset_query(enum mxg_sql_preset preset, enum mxg_db_driver_kind driver,
				 enum mxg_sql_query_kind kind)
{
	if (preset != MXG_SQL_PRESET_SYNAPSE)
		return NULL;
	if (kind == MXG_SQL_Q_LOOKUP_BULK)
		return driver == MXG_DB_POSTGRESQL ? synapse_bulk_pgsql : synapse_bulk_sqlite;
	return synapse_common[kind];
}

static int check_connection(const struct mxg_sql_settings *set, struct mxg_error *err)
{
	if (set->driver == MXG_DB_POSTGRESQL) {
		if (set->conninfo == NULL || set->conninfo[0] == '\0')
			return mxg_error_set(err, EINVAL,
					     "driver postgresql needs conninfo (or conninfo_file)");
		if (set->path != NULL)
			return mxg_error_set(err, EINVAL, "path is for driver sqlite; "
					     "driver postgresql takes conninfo");
		return 0;
	}
	if (set->path == NULL || set->path[0] == '\0')
		return mxg_error_set(err, EINVAL, "driver sqlite needs path (the database file)");
	if (set->conninfo != NULL)
		return mxg_error_set(err, EINVAL, "conninfo is for driver postgresql; "
				     "driver sqlite takes path");
	return 0;
}

static int resolve_queries(const struct mxg_sql_settings *set, struct mxg_sql_ctx *ctx,
			   struct mxg_error *err)
{
	size_t configured = 0;

	for (int k = 0; k < MXG_SQL_Q_COUNT; k++) {
		const char *sql = set->queries[k];
		size_t used;

		if (sql == NULL)
			sql = mxg_sql_preset_query(set->preset, set->driver, k);
		if (sql == NULL || sql[strspn(sql, " \t\r\n")] == '\0') {
			ctx->q[k].sql = NULL;	/* not configured, or turned off */
			continue;
		}
		if (mxg_sql_placeholders(sql, &used, err) < 0) {
			mxg_error_prefix(err, "queries.%s: ", mxg_sql_query_name(k));
			return -1;
		}
		if (used > params_offered[k])
			return mxg_error_set(err, EINVAL, "queries.%s: uses $%zu, but is given "
					     "%zu parameter%s (see mxgate-sql(5))",
					     mxg_sql_query_name(k), used, params_offered[k],
					     params_offered[k] == 1 ? "" : "s");
		ctx->q[k].sql = sql;
		ctx->q[k].nparams = used;
		configured++;
	}
	if (configured == 0)
		return mxg_error_set(err, EINVAL, "no query configured: give queries.* "
				     "(or preset: synapse)");
	return 0;
}

int mxg_sql_settings_apply(const struct mxg_sql_settings *set, struct mxg_sql_ctx *ctx,
			   struct mxg_error *err)
{
	bool synapse = set->preset == MXG_SQL_PRESET_SYNAPSE;

	if (check_connection(set, err) < 0)
		return -1;
	if (synapse && set->id_type == MXG_SQL_ID_LOCALPART)
		return mxg_error_set(err, EINVAL, "preset synapse: id_type must be mxid "
				     "(Synapse keys users by Matrix ID)");
	if (resolve_queries(set, ctx, err) < 0)
		return -1;
	ctx->id_is_mxid = set->id_type == MXG_SQL_ID_MXID ||
			  (set->id_type == MXG_SQL_ID_AUTO && synapse);
	ctx->lowercase = set->lowercase_localpart;
	ctx->nfkc = set->password_normalization == MXG_SQL_NORM_NFKC ||
		    (set->password_normalization == MXG_SQL_NORM_AUTO && synapse);
	ctx->pepper = set->password_pepper;

	ctx->dbset = (struct mxg_db_settings){
		.driver = set->driver,
		.path = set->path,
		.conninfo = set->conninfo,
		.pool_size = set->pool_size,
		.connect_timeout_ms = set->connect_timeout_ms,
		/* SQLite has no statement timeout; its wait is for locks. */
		.busy_timeout_ms = set->statement_timeout_ms,
		.statement_timeout_ms = set->statement_timeout_ms,
		.acquire_timeout_ms = set->statement_timeout_ms,
		/* The directory belongs to its application: never write to it. */
		.read_only = true,
	};
	return 0;
}
