/*
 * api-bind.c: POST /_matrix/identity/v2/3pid/bind and /3pid/unbind.
 *
 * bind (authenticated) turns a validated session into a binding owned by
 * the token's user and answers the association signed with the server's
 * long-term key; unbind is authorised by a validated session for the same
 * 3PID or by a request the mxid's homeserver signed (X-Matrix, keys from
 * hs-keys.c).  Both ask the lookup service to rebuild its index soon, so
 * that a lookup sees the change within about a second; bind also puts the
 * pending invites into the association and queues the onbind (onbind.h).
 * Both routes are MXG_ROUTE_BLOCKING: database and network.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/app.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/threepid.h"
#include "db/db.h"
#include "identity/auth.h"
#include "identity/bindings.h"
#include "identity/identity.h"
#include "identity/lookup.h"
#include "identity/onbind.h"
#include "identity/sessions.h"
#include "identity/xmatrix.h"

/* sydent's validity: a century from the bind. */
#define NOT_AFTER_MS (100LL * 365 * 24 * 3600 * 1000)
#define MXID_MAX 255

/* "@localpart:server": enough to refuse garbage, the homeserver owns the
 * finer grammar. */
static bool mxid_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && n <= MXID_MAX && s[0] == '@' && strchr(s + 2, ':') != NULL &&
	       s[n - 1] != ':';
}

/* --- bind ------------------------------------------------------------------- */

static void bind_session_error(struct mxg_req *r, enum mxg_session_result rc,
			       const struct mxg_error *err)
{
	switch (rc) {
	case MXG_SESSION_NOT_FOUND:
		mxg_reply_error(r, 404, "M_NO_VALID_SESSION",
				"No session with that sid and client_secret");
		break;
	case MXG_SESSION_EXPIRED:
		mxg_reply_error(r, 400, "M_SESSION_EXPIRED", "The session has expired");
		break;
	case MXG_SESSION_NOT_VALIDATED:
		mxg_reply_error(r, 400, "M_SESSION_NOT_VALIDATED",
				"The session has not been validated");
		break;
	default:
		mxg_identity_db_error_reply(r, "bind", err);
	}
}

void mxg_identity_bind(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_is_account acct;
	struct mxg_session_3pid tp;
	enum mxg_session_result rc;
	struct mxg_binding b;
	struct mxg_error err;
	const char *sid, *secret, *mxid;
	json_t *body, *assoc, *invites;
	long long now;

	if (mxg_identity_auth_or_reply(r, 0, &acct) < 0)
		return;
	if ((body = mxg_req_json_or_reply(r)) == NULL)
		return;
	sid = mxg_json_string(body, "sid");
	secret = mxg_json_string(body, "client_secret");
	mxid = mxg_json_string(body, "mxid");
	if (sid == NULL || secret == NULL || mxid == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"sid, client_secret and mxid are required strings");
		return;
	}
	if (!mxg_sessions_secret_valid(sid) || !mxg_sessions_secret_valid(secret) ||
	    !mxid_valid(mxid)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "sid, client_secret or mxid is malformed");
		return;
	}
	if (strcmp(mxid, acct.user_id) != 0) {
		mxg_reply_error(r, 403, "M_UNAUTHORIZED",
				"The token's user may only bind to their own Matrix ID");
		return;
	}
	now = mxg_sessions_now_ms();
	mxg_error_clear(&err);
	rc = mxg_sessions_get_validated(app->db, &app->config->threepid, now, sid, secret,
					mxg_req_arena(r), &tp, &err);
	if (rc != MXG_SESSION_OK) {
		bind_session_error(r, rc, &err);
		return;
	}
	b = (struct mxg_binding){ .medium = tp.medium, .address = tp.address, .mxid = mxid,
				  .ts = now, .not_before = now, .not_after = now + NOT_AFTER_MS };
	/* The pending invites travel in the association and the onbind. */
	if (mxg_onbind_invites(app->db, app->config->server_name, &app->signing_key, b.medium,
			       b.address, b.mxid, &invites, &err) < 0) {
		mxg_identity_db_error_reply(r, "bind", &err);
		return;
	}
	assoc = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:O}", "address", b.address,
			  "medium", b.medium, "mxid", b.mxid, "not_before", (json_int_t)b.not_before,
			  "not_after", (json_int_t)b.not_after, "ts", (json_int_t)b.ts,
			  "invites", invites);
	/* Sign before persisting: a binding we cannot answer for is not made. */
	if (assoc == NULL || mxg_json_sign(assoc, app->config->server_name, &app->signing_key,
					   &err) < 0) {
		json_decref(assoc);
		json_decref(invites);
		mxg_error("bind: cannot sign the association: %s",
			  assoc == NULL ? "out of memory" : err.msg);
		mxg_reply_error(r, 500, "M_UNKNOWN", "Internal error");
		return;
	}
	/* Bound first, then queued: a failed queue answers 500 and the
	 * client's retry binds again (idempotent) and queues. */
	if (mxg_bindings_bind(app->db, &b, &err) < 0 ||
	    mxg_onbind_queue(app->onbind, app->db, b.medium, b.address, b.mxid, invites,
			     &err) < 0) {
		json_decref(assoc);
		json_decref(invites);
		mxg_identity_db_error_reply(r, "bind", &err);
		return;
	}
	json_decref(invites);
	mxg_lookup_refresh_soon(app->lookup);
	mxg_info("bind: %s 3PID bound to %s", b.medium, b.mxid);
	mxg_reply_json(r, 200, assoc);
}

/* --- unbind ----------------------------------------------------------------- */

/* A validated session for exactly (medium, address) authorises the unbind.
 * Returns 0, or -1 after replying (A.6 of the spec digest). */
static int unbind_session_auth(struct mxg_req *r, const char *sid, const char *secret,
			       const char *medium, const char *address)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_session_3pid tp;
	enum mxg_session_result rc;
	struct mxg_error err;

	if (!mxg_sessions_secret_valid(sid) || !mxg_sessions_secret_valid(secret)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "sid or client_secret is malformed");
		return -1;
	}
	mxg_error_clear(&err);
	rc = mxg_sessions_get_validated(app->db, &app->config->threepid, mxg_sessions_now_ms(),
					sid, secret, mxg_req_arena(r), &tp, &err);
	switch (rc) {
	case MXG_SESSION_OK:
		break;
	case MXG_SESSION_NOT_FOUND:
		mxg_reply_error(r, 401, "M_NO_VALID_SESSION",
				"No session with that sid and client_secret");
		return -1;
	case MXG_SESSION_NOT_VALIDATED:
		mxg_reply_error(r, 403, "M_SESSION_NOT_VALIDATED",
				"The session has not been validated");
		return -1;
	case MXG_SESSION_EXPIRED:
		mxg_reply_error(r, 400, "M_SESSION_EXPIRED", "The session has expired");
		return -1;
	default:
		mxg_identity_db_error_reply(r, "unbind", &err);
		return -1;
	}
	if (strcmp(tp.medium, medium) != 0 || strcmp(tp.address, address) != 0) {
		mxg_reply_error(r, 403, "M_FORBIDDEN",
				"The session was not validated for that 3PID");
		return -1;
	}
	return 0;
}

/*
 * The mxid's homeserver signed the request (Synapse on 3PID removal).
 * Returns 0, or -1 after replying: 401 M_FORBIDDEN for a malformed header
 * or a signature that does not check out, 403 M_FORBIDDEN when mxid is not
 * a user of the signing server (as sydent).
 */
static int unbind_xmatrix_auth(struct mxg_req *r, const char *authz, const char *mxid,
			       const json_t *body)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_xmatrix x;
	struct mxg_error err;
	const char *server;

	if (mxg_xmatrix_parse(mxg_req_arena(r), authz, &x) < 0) {
		mxg_reply_error(r, 401, "M_FORBIDDEN", "Malformed X-Matrix authorization");
		return -1;
	}
	mxg_error_clear(&err);
	if (mxg_xmatrix_verify(app->config, &x, "POST", mxg_req_path(r), body, &err) < 0) {
		mxg_info("unbind: X-Matrix request from %s refused: %s", x.origin, err.msg);
		mxg_reply_error(r, 401, "M_FORBIDDEN", "The request signature does not verify");
		return -1;
	}
	server = strchr(mxid, ':') + 1;		/* mxid_valid() saw the ':' */
	if (strcasecmp(server, x.origin) != 0) {
		mxg_reply_error(r, 403, "M_FORBIDDEN", "%s may not unbind a user of another server",
				x.origin);
		return -1;
	}
	return 0;
}

void mxg_identity_unbind(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const char *mxid, *medium, *address, *sid, *secret, *authz;
	struct mxg_error err;
	json_t *body, *threepid;
	bool removed = false;

	if ((body = mxg_req_json_or_reply(r)) == NULL)
		return;
	mxid = mxg_json_string(body, "mxid");
	threepid = json_object_get(body, "threepid");
	medium = mxg_json_string(threepid, "medium");
	address = mxg_json_string(threepid, "address");
	if (mxid == NULL || !json_is_object(threepid) || medium == NULL || address == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"mxid and threepid {medium, address} are required");
		return;
	}
	if (!mxid_valid(mxid) || !mxg_3pid_medium_valid(medium) ||
	    (address = mxg_3pid_canonicalize(mxg_req_arena(r), medium, address)) == NULL) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "mxid or threepid is malformed");
		return;
	}
	sid = mxg_json_string(body, "sid");
	secret = mxg_json_string(body, "client_secret");
	authz = mxg_req_header(r, "Authorization");
	if (mxg_xmatrix_is(authz)) {
		if (unbind_xmatrix_auth(r, authz, mxid, body) < 0)
			return;
	} else if (sid == NULL || secret == NULL) {
		mxg_reply_error(r, 401, "M_FORBIDDEN",
				"Unbind needs sid and client_secret of a validated session");
		return;
	} else if (unbind_session_auth(r, sid, secret, medium, address) < 0) {
		return;
	}
	mxg_error_clear(&err);
	if (mxg_bindings_unbind(app->db, medium, address, mxid, &removed, &err) < 0) {
		mxg_identity_db_error_reply(r, "unbind", &err);
		return;
	}
	if (removed) {
		mxg_lookup_refresh_soon(app->lookup);
		mxg_info("unbind: %s 3PID of %s unbound", medium, mxid);
	}
	mxg_reply_json(r, 200, json_object());
}
