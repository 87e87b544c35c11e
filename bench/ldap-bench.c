/*
 * ldap-bench.c: the LDAP store's benchmark, run by `bash bench/run --ldap`
 * against a throwaway slapd of 10,000 people (tests/peers/slapd.py).
 *
 * One mode per run, for a fixed duration, printing one line of key=value
 * pairs that bench/ldap.py reads:
 *   plain   one libldap connection, a loop of search-by-uid then a simple
 *           bind as the DN found: the baseline a naive gateway achieves
 *   store   T threads calling mxg_store_chain_authenticate() on random
 *           people through the configured store chain (the ldap module,
 *           loaded as the daemon loads it, with its connection pool)
 *   search  T threads calling mxg_store_chain_search() with terms from a
 *           file, every call timed: p50/p99 latency
 *   index   mxg_store_chain_enumerate() over the whole directory (paged
 *           results), timed, as the hashed-lookup index build does it
 * People are user00001..userN with password PREFIX + uid (slapd.py's).
 * Exit status: 0 when every operation succeeded, 1 otherwise, 2 usage.
 */
#include "config.h"

#include <getopt.h>
#include <ldap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "stores/chain.h"

#define TERM_MAX 64
#define SEARCH_LIMIT 10

struct opts {
	const char *mode;
	const char *config;
	const char *uri, *base, *bind_dn, *bind_password_file;	/* plain */
	const char *terms_file;					/* search */
	const char *prefix;
	long users, threads, rounds;
	double duration;
};

struct bench {
	const struct opts *o;
	struct mxg_store_chain *chain;
	char (*terms)[TERM_MAX];
	size_t term_count;
	double deadline;
	atomic_bool stop;
};

struct worker {
	struct bench *b;
	pthread_t thread;
	uint64_t rng;
	unsigned long ops, failures, found;
	double *lat;		/* search: one latency (ms) per call */
	size_t lat_count, lat_size;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: each thread its own, no lock, no rand() contention. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static long random_user(struct worker *w)
{
	return (long)(rng_next(&w->rng) % (uint64_t)w->b->o->users) + 1;
}

static void user_name(char *buf, size_t size, long n)
{
	snprintf(buf, size, "user%05ld", n);
}

/* --- plain: one libldap connection ------------------------------------------ */

static int read_secret(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (f == NULL || fgets(buf, (int)size, f) == NULL) {
		if (f != NULL)
			fclose(f);
		fprintf(stderr, "ldap-bench: cannot read %s\n", path);
		return -1;
	}
	fclose(f);
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

static int simple_bind(LDAP *ld, const char *dn, const char *password)
{
	struct berval cred = { .bv_val = (char *)password, .bv_len = strlen(password) };

	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* One password check the naive way: search as whoever is bound, then bind
 * as the person (the directory lets people search, see slapd.py). */
static bool plain_check(LDAP *ld, const struct opts *o, long n)
{
	char *attrs[] = { LDAP_NO_ATTRS, NULL };
	struct timeval tv = { .tv_sec = 5 };
	char uid[32], filter[64], password[64];
	LDAPMessage *res = NULL, *e;
	char *dn;
	bool ok = false;

	user_name(uid, sizeof(uid), n);
	snprintf(filter, sizeof(filter), "(uid=%s)", uid);
	snprintf(password, sizeof(password), "%s%s", o->prefix, uid);
	if (ldap_search_ext_s(ld, o->base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv,
			      2, &res) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(ld, res)) != NULL && (dn = ldap_get_dn(ld, e)) != NULL) {
		ok = simple_bind(ld, dn, password) == LDAP_SUCCESS;
		ldap_memfree(dn);
	}
	ldap_msgfree(res);
	return ok;
}

static int run_plain(const struct opts *o)
{
	char secret[256];
	unsigned long ops = 0, failures = 0;
	struct worker w = { .rng = 0x9E3779B97F4A7C15ULL };
	struct bench b = { .o = o };
	int version = LDAP_VERSION3, rc;
	double start, elapsed;
	LDAP *ld = NULL;

	if (o->uri == NULL || o->base == NULL || o->bind_dn == NULL ||
	    o->bind_password_file == NULL) {
		fprintf(stderr, "ldap-bench: plain needs --uri, --base, --bind-dn and "
			"--bind-password-file\n");
		return 2;
	}
	if (read_secret(o->bind_password_file, secret, sizeof(secret)) < 0)
		return 2;
	w.b = &b;
	if (ldap_initialize(&ld, o->uri) != LDAP_SUCCESS) {
		fprintf(stderr, "ldap-bench: bad URI %s\n", o->uri);
		return 2;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	rc = simple_bind(ld, o->bind_dn, secret);
	explicit_bzero(secret, sizeof(secret));
	if (rc != LDAP_SUCCESS) {
		fprintf(stderr, "ldap-bench: service bind: %s\n", ldap_err2string(rc));
		ldap_unbind_ext_s(ld, NULL, NULL);
		return 1;
	}
	start = now();
	do {
		if (plain_check(ld, o, random_user(&w)))
			ops++;
		else
			failures++;
	} while (now() - start < o->duration);
	elapsed = now() - start;
	ldap_unbind_ext_s(ld, NULL, NULL);
	printf("mode=plain threads=1 checks=%lu failures=%lu seconds=%.3f rate=%.1f\n", ops,
	       failures, elapsed, (double)ops / elapsed);
	return failures == 0 ? 0 : 1;
}

/* --- store and search: threads over the store chain ------------------------------ */

static void *store_worker(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->b->o;
	char uid[32], password[64];

	while (!atomic_load(&w->b->stop)) {
		struct mxg_arena *arena = mxg_arena_create(2048);
		const struct mxg_store *winner = NULL;
		struct mxg_person person = { 0 };
		struct mxg_cred cred = { 0 };
		struct mxg_error err;
		enum mxg_store_result res;

		user_name(uid, sizeof(uid), random_user(w));
		snprintf(password, sizeof(password), "%s%s", o->prefix, uid);
		cred.user = uid;
		cred.password = password;
		cred.password_len = strlen(password);
		mxg_error_clear(&err);
		res = mxg_store_chain_authenticate(w->b->chain, &cred, arena, &person, &winner,
						   &err);
		if (res == MXG_STORE_OK && person.user_id != NULL) {
			w->ops++;
		} else {
			if (w->failures++ == 0)
				fprintf(stderr, "ldap-bench: %s: %s%s%s\n", uid,
					mxg_store_result_str(res), err.msg[0] ? ": " : "", err.msg);
		}
		mxg_arena_destroy(&arena);
		if (now() >= w->b->deadline)
			atomic_store(&w->b->stop, true);
	}
	return NULL;
}

static int lat_push(struct worker *w, double ms)
{
	if (w->lat_count == w->lat_size) {
		size_t size = w->lat_size ? w->lat_size * 2 : 4096;
		double *lat = realloc(w->lat, size * sizeof(*lat));

		if (lat == NULL)
			return -1;
		w->lat = lat;
		w->lat_size = size;
	}
	w->lat[w->lat_count++] = ms;
	return 0;
}

static void *search_worker(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;

	while (!atomic_load(&b->stop)) {
		struct mxg_arena *arena = mxg_arena_create(8192);
		const char *term = b->terms[rng_next(&w->rng) % b->term_count];
		struct mxg_store_search found = { 0 };
		struct mxg_error err;
		enum mxg_store_result res;
		double t0 = now(), t1;

		mxg_error_clear(&err);
		res = mxg_store_chain_search(b->chain, term, SEARCH_LIMIT, arena, &found, &err);
		t1 = now();
		if (res == MXG_STORE_OK && !found.partial) {
			w->ops++;
			w->found += found.count;
		} else if (w->failures++ == 0) {
			fprintf(stderr, "ldap-bench: search '%s': %s%s%s\n", term,
				mxg_store_result_str(res), err.msg[0] ? ": " : "", err.msg);
		}
		mxg_arena_destroy(&arena);
		if (lat_push(w, (t1 - t0) * 1000.0) < 0)
			atomic_store(&b->stop, true);
		if (t1 >= b->deadline)
			atomic_store(&b->stop, true);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0.0;
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return sorted[i < n ? i : n - 1];
}

static int load_terms(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[TERM_MAX];
	size_t size = 0;

	if (f == NULL) {
		fprintf(stderr, "ldap-bench: cannot read %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (b->term_count == size) {
			void *t;

			size = size ? size * 2 : 256;
			t = realloc(b->terms, size * sizeof(*b->terms));
			if (t == NULL)
				break;
			b->terms = t;
		}
		memcpy(b->terms[b->term_count++], line, sizeof(line));
	}
	fclose(f);
	if (b->term_count == 0) {
		fprintf(stderr, "ldap-bench: no terms in %s\n", path);
		return -1;
	}
	return 0;
}

static int run_threads(struct bench *b, bool search)
{
	const struct opts *o = b->o;
	struct worker *w = calloc((size_t)o->threads, sizeof(*w));
	unsigned long ops = 0, failures = 0, found = 0;
	double start, elapsed, *all = NULL;
	size_t n = 0;
	long started = 0;

	if (w == NULL)
		return 1;
	start = now();
	b->deadline = start + o->duration;
	for (long i = 0; i < o->threads; i++) {
		w[i].b = b;
		w[i].rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
		if (pthread_create(&w[i].thread, NULL, search ? search_worker : store_worker,
				   &w[i]) != 0)
			break;
		started++;
	}
	for (long i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	elapsed = now() - start;
	for (long i = 0; i < started; i++) {
		ops += w[i].ops;
		failures += w[i].failures;
		found += w[i].found;
		n += w[i].lat_count;
	}
	if (!search) {
		printf("mode=store threads=%ld checks=%lu failures=%lu seconds=%.3f rate=%.1f\n",
		       started, ops, failures, elapsed, (double)ops / elapsed);
	} else if ((all = malloc((n ? n : 1) * sizeof(*all))) != NULL) {
		size_t k = 0;

		for (long i = 0; i < started; i++) {
			memcpy(all + k, w[i].lat, w[i].lat_count * sizeof(*all));
			k += w[i].lat_count;
		}
		qsort(all, n, sizeof(*all), cmp_double);
		printf("mode=search threads=%ld searches=%lu failures=%lu seconds=%.3f rate=%.1f "
		       "found_avg=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
		       started, ops, failures, elapsed, (double)ops / elapsed,
		       ops ? (double)found / (double)ops : 0.0, percentile(all, n, 50),
		       percentile(all, n, 90), percentile(all, n, 99), n ? all[n - 1] : 0.0);
	}
	for (long i = 0; i < started; i++)
		free(w[i].lat);
	free(all);
	free(w);
	return started == o->threads && failures == 0 && ops > 0 ? 0 : 1;
}

/* --- index: enumerate through paging ------------------------------------------------ */

struct enum_count {
	unsigned long threepids;
	unsigned long people;
	char last_user[256];
};

static int count_3pid(void *ctx, const char *medium, const char *address, const char *user_id)
{
	struct enum_count *c = ctx;

	(void)medium;
	(void)address;
	c->threepids++;
	/* A person's 3PIDs arrive one after the other (store.h). */
	if (strcmp(c->last_user, user_id) != 0) {
		c->people++;
		snprintf(c->last_user, sizeof(c->last_user), "%s", user_id);
	}
	return 0;
}

static int run_index(struct bench *b)
{
	double best = 0.0, total = 0.0;
	struct enum_count c = { 0 };
	int failures = 0;

	for (long r = 0; r < b->o->rounds; r++) {
		struct mxg_error err;
		enum mxg_store_result res;
		double t0, t;

		memset(&c, 0, sizeof(c));
		mxg_error_clear(&err);
		t0 = now();
		res = mxg_store_chain_enumerate(b->chain, count_3pid, &c, &err);
		t = now() - t0;
		if (res != MXG_STORE_OK) {
			fprintf(stderr, "ldap-bench: enumerate: %s: %s\n", mxg_store_result_str(res),
				err.msg);
			failures++;
		}
		total += t;
		if (r == 0 || t < best)
			best = t;
	}
	printf("mode=index rounds=%ld people=%lu threepids=%lu failures=%d best_s=%.3f mean_s=%.3f\n",
	       b->o->rounds, c.people, c.threepids, failures, best, total / (double)b->o->rounds);
	return failures == 0 && c.threepids > 0 ? 0 : 1;
}

/* --- main ---------------------------------------------------------------------------- */

static void report(void *ctx, const char *file, int line, const char *key, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s:%d: %s%s%s\n", file, line, key ? key : "", key ? ": " : "", msg);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ldap-bench --mode plain|store|search|index [options]\n\n"
		"  -c, --config FILE         mxgate configuration with the ldap store\n"
		"                            (store, search, index)\n"
		"      --uri URI --base DN --bind-dn DN --bind-password-file FILE\n"
		"                            the directory, for plain\n"
		"      --terms FILE          search terms, one a line (search)\n"
		"      --users N             people user00001..userN (default 10000)\n"
		"      --prefix P            password = P + uid (default s3cret-)\n"
		"  -t, --threads N           threads (store 16, search 50)\n"
		"  -d, --duration S          seconds per mode (default 5)\n"
		"      --rounds N            index builds (default 3)\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "uri", required_argument, NULL, 'U' },
		{ "base", required_argument, NULL, 'B' },
		{ "bind-dn", required_argument, NULL, 'D' },
		{ "bind-password-file", required_argument, NULL, 'W' },
		{ "terms", required_argument, NULL, 'T' },
		{ "users", required_argument, NULL, 'u' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .prefix = "s3cret-", .users = 10000, .duration = 5.0, .rounds = 3 };
	while ((c = getopt_long(argc, argv, "m:c:t:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->mode = optarg; break;
		case 'c': o->config = optarg; break;
		case 'U': o->uri = optarg; break;
		case 'B': o->base = optarg; break;
		case 'D': o->bind_dn = optarg; break;
		case 'W': o->bind_password_file = optarg; break;
		case 'T': o->terms_file = optarg; break;
		case 'u': o->users = strtol(optarg, NULL, 10); break;
		case 'P': o->prefix = optarg; break;
		case 't': o->threads = strtol(optarg, NULL, 10); break;
		case 'd': o->duration = strtod(optarg, NULL); break;
		case 'r': o->rounds = strtol(optarg, NULL, 10); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (o->mode == NULL || optind != argc || o->users < 1 || o->duration <= 0 ||
	    o->rounds < 1 || o->threads < 0 || o->threads > 1000) {
		usage(stderr);
		return -1;
	}
	if (o->threads == 0)
		o->threads = strcmp(o->mode, "search") == 0 ? 50 : 16;
	return 0;
}

int main(int argc, char **argv)
{
	struct mxg_config *cfg = NULL;
	struct bench b = { 0 };
	struct mxg_error err;
	struct opts o;
	int rc;

	if (parse(argc, argv, &o) < 0)
		return 2;
	b.o = &o;
	if (strcmp(o.mode, "plain") == 0)
		return run_plain(&o);
	if (o.config == NULL) {
		fprintf(stderr, "ldap-bench: --mode %s needs -c CONFIG\n", o.mode);
		return 2;
	}
	if (strcmp(o.mode, "search") == 0 &&
	    (o.terms_file == NULL || load_terms(&b, o.terms_file) < 0))
		return 2;
	mxg_log_open(NULL, MXG_LOG_WARNING);
	if (mxg_config_load(o.config, &cfg, report, NULL) != 0)
		return 2;
	mxg_error_clear(&err);
	if (mxg_store_chain_create(cfg, &b.chain, &err) < 0) {
		fprintf(stderr, "ldap-bench: %s\n", err.msg);
		mxg_config_free(&cfg);
		return 2;
	}
	if (strcmp(o.mode, "store") == 0) {
		rc = run_threads(&b, false);
	} else if (strcmp(o.mode, "search") == 0) {
		rc = run_threads(&b, true);
	} else if (strcmp(o.mode, "index") == 0) {
		rc = run_index(&b);
	} else {
		usage(stderr);
		rc = 2;
	}
	mxg_store_chain_destroy(&b.chain);
	mxg_config_free(&cfg);
	free(b.terms);
	return rc;
}
