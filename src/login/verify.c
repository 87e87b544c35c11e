/*
 * verify.c: a login name in any of its shapes, and a password, checked
 * against the store chain.
 */
#include "config.h"

#include <string.h>

#include "core/threepid.h"
#include "login/login.h"
#include "stores/chain.h"

/* The medium a bare login name implies, or NULL for a user name. */
static const char *implied_medium(const char *id)
{
	if (id[0] != '@' && strchr(id, '@') != NULL)
		return "email";
	if (id[0] == '+')
		return "msisdn";
	return NULL;
}

enum mxg_store_result mxg_login_verify(struct mxg_store_chain *chain, const char *id,
				       const char *medium, const char *password,
				       size_t password_len, struct mxg_arena *arena,
				       struct mxg_person *person_r,
				       const struct mxg_store **store_r, struct mxg_error *err)
{
	struct mxg_cred cred = {
		.user = id,
		.password = password,
		.password_len = password_len,
	};

	memset(person_r, 0, sizeof(*person_r));
	*store_r = NULL;
	if (id[0] == '\0')
		return MXG_STORE_NOT_FOUND;
	cred.medium = medium != NULL ? medium : implied_medium(id);
	if (cred.medium != NULL) {
		if (!mxg_3pid_medium_valid(cred.medium))
			return MXG_STORE_NOT_FOUND;
		cred.user = mxg_3pid_canonicalize(arena, cred.medium, id);
		if (cred.user == NULL)
			return MXG_STORE_NOT_FOUND;
	}
	return mxg_store_chain_authenticate(chain, &cred, arena, person_r, store_r, err);
}
