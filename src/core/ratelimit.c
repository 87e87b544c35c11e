/*
 * ratelimit.c: token buckets per (action, key) in a striped, bounded hash
 * table, X-Forwarded-For parsing, and the 429 reply helper.
 *
 * A bucket is a fill level and the time it was last touched; it refills
 * continuously at the action's rate up to its burst.  A bucket that has
 * refilled completely is the same as no bucket, so it can be dropped at any
 * time without forgiving anyone: every check drops the stripe's least
 * recently used bucket when it is full again, which keeps idle memory low.
 * At the cap the LRU bucket goes even when it is not full (logged once): a
 * flood of distinct keys costs those keys their state, never our memory.
 */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/ratelimit.h"
#include "http/http.h"

#define STRIPES 16			/* power of two */
#define MAX_ACTIONS 8
#define ACTION_NAME_MAX 32

struct bucket {
	struct bucket *hnext;		/* hash chain */
	struct bucket *prev, *next;	/* LRU list, most recent first */
	uint32_t hash;
	unsigned int action;
	double tokens;
	long long last_ms;
	char key[];
};

struct stripe {
	pthread_mutex_t lock;
	struct bucket **slots;
	size_t nslots;			/* power of two */
	size_t count, cap;
	struct bucket *head, *tail;
};

struct action {
	char name[ACTION_NAME_MAX];
	double per_ms;			/* tokens per millisecond; 0 = unlimited */
	double burst;
};

struct mxg_ratelimit {
	mxg_ratelimit_clock_fn *clock;
	void *clock_ctx;
	struct action actions[MAX_ACTIONS];
	unsigned int nactions;
	bool warned_full;
	struct stripe stripes[STRIPES];
};

static long long monotonic_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct mxg_ratelimit *mxg_ratelimit_create(size_t max_buckets, mxg_ratelimit_clock_fn *clock,
					   void *clock_ctx)
{
	struct mxg_ratelimit *rl = calloc(1, sizeof(*rl));
	size_t cap = max_buckets / STRIPES, nslots = 16;

	if (rl == NULL)
		return NULL;
	if (cap == 0)
		cap = 1;
	/* Chains of about one bucket when the stripe is full. */
	while (nslots < cap)
		nslots <<= 1;
	rl->clock = clock != NULL ? clock : monotonic_ms;
	rl->clock_ctx = clock_ctx;
	for (size_t i = 0; i < STRIPES; i++) {
		struct stripe *s = &rl->stripes[i];

		pthread_mutex_init(&s->lock, NULL);
		s->cap = cap;
		s->nslots = nslots;
		s->slots = calloc(nslots, sizeof(*s->slots));
		if (s->slots == NULL) {
			mxg_ratelimit_destroy(&rl);
			return NULL;
		}
	}
	return rl;
}

void mxg_ratelimit_destroy(struct mxg_ratelimit **rlp)
{
	struct mxg_ratelimit *rl = *rlp;

	if (rl == NULL)
		return;
	for (size_t i = 0; i < STRIPES; i++) {
		struct stripe *s = &rl->stripes[i];
		struct bucket *b = s->head, *next;

		for (; b != NULL; b = next) {
			next = b->next;
			free(b);
		}
		free(s->slots);
		pthread_mutex_destroy(&s->lock);
	}
	free(rl);
	*rlp = NULL;
}

static struct action *action_find(struct mxg_ratelimit *rl, const char *name)
{
	for (unsigned int i = 0; i < rl->nactions; i++)
		if (strcmp(rl->actions[i].name, name) == 0)
			return &rl->actions[i];
	return NULL;
}

int mxg_ratelimit_configure(struct mxg_ratelimit *rl, const char *name, double per_second,
			    double burst)
{
	struct action *a = action_find(rl, name);

	/* The negated comparisons also refuse NaN. */
	if (!(per_second >= 0 && per_second <= 1e9) || !(burst >= 1 && burst <= 1e9) ||
	    strlen(name) >= ACTION_NAME_MAX)
		return -1;
	if (a == NULL) {
		if (rl->nactions == MAX_ACTIONS)
			return -1;
		a = &rl->actions[rl->nactions++];
		snprintf(a->name, sizeof(a->name), "%s", name);
	}
	a->per_ms = per_second / 1000.0;
	a->burst = burst;
	return 0;
}

/* FNV-1a over the action index and the key. */
static uint32_t hash_of(unsigned int action, const char *key)
{
	uint32_t h = 2166136261u ^ action;

	h *= 16777619u;
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static void lru_unlink(struct stripe *s, struct bucket *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		s->head = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	else
		s->tail = b->prev;
	b->prev = b->next = NULL;
}

static void lru_push_front(struct stripe *s, struct bucket *b)
{
	b->prev = NULL;
	b->next = s->head;
	if (s->head != NULL)
		s->head->prev = b;
	s->head = b;
	if (s->tail == NULL)
		s->tail = b;
}

static void bucket_remove(struct stripe *s, struct bucket *b)
{
	struct bucket **pp = &s->slots[b->hash & (s->nslots - 1)];

	while (*pp != b)
		pp = &(*pp)->hnext;
	*pp = b->hnext;
	lru_unlink(s, b);
	s->count--;
	free(b);
}

static double level_at(const struct action *a, const struct bucket *b, long long now)
{
	double t = b->tokens + (double)(now - b->last_ms) * a->per_ms;

	return t < a->burst ? t : a->burst;
}

long long mxg_ratelimit_take(struct mxg_ratelimit *rl, const char *name, const char *key)
{
	struct action *a = action_find(rl, name);
	unsigned int ai;
	uint32_t h;
	struct stripe *s;
	struct bucket *b, *tail;
	long long now, wait = 0;
	size_t klen;

	if (a == NULL || a->per_ms == 0)
		return 0;
	ai = (unsigned int)(a - rl->actions);
	h = hash_of(ai, key);
	s = &rl->stripes[(h >> 24) & (STRIPES - 1)];
	now = rl->clock(rl->clock_ctx);
	pthread_mutex_lock(&s->lock);
	for (b = s->slots[h & (s->nslots - 1)]; b != NULL; b = b->hnext)
		if (b->hash == h && b->action == ai && strcmp(b->key, key) == 0)
			break;
	/* The oldest bucket, when refilled, is no bucket: drop it. */
	tail = s->tail;
	if (tail != NULL && tail != b &&
	    level_at(&rl->actions[tail->action], tail, now) >= rl->actions[tail->action].burst)
		bucket_remove(s, tail);
	if (b == NULL) {
		if (s->count >= s->cap) {
			if (!__atomic_exchange_n(&rl->warned_full, true, __ATOMIC_RELAXED))
				mxg_warning("rate limiter full (%zu buckets per stripe): forgetting the "
					    "least recently seen clients", s->cap);
			bucket_remove(s, s->tail);
		}
		klen = strlen(key);
		b = malloc(sizeof(*b) + klen + 1);
		if (b == NULL) {
			pthread_mutex_unlock(&s->lock);
			return 0;	/* fail open: a limiter must not take the service down */
		}
		memcpy(b->key, key, klen + 1);
		b->hash = h;
		b->action = ai;
		b->tokens = a->burst;
		b->last_ms = now;
		b->hnext = s->slots[h & (s->nslots - 1)];
		s->slots[h & (s->nslots - 1)] = b;
		s->count++;
	} else {
		lru_unlink(s, b);
		b->tokens = level_at(a, b, now);
		/* A clock that steps back must not mint tokens later. */
		if (now > b->last_ms)
			b->last_ms = now;
	}
	lru_push_front(s, b);
	if (b->tokens >= 1.0)
		b->tokens -= 1.0;
	else {
		/* Round up (earlier would be refused again), but not for the
		 * last bits of floating-point noise. */
		double w = (1.0 - b->tokens) / a->per_ms - 1e-6;

		wait = (long long)w;
		if ((double)wait < w || wait < 1)
			wait++;
	}
	pthread_mutex_unlock(&s->lock);
	return wait;
}

bool mxg_ratelimit_enabled(struct mxg_ratelimit *rl, const char *name)
{
	const struct action *a = action_find(rl, name);

	return a != NULL && a->per_ms > 0;
}

size_t mxg_ratelimit_size(struct mxg_ratelimit *rl)
{
	size_t n = 0;

	for (size_t i = 0; i < STRIPES; i++) {
		pthread_mutex_lock(&rl->stripes[i].lock);
		n += rl->stripes[i].count;
		pthread_mutex_unlock(&rl->stripes[i].lock);
	}
	return n;
}

/* --- client address ------------------------------------------------------------ */

/* text (len bytes, trimmed) to 16 bytes, IPv4 as ::ffff:a.b.c.d; -1 if not an IP. */
static int ip_parse(const char *text, size_t len, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out + 12) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		return 0;
	}
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

static bool ip_trusted(const unsigned char ip[16], const struct mxg_conf_strlist *trusted)
{
	unsigned char t[16];

	for (size_t i = 0; trusted != NULL && i < trusted->count; i++)
		if (ip_parse(trusted->items[i], strlen(trusted->items[i]), t) == 0 &&
		    memcmp(t, ip, 16) == 0)
			return true;
	return false;
}

static void ip_format(const unsigned char ip[16], char *out, size_t cap)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(ip, v4mapped, 12) == 0)
		inet_ntop(AF_INET, ip + 12, out, (socklen_t)cap);
	else
		inet_ntop(AF_INET6, ip, out, (socklen_t)cap);
}

void mxg_ratelimit_client_ip(const char *peer, const char *xff,
			     const struct mxg_conf_strlist *trusted, char *out, size_t cap)
{
	unsigned char ip[16], hop[16];
	const char *end, *p;

	snprintf(out, cap, "%s", peer != NULL ? peer : "-");
	if (peer == NULL || xff == NULL || ip_parse(peer, strlen(peer), ip) < 0 ||
	    !ip_trusted(ip, trusted))
		return;
	/* Right to left: each trusted proxy appended the address it saw; the
	 * first one no trusted proxy vouches for is the client.  Whatever is
	 * left of it was written by the client and means nothing. */
	end = xff + strlen(xff);
	for (;;) {
		p = end;
		while (p > xff && p[-1] != ',')
			p--;
		if (ip_parse(p, (size_t)(end - p), hop) < 0)
			break;		/* garbage: keep the last hop we trust */
		memcpy(ip, hop, 16);
		if (!ip_trusted(ip, trusted) || p == xff)
			break;
		end = p - 1;
	}
	ip_format(ip, out, cap);
}

/* --- HTTP -------------------------------------------------------------------------- */

int mxg_ratelimit_check_or_reply(struct mxg_req *r, const char *action, const char *key)
{
	struct mxg_app *app = mxg_req_app(r);
	char ip[INET6_ADDRSTRLEN + 1], secs[24];
	long long wait;

	/* Unlimited actions (the bench's lookup) cost one scan of a few names. */
	if (app->ratelimit == NULL || !mxg_ratelimit_enabled(app->ratelimit, action))
		return 0;
	if (key == NULL) {
		mxg_ratelimit_client_ip(mxg_req_client_ip(r), mxg_req_header(r, "X-Forwarded-For"),
					&app->config->http.trusted_proxies, ip, sizeof(ip));
		key = ip;
	}
	wait = mxg_ratelimit_take(app->ratelimit, action, key);
	if (wait == 0)
		return 0;
	snprintf(secs, sizeof(secs), "%lld", (wait + 999) / 1000);
	mxg_reply_header(r, "Retry-After", secs);
	mxg_reply_error_extra(r, 429, "M_LIMIT_EXCEEDED", json_pack("{s:I}", "retry_after_ms",
								    (json_int_t)wait),
			      "Too many requests, retry in %lld ms", wait);
	return -1;
}
