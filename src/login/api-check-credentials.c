/*
 * api-check-credentials.c: POST /_matrix-internal/identity/v1/check_credentials,
 * ma1sd's password-provider protocol, so a homeserver configured with
 * rest_auth_provider (or our Synapse module) switches by changing one URL.
 *
 *   request  {"user": {"id": "@alice:example.org", "password": "..."}}
 *            (id may also be a localpart, an e-mail address or a phone
 *            number; "medium" beside it says which when it is ambiguous)
 *   200      {"auth": {"success": true, "id": {"type": "mxid", "value": ...},
 *             "display_name": ..., "profile": {"display_name": ...,
 *             "three_pids": [{"medium", "address"}...]}}}
 *   200      {"auth": {"success": false, "profile": {"three_pids": []}}} for a
 *            wrong password, an unknown or a disabled user (not told apart)
 *   429      M_LIMIT_EXCEEDED with retry_after_ms: the login name or the
 *            caller's IP failed too often (login.lockout)
 *   503      M_UNKNOWN when a store that may know the user is down: the
 *            homeserver must not conclude the password is wrong.
 *   401      M_MISSING_TOKEN / M_UNKNOWN_TOKEN: login.shared_secret is set
 *            and the caller did not send it as a Bearer token.
 */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "core/app.h"
#include "core/crypto.h"
#include "core/mxconfig.h"
#include "core/log.h"
#include "login/login.h"

/* A JSON string without an embedded NUL (jansson allows "\u0000", C strings
 * would silently cut there), or NULL. */
static const char *plain_string(const json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static json_t *threepids_json(const struct mxg_person *p)
{
	json_t *list = json_array();

	for (size_t i = 0; i < p->threepid_count; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "medium",
						      p->threepids[i].medium, "address",
						      p->threepids[i].address));
	return list;
}

static json_t *success_json(const struct mxg_person *p)
{
	json_t *profile = json_pack("{s:o}", "three_pids", threepids_json(p));
	json_t *auth = json_pack("{s:b, s:{s:s, s:s}}", "success", 1, "id", "type", "mxid",
				 "value", p->user_id);

	if (p->display_name != NULL) {
		/* The top-level copy is ma1sd's legacy field; old providers read it. */
		json_object_set_new(auth, "display_name", json_string(p->display_name));
		json_object_set_new(profile, "display_name", json_string(p->display_name));
	}
	json_object_set_new(auth, "profile", profile);
	return json_pack("{s:o}", "auth", auth);
}

/* With login.shared_secret set, only a caller presenting it as a Bearer
 * token may check passwords (the homeserver, not anyone who can reach the
 * internal listener). */
static bool caller_allowed(struct mxg_req *r, const char *secret)
{
	const char *token;

	if (secret == NULL)
		return true;
	token = mxg_req_bearer(r);
	if (token == NULL) {
		mxg_reply_error(r, 401, "M_MISSING_TOKEN", "This endpoint needs the shared secret "
				"as a Bearer token");
		return false;
	}
	if (!mxg_const_streq(token, secret)) {
		mxg_warning("check_credentials: a caller from %s presented a wrong shared secret",
			    mxg_req_client_ip(r));
		mxg_reply_error(r, 401, "M_UNKNOWN_TOKEN", "Wrong shared secret");
		return false;
	}
	return true;
}

void mxg_login_check_credentials(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const json_t *body, *user, *jid, *jpw, *jmedium;
	const char *id, *password, *medium = NULL;
	struct mxg_login_request rq;
	struct mxg_login_outcome out;
	struct mxg_error err;

	if (!caller_allowed(r, app->config->login.shared_secret))
		return;
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	user = json_object_get(body, "user");
	jid = json_object_get(user, "id");
	jpw = json_object_get(user, "password");
	if (!json_is_object(user) || jid == NULL || jpw == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "user.id and user.password are required");
		return;
	}
	id = plain_string(jid);
	password = plain_string(jpw);
	jmedium = json_object_get(user, "medium");
	if (jmedium != NULL && !json_is_null(jmedium))
		medium = plain_string(jmedium);
	if (id == NULL || password == NULL || (jmedium != NULL && !json_is_null(jmedium) &&
					      medium == NULL)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM",
				"user.id, user.password and user.medium must be strings");
		return;
	}
	rq.id = id;
	rq.medium = medium;
	rq.password = password;
	rq.password_len = json_string_length(jpw);
	rq.client_ip = mxg_req_client_ip(r);
	mxg_error_clear(&err);
	switch (mxg_login_attempt(app, &rq, mxg_req_arena(r), &out, &err)) {
	case MXG_LOGIN_OK:
		mxg_info("check_credentials: %s accepted by store %s", out.person.user_id,
			 out.store->name);
		mxg_reply_json(r, 200, success_json(&out.person));
		return;
	case MXG_LOGIN_REFUSED:
		mxg_info("check_credentials: refused (%s)", mxg_store_result_str(out.store_result));
		mxg_reply_json(r, 200, json_pack("{s:{s:b, s:{s:[]}}}", "auth", "success", 0,
						 "profile", "three_pids"));
		return;
	case MXG_LOGIN_LOCKED:
		mxg_info("check_credentials: locked out for %lld ms", out.retry_after_ms);
		mxg_reply_error_extra(r, 429, "M_LIMIT_EXCEEDED",
				      json_pack("{s:I}", "retry_after_ms",
						(json_int_t)out.retry_after_ms),
				      "Too many failed attempts; try again later");
		return;
	case MXG_LOGIN_UNAVAILABLE:
		break;
	}
	mxg_warning("check_credentials: %s", err.msg);
	mxg_reply_error(r, 503, "M_UNKNOWN",
			"An identity store is unavailable; try again later");
}
