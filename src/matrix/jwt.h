/*
 * jwt.h: the short-lived JSON Web Token mxgate mints to log a person in at
 * the homeserver (`org.matrix.login.jwt`, Synapse's jwt_config) once it
 * has checked their password itself.
 */
#ifndef MXG_MATRIX_JWT_H
#define MXG_MATRIX_JWT_H

#include <time.h>

#include "core/error.h"

struct mxg_login_jwt_conf;
struct mxg_jwt_signer;

/*
 * A signer for conf: reads the RS256 key file and signs a probe token, so a
 * key libjwt cannot use fails here, at start-up, not on a login.  Returns 0
 * or -1 with err.
 */
int mxg_jwt_signer_create(const struct mxg_login_jwt_conf *conf,
			  struct mxg_jwt_signer **signer_r, struct mxg_error *err);

/* Wipes the key material. */
void mxg_jwt_signer_destroy(struct mxg_jwt_signer **signer);

/*
 * A token for user_id ("@alice:example.org"; sub is its localpart or the
 * whole ID, as configured), issued at now, with display_name as "name"
 * when not NULL.  Returns a malloc'd string (free() it; it is a credential:
 * never log it), or NULL with err.  Safe to call from any thread.
 */
char *mxg_jwt_sign_login(const struct mxg_jwt_signer *signer, const char *user_id,
			 const char *display_name, time_t now, struct mxg_error *err);

#endif
