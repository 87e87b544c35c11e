/*
 * bindings.h: the 3PID bindings a user made with POST /3pid/bind (table
 * bindings, migration 4).
 *
 * One Matrix ID per (medium, canonical address): binding a 3PID that is
 * already bound replaces the old owner.  Callers pass canonical addresses
 * (mxg_3pid_canonicalize() or a validated session's address).  The lookup
 * index reads the table through mxg_bindings_enumerate().  Every function
 * touches the database: call them from MXG_ROUTE_BLOCKING handlers or the
 * lookup thread only.
 */
#ifndef MXG_IDENTITY_BINDINGS_H
#define MXG_IDENTITY_BINDINGS_H

#include <stdbool.h>

#include "core/error.h"
#include "stores/store.h"

struct mxg_arena;
struct mxg_db;

struct mxg_binding {
	const char *medium;
	const char *address;
	const char *mxid;
	long long ts;			/* ms since the epoch */
	long long not_before;
	long long not_after;
};

/* Insert or replace the binding of (b->medium, b->address).  Returns 0, or
 * -1 with err. */
int mxg_bindings_bind(struct mxg_db *db, const struct mxg_binding *b, struct mxg_error *err);

/*
 * Remove the binding of (medium, address) if it belongs to mxid (a 3PID
 * bound to someone else since is left alone).  *removed_r (may be NULL) says
 * whether a row went.  Returns 0, or -1 with err.
 */
int mxg_bindings_unbind(struct mxg_db *db, const char *medium, const char *address,
			const char *mxid, bool *removed_r, struct mxg_error *err);

/*
 * The binding of (medium, address) into *b_r (strings in arena).  Returns 1
 * when found, 0 when not, -1 with err.
 */
int mxg_bindings_lookup(struct mxg_db *db, const char *medium, const char *address,
			struct mxg_arena *arena, struct mxg_binding *b_r, struct mxg_error *err);

/*
 * Feed every binding to cb (the stores' callback type: medium, address,
 * mxid); a non-zero return from cb stops the walk.  Returns 0, or -1 with
 * err.
 */
int mxg_bindings_enumerate(struct mxg_db *db, mxg_store_3pid_fn *cb, void *cb_ctx,
			   struct mxg_error *err);

#endif
