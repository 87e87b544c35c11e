/*
 * profile.c: profiles the homeserver does not have, from the stores
 * (client.profile.fill_from_stores): a person who never logged in, or whose
 * display name was never set, still shows with their directory name.
 * Only our own users, and only what the homeserver lacks: what a person
 * set at the homeserver wins.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "matrix/directory.h"
#include "stores/chain.h"

static bool ours(const char *user_id, const char *server_name)
{
	const char *colon = strchr(user_id, ':');

	return user_id[0] == '@' && colon != NULL && strcmp(colon + 1, server_name) == 0;
}

/* A homeserver answer the stores may complete: 200 with an object, or 404
 * M_NOT_FOUND (an unknown user); the object to start from, or NULL. */
static json_t *base_of(const struct mxg_http_client_resp *hs)
{
	json_t *doc = json_loadb(hs->body != NULL ? hs->body : "", hs->len, 0, NULL);
	const char *errcode = json_string_value(json_object_get(doc, "errcode"));
	bool unknown = hs->status == 404 && errcode != NULL && strcmp(errcode, "M_NOT_FOUND") == 0;

	if (hs->status == 200 && json_is_object(doc))
		return doc;
	json_decref(doc);
	return unknown ? json_object() : NULL;
}

static bool fill(json_t *doc, const char *name, const char *value)
{
	const json_t *have = json_object_get(doc, name);

	if (value == NULL || (json_is_string(have) && json_string_length(have) > 0))
		return false;
	json_object_set_new(doc, name, json_string(value));
	return true;
}

json_t *mxg_profile_fill(struct mxg_app *app, const char *user_id, const char *key,
			 const struct mxg_http_client_resp *hs, struct mxg_arena *arena)
{
	struct mxg_person p;
	struct mxg_error err;
	bool added = false;
	json_t *doc;

	if (!app->config->client.profile.fill_from_stores ||
	    !ours(user_id, app->config->server_name) ||
	    (key != NULL && strcmp(key, "displayname") != 0 && strcmp(key, "avatar_url") != 0))
		return NULL;
	doc = base_of(hs);
	if (doc == NULL)
		return NULL;
	mxg_error_clear(&err);
	switch (mxg_store_chain_profile(app->stores, user_id, arena, &p, NULL, &err)) {
	case MXG_STORE_OK:
		break;
	case MXG_STORE_UNAVAILABLE:
	case MXG_STORE_INTERNAL:
		mxg_warning("profile: %s", err.msg);
		json_decref(doc);
		return NULL;
	default:
		json_decref(doc);
		return NULL;
	}
	if (key == NULL || strcmp(key, "displayname") == 0)
		added |= fill(doc, "displayname", p.display_name);
	if (key == NULL || strcmp(key, "avatar_url") == 0)
		added |= fill(doc, "avatar_url", p.avatar_url);
	if (!added) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
