/*
 * api-common.c: replies shared by the Identity Service handlers.
 */
#include "config.h"

#include "core/log.h"
#include "db/db.h"
#include "identity/identity.h"

void mxg_identity_db_error_reply(struct mxg_req *r, const char *what, const struct mxg_error *err)
{
	mxg_error("%s: database: %s", what, err->msg);
	/* A database that cannot be reached is worth a retry; anything else is
	 * our fault. */
	if (err->code == MXG_DB_ERR_UNAVAILABLE)
		mxg_reply_error(r, 503, "M_UNKNOWN", "The database is unavailable");
	else
		mxg_reply_error(r, 500, "M_UNKNOWN", "Internal error");
}
