/*
 * onbind.h: handing a 3PID's pending room invites to the bound user's
 * homeserver (POST /_matrix/federation/v1/3pid/onbind, spec digest A.6).
 *
 * On a bind, mxg_onbind_invites() signs the pending invites for the 3PID
 * (they also go into the signed association) and mxg_onbind_queue() stores
 * the onbind job in the table onbind_queue (migration 6), so that jobs
 * survive a restart.  A delivery thread POSTs due jobs: 2xx deletes the job
 * and marks its invites delivered; anything else retries with exponential
 * backoff (2^attempts s, at most 1 h) until the job is 48 h old.  The onbind
 * is sent even without invites, as sydent does.  Several processes sharing
 * the database may each send a job once: the homeserver tolerates repeats.
 */
#ifndef MXG_IDENTITY_ONBIND_H
#define MXG_IDENTITY_ONBIND_H

#include <jansson.h>

#include "core/ed25519.h"
#include "core/error.h"

struct mxg_config;
struct mxg_db;
struct mxg_onbind;

/* Give up on a job this old (ms). */
#define MXG_ONBIND_GIVE_UP_MS (48LL * 3600 * 1000)

/*
 * The pending (undelivered) invites of (medium, address) as the onbind body
 * and the association carry them: [{medium, address, mxid, room_id, sender,
 * signed: {mxid, token, signatures: {server_name: {ed25519:<v>: sig}}}}].
 * Returns 0 with *invites_r (a new reference), or -1 + err.
 */
int mxg_onbind_invites(struct mxg_db *db, const char *server_name,
		       const struct mxg_ed25519_key *key, const char *medium,
		       const char *address, const char *mxid, json_t **invites_r,
		       struct mxg_error *err);

/* Store the job {medium, address, mxid, invites} for mxid's homeserver, due
 * now, and wake the delivery thread (ob may be NULL: no thread, e.g. unit
 * tests).  Returns 0, or -1 + err. */
int mxg_onbind_queue(struct mxg_onbind *ob, struct mxg_db *db, const char *medium,
		     const char *address, const char *mxid, json_t *invites,
		     struct mxg_error *err);

/* The delivery service; cfg gives identity.homeservers.  Returns 0, or -1 +
 * err. */
int mxg_onbind_create(struct mxg_db *db, const struct mxg_config *cfg,
		      struct mxg_onbind **ob_r, struct mxg_error *err);

/* Start the delivery thread.  Returns 0, or -1 + err. */
int mxg_onbind_start(struct mxg_onbind *ob, struct mxg_error *err);

/* Deliver every due job now, in the caller's thread (the thread's work;
 * exposed for tests).  Returns 0, or -1 + err when the queue cannot be read. */
int mxg_onbind_run_due(struct mxg_onbind *ob, struct mxg_error *err);

/* Stop the thread (a delivery in flight finishes first) and free. */
void mxg_onbind_destroy(struct mxg_onbind **ob);

#endif
