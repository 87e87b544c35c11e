/*
 * rest.h: the parts of the `rest` store module that its files share (not an
 * API for the rest of mxgate: only the driver struct is exported).
 *
 *   rest-settings.c  the config table and the checks init() runs
 *   rest-json.c      the ma1sd REST backend protocol: request bodies built,
 *                    answers parsed and type-checked (no I/O: unit-tested)
 *   rest-http.c      one JSON POST to the IAM (URL, Authorization, caps)
 *   rest.c           the store operations and the driver
 */
#ifndef MXG_PLUGIN_REST_H
#define MXG_PLUGIN_REST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/conf.h"
#include "stores/store.h"

/* Endpoint paths under url; "" switches the feature off. */
struct mxg_rest_endpoints {
	char *auth;
	char *directory;
	char *identity_single;
	char *identity_bulk;
	char *profile_display_name;
	char *profile_threepids;
	char *enumerate;
};

struct mxg_rest_settings {
	char *url;
	struct mxg_rest_endpoints endpoints;
	long long timeout_ms;
	long long connect_timeout_ms;
	char *auth_bearer_token;
	char *auth_basic_user;
	char *auth_basic_password;
	char *ca_file;
	bool tls_verify;
	size_t max_response;
	long long page_size;
};

extern const struct mxg_conf_def mxg_rest_settings_table[];

/* The endpoints, for loops (URLs, messages). */
enum mxg_rest_ep {
	MXG_REST_AUTH,
	MXG_REST_DIRECTORY,
	MXG_REST_IDENTITY_SINGLE,
	MXG_REST_IDENTITY_BULK,
	MXG_REST_PROFILE_DISPLAY_NAME,
	MXG_REST_PROFILE_THREEPIDS,
	MXG_REST_ENUMERATE,
	MXG_REST_EP_COUNT,
};

/* The endpoint's config key ("identity_single"), used in every message. */
const char *mxg_rest_ep_name(enum mxg_rest_ep ep);

/* The configured path of ep (may be "" = off). */
const char *mxg_rest_ep_path(const struct mxg_rest_settings *set, enum mxg_rest_ep ep);

/*
 * Checks that the config engine cannot express: both bearer and basic
 * credentials, a basic user without a password (or the reverse), a URL with
 * credentials or a query in it.  Returns 0 or -1 + err.
 */
int mxg_rest_settings_check(const struct mxg_rest_settings *set, struct mxg_error *err);

/* A store's state, built by init(), read-only afterwards. */
struct mxg_rest_ctx {
	const struct mxg_rest_settings *set;
	const struct mxg_store_env *env;
	const char *store_name;
	char *urls[MXG_REST_EP_COUNT];	/* NULL when the endpoint is off */
	char *authorization;		/* "Authorization: ..." or NULL; wiped */
	atomic_bool enumerate_missing_logged;
};

/* --- rest-http.c ----------------------------------------------------------------- */

/* What the IAM answered. */
struct mxg_rest_answer {
	long status;
	bool www_authenticate;	/* HTTP-level credentials refused (RFC 7235) */
	json_t *json;		/* the body when it is a JSON object, else NULL;
				 * the caller's reference */
};

/*
 * Build the Authorization header from the settings into ctx (bearer or
 * basic; none when neither is set).  Returns 0 or -1 + err.
 */
int mxg_rest_http_init(struct mxg_rest_ctx *ctx, struct mxg_error *err);

/* Wipe and free what mxg_rest_http_init made. */
void mxg_rest_http_deinit(struct mxg_rest_ctx *ctx);

/*
 * POST body (not consumed) to endpoint ep, which must be on.  Returns OK
 * with ans filled for any HTTP status, or UNAVAILABLE + err naming the
 * endpoint when no answer came (timeout, refused, TLS, above max_response).
 * The body is never logged; with secret, its serialised copy is wiped.
 */
enum mxg_store_result mxg_rest_post(struct mxg_rest_ctx *ctx, enum mxg_rest_ep ep,
				    const json_t *body, bool secret,
				    struct mxg_rest_answer *ans, struct mxg_error *err);

/*
 * The usual verdict on an answer: OK when 2xx with a JSON object body;
 * UNAVAILABLE + err naming the endpoint otherwise.
 */
enum mxg_store_result mxg_rest_answer_object(enum mxg_rest_ep ep,
					     const struct mxg_rest_answer *ans,
					     struct mxg_error *err);

/* --- rest-json.c ----------------------------------------------------------------- */

/*
 * Request bodies.  Each returns a new JSON object (the caller's reference),
 * or NULL when a string is not valid UTF-8 (json_stringn refuses it).
 */
json_t *mxg_rest_auth_request(const char *mxid, const char *localpart, const char *domain,
			      const char *password, size_t password_len);
json_t *mxg_rest_search_request(const char *by, const char *term);
json_t *mxg_rest_single_request(const struct mxg_3pid *tpid);
json_t *mxg_rest_bulk_request(const struct mxg_3pid *tpids, const size_t *which, size_t count);
json_t *mxg_rest_profile_request(const char *mxid, const char *localpart, const char *domain);
json_t *mxg_rest_enumerate_request(const char *since, long long limit);

/*
 * Answers.  Every parser type-checks each field it reads: a field of the
 * wrong type, a required field missing or a string with a NUL in it gives
 * UNAVAILABLE + err naming the endpoint and the field; null counts as
 * absent.  Results are allocated from arena; user IDs are full Matrix IDs
 * (localparts are completed with env's server name, lower-cased); 3PID
 * addresses are canonical, and entries whose medium or address is not
 * usable are skipped.
 */

/* auth: OK fills person (user_id from "id", else asked_user_id), DENIED
 * when success is false, UNAVAILABLE on bad data or a user ID of another
 * server. */
enum mxg_store_result mxg_rest_parse_auth(const json_t *ans, const struct mxg_store_env *env,
					  const char *asked_user_id, struct mxg_arena *arena,
					  struct mxg_person *person_r, struct mxg_error *err);

/* identity single: OK with *user_id_r, NOT_FOUND for {} or "lookup": null. */
enum mxg_store_result mxg_rest_parse_single(const json_t *ans, const struct mxg_store_env *env,
					    struct mxg_arena *arena, const char **user_id_r,
					    struct mxg_error *err);

/* identity bulk: the answers mapped back to asked (count 3PIDs, canonical
 * addresses): user_ids_r[i] set for each asked[i] answered.  OK even when
 * none is. */
enum mxg_store_result mxg_rest_parse_bulk(const json_t *ans, const struct mxg_store_env *env,
					  struct mxg_arena *arena, const struct mxg_3pid *asked,
					  size_t count, const char **user_ids_r,
					  struct mxg_error *err);

/* directory: append the people of ans to people (cap slots, *count_io used)
 * unless their user ID is already there.  OK. */
enum mxg_store_result mxg_rest_parse_search(const json_t *ans, const struct mxg_store_env *env,
					    struct mxg_arena *arena, struct mxg_person *people,
					    size_t cap, size_t *count_io, struct mxg_error *err);

/* profile/displayName: OK with *name_r (NULL when the IAM has none). */
enum mxg_store_result mxg_rest_parse_display_name(const json_t *ans, struct mxg_arena *arena,
						  const char **name_r, struct mxg_error *err);

/* profile/threepids: OK with the 3PIDs (maybe none). */
enum mxg_store_result mxg_rest_parse_threepids(const json_t *ans, struct mxg_arena *arena,
					       struct mxg_3pid **tpids_r, size_t *count_r,
					       struct mxg_error *err);

/* One 3PID of an enumerate page. */
struct mxg_rest_enum_entry {
	struct mxg_3pid tpid;
	const char *user_id;
};

/* enumerate: one page; *next_r is NULL on the last page. */
enum mxg_store_result mxg_rest_parse_enumerate(const json_t *ans, const struct mxg_store_env *env,
					       struct mxg_arena *arena,
					       struct mxg_rest_enum_entry **entries_r,
					       size_t *count_r, const char **next_r,
					       struct mxg_error *err);

#endif
