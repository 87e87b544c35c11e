/*
 * api-invite.c: third-party room invites, POST /_matrix/identity/v2/
 * store-invite and /sign-ed25519, and GET /pubkey/ephemeral/isvalid.
 *
 * store-invite (called by the inviter's homeserver with the inviter's
 * identity-server token) stores the invite with a fresh ephemeral key pair
 * (invites.c) and e-mails the invitee; the answer carries the keys the
 * homeserver puts into the m.room.third_party_invite event.  sign-ed25519
 * signs {mxid, sender, token} with the ephemeral private key the invitee
 * got by mail, which proves to the room that the joining user saw the mail.
 * Every route here is MXG_ROUTE_BLOCKING: database and network.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/ed25519.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/ratelimit.h"
#include "core/threepid.h"
#include "identity/auth.h"
#include "identity/identity.h"
#include "identity/index.h"
#include "identity/invites.h"
#include "identity/lookup.h"
#include "identity/sessions.h"
#include "notify/mail.h"
#include "notify/templates.h"

/* Template variables: the computed ones plus every string member of the
 * request (room_name, sender_display_name, ...), at most this many. */
#define MAX_VARS 48
#define B64_KEY_SIZE MXG_BASE64_ENCODED_SIZE(MXG_ED25519_SEED_LEN)

/* The Matrix ID the hashed-lookup index has for the address, or NULL. */
static const char *bound_mxid(struct mxg_req *r, const char *address)
{
	struct mxg_lookup *lookup = mxg_req_app(r)->lookup;
	const struct mxg_3pid_index *index;
	const char *mxid;

	if (lookup == NULL)
		return NULL;
	index = mxg_lookup_acquire(lookup);
	mxid = mxg_3pid_index_lookup_plain(index, "email", address);
	if (mxid != NULL)
		mxid = mxg_arena_strdup(mxg_req_arena(r), mxid);
	mxg_lookup_release(lookup, index);
	return mxid;
}

/* --- the invitation e-mail ------------------------------------------------------ */

struct invite_mail {
	const char *address, *token, *private_key;
	const json_t *body;
};

/* Where the invitee can join: the web client's room link when the
 * homeserver named one (Synapse: org.matrix.web_client_location), carrying
 * what it needs to accept (as sydent builds it), else a matrix.to link. */
static void join_link(struct mxg_req *r, const struct invite_mail *m, struct mxg_buf *b)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const char *web = mxg_json_string(m->body, "org.matrix.web_client_location");
	const char *room_id = mxg_json_string(m->body, "room_id");
	const char *alias = mxg_json_string(m->body, "room_alias");
	const char *name = mxg_json_string(m->body, "room_name");
	const char *inviter = mxg_json_string(m->body, "sender_display_name");
	struct mxg_buf sign = MXG_BUF_INIT;

	if (web == NULL || (strncmp(web, "https://", 8) != 0 && strncmp(web, "http://", 7) != 0)) {
		mxg_buf_append_str(b, "https://matrix.to/#/");
		mxg_buf_append_urlenc(b, alias != NULL ? alias : room_id);
		return;
	}
	mxg_buf_append_str(&sign, cfg->public_baseurl);
	mxg_buf_append_str(&sign, "_matrix/identity/v2/sign-ed25519?token=");
	mxg_buf_append_urlenc(&sign, m->token);
	mxg_buf_append_str(&sign, "&private_key=");
	mxg_buf_append_urlenc(&sign, m->private_key);

	mxg_buf_append_str(b, web);
	mxg_buf_append_str(b, "/#/room/");
	mxg_buf_append_urlenc(b, room_id);
	mxg_buf_append_str(b, "?email=");
	mxg_buf_append_urlenc(b, m->address);
	mxg_buf_append_str(b, "&signurl=");
	mxg_buf_append_urlenc(b, sign.data);
	if (name != NULL) {
		mxg_buf_append_str(b, "&room_name=");
		mxg_buf_append_urlenc(b, name);
	}
	if (inviter != NULL) {
		mxg_buf_append_str(b, "&inviter_name=");
		mxg_buf_append_urlenc(b, inviter);
	}
	explicit_bzero(sign.data, sign.len);
	mxg_buf_free(&sign);
}

static int send_invite_email(struct mxg_req *r, const struct invite_mail *m)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const char *sender = mxg_json_string(m->body, "sender");
	const char *inviter = mxg_json_string(m->body, "sender_display_name");
	const char *room = mxg_json_string(m->body, "room_name");
	struct mxg_template_var vars[MAX_VARS];
	struct mxg_buf link = MXG_BUF_INIT;
	struct mxg_error err;
	const char *key;
	json_t *value;
	size_t n = 0;
	int rc;

	if (room == NULL)
		room = mxg_json_string(m->body, "room_alias");
	if (room == NULL)
		room = "a room";
	join_link(r, m, &link);
	/* Computed variables first: the first match wins. */
	vars[n++] = (struct mxg_template_var){ "inviter", inviter != NULL ? inviter : sender };
	vars[n++] = (struct mxg_template_var){ "room", room };
	vars[n++] = (struct mxg_template_var){ "link", link.data };
	vars[n++] = (struct mxg_template_var){ "address", m->address };
	vars[n++] = (struct mxg_template_var){ "token", m->token };
	vars[n++] = (struct mxg_template_var){ "ephemeral_private_key", m->private_key };
	vars[n++] = (struct mxg_template_var){ "server_name", cfg->server_name };
	json_object_foreach((json_t *)m->body, key, value) {
		if (n < MAX_VARS && json_is_string(value))
			vars[n++] = (struct mxg_template_var){ key, json_string_value(value) };
	}

	rc = mxg_mail_send_templated(&cfg->threepid.email, "invite-email", vars, n, m->address,
				     "You have been invited to a Matrix room", &err);
	if (rc < 0)
		mxg_error("invites: e-mail to %s not sent: %s", m->address, err.msg);
	/* The link holds the private key and the token. */
	explicit_bzero(link.data, link.len);
	mxg_buf_free(&link);
	return rc;
}

/* --- store-invite ------------------------------------------------------------------ */

/* The members of the request that are not columns of their own. */
static char *extra_json(const json_t *body)
{
	json_t *extra = json_deep_copy(body);
	char *s;

	json_object_del(extra, "medium");
	json_object_del(extra, "address");
	json_object_del(extra, "room_id");
	json_object_del(extra, "sender");
	s = json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(extra);
	return s;
}

static json_t *store_invite_reply(struct mxg_req *r, const char *token, const char *eph_pub,
				  const char *address)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const char *server_pub = mxg_req_app(r)->signing_key.pub_b64;
	struct mxg_arena *a = mxg_req_arena(r);
	const char *isvalid = mxg_arena_printf(a, "%s_matrix/identity/v2/pubkey/isvalid",
					       cfg->public_baseurl);
	const char *eph_isvalid =
		mxg_arena_printf(a, "%s_matrix/identity/v2/pubkey/ephemeral/isvalid",
				 cfg->public_baseurl);
	const char *display = mxg_invites_redact_email(a, address, MXG_INVITE_REVEAL_USER,
						       MXG_INVITE_REVEAL_DOMAIN);

	return json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s}",
			 "token", token,
			 "public_keys",
			 "public_key", server_pub, "key_validity_url", isvalid,
			 "public_key", eph_pub, "key_validity_url", eph_isvalid,
			 "public_key", server_pub,
			 "display_name", display);
}

void mxg_identity_store_invite(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_is_account acct;
	struct mxg_ed25519_key eph;
	struct mxg_error err;
	const json_t *body;
	const char *medium, *address, *room_id, *sender, *mxid;
	char token[MXG_INVITE_TOKEN_LEN + 1], eph_pub[B64_KEY_SIZE], eph_priv[B64_KEY_SIZE];
	char *extra;
	int rc;

	/* Each request sends a mail: limited like requestToken, but per
	 * inviting user, not per IP: the caller is the inviter's homeserver,
	 * one address for all its users. */
	if (mxg_identity_auth_or_reply(r, 0, &acct) < 0 ||
	    mxg_ratelimit_check_or_reply(r, "request_token", acct.user_id) < 0)
		return;
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	medium = mxg_json_string(body, "medium");
	address = mxg_json_string(body, "address");
	room_id = mxg_json_string(body, "room_id");
	sender = mxg_json_string(body, "sender");
	if (medium == NULL || address == NULL || room_id == NULL || sender == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"medium, address, room_id and sender are required");
		return;
	}
	/* sydent: a user may only invite in their own name. */
	if (strcmp(sender, acct.user_id) != 0) {
		mxg_reply_error(r, 403, "M_UNAUTHORIZED",
				"The sender must be the user the token belongs to");
		return;
	}
	if (strcmp(medium, "email") != 0) {
		mxg_reply_error(r, 400, "M_UNRECOGNIZED", "Only e-mail invites are supported");
		return;
	}
	address = mxg_mail_address(mxg_req_arena(r), address);
	if (address == NULL) {
		mxg_reply_error(r, 400, "M_INVALID_EMAIL", "Not an e-mail address");
		return;
	}
	mxid = bound_mxid(r, address);
	if (mxid != NULL) {
		mxg_reply_error_extra(r, 400, "M_THREEPID_IN_USE", json_pack("{s:s}", "mxid", mxid),
				      "The address is already bound to a Matrix ID");
		return;
	}

	if (mxg_random_token(token, MXG_INVITE_TOKEN_LEN) < 0 ||
	    mxg_ed25519_generate("0", &eph, &err) < 0) {
		mxg_error("invites: no randomness for a token or a key");
		mxg_reply_error(r, 500, "M_UNKNOWN", "Internal error");
		return;
	}
	/* sydent hands the ephemeral keys out URL-safe, the long-term key not. */
	mxg_base64_encode(eph.pub, sizeof(eph.pub), eph_pub, sizeof(eph_pub),
			  MXG_B64_URL | MXG_B64_NOPAD);
	mxg_base64_encode(eph.seed, sizeof(eph.seed), eph_priv, sizeof(eph_priv),
			  MXG_B64_URL | MXG_B64_NOPAD);
	mxg_ed25519_clear(&eph);

	extra = extra_json(body);
	struct mxg_invite inv = {
		.token = token, .medium = "email", .address = address, .room_id = room_id,
		.sender = sender, .ephemeral_public_key = eph_pub, .extra = extra,
		.created_at = mxg_sessions_now_ms(),
	};
	rc = mxg_invites_store(app->db, &inv, &err);
	free(extra);
	if (rc < 0) {
		explicit_bzero(eph_priv, sizeof(eph_priv));
		mxg_identity_db_error_reply(r, "invites", &err);
		return;
	}

	struct invite_mail mail = { address, token, eph_priv, body };

	rc = send_invite_email(r, &mail);
	explicit_bzero(eph_priv, sizeof(eph_priv));
	if (rc < 0) {
		/* Nobody can accept an invite they never got. */
		if (mxg_invites_delete(app->db, token, &err) < 0)
			mxg_warning("invites: removing an unsent invite: %s", err.msg);
		mxg_reply_error(r, 500, "M_EMAIL_SEND_ERROR",
				"The invitation e-mail could not be sent");
		return;
	}
	mxg_info("invites: %s invited an e-mail address to %s", sender, room_id);
	mxg_reply_json(r, 200, store_invite_reply(r, token, eph_pub, address));
}

/* --- sign-ed25519 ----------------------------------------------------------------- */

void mxg_identity_sign_ed25519(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_is_account acct;
	struct mxg_ed25519_key key;
	struct mxg_error err;
	const json_t *body;
	const char *mxid, *token, *priv, *sender;
	unsigned char seed[MXG_ED25519_SEED_LEN + 1];
	size_t seed_len = 0;
	json_t *obj;
	int rc;

	if (mxg_identity_auth_or_reply(r, 0, &acct) < 0)
		return;
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	mxid = mxg_json_string(body, "mxid");
	token = mxg_json_string(body, "token");
	priv = mxg_json_string(body, "private_key");
	if (mxid == NULL || token == NULL || priv == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"mxid, token and private_key are required");
		return;
	}
	/* Either alphabet, padded or not; exactly a 32-byte seed. */
	if (mxg_base64_decode(priv, strlen(priv), seed, sizeof(seed), &seed_len) < 0 ||
	    seed_len != MXG_ED25519_SEED_LEN) {
		explicit_bzero(seed, sizeof(seed));
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "private_key is not an ed25519 seed");
		return;
	}
	rc = mxg_invites_sender(app->db, mxg_req_arena(r), token, &sender, &err);
	if (rc <= 0) {
		explicit_bzero(seed, sizeof(seed));
		if (rc < 0)
			mxg_identity_db_error_reply(r, "invites", &err);
		else
			mxg_reply_error(r, 404, "M_UNRECOGNIZED", "Didn't recognize token");
		return;
	}
	rc = mxg_ed25519_from_seed(seed, "0", &key, &err);
	explicit_bzero(seed, sizeof(seed));
	if (rc < 0) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "private_key is not an ed25519 seed");
		return;
	}
	obj = json_pack("{s:s, s:s, s:s}", "mxid", mxid, "sender", sender, "token", token);
	rc = mxg_json_sign(obj, app->config->server_name, &key, &err);
	mxg_ed25519_clear(&key);
	if (rc < 0) {
		json_decref(obj);
		mxg_error("invites: signing: %s", err.msg);
		mxg_reply_error(r, 500, "M_UNKNOWN", "Internal error");
		return;
	}
	mxg_reply_json(r, 200, obj);
}

/* --- pubkey/ephemeral/isvalid ------------------------------------------------------ */

void mxg_identity_pubkey_ephemeral_isvalid(struct mxg_req *r)
{
	const char *pub = mxg_req_query(r, "public_key");
	struct mxg_error err;
	bool valid;

	if (pub == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "Missing public_key");
		return;
	}
	if (mxg_invites_ephemeral_valid(mxg_req_app(r)->db, pub, &valid, &err) < 0) {
		mxg_identity_db_error_reply(r, "invites", &err);
		return;
	}
	mxg_reply_json(r, 200, json_pack("{s:b}", "valid", valid));
}
