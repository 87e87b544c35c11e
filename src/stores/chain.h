/*
 * chain.h: the configured stores, asked in priority order.
 *
 * The chain turns several stores into one answer:
 *  - lookup / authenticate / profile: the first store that knows the person
 *    decides; NOT_FOUND moves on.  When no store knows the person and one of
 *    them was UNAVAILABLE, the answer is UNAVAILABLE (the person may be in the
 *    store that is down), never NOT_FOUND or DENIED.
 *  - enumerate / directory search: every store is asked; one that is down
 *    makes the result partial (reported) but does not hide the others.
 * Thread-safe: stores are initialised once and only read afterwards.
 */
#ifndef MXG_STORE_CHAIN_H
#define MXG_STORE_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "stores/store.h"

struct mxg_config;
struct mxg_store_chain;

/* Initialise every enabled store of cfg (already sorted by priority).
 * Returns 0, or -1 + err naming the store that refused its settings. */
int mxg_store_chain_create(const struct mxg_config *cfg, struct mxg_store_chain **chain_r,
			   struct mxg_error *err);

void mxg_store_chain_destroy(struct mxg_store_chain **chain);

size_t mxg_store_chain_count(const struct mxg_store_chain *chain);
struct mxg_store *mxg_store_chain_get(const struct mxg_store_chain *chain, size_t i);

/* The store that answered is put in *store_r (may be NULL) when it decided. */
enum mxg_store_result mxg_store_chain_lookup(struct mxg_store_chain *chain,
					     const struct mxg_3pid *tpid, struct mxg_arena *arena,
					     const char **user_id_r, const struct mxg_store **store_r,
					     struct mxg_error *err);

enum mxg_store_result mxg_store_chain_authenticate(struct mxg_store_chain *chain,
						   const struct mxg_cred *cred,
						   struct mxg_arena *arena,
						   struct mxg_person *person_r,
						   const struct mxg_store **store_r,
						   struct mxg_error *err);

enum mxg_store_result mxg_store_chain_profile(struct mxg_store_chain *chain, const char *user_id,
					      struct mxg_arena *arena, struct mxg_person *person_r,
					      const struct mxg_store **store_r, struct mxg_error *err);

/*
 * Feed every store's 3PIDs to cb, highest priority first (so a consumer that
 * keeps the first answer per 3PID honours priority).  OK when every store
 * answered; UNAVAILABLE when one could not (err names it; the others were
 * still enumerated).
 */
enum mxg_store_result mxg_store_chain_enumerate(struct mxg_store_chain *chain,
						mxg_store_3pid_fn *cb, void *cb_ctx,
						struct mxg_error *err);

/* What a directory search over the whole chain found. */
struct mxg_store_search {
	struct mxg_person *people;	/* count people, each user ID once */
	size_t count;
	bool limited;			/* more matched than the limit */
	bool partial;			/* a store was down: err names it */
};

/*
 * Ask every store with directory_search for at most limit people matching
 * term, highest priority first; a person found by two stores is kept from
 * the first.  A term shorter than MXG_STORE_TERM_MIN characters finds
 * nobody (no store is asked).  OK, with partial set when some store was
 * down; UNAVAILABLE when every store that searches was down.
 */
enum mxg_store_result mxg_store_chain_search(struct mxg_store_chain *chain, const char *term,
					     size_t limit, struct mxg_arena *arena,
					     struct mxg_store_search *out, struct mxg_error *err);

#endif
