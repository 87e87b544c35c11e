/*
 * client-api.c: the client-server endpoints mxgate answers on the way to
 * the homeserver besides login: user directory search, profiles, and the
 * client discovery document.  HTTP only; directory.c and profile.c do the
 * work.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/mxconfig.h"
#include "matrix/directory.h"
#include "matrix/homeserver.h"
#include "matrix/matrix.h"

#define DEFAULT_LIMIT	10	/* the spec's */

void mxg_matrix_directory_search(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const struct mxg_client_directory_conf *conf = &app->config->client.directory;
	const json_t *body, *term, *jlimit;
	struct mxg_http_client_resp resp;
	struct mxg_dir_query q;
	struct mxg_error err;
	json_t *answer;
	json_int_t limit = DEFAULT_LIMIT;

	if (!conf->enabled || !mxg_hs_configured(app->config)) {
		mxg_matrix_forward(r, NULL, NULL, 0);
		return;
	}
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	term = json_object_get(body, "search_term");
	jlimit = json_object_get(body, "limit");
	if (term == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAM", "search_term is required");
		return;
	}
	if (!json_is_string(term) || strlen(json_string_value(term)) != json_string_length(term)) {
		mxg_reply_error(r, 400, "M_BAD_JSON", "search_term must be a string");
		return;
	}
	if (jlimit != NULL && (!json_is_integer(jlimit) || json_integer_value(jlimit) < 0)) {
		mxg_reply_error(r, 400, "M_BAD_JSON", "limit must be a non-negative integer");
		return;
	}
	if (jlimit != NULL)
		limit = json_integer_value(jlimit);
	if (limit > conf->max_limit)
		limit = conf->max_limit;
	memset(&q, 0, sizeof(q));
	q.path = mxg_req_path(r);
	q.body = mxg_req_body(r, &q.body_len);
	q.term = json_string_value(term);
	q.limit = (size_t)limit;
	q.access_token = mxg_req_bearer(r);
	q.client_ip = mxg_req_client_ip(r);
	mxg_error_clear(&err);
	switch (mxg_directory_search(app, &q, mxg_req_arena(r), &answer, &resp, &err)) {
	case MXG_DIR_MERGED:
		mxg_reply_json(r, 200, answer);
		return;
	case MXG_DIR_RELAY:
		mxg_matrix_relay(r, &resp);
		mxg_http_client_resp_free(&resp);
		return;
	case MXG_DIR_HS_FAILED:
		break;
	}
	mxg_matrix_relay_failure(r, &err);
}

/* s with every byte outside RFC 3986's unreserved set percent-encoded:
 * path parameters arrive decoded and go back into a path. */
static const char *path_escape(struct mxg_arena *arena, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = mxg_arena_alloc(arena, strlen(s) * 3 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

void mxg_matrix_profile(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_arena *arena = mxg_req_arena(r);
	const char *user_id = mxg_req_param(r, "userId"), *key = mxg_req_param(r, "keyName");
	const char *path = mxg_req_path(r), *version;
	struct mxg_http_client_resp resp;
	struct mxg_error err;
	json_t *filled;

	/* The path goes back out re-encoded: a decoded "/" or "?" inside a
	 * user ID must not change what the homeserver is asked. */
	version = strncmp(path, "/_matrix/client/r0/", 19) == 0 ? "r0" : "v3";
	path = mxg_arena_printf(arena, "/_matrix/client/%s/profile/%s%s%s", version,
				path_escape(arena, user_id), key != NULL ? "/" : "",
				key != NULL ? path_escape(arena, key) : "");
	if (!app->config->client.profile.fill_from_stores || mxg_req_method(r) != MXG_GET) {
		mxg_matrix_forward(r, path, NULL, 0);
		return;
	}
	mxg_error_clear(&err);
	if (mxg_hs_request(app->config, &(struct mxg_hs_call){
			.path = path,
			.access_token = mxg_req_bearer(r),
			.client_ip = mxg_req_client_ip(r),
		}, &resp, &err) < 0) {
		mxg_matrix_relay_failure(r, &err);
		return;
	}
	filled = mxg_profile_fill(app, user_id, key, &resp, arena);
	if (filled != NULL)
		mxg_reply_json(r, 200, filled);
	else
		mxg_matrix_relay(r, &resp);
	mxg_http_client_resp_free(&resp);
}

static bool serves_identity(const struct mxg_config *cfg)
{
	const struct mxg_listener_conf *l = cfg->listeners.items;

	for (size_t i = 0; i < cfg->listeners.count; i++)
		if (l[i].resource_mask & MXG_RES_IDENTITY)
			return true;
	return false;
}

void mxg_matrix_well_known(struct mxg_req *r)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const struct mxg_client_well_known_conf *wk = &cfg->client.well_known;
	const char *is = wk->identity_server;
	json_t *doc;

	if (wk->homeserver == NULL) {
		mxg_reply_error(r, 404, "M_NOT_FOUND", "No client discovery information here");
		return;
	}
	if (is == NULL && serves_identity(cfg))
		/* Without the slash derive() adds: clients append paths. */
		is = mxg_arena_strndup(mxg_req_arena(r), cfg->public_baseurl,
				       strlen(cfg->public_baseurl) - 1);
	doc = json_pack("{s:{s:s}}", "m.homeserver", "base_url", wk->homeserver);
	if (is != NULL)
		json_object_set_new(doc, "m.identity_server", json_pack("{s:s}", "base_url", is));
	mxg_reply_json(r, 200, doc);
}
