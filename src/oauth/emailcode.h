/*
 * emailcode.h: six-digit codes sent by e-mail, for the two things a local
 * account does by mail: finishing a registration (proving the address) and
 * recovering a forgotten password.
 *
 * A code lives 10 minutes and allows 5 attempts; it is stored as the hash
 * of its id and itself, the id travels in the page's form.  Registration
 * keeps the chosen password meanwhile only as its hash.
 */
#ifndef MXG_OAUTH_EMAILCODE_H
#define MXG_OAUTH_EMAILCODE_H

#include <stdbool.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_oauth;

#define MXG_EMAILCODE_ID_LEN 24

struct mxg_emailcode_pending {
	const char *purpose;		/* "register" or "recover" */
	const char *localpart, *email;
	const char *password_hash;	/* register */
	int hash_version;
};

/* err->code when an address had its share of codes (3 in 10 minutes,
 * counted in the database, so across replicas). */
#define MXG_EMAILCODE_ERR_LIMIT 1001

/* Record a code for what (password_hash may be NULL) and mail it to
 * what->email; id_r gets the id for the form.  -1 + err. */
int mxg_emailcode_send(struct mxg_oauth *p, const struct mxg_emailcode_pending *what,
		       char id_r[MXG_EMAILCODE_ID_LEN + 1], struct mxg_error *err);

enum mxg_emailcode_check {
	MXG_EMAILCODE_OK,		/* *what filled; the code is spent */
	MXG_EMAILCODE_WRONG,		/* counted against its attempts */
	MXG_EMAILCODE_GONE,		/* unknown, expired, spent or out of attempts */
	MXG_EMAILCODE_ERROR,
};

enum mxg_emailcode_check mxg_emailcode_check(struct mxg_oauth *p, const char *purpose,
					     const char *id, const char *code,
					     struct mxg_arena *arena,
					     struct mxg_emailcode_pending *what,
					     struct mxg_error *err);

#endif
