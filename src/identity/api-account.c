/*
 * api-account.c: POST /_matrix/identity/v2/account/register (an OpenID token
 * for an identity-server token), GET /account and POST /account/logout.
 *
 * Register runs on a worker: it calls the homeserver (bounded by
 * identity.userinfo_timeout) and writes the database.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/ratelimit.h"
#include "identity/accounts.h"
#include "identity/auth.h"
#include "identity/hs-resolve.h"
#include "identity/identity.h"
#include "identity/openid.h"

/* identity.allowed_homeservers; empty means our own server name only. */
static bool homeserver_allowed(const struct mxg_config *cfg, const char *server_name)
{
	const struct mxg_conf_strlist *allowed = &cfg->identity.allowed_homeservers;

	if (allowed->count == 0)
		return strcasecmp(server_name, cfg->server_name) == 0;
	for (size_t i = 0; i < allowed->count; i++)
		if (strcmp(allowed->items[i], "*") == 0 ||
		    strcasecmp(allowed->items[i], server_name) == 0)
			return true;
	return false;
}

void mxg_identity_account_register(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const json_t *body, *jtoken, *jname;
	char token[MXG_IS_TOKEN_LEN + 1], *server_name;
	const char *user_id;
	struct mxg_error err;

	/* Each registration costs a call to a homeserver: limit it per IP. */
	if (mxg_ratelimit_check_or_reply(r, "register", NULL) < 0)
		return;
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	jtoken = json_object_get(body, "access_token");
	jname = json_object_get(body, "matrix_server_name");
	if (jtoken == NULL || jname == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"access_token and matrix_server_name are required");
		return;
	}
	if (!json_is_string(jtoken) || !json_is_string(jname) ||
	    json_string_length(jtoken) == 0 || json_string_length(jtoken) > 4096) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM",
				"access_token and matrix_server_name must be strings");
		return;
	}
	server_name = mxg_arena_strdup(mxg_req_arena(r), json_string_value(jname));
	for (char *p = server_name; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!mxg_hs_server_name_valid(server_name)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM",
				"matrix_server_name is not a valid server name");
		return;
	}
	if (!homeserver_allowed(app->config, server_name)) {
		mxg_info("register: homeserver %s is not allowed", server_name);
		mxg_reply_error(r, 403, "M_UNAUTHORIZED",
				"This identity server does not serve that homeserver");
		return;
	}

	mxg_error_clear(&err);
	if (mxg_openid_userinfo(app->config, mxg_req_arena(r), server_name,
				json_string_value(jtoken), &user_id, &err) < 0) {
		switch (err.code) {
		case MXG_OPENID_ERR_INVALID_NAME:
			mxg_reply_error(r, 400, "M_INVALID_PARAM", "%s", err.msg);
			break;
		case MXG_OPENID_ERR_UNKNOWN_TOKEN:
			mxg_info("register: %s", err.msg);
			mxg_reply_error(r, 401, "M_UNKNOWN_TOKEN", "Unknown OpenID token");
			break;
		default:
			mxg_reply_error(r, 500, "M_UNKNOWN", "%s", err.msg);
			break;
		}
		return;
	}
	if (mxg_is_account_register(app->db, user_id, app->config->identity.token_lifetime_ms,
				    token, &err) < 0) {
		mxg_identity_db_error_reply(r, "register", &err);
		return;
	}
	mxg_info("register: identity server token issued to %s", user_id);
	/* sydent answers both names; the spec only has "token". */
	mxg_reply_json(r, 200, json_pack("{s:s,s:s}", "token", token, "access_token", token));
	explicit_bzero(token, sizeof(token));
}

void mxg_identity_account(struct mxg_req *r)
{
	struct mxg_is_account acct;

	if (mxg_identity_auth_or_reply(r, 0, &acct) < 0)
		return;
	mxg_reply_json(r, 200, json_pack("{s:s}", "user_id", acct.user_id));
}

void mxg_identity_account_logout(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const char *token = mxg_identity_auth_token(r);
	struct mxg_is_token_info info;
	struct mxg_error err;
	int rc;

	/* Not mxg_identity_auth_or_reply: the spec wants M_UNKNOWN_TOKEN for a
	 * token we don't know, and logout is exempt from the terms gate. */
	if (token == NULL) {
		mxg_reply_error(r, 401, "M_UNAUTHORIZED", "An identity server token is required");
		return;
	}
	mxg_error_clear(&err);
	rc = mxg_is_token_lookup(app->db, mxg_req_arena(r), token, &info, &err);
	if (rc > 0)
		rc = mxg_is_token_delete(app->db, info.hash, &err);
	if (rc < 0) {
		mxg_identity_db_error_reply(r, "logout", &err);
		return;
	}
	if (rc == 0) {
		mxg_reply_error(r, 401, "M_UNKNOWN_TOKEN", "Unknown token");
		return;
	}
	mxg_info("logout: %s", info.user_id);
	mxg_reply_json(r, 200, json_object());
}
