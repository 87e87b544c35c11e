/*
 * sessions.h: 3PID validation sessions, the state behind requestToken,
 * submitToken and getValidated3pid (and, later, bind and unbind).
 *
 * One session exists per (medium, canonical address, client secret).  A
 * message is sent only when the client's send_attempt is greater than the
 * last one a message went out for; otherwise the same sid is answered.  A
 * session can be validated or used only until session_lifetime after its
 * last modification (creation, new token, validation).  Wrong tokens are
 * counted; after max_token_attempts the session is deleted.  The client
 * secret and the token are stored as SHA-256 and compared in constant time.
 *
 * Every function takes "now" (ms since the epoch) so that the rules can be
 * tested without waiting; callers pass mxg_sessions_now_ms().  All functions
 * touch the database: call them from MXG_ROUTE_BLOCKING handlers only.
 */
#ifndef MXG_IDENTITY_SESSIONS_H
#define MXG_IDENTITY_SESSIONS_H

#include <stdbool.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_db;
struct mxg_threepid_conf;

#define MXG_SESSION_SID_LEN 32		/* [A-Za-z0-9] */
#define MXG_SESSION_EMAIL_TOKEN_LEN 32	/* [A-Za-z0-9]: URL-safe */
#define MXG_SESSION_SMS_TOKEN_LEN 6	/* digits */
#define MXG_SESSION_TOKEN_MAX 64

enum mxg_session_result {
	MXG_SESSION_OK,
	MXG_SESSION_NOT_FOUND,		/* unknown sid, wrong secret or medium: 404 */
	MXG_SESSION_EXPIRED,		/* 400 M_SESSION_EXPIRED */
	MXG_SESSION_NOT_VALIDATED,	/* 400 M_SESSION_NOT_VALIDATED */
	MXG_SESSION_TOKEN_INCORRECT,	/* 400 M_TOKEN_INCORRECT */
	MXG_SESSION_ERROR,		/* database: err filled, 500/503 */
};

/* What requestToken must do next. */
struct mxg_session_request {
	char sid[MXG_SESSION_SID_LEN + 1];
	bool send;			/* send token (then mxg_sessions_mark_sent()) */
	char token[MXG_SESSION_TOKEN_MAX + 1];	/* set when send; wipe after use */
};

/* A session's 3PID, in the caller's arena. */
struct mxg_session_3pid {
	const char *medium;
	const char *address;
	long long validated_at;		/* ms; 0 when not validated */
	const char *next_link;		/* NULL when none */
};

/* Wall clock in ms since the epoch. */
long long mxg_sessions_now_ms(void);

/* True when s is a valid client_secret or sid: [0-9a-zA-Z.=_-]{1,255}. */
bool mxg_sessions_secret_valid(const char *s);

/*
 * requestToken: find or create the session for (medium, address,
 * client_secret) and decide whether a token must be sent for send_attempt
 * (>= 0).  A new token replaces the old one when sending.  next_link (may be
 * NULL) is remembered for a new session or a new send.  Returns
 * MXG_SESSION_OK with *req_r filled, or MXG_SESSION_ERROR with err.
 */
enum mxg_session_result mxg_sessions_request(struct mxg_db *db,
					     const struct mxg_threepid_conf *conf,
					     long long now, const char *medium,
					     const char *address, const char *client_secret,
					     long long send_attempt, const char *next_link,
					     struct mxg_session_request *req_r,
					     struct mxg_error *err);

/* After the message for send_attempt went out: later requests with a
 * send_attempt not above it send nothing.  Returns 0 or -1 with err. */
int mxg_sessions_mark_sent(struct mxg_db *db, const char *sid, long long send_attempt,
			   struct mxg_error *err);

/*
 * submitToken: check token for the session sid of medium.  OK (also when it
 * was validated before with the same token) fills *out_r (arena memory)
 * with the session's 3PID and next_link; a wrong token counts an attempt and
 * the last allowed one deletes the session.
 */
enum mxg_session_result mxg_sessions_submit(struct mxg_db *db,
					    const struct mxg_threepid_conf *conf,
					    long long now, const char *medium, const char *sid,
					    const char *client_secret, const char *token,
					    struct mxg_arena *arena,
					    struct mxg_session_3pid *out_r,
					    struct mxg_error *err);

/*
 * The 3PID of a validated session: what getValidated3pid answers and what
 * bind/unbind use.  OK fills *out_r (arena memory); NOT_FOUND for an unknown
 * sid or a wrong client_secret, EXPIRED, NOT_VALIDATED, or ERROR.
 */
enum mxg_session_result mxg_sessions_get_validated(struct mxg_db *db,
						   const struct mxg_threepid_conf *conf,
						   long long now, const char *sid,
						   const char *client_secret,
						   struct mxg_arena *arena,
						   struct mxg_session_3pid *out_r,
						   struct mxg_error *err);

/* Delete sessions unmodified for lifetime + a day (expired ones are kept a
 * day so that clients get M_SESSION_EXPIRED rather than 404).  Returns the
 * number deleted, or -1 with err. */
long long mxg_sessions_purge(struct mxg_db *db, const struct mxg_threepid_conf *conf,
			     long long now, struct mxg_error *err);

#endif
