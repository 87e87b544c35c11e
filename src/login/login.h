/*
 * login.h: checking a person's password for the homeserver: the service
 * behind check_credentials (and, later, login interception), and the routes
 * that expose it.
 *
 * A login name arrives in every shape a client or homeserver uses: a full
 * Matrix ID, a bare localpart, an e-mail address or a phone number.  The
 * service turns it into a store credential and asks the store chain; the
 * handlers only translate HTTP.
 */
#ifndef MXG_LOGIN_H
#define MXG_LOGIN_H

#include <stddef.h>

#include "http/http.h"
#include "stores/store.h"

struct mxg_arena;
struct mxg_store;
struct mxg_store_chain;

/*
 * Check password for id.  medium may be NULL: then id is a Matrix ID or a
 * localpart, unless it looks like an e-mail address (an '@' inside) or an
 * international phone number (a leading '+').  A 3PID is put in canonical
 * form first; one that is not valid for its medium is NOT_FOUND.  OK fills
 * person_r and *store_r (the store that decided); UNAVAILABLE means the
 * answer is unknown and must never be reported as a wrong password.
 */
enum mxg_store_result mxg_login_verify(struct mxg_store_chain *chain, const char *id,
				       const char *medium, const char *password,
				       size_t password_len, struct mxg_arena *arena,
				       struct mxg_person *person_r,
				       const struct mxg_store **store_r, struct mxg_error *err);

extern const struct mxg_route mxg_login_routes[];

/* api-check-credentials.c */
void mxg_login_check_credentials(struct mxg_req *r);

#endif
