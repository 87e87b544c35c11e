/*
 * connect.c: opening the `ldap` module's connections: URI failover,
 * ldaps:// or StartTLS with a TLS context of its own, the service bind, and
 * timeouts on everything; plus the bind and result-code helpers the
 * operations share.
 *
 * Failover: URIs are tried in order; one that fails to connect is marked
 * down for failback_interval, during which new connections skip it (unless
 * every URI is down: then all are tried, so a recovered server is found at
 * once).  pool.c closes and reopens a connection to a later URI when it is
 * taken after it has been open failback_interval and an earlier URI is no
 * longer marked down, so a recovered primary gets its load back.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "ldap-private.h"


struct mxg_ldap_servers {
	struct mxg_ldap_server_conf conf;
	pthread_mutex_t mu;
	long long *down_until;		/* per URI, monotonic ms; 0 = up */
};

long long mxg_ldap_now_ms(void)
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
		/* libldap's text for a TLS library error it cannot name says
		 * nothing; leave it out. */
		if (strcmp(msg, "(unknown error code)") != 0)
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
	sv->down_until[i] = down ? mxg_ldap_now_ms() + sv->conf.failback_ms : 0;
	pthread_mutex_unlock(&sv->mu);
}

bool mxg_ldap_servers_failback_due(struct mxg_ldap_servers *sv, const struct mxg_ldap_conn *c,
				   long long now)
{
	bool due = false;

	if (c->ld == NULL || c->uri_index == 0 || now - c->opened_ms < sv->conf.failback_ms)
		return false;
	pthread_mutex_lock(&sv->mu);
	for (size_t i = 0; i < c->uri_index && !due; i++)
		due = sv->down_until[i] <= now;
	pthread_mutex_unlock(&sv->mu);
	return due;
}

const struct mxg_ldap_server_conf *mxg_ldap_servers_conf(const struct mxg_ldap_servers *sv)
{
	return &sv->conf;
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

/* Does a plain TCP connection to the host and port of uri work within
 * timeout_ms?  Only asked to explain a failure. */
static bool tcp_reachable(const char *uri, long long timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	LDAPURLDesc *lud = NULL;
	bool reachable = false;
	char port[12];

	if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS)
		return false;
	snprintf(port, sizeof(port), "%d", lud->lud_port > 0 ? lud->lud_port : LDAPS_PORT);
	if (getaddrinfo(lud->lud_host != NULL && lud->lud_host[0] != '\0' ? lud->lud_host :
			"localhost", port, &hints, &res) != 0)
		res = NULL;
	for (struct addrinfo *ai = res; ai != NULL && !reachable; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			reachable = true;
		else if (errno == EINPROGRESS && poll(&pfd, 1, (int)timeout_ms) == 1 &&
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0)
			reachable = true;
		close(fd);
	}
	if (res != NULL)
		freeaddrinfo(res);
	ldap_free_urldesc(lud);
	return reachable;
}

static void describe(LDAP *ld, const char *step, int rc, char *why, size_t why_size)
{
	char diag[160];

	mxg_ldap_diag(ld, diag, sizeof(diag));
	snprintf(why, why_size, "%s: %s%s%s", step, ldap_err2string(rc), diag[0] ? ": " : "", diag);
}

static enum open_fail open_uri(const struct mxg_ldap_server_conf *conf, bool service_bind,
			       const char *uri, LDAP **ld_r, char *why, size_t why_size)
{
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
		/* libldap says "Can't contact LDAP server" for a failed TLS
		 * handshake too; tell the admin which it was. */
		if (ldaps && tcp_reachable(uri, conf->connect_timeout_ms)) {
			size_t len = strlen(why);

			snprintf(why + len, why_size - len,
				 " (the port answers, so the TLS handshake failed: is the "
				 "certificate for this host and signed by a CA in ca_file?)");
		}
		goto fail;
	}
	if (conf->start_tls && !ldaps) {
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			describe(ld, "StartTLS", rc, why, why_size);
			goto fail;
		}
	}
	if (service_bind && conf->bind_dn != NULL) {
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
enum mxg_store_result mxg_ldap_servers_open(struct mxg_ldap_servers *sv, bool service_bind,
					    const char *kind, struct mxg_ldap_conn *c,
					    struct mxg_error *err)
{
	char msg[MXG_ERROR_MSG_MAX] = "";
	long long now = mxg_ldap_now_ms();
	size_t used = 0, n = 0, *order = malloc(sv->conf.uri_count * sizeof(*order));

	if (order == NULL) {
		mxg_error_set(err, ENOMEM, "out of memory");
		return MXG_STORE_UNAVAILABLE;
	}
	/* The order is fixed before trying, so that a URI failing now is not
	 * tried again among those that were already down. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < sv->conf.uri_count; i++)
			if (is_down(sv, i, now) == (pass == 1))
				order[n++] = i;
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		const char *uri = sv->conf.uris[i];
		char why[320];
		LDAP *ld;

		switch (open_uri(&sv->conf, service_bind, uri, &ld, why, sizeof(why))) {
		case OPEN_OK:
			mark(sv, i, false);
			if (i > 0)
				mxg_info("ldap store '%s': %s connection to %s (failover)",
					 sv->conf.store_name, kind, uri);
			c->ld = ld;
			c->uri_index = i;
			c->uri = uri;
			c->opened_ms = mxg_ldap_now_ms();
			c->fresh = true;
			free(order);
			return MXG_STORE_OK;
		case OPEN_AUTH:
			mxg_error_set(err, EACCES, "%s: %s", uri, why);
			free(order);
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
	free(order);
	mxg_error_set(err, ECONNREFUSED, "%s", msg);
	return MXG_STORE_UNAVAILABLE;
}
