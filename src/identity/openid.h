/*
 * openid.h: checking a Matrix OpenID token at the homeserver that issued it
 * (GET /_matrix/federation/v1/openid/userinfo), for /account/register.
 */
#ifndef MXG_IDENTITY_OPENID_H
#define MXG_IDENTITY_OPENID_H

#include "core/error.h"

struct mxg_arena;
struct mxg_config;

/* Codes in struct mxg_error.code, with the reply each maps to. */
enum mxg_openid_err {
	MXG_OPENID_ERR_INVALID_NAME = 1,	/* 400 M_INVALID_PARAM */
	MXG_OPENID_ERR_UNKNOWN_TOKEN,		/* 401 M_UNKNOWN_TOKEN: the HS said 401 */
	MXG_OPENID_ERR_FAILED,			/* 500 M_UNKNOWN: network, JSON, bad sub */
};

/* The largest userinfo answer read (sydent's cap). */
#define MXG_OPENID_MAX_RESPONSE (5 * 1024)

/*
 * Ask server_name's homeserver who access_token belongs to.  Returns 0 with
 * *user_id_r (in arena) a user ID "@local:<server_name>", or -1 with err.
 * The token never appears in err or in a log line.
 */
int mxg_openid_userinfo(const struct mxg_config *cfg, struct mxg_arena *arena,
			const char *server_name, const char *access_token,
			const char **user_id_r, struct mxg_error *err);

#endif
