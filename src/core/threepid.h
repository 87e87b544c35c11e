/*
 * threepid.h: the canonical form of third-party identifiers, so that the
 * address a store holds, the address a client hashes and the address a user
 * types compare equal.
 *
 *   email:  surrounding whitespace trimmed, the whole address lower-cased
 *           (as Synapse and sydent do; ASCII only: mxgate has no Unicode
 *           case-folding tables), exactly one '@' with text on both sides.
 *   msisdn: digits only (E.164 without '+'); '+', spaces, dots, dashes and
 *           parentheses are dropped; 4..15 digits.
 */
#ifndef MXG_THREEPID_H
#define MXG_THREEPID_H

#include <stddef.h>

struct mxg_arena;

#define MXG_3PID_ADDRESS_MAX 500

/* True for "email" and "msisdn". */
int mxg_3pid_medium_valid(const char *medium);

/* The canonical address in arena memory, or NULL when the address is not
 * valid for the medium. */
char *mxg_3pid_canonicalize(struct mxg_arena *arena, const char *medium, const char *address);

#endif
