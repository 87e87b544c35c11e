/*
 * sql.h: the `sql` store module's internal interface, shared by its files:
 * settings and presets (sql-settings.c), running configured queries over a
 * lazily opened pool (sql-query.c), password checks (sql-password.c) and
 * the store operations (sql.c).  Not installed: modules have no public API
 * beyond their mxg_store_<name> symbol.
 */
#ifndef MXG_SQL_H
#define MXG_SQL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/password.h"
#include "db/db.h"
#include "stores/store.h"

struct mxg_arena;

/* The configured queries, one per purpose.  NULL = use the preset's,
 * "" = turned off. */
enum mxg_sql_query_kind {
	MXG_SQL_Q_AUTHENTICATE,
	MXG_SQL_Q_LOOKUP,
	MXG_SQL_Q_LOOKUP_BULK,
	MXG_SQL_Q_ENUMERATE,
	MXG_SQL_Q_DIRECTORY_SEARCH,
	MXG_SQL_Q_PROFILE,
	MXG_SQL_Q_PROFILE_THREEPIDS,
	MXG_SQL_Q_COUNT,
};

enum mxg_sql_preset { MXG_SQL_PRESET_NONE, MXG_SQL_PRESET_SYNAPSE };
enum mxg_sql_id_type { MXG_SQL_ID_AUTO, MXG_SQL_ID_LOCALPART, MXG_SQL_ID_MXID };
enum mxg_sql_normalize { MXG_SQL_NORM_AUTO, MXG_SQL_NORM_NONE, MXG_SQL_NORM_NFKC };

/* Filled by the config engine from the table in sql-settings.c. */
struct mxg_sql_settings {
	int driver;			/* enum mxg_db_driver_kind */
	char *path;			/* sqlite */
	char *conninfo;			/* postgresql (secret) */
	long long pool_size;
	long long connect_timeout_ms;
	long long statement_timeout_ms;
	int preset;			/* enum mxg_sql_preset */
	int id_type;			/* enum mxg_sql_id_type */
	bool lowercase_localpart;
	char *password_pepper;		/* secret */
	int password_normalization;	/* enum mxg_sql_normalize */
	char *queries[MXG_SQL_Q_COUNT];	/* the "queries" section */
};

/* The config table (for the driver struct and the man-page test). */
extern const struct mxg_conf_def mxg_sql_settings_table[];

/* A query ready to run: its text and how many of the parameters it was
 * offered it uses ($1..$nparams; a query may leave out the last ones). */
struct mxg_sql_query {
	const char *sql;	/* NULL: not configured */
	size_t nparams;
};

/* A store instance's state (struct mxg_store.ctx). */
struct mxg_sql_ctx {
	const char *store_name;
	const char *server_name;
	bool id_is_mxid;
	bool lowercase;
	bool nfkc;
	const char *pepper;	/* NULL or "" = none; points into the settings */
	struct mxg_sql_query q[MXG_SQL_Q_COUNT];

	pthread_mutex_t lock;	/* guards db and the failure record */
	bool lock_init;
	struct mxg_db_settings dbset;
	struct mxg_db *db;	/* NULL until the first successful open */
	long long failed_at_ms;	/* monotonic time of the last failed open */
	char failed_msg[MXG_ERROR_MSG_MAX];
	/* The first password hash read, checked in vain for an unknown user so
	 * that the answer takes as long as a wrong password.  Set once (atomic
	 * compare-and-swap), freed at deinit. */
	char *decoy_hash;
};

/* --- sql-settings.c --- */

/* Parameters each query is offered (the contract in mxgate-sql(5)). */
size_t mxg_sql_query_params_offered(enum mxg_sql_query_kind kind);
/* The key of a query in the "queries" section. */
const char *mxg_sql_query_name(enum mxg_sql_query_kind kind);
/* The preset's text for a query on a driver, or NULL. */
const char *mxg_sql_preset_query(enum mxg_sql_preset preset, enum mxg_db_driver_kind driver,
				 enum mxg_sql_query_kind kind);

/* Check the settings as a whole and fill ctx (queries resolved against the
 * preset, identifier and password rules, pool settings).  0, or -1 + err
 * naming the key at fault. */
int mxg_sql_settings_apply(const struct mxg_sql_settings *set, struct mxg_sql_ctx *ctx,
			   struct mxg_error *err);

/* --- sql-query.c --- */

/*
 * The highest $n placeholder of sql, skipping string literals, quoted
 * identifiers, comments and PostgreSQL dollar quotes, in *max_r.  -1 + err
 * when a placeholder below the highest is not used (both drivers refuse a
 * parameter the statement does not use) or a literal is unterminated.
 */
int mxg_sql_placeholders(const char *sql, size_t *max_r, struct mxg_error *err);

/* term as a LIKE pattern matching it anywhere: '%' + term + '%' with '%',
 * '_' and '\' escaped by '\' (the queries say ESCAPE '\'). */
char *mxg_sql_like_contains(struct mxg_arena *arena, const char *term);

/* A result cell as a boolean: 1, t, true, y, yes, on (any case). */
bool mxg_sql_truthy(const char *value);

/*
 * Run query kind with its offered params (only the first nparams are
 * passed).  OK with *res_r (free it with mxg_db_result_free); UNAVAILABLE
 * when the database cannot be reached (the pool is opened on first use and
 * re-tried on later calls); INTERNAL when the server rejects the query or
 * the result has fewer than min_cols columns.  err names the store and the
 * query, never the conninfo.
 */
enum mxg_store_result mxg_sql_run(struct mxg_sql_ctx *ctx, enum mxg_sql_query_kind kind,
				  const char *const *params, size_t min_cols,
				  struct mxg_db_result **res_r, struct mxg_error *err);

/* Close the pool (deinit). */
void mxg_sql_pool_close(struct mxg_sql_ctx *ctx);

/* A Matrix user ID from a first column as id_type says (NULL when the value
 * cannot be one). */
const char *mxg_sql_user_id(const struct mxg_sql_ctx *ctx, struct mxg_arena *arena,
			    const char *value);

/*
 * The two parameters a query about one person gets: *key_r as the store
 * keys people ($1: the localpart, or the full Matrix ID with id_type mxid)
 * and *localpart_r ($2).  user is a localpart or a Matrix ID (from_store:
 * a first-column value).  false when user cannot be one of ours (a Matrix
 * ID of another server for a localpart-keyed store, a malformed one).
 */
bool mxg_sql_person_key(const struct mxg_sql_ctx *ctx, struct mxg_arena *arena,
			const char *user, const char **key_r, const char **localpart_r);

/* --- sql-password.c --- */

/*
 * Check password against hash the way the store's application made it:
 * NFKC-normalised first when configured (Synapse), then the pepper
 * appended.  MXG_PASSWORD_MISMATCH also for a password that is not UTF-8
 * when normalising (no such password can have been hashed).
 */
enum mxg_password_result mxg_sql_password_check(const struct mxg_sql_ctx *ctx,
						const char *password, size_t password_len,
						const char *hash);

#endif
