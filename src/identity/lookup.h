/*
 * lookup.h: the hashed-lookup service: the current pepper, the index built
 * for it, and the thread that rebuilds the index from the stores.
 *
 * The pepper lives in the database (table lookup_peppers, newest wins), so
 * it survives restarts and every mxgate process sharing a database hands
 * out the same one.  Readers take the current index with
 * mxg_lookup_acquire() and give it back with mxg_lookup_release(); a
 * rebuild swaps in a new index and frees the old one once no reader holds it.
 */
#ifndef MXG_IDENTITY_LOOKUP_H
#define MXG_IDENTITY_LOOKUP_H

#include "core/error.h"

struct mxg_db;
struct mxg_store_chain;
struct mxg_3pid_index;
struct mxg_lookup;

/*
 * Load (or create) the pepper and build the first index, synchronously.  A
 * store that is down leaves its 3PIDs out (logged), it does not fail start.
 * Returns 0, or -1 + err when the database cannot give a pepper.
 */
int mxg_lookup_create(struct mxg_db *db, struct mxg_store_chain *chain,
		      long long refresh_interval_ms, struct mxg_lookup **lookup_r,
		      struct mxg_error *err);

/*
 * As mxg_lookup_create(), with a pepper rotation: a new pepper is inserted
 * (and the index rebuilt for it) when the newest is older than
 * pepper_rotation_ms, checked at create and on every refresh; 0 = never.
 * Processes sharing the database insert at most one per rotation between
 * them.
 */
int mxg_lookup_create_rotating(struct mxg_db *db, struct mxg_store_chain *chain,
			       long long refresh_interval_ms, long long pepper_rotation_ms,
			       struct mxg_lookup **lookup_r, struct mxg_error *err);

/* Start the periodic rebuild thread. */
int mxg_lookup_start(struct mxg_lookup *lookup, struct mxg_error *err);

/* Stop the thread and free everything; *lookup = NULL. */
void mxg_lookup_destroy(struct mxg_lookup **lookup);

/* Rebuild now (re-reading the pepper).  Keeps the old index when a store was
 * down and the pepper did not change. */
int mxg_lookup_refresh(struct mxg_lookup *lookup, struct mxg_error *err);

/*
 * Ask the refresh thread to rebuild soon (after a bind or an unbind); returns
 * at once.  Requests that arrive during a rebuild are merged into the next.
 * Without a started thread it does nothing.
 */
void mxg_lookup_refresh_soon(struct mxg_lookup *lookup);

/* The current index, valid until released; never NULL.  Cheap: a read lock. */
const struct mxg_3pid_index *mxg_lookup_acquire(struct mxg_lookup *lookup);
void mxg_lookup_release(struct mxg_lookup *lookup, const struct mxg_3pid_index *index);

#endif
