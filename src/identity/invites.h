/*
 * invites.h: pending room invitations to a 3PID (POST /store-invite) over
 * the database (table invites, migration 5), their ephemeral public keys,
 * and the redacted display name an invite event shows for the address.
 *
 * An invite is stored with a random token and a fresh ed25519 key pair: the
 * private half goes to the invitee by e-mail, the public half into the room
 * event, so the homeserver can later check that whoever accepts it saw the
 * mail (POST /sign-ed25519).  Delivering stored invites once the address is
 * bound is the binding code's business; this module only stores and finds.
 */
#ifndef MXG_IDENTITY_INVITES_H
#define MXG_IDENTITY_INVITES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_db;

/* Characters of the token POST /store-invite hands out ([A-Za-z0-9]). */
#define MXG_INVITE_TOKEN_LEN 64
/* sydent's defaults: how much of the local part and of the domain the
 * redacted display name keeps. */
#define MXG_INVITE_REVEAL_USER 3
#define MXG_INVITE_REVEAL_DOMAIN 3

struct mxg_invite {
	const char *token;
	const char *medium;		/* "email" */
	const char *address;		/* canonical */
	const char *room_id;
	const char *sender;
	const char *ephemeral_public_key;	/* URL-safe unpadded base64 */
	const char *extra;		/* JSON object text, the other fields */
	long long created_at;		/* ms since the epoch */
};

/* Insert inv.  Returns 0, or -1 + err (database). */
int mxg_invites_store(struct mxg_db *db, const struct mxg_invite *inv, struct mxg_error *err);

/* Remove the invite with token (an invite whose e-mail could not be sent).
 * Returns 0, or -1 + err. */
int mxg_invites_delete(struct mxg_db *db, const char *token, struct mxg_error *err);

/*
 * The sender of the invite with token, copied into arena.  Returns 1 and
 * *sender_r, 0 when no invite has that token, -1 + err (database).
 */
int mxg_invites_sender(struct mxg_db *db, struct mxg_arena *arena, const char *token,
		       const char **sender_r, struct mxg_error *err);

/* Whether pub is the ephemeral public key of a stored invite.  Returns 0
 * with *valid_r, or -1 + err (database). */
int mxg_invites_ephemeral_valid(struct mxg_db *db, const char *pub, bool *valid_r,
				struct mxg_error *err);

/*
 * The e-mail address as an invite event shows it, as sydent redacts it:
 * local part and domain each cut to their first reveal_user/reveal_domain
 * characters followed by "..."; a part no longer than that keeps 3
 * characters when longer than 5, else 1, else none ("f...@b..." for
 * "foo@bar").  Characters are UTF-8 code points.  Returns a string in
 * arena memory; an address without '@' is redacted as a whole.
 */
char *mxg_invites_redact_email(struct mxg_arena *arena, const char *address,
			       size_t reveal_user, size_t reveal_domain);

#endif
