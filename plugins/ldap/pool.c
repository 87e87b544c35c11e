/*
 * pool.c: the `ldap` module's connections: opening one (URI failover,
 * ldaps:// or StartTLS with a TLS context of its own, the service bind,
 * timeouts on everything), and the fixed-size pools operations borrow them
 * from.
 *
 * Failover: URIs are tried in order; one that fails to connect is marked
 * down for failback_interval, during which new connections skip it (unless
 * every URI is down: then all are tried, so a recovered server is found at
 * once).  A connection to a later URI is closed and reopened when it is
 * taken after it has been open failback_interval and an earlier URI is no
 * longer marked down, so a recovered primary gets its load back.
 *
 * Connections open lazily, on first use: init needs no server.  A libldap
 * handle is used by one thread at a time (the pool's busy flag).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "ldap-private.h"

struct mxg_ldap_servers {
	struct mxg_ldap_server_conf conf;
	pthread_mutex_t mu;
	long long *down_until;		/* per URI, monotonic ms; 0 = up */
};

struct mxg_ldap_pool {
	struct mxg_ldap_servers *servers;
	const char *kind;		/* "search", "bind": for messages */
	bool service_bind;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a connection was given back */
	size_t size;
	struct mxg_ldap_conn *conns;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval ms_timeval(long long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

bool mxg_ldap_rc_conn_lost(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR;
}

bool mxg_ldap_rc_unavailable(int rc)
{
	return mxg_ldap_rc_conn_lost(rc) || rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE ||
	       rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED;
}

const char *mxg_ldap_diag(LDAP *ld, char *buf, size_t size)
{
	char *msg = NULL;

	buf[0] = '\0';
	if (ld != NULL && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_OPT_SUCCESS &&
	    msg != NULL) {
		snprintf(buf, size, "%s", msg);
		ldap_memfree(msg);
	}
	return buf;
}

int mxg_ldap_simple_bind(LDAP *ld, const char *dn, const char *password, size_t password_len,
			 long long timeout_ms, char *diag, size_t diag_size)
{
	struct berval cred = { .bv_len = password_len, .bv_val = (char *)password };
	struct timeval tv = ms_timeval(timeout_ms);
	LDAPMessage *res = NULL;
	char *msg = NULL;
	int msgid, rc, n;

	diag[0] = '\0';
	/* An empty password makes a simple bind "unauthenticated": many
	 * servers accept it for any DN.  Never send one. */
	if (password == NULL || password_len == 0)
		return LDAP_INVALID_CREDENTIALS;
	rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, &msgid);
	if (rc != LDAP_SUCCESS) {
		mxg_ldap_diag(ld, diag, diag_size);
		return rc;
	}
	n = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
	if (n == 0) {
		ldap_abandon_ext(ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	if (n < 0) {
		if (ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc) != LDAP_OPT_SUCCESS ||
		    rc == LDAP_SUCCESS)
			rc = LDAP_SERVER_DOWN;
		mxg_ldap_diag(ld, diag, diag_size);
		return rc;
	}
	n = ldap_parse_result(ld, res, &rc, NULL, &msg, NULL, NULL, 1);
	if (n != LDAP_SUCCESS)
		rc = n;
	if (msg != NULL) {
		snprintf(diag, diag_size, "%s", msg);
		ldap_memfree(msg);
	}
	return rc;
}

struct mxg_ldap_servers *mxg_ldap_servers_create(const struct mxg_ldap_server_conf *conf)
{
	struct mxg_ldap_servers *sv = calloc(1, sizeof(*sv));

	if (sv == NULL)
		return NULL;
	sv->conf = *conf;
	sv->down_until = calloc(conf->uri_count + 1, sizeof(*sv->down_until));
	if (sv->down_until == NULL) {
		free(sv);
		return NULL;
	}
	pthread_mutex_init(&sv->mu, NULL);
	return sv;
}

void mxg_ldap_servers_destroy(struct mxg_ldap_servers **servers)
{
	struct mxg_ldap_servers *sv = *servers;

	if (sv == NULL)
		return;
	pthread_mutex_destroy(&sv->mu);
	free(sv->down_until);
	free(sv);
	*servers = NULL;
}

static void mark(struct mxg_ldap_servers *sv, size_t i, bool down)
{
	pthread_mutex_lock(&sv->mu);
	sv->down_until[i] = down ? now_ms() + sv->conf.failback_ms : 0;
	pthread_mutex_unlock(&sv->mu);
}

/* The first URI not marked down (uri_count when all are). */
static size_t first_up(struct mxg_ldap_servers *sv, long long now)
{
	size_t i;

	pthread_mutex_lock(&sv->mu);
	for (i = 0; i < sv->conf.uri_count && sv->down_until[i] > now; i++)
		;
	pthread_mutex_unlock(&sv->mu);
	return i;
}

static bool is_down(struct mxg_ldap_servers *sv, size_t i, long long now)
{
	bool down;

	pthread_mutex_lock(&sv->mu);
	down = sv->down_until[i] > now;
	pthread_mutex_unlock(&sv->mu);
	return down;
}

enum open_fail {
	OPEN_OK,
	OPEN_SERVER,		/* this URI failed: try the next */
	OPEN_AUTH,		/* the service bind was refused: the next URI will too */
};

/* Set the options of a new handle; TLS ones on the handle's own context,
 * never libldap's global one that other code in the process may share. */
static int set_options(const struct mxg_ldap_server_conf *conf, LDAP *ld, bool tls,
		       char *why, size_t why_size)
{
	struct timeval net = ms_timeval(conf->connect_timeout_ms), op = ms_timeval(conf->timeout_ms);
	int v3 = LDAP_VERSION3, req, zero = 0;

	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    /* AD answers with referrals to other domains; chasing them would
	     * bind elsewhere and can hang on names we cannot resolve. */
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) != LDAP_OPT_SUCCESS) {
		snprintf(why, why_size, "cannot set connection options");
		return -1;
	}
	if (!tls)
		return 0;
	req = conf->tls_verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &req) != LDAP_OPT_SUCCESS ||
	    (conf->ca_file != NULL &&
	     ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, conf->ca_file) != LDAP_OPT_SUCCESS)) {
		snprintf(why, why_size, "cannot set TLS options");
		return -1;
	}
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
		snprintf(why, why_size, "cannot set up TLS (is ca_file '%s' a readable PEM file?)",
			 conf->ca_file != NULL ? conf->ca_file : "(system default)");
		return -1;
	}
	return 0;
}

static void describe(LDAP *ld, const char *step, int rc, char *why, size_t why_size)
{
	char diag[160];

	mxg_ldap_diag(ld, diag, sizeof(diag));
	snprintf(why, why_size, "%s: %s%s%s", step, ldap_err2string(rc), diag[0] ? ": " : "", diag);
}

static enum open_fail open_uri(const struct mxg_ldap_pool *pool, const char *uri, LDAP **ld_r,
			       char *why, size_t why_size)
{
	const struct mxg_ldap_server_conf *conf = &pool->servers->conf;
	bool ldaps = strncasecmp(uri, "ldaps://", 8) == 0;
	LDAP *ld = NULL;
	int rc;

	*ld_r = NULL;
	rc = ldap_initialize(&ld, uri);
	if (rc != LDAP_SUCCESS) {
		snprintf(why, why_size, "%s", ldap_err2string(rc));
		return OPEN_SERVER;
	}
	if (set_options(conf, ld, ldaps || conf->start_tls, why, why_size) < 0)
		goto fail;
	rc = ldap_connect(ld);
	if (rc != LDAP_SUCCESS) {
		describe(ld, "connect", rc, why, why_size);
		goto fail;
	}
	if (conf->start_tls && !ldaps) {
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			describe(ld, "StartTLS", rc, why, why_size);
			goto fail;
		}
	}
	if (pool->service_bind && conf->bind_dn != NULL) {
		char diag[160];

		rc = mxg_ldap_simple_bind(ld, conf->bind_dn, conf->bind_password,
					  strlen(conf->bind_password), conf->timeout_ms,
					  diag, sizeof(diag));
		if (rc != LDAP_SUCCESS) {
			snprintf(why, why_size, "bind as '%s': %s%s%s", conf->bind_dn,
				 ldap_err2string(rc), diag[0] ? ": " : "", diag);
			ldap_unbind_ext(ld, NULL, NULL);
			return mxg_ldap_rc_unavailable(rc) ? OPEN_SERVER : OPEN_AUTH;
		}
	}
	*ld_r = ld;
	return OPEN_OK;
fail:
	ldap_unbind_ext(ld, NULL, NULL);
	return OPEN_SERVER;
}

/* Connect c along the URIs: those not marked down first, in order, then
 * the others.  The message lists each URI tried with its reason. */
static enum mxg_store_result open_conn(struct mxg_ldap_pool *pool, struct mxg_ldap_conn *c,
				       struct mxg_error *err)
{
	struct mxg_ldap_servers *sv = pool->servers;
	char msg[MXG_ERROR_MSG_MAX] = "";
	long long now = now_ms();
	size_t used = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sv->conf.uri_count; i++) {
			const char *uri = sv->conf.uris[i];
			char why[200];
			LDAP *ld;

			if (is_down(sv, i, now) != (pass == 1))
				continue;
			switch (open_uri(pool, uri, &ld, why, sizeof(why))) {
			case OPEN_OK:
				mark(sv, i, false);
				if (i > 0)
					mxg_info("ldap store '%s': %s connection to %s (failover)",
						 sv->conf.store_name, pool->kind, uri);
				c->ld = ld;
				c->uri_index = i;
				c->uri = uri;
				c->opened_ms = now_ms();
				c->fresh = true;
				return MXG_STORE_OK;
			case OPEN_AUTH:
				mxg_error_set(err, EACCES, "%s: %s", uri, why);
				return MXG_STORE_UNAVAILABLE;
			case OPEN_SERVER:
				mxg_warning("ldap store '%s': %s: %s", sv->conf.store_name, uri, why);
				mark(sv, i, true);
				if (used < sizeof(msg))
					used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s%s: %s",
								 used > 0 ? "; " : "", uri, why);
				break;
			}
		}
	}
	mxg_error_set(err, ECONNREFUSED, "%s", msg);
	return MXG_STORE_UNAVAILABLE;
}

struct mxg_ldap_pool *mxg_ldap_pool_create(struct mxg_ldap_servers *servers, size_t size,
					   bool service_bind, const char *kind)
{
	struct mxg_ldap_pool *pool = calloc(1, sizeof(*pool));
	pthread_condattr_t attr;

	if (pool == NULL)
		return NULL;
	pool->conns = calloc(size, sizeof(*pool->conns));
	if (pool->conns == NULL) {
		free(pool);
		return NULL;
	}
	pool->servers = servers;
	pool->size = size;
	pool->service_bind = service_bind;
	pool->kind = kind;
	pthread_mutex_init(&pool->mu, NULL);
	/* Waits are measured on the monotonic clock: a wall-clock step must
	 * not make a wait endless or instant. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->cv, &attr);
	pthread_condattr_destroy(&attr);
	return pool;
}

void mxg_ldap_pool_destroy(struct mxg_ldap_pool **poolp)
{
	struct mxg_ldap_pool *pool = *poolp;

	if (pool == NULL)
		return;
	for (size_t i = 0; i < pool->size; i++)
		if (pool->conns[i].ld != NULL)
			ldap_unbind_ext(pool->conns[i].ld, NULL, NULL);
	pthread_cond_destroy(&pool->cv);
	pthread_mutex_destroy(&pool->mu);
	free(pool->conns);
	free(pool);
	*poolp = NULL;
}

long long mxg_ldap_pool_timeout_ms(const struct mxg_ldap_pool *pool)
{
	return pool->servers->conf.timeout_ms;
}

/* A free connection, preferring an open one; NULL when all are busy. */
static struct mxg_ldap_conn *pick(struct mxg_ldap_pool *pool)
{
	struct mxg_ldap_conn *closed = NULL;

	for (size_t i = 0; i < pool->size; i++) {
		struct mxg_ldap_conn *c = &pool->conns[i];

		if (c->busy)
			continue;
		if (c->ld != NULL)
			return c;
		if (closed == NULL)
			closed = c;
	}
	return closed;
}

enum mxg_store_result mxg_ldap_pool_get(struct mxg_ldap_pool *pool, struct mxg_ldap_conn **conn_r,
					struct mxg_error *err)
{
	const struct mxg_ldap_server_conf *conf = &pool->servers->conf;
	long long deadline = now_ms() + conf->timeout_ms, now;
	struct timespec until = { .tv_sec = deadline / 1000,
				  .tv_nsec = (deadline % 1000) * 1000000 };
	struct mxg_ldap_conn *c;
	enum mxg_store_result res;

	pthread_mutex_lock(&pool->mu);
	while ((c = pick(pool)) == NULL) {
		if (pthread_cond_timedwait(&pool->cv, &pool->mu, &until) == ETIMEDOUT &&
		    (c = pick(pool)) == NULL) {
			pthread_mutex_unlock(&pool->mu);
			mxg_error_set(err, ETIMEDOUT, "all %zu %s connections busy for %lld ms",
				      pool->size, pool->kind, conf->timeout_ms);
			return MXG_STORE_UNAVAILABLE;
		}
	}
	c->busy = true;
	pthread_mutex_unlock(&pool->mu);

	c->fresh = false;
	now = now_ms();
	if (c->ld != NULL && c->uri_index > 0 && now - c->opened_ms >= conf->failback_ms &&
	    first_up(pool->servers, now) < c->uri_index) {
		/* Fail back: an earlier URI is believed up again. */
		ldap_unbind_ext(c->ld, NULL, NULL);
		c->ld = NULL;
	}
	if (c->ld == NULL) {
		res = open_conn(pool, c, err);
		if (res != MXG_STORE_OK) {
			mxg_ldap_pool_put(pool, c, true);
			return res;
		}
	}
	*conn_r = c;
	return MXG_STORE_OK;
}

void mxg_ldap_pool_put(struct mxg_ldap_pool *pool, struct mxg_ldap_conn *c, bool broken)
{
	if (broken && c->ld != NULL) {
		ldap_unbind_ext(c->ld, NULL, NULL);
		c->ld = NULL;
	}
	pthread_mutex_lock(&pool->mu);
	c->busy = false;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}
