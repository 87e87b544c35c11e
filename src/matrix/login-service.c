/*
 * login-service.c: the two ways of logging a person in at the homeserver
 * through mxgate (see login.h).  The handlers in login.c only translate
 * HTTP; everything that asks a store, the lockout table or the homeserver
 * is here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "login/login.h"
#include "matrix/homeserver.h"
#include "matrix/jwt.h"
#include "matrix/login.h"
#include "stores/chain.h"

/* What the client asked of the session that the homeserver must see too. */
static const char *const carried_over[] = {
	"device_id", "initial_device_display_name", "refresh_token",
};

static enum mxg_hs_login_result post_login(struct mxg_app *app, const char *path,
					   const json_t *body, const char *client_ip,
					   struct mxg_hs_login *out, struct mxg_error *err)
{
	char *text = json_dumps(body, JSON_COMPACT);
	int rc;

	if (text == NULL) {
		mxg_error_set(err, 0, "out of memory");
		return MXG_HS_LOGIN_INTERNAL;
	}
	rc = mxg_hs_request(app->config, &(struct mxg_hs_call){
		.method = "POST",
		.path = path,
		.client_ip = client_ip,
		.body = text,
		.body_len = strlen(text),
	}, &out->resp, err);
	/* The body may hold a password (passthrough) or a login token. */
	explicit_bzero(text, strlen(text));
	free(text);
	return rc < 0 ? MXG_HS_LOGIN_HS_FAILED : MXG_HS_LOGIN_RELAY;
}

enum mxg_hs_login_result mxg_matrix_login_jwt(struct mxg_app *app, const json_t *body,
					      const struct mxg_login_ident *id,
					      const char *password, size_t password_len,
					      const char *path, const char *client_ip,
					      struct mxg_arena *arena,
					      struct mxg_hs_login *out, struct mxg_error *err)
{
	struct mxg_login_request rq = {
		.id = id->type == MXG_LOGIN_ID_USER ? id->user : id->address,
		.medium = id->type == MXG_LOGIN_ID_USER ? NULL : id->medium,
		.password = password,
		.password_len = password_len,
		.client_ip = client_ip,
	};
	struct mxg_login_outcome who;
	enum mxg_hs_login_result res;
	json_t *login;
	char *token;

	memset(out, 0, sizeof(*out));
	switch (mxg_login_attempt(app, &rq, arena, &who, err)) {
	case MXG_LOGIN_OK:
		break;
	case MXG_LOGIN_REFUSED:
		mxg_info("login: refused (%s)", mxg_store_result_str(who.store_result));
		return MXG_HS_LOGIN_REFUSED;
	case MXG_LOGIN_LOCKED:
		mxg_info("login: locked out for %lld ms", who.retry_after_ms);
		out->retry_after_ms = who.retry_after_ms;
		return MXG_HS_LOGIN_LOCKED;
	case MXG_LOGIN_UNAVAILABLE:
		return MXG_HS_LOGIN_UNAVAILABLE;
	}
	token = mxg_jwt_sign_login(app->login_jwt, who.person.user_id, who.person.display_name,
				   time(NULL), err);
	if (token == NULL)
		return MXG_HS_LOGIN_INTERNAL;
	login = json_pack("{s:s, s:s}", "type", "org.matrix.login.jwt", "token", token);
	explicit_bzero(token, strlen(token));
	free(token);
	for (size_t i = 0; i < sizeof(carried_over) / sizeof(carried_over[0]); i++) {
		json_t *v = json_object_get(body, carried_over[i]);

		if (v != NULL)
			json_object_set(login, carried_over[i], v);
	}
	res = post_login(app, path, login, client_ip, out, err);
	json_decref(login);
	if (res == MXG_HS_LOGIN_RELAY && out->resp.status == 200)
		mxg_info("login: %s accepted by store %s, logged in at the homeserver",
			 who.person.user_id, who.store->name);
	else if (res == MXG_HS_LOGIN_RELAY)
		/* Our check passed: a refusal now means the homeserver's
		 * jwt_config and ours disagree, which only an admin can fix. */
		mxg_warning("login: %s accepted by store %s, but the homeserver refused its "
			    "JWT login with HTTP %ld: compare its jwt_config with login.jwt",
			    who.person.user_id, who.store->name, out->resp.status);
	return res;
}

/* "@alice:example.org" -> "alice" when it is on server_name, else the ID. */
static const char *user_for_homeserver(struct mxg_arena *arena, const char *user_id,
				       const char *server_name)
{
	const char *colon = strchr(user_id, ':');

	if (user_id[0] == '@' && colon != NULL && strcmp(colon + 1, server_name) == 0)
		return mxg_arena_strndup(arena, user_id + 1, (size_t)(colon - user_id - 1));
	return user_id;
}

enum mxg_hs_login_result mxg_matrix_login_passthrough(struct mxg_app *app, const json_t *body,
						      const struct mxg_login_ident *id,
						      const char *path, const char *client_ip,
						      struct mxg_arena *arena,
						      struct mxg_hs_login *out,
						      struct mxg_error *err)
{
	struct mxg_3pid tpid = { .medium = id->medium, .address = id->address };
	enum mxg_hs_login_result res;
	const char *user_id = NULL;
	json_t *login;

	memset(out, 0, sizeof(*out));
	login = json_deep_copy(body);
	if (login == NULL) {
		mxg_error_set(err, 0, "out of memory");
		return MXG_HS_LOGIN_INTERNAL;
	}
	if (id->type != MXG_LOGIN_ID_USER) {
		switch (mxg_store_chain_lookup(app->stores, &tpid, arena, &user_id, NULL, err)) {
		case MXG_STORE_OK:
			json_object_del(login, "medium");
			json_object_del(login, "address");
			json_object_del(login, "user");
			json_object_set_new(login, "identifier", json_pack(
				"{s:s, s:s}", "type", "m.id.user", "user",
				user_for_homeserver(arena, user_id, app->config->server_name)));
			break;
		case MXG_STORE_UNAVAILABLE:
		case MXG_STORE_INTERNAL:
			json_decref(login);
			return MXG_HS_LOGIN_UNAVAILABLE;
		default:
			/* Nobody's: the homeserver gives its own refusal. */
			break;
		}
	}
	res = post_login(app, path, login, client_ip, out, err);
	json_decref(login);
	return res;
}
