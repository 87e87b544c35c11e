/*
 * device.h: the device authorization grant (RFC 8628): a device without a
 * browser gets a device code and shows the user a short user code, which
 * the user confirms on the provider's /device page; the device polls the
 * token endpoint meanwhile.
 */
#ifndef MXG_OAUTH_DEVICE_H
#define MXG_OAUTH_DEVICE_H

#include "core/error.h"
#include "oauth/token.h"

struct mxg_arena;
struct mxg_oauth;

/* "BCDF-GHJK": 8 letters no one confuses (no vowels, no digits). */
#define MXG_USER_CODE_SIZE 10

/* A new device authorization for client_id and scope; -1 + err. */
int mxg_oauth_device_start(struct mxg_oauth *p, const char *client_id, const char *scope,
			   char device_code[MXG_TOKEN_SIZE], char user_code[MXG_USER_CODE_SIZE],
			   struct mxg_error *err);

struct mxg_oauth_device_grant {
	const char *device_hash, *client_id, *scope, *state, *user_id;
	const char *user_code;		/* as mxgate writes it (mxg_oauth_device_find) */
	long long auth_time_ms, expires_at_ms, last_poll_ms;
};

/* The pending grant a user code names (any case, with or without the
 * dash): 1, 0 (none, or expired, or no longer pending), -1 + err. */
int mxg_oauth_device_find(struct mxg_oauth *p, const char *user_code, struct mxg_arena *arena,
			  struct mxg_oauth_device_grant *g, struct mxg_error *err);

/* The user's answer to a pending grant: 1 recorded, 0 not pending any
 * more, -1 + err. */
int mxg_oauth_device_decide(struct mxg_oauth *p, const char *device_hash, const char *user_id,
			    long long auth_time_ms, bool allow, struct mxg_error *err);

enum mxg_device_poll {
	MXG_DEVICE_PENDING,		/* authorization_pending */
	MXG_DEVICE_SLOW_DOWN,		/* polled faster than the interval */
	MXG_DEVICE_DENIED,		/* access_denied */
	MXG_DEVICE_EXPIRED,		/* expired_token */
	MXG_DEVICE_APPROVED,		/* *g filled; the grant is now spent */
	MXG_DEVICE_INVALID,		/* unknown, another client's, or spent */
	MXG_DEVICE_ERROR,
};

/* The device polls with its device code. */
enum mxg_device_poll mxg_oauth_device_poll(struct mxg_oauth *p, const char *device_code,
					   const char *client_id, long long now_ms,
					   struct mxg_arena *arena, struct mxg_oauth_device_grant *g,
					   struct mxg_error *err);

/* Polling interval the device is told, in seconds. */
#define MXG_DEVICE_INTERVAL_S 5

#endif
