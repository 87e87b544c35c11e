/*
 * util.h: small helpers every store driver needs, so that the LDAP, SQL and
 * REST modules turn login names, phone numbers and search terms into the
 * same canonical forms as the built-in stores.  They live in the core (the
 * binary exports them to modules).
 */
#ifndef MXG_STORE_UTIL_H
#define MXG_STORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

struct mxg_arena;
struct mxg_store_env;

/* Shortest directory search term a store is asked for, in characters: an
 * empty or one-character term would match the whole directory. */
#define MXG_STORE_TERM_MIN 2

/*
 * The localpart of a login name: a bare localpart as given, or the localpart
 * of a full Matrix ID of our server ("@alice:example.org" -> "alice").
 * NULL for a Matrix ID of another server or a malformed one.  With
 * lowercase, the result is lower-cased (ASCII; Matrix localparts are).
 */
const char *mxg_store_localpart(struct mxg_arena *arena, const struct mxg_store_env *env,
				const char *user, bool lowercase);

/*
 * A full Matrix ID from what a back-end holds: with is_mxid, value must be a
 * Matrix ID already ("@x:y") and is returned as is; otherwise value is a
 * localpart, lower-cased when asked, and "@value:server_name" is returned.
 * NULL when the value cannot be a Matrix ID (empty, ':' or whitespace in a
 * localpart, no ':' in a Matrix ID).
 */
const char *mxg_store_user_id(struct mxg_arena *arena, const struct mxg_store_env *env,
			      const char *value, bool is_mxid, bool lowercase);

/*
 * A phone number as a directory holds it ("+44 7700 900123", "07700
 * 900123") as E.164 digits without '+', or NULL when it is not a number.
 * National numbers take default_region's calling code (an ISO 3166 alpha-2
 * code; NULL or "" means only international numbers are accepted).
 */
const char *mxg_store_phone_e164(struct mxg_arena *arena, const char *default_region,
				 const char *phone);

/* True when term is long enough to search with (MXG_STORE_TERM_MIN UTF-8
 * characters, not counting surrounding spaces). */
bool mxg_store_term_ok(const char *term);

#endif
