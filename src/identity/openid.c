/*
 * openid.c: OpenID userinfo at the caller's homeserver, sydent's way: the
 * answer is capped at 5 KiB, its "sub" must be a user ID whose domain equals
 * the server name the client claimed (anything else could let one
 * homeserver vouch for another's users), and every failure but the
 * homeserver's own 401 is a 500 M_UNKNOWN.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "http/client.h"
#include "identity/hs-resolve.h"
#include "identity/openid.h"

#define USERINFO_PATH "/_matrix/federation/v1/openid/userinfo"

/* "@local:domain" with domain == server_name (case-insensitively: server
 * names are lower-cased by the caller, sub may not be). */
static bool sub_matches(const char *sub, const char *server_name)
{
	const char *colon;

	if (sub == NULL || sub[0] != '@' || strlen(sub) > 255)
		return false;
	colon = strchr(sub, ':');
	if (colon == NULL || colon == sub + 1)
		return false;
	return strcasecmp(colon + 1, server_name) == 0;
}

int mxg_openid_userinfo(const struct mxg_config *cfg, struct mxg_arena *arena,
			const char *server_name, const char *access_token,
			const char **user_id_r, struct mxg_error *err)
{
	const char *const query[] = { "access_token", access_token, NULL };
	struct mxg_hs_target target;
	struct mxg_http_client_req req = { 0 };
	const char *sub;
	json_t *body = NULL;
	long status;

	*user_id_r = NULL;
	if (mxg_hs_resolve(cfg, arena, server_name, &target, err) < 0)
		return mxg_error_set(err, MXG_OPENID_ERR_INVALID_NAME,
				     "matrix_server_name is not a valid server name");
	req.url = mxg_http_client_url(arena, target.base_url, USERINFO_PATH, query);
	req.connect_to = target.connect_to;
	req.timeout_ms = cfg->identity.userinfo_timeout_ms;
	req.max_response = MXG_OPENID_MAX_RESPONSE;
	if (mxg_http_client_json(&req, &status, &body, err) < 0) {
		json_decref(body);
		if (status == 401)
			return mxg_error_set(err, MXG_OPENID_ERR_UNKNOWN_TOKEN,
					     "the homeserver %s does not know this OpenID token",
					     server_name);
		/* err names the URL without its query, so no token in the log. */
		mxg_warning("openid userinfo at %s: %s", server_name, err->msg);
		return mxg_error_set(err, MXG_OPENID_ERR_FAILED,
				     "could not check the OpenID token at %s", server_name);
	}
	sub = json_string_value(json_object_get(body, "sub"));
	if (!sub_matches(sub, server_name)) {
		mxg_info("openid userinfo at %s: sub is not a user of that server", server_name);
		json_decref(body);
		return mxg_error_set(err, MXG_OPENID_ERR_FAILED,
				     "the homeserver %s vouched for a user of another server",
				     server_name);
	}
	*user_id_r = mxg_arena_strdup(arena, sub);
	json_decref(body);
	return 0;
}
