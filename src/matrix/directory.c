/*
 * directory.c: user directory search that merges the homeserver's answer
 * with the people of the identity stores, so that colleagues are found
 * before they share a room with anybody.
 *
 * The homeserver decides who may search (its 401 goes back as it is) and
 * its results come first; the stores' people follow, each user ID once,
 * cut at the limit.  Unlike ma1sd, limit is honoured and limited tells the
 * client when anything was left out.  A store that is down costs its own
 * results, never the homeserver's.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "matrix/directory.h"
#include "matrix/homeserver.h"
#include "stores/chain.h"

static bool seen(const json_t *results, const char *user_id)
{
	const json_t *r;
	size_t i;

	json_array_foreach(results, i, r) {
		const char *id = json_string_value(json_object_get(r, "user_id"));

		if (id != NULL && strcmp(id, user_id) == 0)
			return true;
	}
	return false;
}

json_t *mxg_directory_merge(const json_t *hs, const struct mxg_person *people, size_t count,
			    bool stores_limited, size_t limit)
{
	const json_t *hs_results = json_object_get(hs, "results"), *r;
	json_t *results = json_array();
	bool limited = json_is_true(json_object_get(hs, "limited")) || stores_limited;
	size_t i;

	json_array_foreach(hs_results, i, r) {
		const char *id = json_string_value(json_object_get(r, "user_id"));

		if (!json_is_object(r) || id == NULL || seen(results, id))
			continue;
		if (json_array_size(results) == limit) {
			limited = true;
			break;
		}
		json_array_append(results, (json_t *)r);
	}
	for (i = 0; i < count; i++) {
		json_t *entry;

		if (seen(results, people[i].user_id))
			continue;
		if (json_array_size(results) == limit) {
			limited = true;
			break;
		}
		entry = json_pack("{s:s}", "user_id", people[i].user_id);
		if (people[i].display_name != NULL)
			json_object_set_new(entry, "display_name",
					    json_string(people[i].display_name));
		if (people[i].avatar_url != NULL)
			json_object_set_new(entry, "avatar_url", json_string(people[i].avatar_url));
		json_array_append_new(results, entry);
	}
	return json_pack("{s:o, s:b}", "results", results, "limited", limited);
}

/* The stores' half; people_r empty when they have nothing to add. */
static void ask_stores(struct mxg_app *app, const char *term, size_t limit,
		       struct mxg_arena *arena, struct mxg_store_search *found)
{
	struct mxg_error err;

	memset(found, 0, sizeof(*found));
	/* Clients send "@ali" for people whose ID starts so. */
	if (term[0] == '@')
		term++;
	mxg_error_clear(&err);
	switch (mxg_store_chain_search(app->stores, term, limit, arena, found, &err)) {
	case MXG_STORE_OK:
		if (found->partial)
			mxg_warning("directory: results without a store: %s", err.msg);
		return;
	case MXG_STORE_UNAVAILABLE:
	case MXG_STORE_INTERNAL:
		mxg_warning("directory: the stores are unavailable, the homeserver's results "
			    "only: %s", err.msg);
		break;
	default:
		break;
	}
	memset(found, 0, sizeof(*found));
}

enum mxg_dir_result mxg_directory_search(struct mxg_app *app, const struct mxg_dir_query *q,
					 struct mxg_arena *arena, json_t **answer_r,
					 struct mxg_http_client_resp *resp, struct mxg_error *err)
{
	struct mxg_store_search found;
	json_t *hs;

	*answer_r = NULL;
	if (mxg_hs_request(app->config, &(struct mxg_hs_call){
			.method = "POST",
			.path = q->path,
			.access_token = q->access_token,
			.client_ip = q->client_ip,
			.body = q->body,
			.body_len = q->body_len,
		}, resp, err) < 0)
		return MXG_DIR_HS_FAILED;
	if (resp->status != 200)
		return MXG_DIR_RELAY;
	hs = json_loadb(resp->body, resp->len, 0, NULL);
	if (!json_is_object(hs) || !json_is_array(json_object_get(hs, "results"))) {
		/* Not what the spec says a 200 is: the client sees it as it is. */
		json_decref(hs);
		return MXG_DIR_RELAY;
	}
	ask_stores(app, q->term, q->limit, arena, &found);
	*answer_r = mxg_directory_merge(hs, found.people, found.count, found.limited, q->limit);
	json_decref(hs);
	mxg_http_client_resp_free(resp);
	return MXG_DIR_MERGED;
}
