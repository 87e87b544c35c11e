/*
 * sessions.h: what the provider hands out and takes back: sessions (one
 * per authorization, compat login or client-credentials grant) and their
 * access and refresh tokens, all in the database by hash.
 *
 * A session ends (logout, revocation, a replayed refresh token); every
 * token of an ended session is inactive from then on.
 */
#ifndef MXG_OAUTH_SESSIONS_H
#define MXG_OAUTH_SESSIONS_H

#include <stdbool.h>

#include <jansson.h>

#include "core/error.h"
#include "oauth/token.h"

struct mxg_arena;
struct mxg_oauth;

#define MXG_SESSION_ID_LEN 24

/* What a new session is for. */
struct mxg_oauth_session_spec {
	const char *kind;		/* "oauth", "compat" or "client" */
	const char *client_id;
	const char *user_id;		/* "@alice:example.org"; NULL: the client's own */
	const char *scope;		/* normalised (mxg_oauth_scope_check) */
	const char *device_id;		/* NULL: none */
	const char *browser_session;	/* the browser login it came from, or NULL */
	long long auth_time_ms;		/* when the user authenticated; 0: never */
	const char *ip, *user_agent;	/* may be NULL */
	bool refresh;			/* with a refresh token */
	bool expires;			/* false: an access token without expiry (compat) */
	bool compat;			/* compat tokens (mxct_, mxcr_) */
};

/* The tokens of a grant: what the token endpoint answers. */
struct mxg_oauth_tokens {
	char session_id[MXG_SESSION_ID_LEN + 1];
	char access[MXG_TOKEN_SIZE];
	char refresh[MXG_TOKEN_SIZE];	/* "" without */
	long long expires_in_s;		/* 0: does not expire */
};

int mxg_oauth_session_create(struct mxg_oauth *p, const struct mxg_oauth_session_spec *spec,
			     long long now_ms, struct mxg_oauth_tokens *tokens,
			     struct mxg_error *err);

/* What a token is, for introspection and revocation. */
struct mxg_oauth_token_info {
	bool active;
	bool refresh;			/* a refresh token, not an access token */
	const char *session_id, *kind, *client_id, *user_id, *scope, *device_id;
	long long iat_ms;
	long long exp_ms;		/* 0: no expiry */
};

/*
 * Look token up (access or refresh, by its prefix) as of now_ms: 1 and
 * *info when the token exists (info->active says whether it may be used),
 * 0 when it is unknown or malformed, -1 on a database error.  An access
 * token looked up with use true is marked used, and its session active.
 */
int mxg_oauth_token_lookup(struct mxg_oauth *p, const char *token, long long now_ms, bool use,
			   struct mxg_arena *arena, struct mxg_oauth_token_info *info,
			   struct mxg_error *err);

enum mxg_refresh_result {
	MXG_REFRESH_OK,			/* *tokens: the new pair; *info: the session */
	MXG_REFRESH_INVALID,		/* unknown, spent, expired, another client's */
	MXG_REFRESH_REPLAYED,		/* a spent token again: the session is ended */
	MXG_REFRESH_ERROR,		/* err */
};

/*
 * Rotate refresh_token (OAuth or compat) for client_id: a new access and refresh token, the
 * old refresh token spent.  A spent token presented again is the lost
 * answer's retry while the pair it gave has not been used (that pair is
 * revoked, a new one given); any other reuse ends the whole session.
 */
enum mxg_refresh_result mxg_oauth_refresh(struct mxg_oauth *p, const char *refresh_token,
					  const char *client_id, long long now_ms,
					  struct mxg_arena *arena, struct mxg_oauth_token_info *info,
					  long long *auth_time_ms, struct mxg_oauth_tokens *tokens,
					  struct mxg_error *err);

/* The live sessions of user_id, newest first, as the account page lists
 * them: [{id, client_id, device_id, created_at, last_active_at, last_ip,
 * user_agent}] (times in ms); NULL + err. */
json_t *mxg_oauth_sessions_of(struct mxg_oauth *p, const char *user_id, struct mxg_error *err);

/*
 * Ending sessions: each function below appends {user_id, device_id} of
 * every ended session that had a device to gone (a JSON array; NULL: not
 * wanted), for the homeserver to forget those devices
 * (mxg_oauth_devices_gone).
 */

/* End user_id's session id (1), or all of them and the browser logins
 * too with id NULL (the count); 0 when nothing was live, -1 + err. */
int mxg_oauth_sessions_end_user(struct mxg_oauth *p, const char *user_id, const char *id,
				long long now_ms, json_t *gone, struct mxg_error *err);

/* The same for every session and browser login of user_id, on db
 * directly (the CLI, which has no provider): the count, or -1 + err. */
struct mxg_db;
int mxg_oauth_sessions_end_all(struct mxg_db *db, const char *user_id, long long now_ms,
			       json_t *gone, struct mxg_error *err);

/* End the sessions client_id got through the browser login id_hash
 * (RP-initiated logout); -1 + err. */
int mxg_oauth_sessions_end_browser(struct mxg_oauth *p, const char *id_hash,
				   const char *client_id, long long now_ms, json_t *gone,
				   struct mxg_error *err);

/* End a session (idempotent). */
int mxg_oauth_session_end(struct mxg_oauth *p, const char *session_id, long long now_ms,
			  json_t *gone, struct mxg_error *err);

#endif
