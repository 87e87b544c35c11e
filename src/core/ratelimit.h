/*
 * ratelimit.h: in-memory token buckets, keyed by action and a string (a
 * client IP, a session id), and the HTTP helper that answers 429.
 *
 * Each action ("lookup", "request_token", "submit_token", "register") has a
 * rate (tokens per second) and a burst (bucket size); a request takes one
 * token.  A rate of 0 disables the action's limit.  Buckets live in a striped
 * hash table (one mutex per stripe) with an LRU list per stripe: a check is
 * O(1), buckets that have refilled are dropped as they age, and when the table
 * is at its cap the least recently used bucket makes room.  Memory is bounded
 * by the cap; limits are per process, not shared between mxgate processes.
 */
#ifndef MXG_RATELIMIT_H
#define MXG_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/conf.h"

struct mxg_ratelimit;
struct mxg_req;

/* Milliseconds on a monotonic clock (tests inject their own). */
typedef long long mxg_ratelimit_clock_fn(void *ctx);

/*
 * A limiter holding at most max_buckets buckets (at least one per stripe).
 * clock NULL: CLOCK_MONOTONIC.  Returns NULL when out of memory.  Destroy
 * with mxg_ratelimit_destroy().
 */
struct mxg_ratelimit *mxg_ratelimit_create(size_t max_buckets, mxg_ratelimit_clock_fn *clock,
					   void *clock_ctx);
void mxg_ratelimit_destroy(struct mxg_ratelimit **rl);

/*
 * Set an action's rate (tokens/s, >= 0; 0 = unlimited) and burst (>= 1).
 * Call before the limiter is shared between threads.  Returns 0, or -1 when
 * the values are out of range or too many actions are configured (8).
 */
int mxg_ratelimit_configure(struct mxg_ratelimit *rl, const char *action, double per_second,
			    double burst);

/*
 * Take one token of action for key.  Returns 0 when allowed, else the
 * milliseconds (> 0) until a token is available.  An unknown or unlimited
 * action is always allowed.  Thread-safe.
 */
long long mxg_ratelimit_take(struct mxg_ratelimit *rl, const char *action, const char *key);

/* Whether action is configured with a rate above 0. */
bool mxg_ratelimit_enabled(struct mxg_ratelimit *rl, const char *action);

/* Buckets held now (tests and metrics). */
size_t mxg_ratelimit_size(struct mxg_ratelimit *rl);

/*
 * The client address of a request that reached us from peer with the given
 * X-Forwarded-For header (NULL when absent): when peer is one of trusted,
 * the header is read right to left, skipping trusted hops, and the first
 * address that is not trusted is the client; otherwise (or when the header
 * has nothing usable) the nearest hop we trust to have told the truth.
 * Addresses compare in binary form (::ffff:a.b.c.d is a.b.c.d).  Writes a
 * NUL-terminated address to out (cap >= 46 fits any).
 */
void mxg_ratelimit_client_ip(const char *peer, const char *xff,
			     const struct mxg_conf_strlist *trusted, char *out, size_t cap);

/*
 * For handlers: take a token of action for key (NULL: the client IP, through
 * http.trusted_proxies) from the app's limiter.  Returns 0 when the request
 * may go on; otherwise replies 429 M_LIMIT_EXCEEDED with retry_after_ms and
 * a Retry-After header (seconds, rounded up) and returns -1.
 */
int mxg_ratelimit_check_or_reply(struct mxg_req *r, const char *action, const char *key);

#endif
