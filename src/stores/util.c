/*
 * util.c: canonical forms shared by the store drivers (login names, user
 * IDs, phone numbers, search terms).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/arena.h"
#include "identity/msisdn.h"
#include "stores/store.h"
#include "stores/util.h"

static void lower_ascii(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

const char *mxg_store_localpart(struct mxg_arena *arena, const struct mxg_store_env *env,
				const char *user, bool lowercase)
{
	char *lp;

	if (user == NULL || user[0] == '\0')
		return NULL;
	if (user[0] == '@') {
		const char *colon = strchr(user, ':');

		if (colon == NULL || colon == user + 1 || env == NULL ||
		    env->server_name == NULL || strcmp(colon + 1, env->server_name) != 0)
			return NULL;
		lp = mxg_arena_strndup(arena, user + 1, (size_t)(colon - user - 1));
	} else {
		if (strchr(user, ':') != NULL)
			return NULL;
		lp = mxg_arena_strdup(arena, user);
	}
	if (lowercase)
		lower_ascii(lp);
	return lp;
}

const char *mxg_store_user_id(struct mxg_arena *arena, const struct mxg_store_env *env,
			      const char *value, bool is_mxid, bool lowercase)
{
	char *id;

	if (value == NULL || value[0] == '\0')
		return NULL;
	if (is_mxid) {
		const char *colon = strchr(value, ':');

		if (value[0] != '@' || colon == NULL || colon == value + 1 || colon[1] == '\0')
			return NULL;
		return mxg_arena_strdup(arena, value);
	}
	/* A localpart never holds ':' (it ends the localpart) nor whitespace. */
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == ':' || isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
			return NULL;
	}
	if (env == NULL || env->server_name == NULL)
		return NULL;
	id = mxg_arena_printf(arena, "@%s:%s", value, env->server_name);
	if (lowercase)
		lower_ascii(id + 1);	/* the server name is ours, already canonical */
	return id;
}

const char *mxg_store_phone_e164(struct mxg_arena *arena, const char *default_region,
				 const char *phone)
{
	char out[MXG_MSISDN_MAX + 1];
	struct mxg_error err;

	if (phone == NULL)
		return NULL;
	if (default_region != NULL && default_region[0] == '\0')
		default_region = NULL;
	if (mxg_msisdn_normalize(default_region, phone, out, &err) < 0)
		return NULL;
	return mxg_arena_strdup(arena, out);
}

bool mxg_store_term_ok(const char *term)
{
	size_t chars = 0;
	const char *end;

	if (term == NULL)
		return false;
	while (*term == ' ')
		term++;
	end = term + strlen(term);
	while (end > term && end[-1] == ' ')
		end--;
	for (const char *p = term; p < end; p++) {
		/* Count UTF-8 lead bytes, not continuation bytes. */
		if (((unsigned char)*p & 0xC0) != 0x80)
			chars++;
	}
	return chars >= MXG_STORE_TERM_MIN;
}
