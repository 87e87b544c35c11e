/*
 * ldap-private.h: what the files of the `ldap` store module share: its
 * settings, the attribute map the presets resolve to, the connection pool,
 * filter building and entry mapping.  Nothing here is seen by the core; the
 * module exports only mxg_store_ldap (ldap.c).
 */
#ifndef MXG_LDAP_PRIVATE_H
#define MXG_LDAP_PRIVATE_H

#include <ldap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/conf.h"
#include "core/error.h"
#include "stores/store.h"

struct mxg_arena;

/* Longest user input put into a filter, in bytes: longer input matches
 * nothing (no login name, address or search term is that long). */
#define MXG_LDAP_INPUT_MAX 512

enum mxg_ldap_preset {
	MXG_LDAP_PRESET_OPENLDAP,
	MXG_LDAP_PRESET_ACTIVE_DIRECTORY,
};

enum mxg_ldap_localpart_type {
	MXG_LDAP_LOCALPART_LOCALPART,	/* the attribute holds "alice" */
	MXG_LDAP_LOCALPART_MXID,	/* the attribute holds "@alice:example.org" */
};

/* Filled by the core from mxg_ldap_settings_table (ldap-settings.c). */
struct mxg_ldap_settings {
	struct mxg_conf_strlist uris;
	bool start_tls;
	char *ca_file;
	bool tls_verify;
	char *bind_dn;
	char *bind_password;
	struct mxg_conf_strlist base_dn;
	int preset;			/* enum mxg_ldap_preset */
	char *filter;
	char *login_filter;
	/* Without a table default: the preset fills what is absent.  A list
	 * given as [] is present and empty (items != NULL, count 0). */
	struct mxg_conf_strlist login_attributes;
	char *localpart_attribute;
	char *display_name_attribute;
	struct mxg_conf_strlist email_attributes;
	struct mxg_conf_strlist msisdn_attributes;
	struct mxg_conf_strlist search_attributes;
	char *avatar_attribute;
	int localpart_type;		/* enum mxg_ldap_localpart_type */
	bool lowercase_localpart;
	char *default_region;
	long long pool_size;
	long long connect_timeout_ms;
	long long timeout_ms;
	long long failback_interval_ms;
	long long page_size;
	long long bulk_batch;
};

extern const struct mxg_conf_def mxg_ldap_settings_table[];

/* A list of attribute names, NULL-terminated (libldap's attrs form). */
struct mxg_ldap_attrs {
	const char **names;
	size_t count;
};

/* How entries become people, after the preset is applied. */
struct mxg_ldap_map {
	const struct mxg_store_env *env;
	const char *localpart_attribute;
	const char *display_name_attribute;	/* or NULL */
	const char *display_fallback;		/* "cn" when the entry lacks the above, or NULL */
	const char *avatar_attribute;		/* or NULL */
	struct mxg_ldap_attrs login, email, msisdn, search;
	struct mxg_ldap_attrs email_login;	/* e-mail logins: e-mail + login attributes */
	bool is_mxid;
	bool lowercase;
	const char *default_region;		/* or NULL */
	/* What each kind of request reads. */
	struct mxg_ldap_attrs person_attrs;	/* everything a person is made of */
	struct mxg_ldap_attrs email_read;	/* user ID + e-mail attributes */
	struct mxg_ldap_attrs msisdn_read;	/* user ID + phone attributes */
	struct mxg_ldap_attrs enum_read;	/* user ID + every 3PID attribute */
};

/*
 * Resolve settings + preset into map and the normalised filters, in arena.
 * Checks attribute names and filter syntax.  Returns 0, or -1 + err naming
 * the key at fault.
 */
int mxg_ldap_settings_resolve(const struct mxg_ldap_settings *set, const struct mxg_store_env *env,
			      struct mxg_arena *arena, struct mxg_ldap_map *map_r,
			      const char **filter_r, const char **login_filter_r,
			      struct mxg_error *err);

/* --- filter.c --- */

/*
 * RFC 4515 escaping of in[0..len) into arena memory: '*', '(', ')', '\',
 * NUL and the other ASCII control characters become \XX; everything else,
 * non-ASCII UTF-8 included, is copied.  Never NULL.
 */
char *mxg_ldap_escape(struct mxg_arena *arena, const char *in, size_t len);

/* True when user input s may go into a filter: at most MXG_LDAP_INPUT_MAX
 * bytes of valid UTF-8 (anything else cannot match a directory value). */
bool mxg_ldap_input_ok(const char *s);

/* True when s is a valid attribute description (name or OID, ;options). */
bool mxg_ldap_attr_valid(const char *s);

/*
 * Check an RFC 4515 filter ("(&(a=b)(!(c=*)))").  Returns 0, or -1 + err
 * saying where it breaks.
 */
int mxg_ldap_filter_check(const char *filter, struct mxg_error *err);

enum mxg_ldap_match {
	MXG_LDAP_MATCH_EQUAL,		/* (a=v) */
	MXG_LDAP_MATCH_SUBSTRING,	/* (a=*v*) */
	MXG_LDAP_MATCH_PRESENT,		/* (a=*), values unused */
};

/*
 * "(|(a1=v1)(a1=v2)(a2=v1)...)" over every attribute and value (values
 * escaped here; attributes trusted, checked at init), without the "(|...)"
 * when there is one term.  NULL when there is no term at all (no attribute
 * or no value): the caller then matches nothing.
 */
char *mxg_ldap_filter_any(struct mxg_arena *arena, const struct mxg_ldap_attrs *attrs,
			  const char *const *values, size_t nvalues, enum mxg_ldap_match match);

/* "(&p1p2...)" of the non-NULL parts (the part itself when only one). */
char *mxg_ldap_filter_and(struct mxg_arena *arena, const char *const *parts, size_t nparts);

/* --- entry.c --- */

struct mxg_ldap_attr {
	const char *name;
	const char **values;		/* NUL-terminated copies; values holding NUL are dropped */
	size_t count;
};

/* An entry as read from the server, in arena memory. */
struct mxg_ldap_entry {
	const char *dn;
	struct mxg_ldap_attr *attrs;
	size_t count;
};

/* Copy the entry msg of ld into arena.  NULL when it has no DN. */
struct mxg_ldap_entry *mxg_ldap_entry_read(LDAP *ld, LDAPMessage *msg, struct mxg_arena *arena);

/* The values of attribute name (case-insensitive), or NULL when absent. */
const struct mxg_ldap_attr *mxg_ldap_entry_attr(const struct mxg_ldap_entry *e, const char *name);

/* The entry's Matrix ID, or NULL when its localpart attribute is absent or
 * cannot make one. */
const char *mxg_ldap_entry_user_id(const struct mxg_ldap_map *map, const struct mxg_ldap_entry *e,
				   struct mxg_arena *arena);

/*
 * Fill person from entry: user ID, display name, avatar (mxc:// only),
 * e-mails canonicalised and phones in E.164 (values that do not parse are
 * skipped), duplicates dropped.  Returns 0, or -1 when the entry yields no
 * user ID (err says why).
 */
int mxg_ldap_entry_person(const struct mxg_ldap_map *map, const struct mxg_ldap_entry *e,
			  struct mxg_arena *arena, struct mxg_person *person_r,
			  struct mxg_error *err);

/*
 * The canonical addresses of medium ("email" or "msisdn") an entry holds,
 * in arena memory, duplicates dropped.  Returns the count; *addrs_r is set
 * even when it is 0.
 */
size_t mxg_ldap_entry_3pids(const struct mxg_ldap_map *map, const struct mxg_ldap_entry *e,
			    const char *medium, struct mxg_arena *arena, const char ***addrs_r);

/* --- connect.c --- */

/* What connections are made with (the settings, as connect.c wants them). */
struct mxg_ldap_server_conf {
	const char *store_name;		/* for messages */
	const char *const *uris;
	size_t uri_count;
	bool start_tls;
	const char *ca_file;
	bool tls_verify;
	const char *bind_dn;		/* NULL: anonymous */
	const char *bind_password;
	long long connect_timeout_ms;
	long long timeout_ms;
	long long failback_ms;
};

struct mxg_ldap_servers;
struct mxg_ldap_pool;

struct mxg_ldap_conn {
	LDAP *ld;
	size_t uri_index;
	const char *uri;
	long long opened_ms;		/* monotonic */
	bool fresh;			/* opened by the current get */
	bool busy;
};

/* The URI list and its failover state, shared by the module's pools.
 * NULL on allocation failure. */
struct mxg_ldap_servers *mxg_ldap_servers_create(const struct mxg_ldap_server_conf *conf);
void mxg_ldap_servers_destroy(struct mxg_ldap_servers **servers);
const struct mxg_ldap_server_conf *mxg_ldap_servers_conf(const struct mxg_ldap_servers *sv);

/*
 * Open c (closed) along the URIs, binding as bind_dn when service_bind.
 * kind names the pool in messages.  OK, or UNAVAILABLE + err naming each
 * URI tried and why it failed.
 */
enum mxg_store_result mxg_ldap_servers_open(struct mxg_ldap_servers *sv, bool service_bind,
					    const char *kind, struct mxg_ldap_conn *c,
					    struct mxg_error *err);

/* Should open connection c, to a later URI, be reopened because it has
 * been open failback_interval and an earlier URI is up again? */
bool mxg_ldap_servers_failback_due(struct mxg_ldap_servers *sv, const struct mxg_ldap_conn *c,
				   long long now);

/* Milliseconds on the monotonic clock. */
long long mxg_ldap_now_ms(void);

/* --- pool.c --- */

/* A pool of size connections; with service_bind they bind as bind_dn when
 * opened (search connections), otherwise they stay anonymous until the
 * caller binds (password checks).  NULL on allocation failure. */
struct mxg_ldap_pool *mxg_ldap_pool_create(struct mxg_ldap_servers *servers, size_t size,
					   bool service_bind, const char *kind);
void mxg_ldap_pool_destroy(struct mxg_ldap_pool **pool);

/*
 * A connection for the caller alone, connected (opening one if needed,
 * failing over along the URIs).  Waits at most timeout for a free one;
 * waiting callers are served in the order they came.
 * OK, or UNAVAILABLE + err naming the URIs tried.
 */
enum mxg_store_result mxg_ldap_pool_get(struct mxg_ldap_pool *pool, struct mxg_ldap_conn **conn_r,
					struct mxg_error *err);

/* Give the connection back; broken closes it so the next get reconnects. */
void mxg_ldap_pool_put(struct mxg_ldap_pool *pool, struct mxg_ldap_conn *conn, bool broken);

/* How many callers are waiting for a connection. */
size_t mxg_ldap_pool_waiting(struct mxg_ldap_pool *pool);

/* The operation timeout, for the calls made on a connection. */
long long mxg_ldap_pool_timeout_ms(const struct mxg_ldap_pool *pool);

/*
 * Simple bind as dn with password on ld, waiting at most timeout_ms.
 * Returns the LDAP result code (LDAP_TIMEOUT when no answer came in time,
 * LDAP_INVALID_CREDENTIALS at once for an empty password: an empty simple
 * bind is an anonymous one, RFC 4513 5.1.2).  diag gets the server's
 * diagnostic message, or "".
 */
int mxg_ldap_simple_bind(LDAP *ld, const char *dn, const char *password, size_t password_len,
			 long long timeout_ms, char *diag, size_t diag_size);

/* The server's diagnostic message of ld's last operation into buf ("" when
 * none), for error messages. */
const char *mxg_ldap_diag(LDAP *ld, char *buf, size_t size);

/* LDAP result codes that mean the server or the connection failed (the
 * operation may work elsewhere or later), as opposed to an answer. */
bool mxg_ldap_rc_unavailable(int rc);
/* ... and of those, the ones that mean the connection is gone. */
bool mxg_ldap_rc_conn_lost(int rc);

/* --- ldap.c: one configured store --- */

struct mxg_ldap_ctx {
	const char *name;		/* the store's name, for log lines */
	const struct mxg_ldap_settings *set;
	struct mxg_arena *arena;	/* map, filters: lives as long as the store */
	struct mxg_ldap_map map;
	const char *filter;		/* normalised, or NULL */
	const char *login_filter;	/* normalised, or NULL */
	struct mxg_ldap_server_conf server_conf;
	struct mxg_ldap_servers *servers;
	struct mxg_ldap_pool *search_pool;	/* bound as bind_dn */
	struct mxg_ldap_pool *bind_pool;	/* only ever binds as users */
};

/* --- ops.c, enumerate.c: the store operations --- */

enum mxg_store_result mxg_ldap_authenticate(struct mxg_store *s, const struct mxg_cred *cred,
					    struct mxg_arena *arena, struct mxg_person *person_r,
					    struct mxg_error *err);
enum mxg_store_result mxg_ldap_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
				      struct mxg_arena *arena, const char **user_id_r,
				      struct mxg_error *err);
enum mxg_store_result mxg_ldap_lookup_bulk(struct mxg_store *s, const struct mxg_3pid *tpids,
					   size_t count, struct mxg_arena *arena,
					   const char **user_ids_r, struct mxg_error *err);
enum mxg_store_result mxg_ldap_enumerate(struct mxg_store *s, mxg_store_3pid_fn *cb,
					 void *cb_ctx, struct mxg_error *err);
enum mxg_store_result mxg_ldap_search(struct mxg_store *s, const char *term, size_t limit,
				      struct mxg_arena *arena, struct mxg_person **people_r,
				      size_t *count_r, struct mxg_error *err);
enum mxg_store_result mxg_ldap_profile(struct mxg_store *s, const char *user_id,
				       struct mxg_arena *arena, struct mxg_person *person_r,
				       struct mxg_error *err);

/* A search of filter over every base_dn on a pooled search connection, at
 * most sizelimit entries in all (0: the server's limit), retried once on a
 * fresh connection when the pooled one turns out to be dead.  Entries are
 * copied into arena.  *limited_r (may be NULL) tells whether a size limit
 * cut the answer short.  OK, UNAVAILABLE or INTERNAL + err. */
enum mxg_store_result mxg_ldap_search_entries(struct mxg_ldap_ctx *ctx, const char *filter,
					      const struct mxg_ldap_attrs *attrs,
					      size_t sizelimit, struct mxg_arena *arena,
					      struct mxg_ldap_entry ***entries_r, size_t *count_r,
					      bool *limited_r, struct mxg_error *err);

#endif
