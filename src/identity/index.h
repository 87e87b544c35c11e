/*
 * index.h: the hashed-lookup index, 3PID hash -> Matrix ID.
 *
 * Stores such as LDAP cannot be searched by sha256(address medium pepper),
 * so the index is built in memory from every store's enumerate_3pids for one
 * pepper, and answers each hash in O(1).  It keeps two tables: one keyed by
 * the peppered hash (algorithm "sha256") and one by sha256("address medium")
 * without pepper (algorithm "none", so plain addresses are never kept in
 * memory twice).  Addresses are not kept at all: a new pepper means a new
 * index built from the stores.
 *
 * Building is single-threaded; a sealed index is immutable and may be read
 * from any number of threads.
 */
#ifndef MXG_IDENTITY_INDEX_H
#define MXG_IDENTITY_INDEX_H

#include <stddef.h>

#include "core/crypto.h"

struct mxg_3pid_index;

/* An empty index for pepper; expected_entries sizes the tables (may be 0). */
struct mxg_3pid_index *mxg_3pid_index_create(const char *pepper, size_t expected_entries);

void mxg_3pid_index_destroy(struct mxg_3pid_index **index);

/* Add a canonical 3PID.  The first owner of a 3PID wins (stores are fed in
 * priority order).  Feed a person's 3PIDs one after the other: consecutive
 * 3PIDs of one user share the stored user ID.  Returns 1 when added, 0 when already present. */
int mxg_3pid_index_add(struct mxg_3pid_index *index, const char *medium, const char *address,
		       const char *user_id);

/* Done adding: drop the build-only tables and spare capacity. */
void mxg_3pid_index_seal(struct mxg_3pid_index *index);

const char *mxg_3pid_index_pepper(const struct mxg_3pid_index *index);
size_t mxg_3pid_index_size(const struct mxg_3pid_index *index);

/* The Matrix ID for a client hash (URL-safe unpadded base64 of the peppered
 * sha256), or NULL.  No allocation. */
const char *mxg_3pid_index_lookup_hash(const struct mxg_3pid_index *index, const char *hash_b64);

/* The Matrix ID for a canonical address, or NULL. */
const char *mxg_3pid_index_lookup_plain(const struct mxg_3pid_index *index, const char *medium,
					const char *address);

/* Bytes of memory held (for metrics and the bench). */
size_t mxg_3pid_index_memory(const struct mxg_3pid_index *index);

#endif
