/*
 * invites.c: pending 3PID room invitations over the database (table
 * invites, migration 5) and the redaction of the invited address.  The
 * rules are described in invites.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "db/db.h"
#include "identity/invites.h"

int mxg_invites_store(struct mxg_db *db, const struct mxg_invite *inv, struct mxg_error *err)
{
	char created[24];
	const char *params[8] = { inv->token, inv->medium, inv->address, inv->room_id,
				  inv->sender, inv->ephemeral_public_key, inv->extra, created };

	snprintf(created, sizeof(created), "%lld", inv->created_at);
	return mxg_db_query(db, "INSERT INTO invites (token, medium, address, room_id, sender,"
			    " ephemeral_public_key, extra, created_at)"
			    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8, params, NULL, err);
}

int mxg_invites_delete(struct mxg_db *db, const char *token, struct mxg_error *err)
{
	const char *params[1] = { token };

	return mxg_db_query(db, "DELETE FROM invites WHERE token = $1", 1, params, NULL, err);
}

int mxg_invites_sender(struct mxg_db *db, struct mxg_arena *arena, const char *token,
		       const char **sender_r, struct mxg_error *err)
{
	const char *params[1] = { token };
	struct mxg_db_result *res;
	int found;

	*sender_r = NULL;
	if (mxg_db_query(db, "SELECT sender FROM invites WHERE token = $1", 1, params, &res,
			 err) < 0)
		return -1;
	found = mxg_db_result_rows(res) > 0 && mxg_db_result_get(res, 0, 0) != NULL;
	if (found)
		*sender_r = mxg_arena_strdup(arena, mxg_db_result_get(res, 0, 0));
	mxg_db_result_free(&res);
	return found;
}

int mxg_invites_ephemeral_valid(struct mxg_db *db, const char *pub, bool *valid_r,
				struct mxg_error *err)
{
	const char *params[1] = { pub };
	struct mxg_db_result *res;

	*valid_r = false;
	if (mxg_db_query(db, "SELECT 1 FROM invites WHERE ephemeral_public_key = $1", 1, params,
			 &res, err) < 0)
		return -1;
	*valid_r = mxg_db_result_rows(res) > 0;
	mxg_db_result_free(&res);
	return 0;
}

/* Bytes taken by the first n code points of s (len bytes). */
static size_t utf8_prefix(const char *s, size_t len, size_t n)
{
	size_t i = 0;

	while (i < len && n > 0) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		n--;
	}
	return i;
}

static size_t utf8_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* sydent's _redact(): the first characters of one part and "...". */
static char *redact_part(struct mxg_arena *arena, const char *s, size_t len, size_t reveal)
{
	size_t chars = utf8_count(s, len), keep;

	if (chars > reveal)
		keep = reveal;
	else if (chars > 5)
		keep = 3;
	else if (chars > 1)
		keep = 1;
	else
		keep = 0;
	return mxg_arena_printf(arena, "%.*s...", (int)utf8_prefix(s, len, keep), s);
}

char *mxg_invites_redact_email(struct mxg_arena *arena, const char *address,
			       size_t reveal_user, size_t reveal_domain)
{
	const char *at = strchr(address, '@');

	if (at == NULL)
		return redact_part(arena, address, strlen(address), reveal_user);
	return mxg_arena_printf(arena, "%s@%s",
				redact_part(arena, address, (size_t)(at - address), reveal_user),
				redact_part(arena, at + 1, strlen(at + 1), reveal_domain));
}
