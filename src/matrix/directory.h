/*
 * directory.h: user directory search merged with the stores, and the
 * profile fill-in, for the client-server handlers in client-api.c.
 */
#ifndef MXG_MATRIX_DIRECTORY_H
#define MXG_MATRIX_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"
#include "http/client.h"
#include "stores/store.h"

struct mxg_app;
struct mxg_arena;

/* --- directory.c --- */

/*
 * The homeserver's answer hs ({"results", "limited"}) with people appended,
 * each user ID once (the homeserver's entry wins), at most limit results;
 * limited is set when either side was limited or the cut left anybody out.
 * Returns a new object.
 */
json_t *mxg_directory_merge(const json_t *hs, const struct mxg_person *people, size_t count,
			    bool stores_limited, size_t limit);

struct mxg_dir_query {
	const char *path;		/* the client's, sent to the homeserver */
	const char *body;		/* the client's body, sent as it is */
	size_t body_len;
	const char *term;		/* search_term */
	size_t limit;			/* already capped */
	const char *access_token;	/* the caller's; may be NULL */
	const char *client_ip;
};

enum mxg_dir_result {
	MXG_DIR_MERGED,			/* *answer_r: reply 200 with it */
	MXG_DIR_RELAY,			/* resp: the homeserver's answer, relay it */
	MXG_DIR_HS_FAILED,		/* the homeserver could not be asked: err */
};

enum mxg_dir_result mxg_directory_search(struct mxg_app *app, const struct mxg_dir_query *q,
					 struct mxg_arena *arena, json_t **answer_r,
					 struct mxg_http_client_resp *resp, struct mxg_error *err);

/* --- profile.c --- */

/*
 * With client.profile.fill_from_stores, what to answer instead of the
 * homeserver's hs for user_id's profile (key NULL) or one key of it
 * ("displayname", "avatar_url"): the homeserver's fields, plus those it
 * lacks taken from the stores.  NULL: relay hs as it is.
 */
json_t *mxg_profile_fill(struct mxg_app *app, const char *user_id, const char *key,
			 const struct mxg_http_client_resp *hs, struct mxg_arena *arena);

#endif
