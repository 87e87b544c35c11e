/*
 * test-ldap-net.c: the `ldap` store module against servers that fail, no
 * slapd needed: a closed port (UNAVAILABLE at once, naming the URI), a
 * server that accepts connections and never answers (UNAVAILABLE after
 * `timeout`, never a hang), failover along the URIs, a pool whose
 * connections are all busy, and the answers that must come without any
 * network call (empty password, another server's Matrix ID, short search
 * terms, oversized input).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "conf-report.h"
#include "ldap-private.h"
#include "test.h"

extern const struct mxg_store_driver mxg_store_ldap;

static const struct mxg_store_env env = { .server_name = "example.org" };

struct loaded {
	struct mxg_arena *arena;
	struct mxg_ldap_settings set;
	struct mxg_store store;
	struct mxg_ldap_ctx *ctx;
	int rc;
	struct mxg_error err;
};

static int load(struct loaded *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int load(struct loaded *l, const char *fmt, ...)
{
	char yaml[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(yaml, sizeof(yaml), fmt, ap);
	va_end(ap);
	memset(l, 0, sizeof(*l));
	l->arena = mxg_arena_create(4096);
	l->rc = mxg_conf_load_string("test", yaml, strlen(yaml), mxg_ldap_settings_table, &l->set,
				     l->arena, collect, NULL);
	l->store.driver = &mxg_store_ldap;
	l->store.name = "corp";
	l->store.env = &env;
	l->store.settings = &l->set;
	if (l->rc == 0)
		l->rc = mxg_store_ldap.init(&l->store, &l->err);
	l->ctx = l->store.ctx;
	return l->rc;
}

static void unload(struct loaded *l)
{
	mxg_store_ldap.deinit(&l->store);
	mxg_arena_destroy(&l->arena);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A loopback TCP socket bound to a free port; listening when asked (a
 * "silent server": the kernel completes handshakes, nobody ever answers). */
static int loopback_socket(bool listening, int *port_r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	/* Non-blocking, so that connected_to() can poll it with accept4(). */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    (listening && listen(fd, 64) < 0)) {
		perror("loopback socket");
		exit(99);
	}
	*port_r = ntohs(sa.sin_port);
	return fd;
}

/* A port nothing listens on: bound, then closed. */
static int closed_port(void)
{
	int port, fd = loopback_socket(false, &port);

	close(fd);
	return port;
}

/* Did anyone connect to the silent server since the last call? */
static bool connected_to(int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		close(fd);
	return true;
}

static enum mxg_store_result auth(struct loaded *l, const char *user, const char *medium,
				  const char *password, struct mxg_error *err)
{
	struct mxg_cred cred = { user, medium, password, strlen(password) };
	struct mxg_arena *arena = mxg_arena_create(1024);
	struct mxg_person p;
	enum mxg_store_result res;

	mxg_error_clear(err);
	res = mxg_store_ldap.authenticate(&l->store, &cred, arena, &p, err);
	mxg_arena_destroy(&arena);
	return res;
}

static int count_cb(void *ctx, const char *medium, const char *address, const char *user_id)
{
	(void)medium; (void)address; (void)user_id;
	(*(int *)ctx)++;
	return 0;
}

static void test_no_network(void)
{
	int port, lfd = loopback_socket(true, &port);
	struct mxg_arena *arena = mxg_arena_create(1024);
	struct mxg_person *people = NULL, p;
	const char *user_id = NULL;
	struct mxg_3pid bad = { "email", "not-an-address" };
	char big[2000];
	struct mxg_error err;
	struct loaded l;
	size_t n = 99;

	test_begin("answers that need no server never reach it");
	test_assert(load(&l, "uris: ldap://127.0.0.1:%d\nbase_dn: dc=example,dc=org\n"
			 "bind_dn: cn=admin,dc=example,dc=org\nbind_password: x\n"
			 "timeout: 300ms\n", port) == 0);
	/* Empty password: DENIED, not UNAVAILABLE, and nothing connected. */
	test_assert(auth(&l, "alice", NULL, "", &err) == MXG_STORE_DENIED);
	test_assert(auth(&l, "alice@example.org", "email", "", &err) == MXG_STORE_DENIED);
	test_assert(auth(&l, "@bob:elsewhere.org", NULL, "pw", &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&l, "alice", "telegram", "pw", &err) == MXG_STORE_NOT_FOUND);
	test_assert(auth(&l, "caf\xe9", NULL, "pw", &err) == MXG_STORE_NOT_FOUND);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	test_assert(auth(&l, big, NULL, "pw", &err) == MXG_STORE_NOT_FOUND);
	test_assert(mxg_store_ldap.lookup(&l.store, &bad, arena, &user_id, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(mxg_store_ldap.directory_search(&l.store, "a", 10, arena, &people, &n, &err) ==
		    MXG_STORE_OK && n == 0);
	test_assert(mxg_store_ldap.directory_search(&l.store, "  b ", 10, arena, &people, &n,
						    &err) == MXG_STORE_OK && n == 0);
	test_assert(mxg_store_ldap.directory_search(&l.store, big, 10, arena, &people, &n, &err) ==
		    MXG_STORE_OK && n == 0);
	test_assert(mxg_store_ldap.profile(&l.store, "@alice:elsewhere.org", arena, &p, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(mxg_store_ldap.profile(&l.store, "alice", arena, &p, &err) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(!connected_to(lfd));
	/* ...whereas a real question does connect (the check above works). */
	test_assert(auth(&l, "alice", NULL, "pw", &err) == MXG_STORE_UNAVAILABLE);
	test_assert(connected_to(lfd));
	unload(&l);
	test_end();
	close(lfd);
	mxg_arena_destroy(&arena);
}

static void test_closed_port(void)
{
	int port = closed_port(), calls = 0;
	struct mxg_arena *arena = mxg_arena_create(1024);
	struct mxg_3pid tp[2] = { { "email", "alice@example.org" }, { "msisdn", "447700900123" } };
	const char *ids[2] = { NULL, NULL }, *user_id = NULL;
	struct mxg_person *people, p;
	struct mxg_error err;
	char uri[64];
	struct loaded l;
	long long t0;
	size_t n;

	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d", port);
	test_begin("closed port: UNAVAILABLE within connect_timeout, naming the URI");
	test_assert(load(&l, "uris: %s\nbase_dn: dc=example,dc=org\nconnect_timeout: 2s\n",
			 uri) == 0);
	t0 = now_ms();
	test_assert(auth(&l, "alice", NULL, "secret", &err) == MXG_STORE_UNAVAILABLE);
	test_assert(now_ms() - t0 < 2000);
	test_assert(strstr(err.msg, uri) != NULL);
	test_assert(strstr(err.msg, "secret") == NULL);
	mxg_error_clear(&err);
	test_assert(mxg_store_ldap.lookup(&l.store, &tp[0], arena, &user_id, &err) ==
		    MXG_STORE_UNAVAILABLE && strstr(err.msg, uri) != NULL);
	test_assert(mxg_store_ldap.lookup_bulk(&l.store, tp, 2, arena, ids, &err) ==
		    MXG_STORE_UNAVAILABLE);
	test_assert(mxg_store_ldap.directory_search(&l.store, "ali", 10, arena, &people, &n, &err) ==
		    MXG_STORE_UNAVAILABLE);
	test_assert(mxg_store_ldap.profile(&l.store, "@alice:example.org", arena, &p, &err) ==
		    MXG_STORE_UNAVAILABLE);
	test_assert(mxg_store_ldap.enumerate_3pids(&l.store, count_cb, &calls, &err) ==
		    MXG_STORE_UNAVAILABLE && calls == 0);
	test_assert(now_ms() - t0 < 2000);
	unload(&l);
	test_end();
	mxg_arena_destroy(&arena);
}

static void test_silent_server(void)
{
	int port, lfd = loopback_socket(true, &port);
	struct mxg_error err;
	struct loaded l;
	long long t0, took;

	test_begin("a server that never answers: UNAVAILABLE after timeout");
	test_assert(load(&l, "uris: ldap://127.0.0.1:%d\nbase_dn: dc=example,dc=org\n"
			 "timeout: 300ms\nconnect_timeout: 300ms\n", port) == 0);
	t0 = now_ms();
	test_assert(auth(&l, "alice", NULL, "secret", &err) == MXG_STORE_UNAVAILABLE);
	took = now_ms() - t0;
	test_assert(took >= 250 && took < 1500);
	test_assert(strstr(err.msg, "127.0.0.1") != NULL);
	/* Not retried on a timeout: one connection only. */
	test_assert(connected_to(lfd));
	unload(&l);

	/* A service bind that is never answered times out the same way. */
	test_assert(load(&l, "uris: ldap://127.0.0.1:%d\nbase_dn: dc=example,dc=org\n"
			 "bind_dn: cn=admin,dc=example,dc=org\nbind_password: x\n"
			 "timeout: 300ms\n", port) == 0);
	t0 = now_ms();
	test_assert(auth(&l, "alice", NULL, "secret", &err) == MXG_STORE_UNAVAILABLE);
	took = now_ms() - t0;
	test_assert(took >= 250 && took < 1500);
	unload(&l);
	test_end();
	close(lfd);
}

static void test_failover_and_busy(void)
{
	int port, lfd = loopback_socket(true, &port), dead = closed_port();
	struct mxg_ldap_conn *c1, *c2;
	struct mxg_error err;
	struct loaded l;
	long long t0;

	test_begin("failover: a dead first URI is skipped");
	test_assert(load(&l, "uris: [ldap://127.0.0.1:%d, ldap://127.0.0.1:%d]\n"
			 "base_dn: dc=example,dc=org\npool_size: 1\ntimeout: 300ms\n",
			 dead, port) == 0);
	test_assert(mxg_ldap_pool_get(l.ctx->search_pool, &c1, &err) == MXG_STORE_OK);
	test_assert(c1->uri_index == 1 && c1->fresh);
	test_end();

	test_begin("all connections busy: UNAVAILABLE after timeout");
	t0 = now_ms();
	test_assert(mxg_ldap_pool_get(l.ctx->search_pool, &c2, &err) == MXG_STORE_UNAVAILABLE);
	test_assert(now_ms() - t0 >= 250 && now_ms() - t0 < 1500);
	test_assert(strstr(err.msg, "busy") != NULL && strstr(err.msg, "0 more callers") != NULL);
	mxg_ldap_pool_put(l.ctx->search_pool, c1, false);
	test_assert(mxg_ldap_pool_get(l.ctx->search_pool, &c2, &err) == MXG_STORE_OK);
	test_assert(c2 == c1 && !c2->fresh && c2->ld != NULL);	/* reused, still open */
	mxg_ldap_pool_put(l.ctx->search_pool, c2, true);
	test_assert(c2->ld == NULL);	/* broken: closed */
	/* The bind pool is separate: its connection is there while a
	 * search connection is taken. */
	test_assert(mxg_ldap_pool_get(l.ctx->search_pool, &c1, &err) == MXG_STORE_OK);
	test_assert(mxg_ldap_pool_get(l.ctx->bind_pool, &c2, &err) == MXG_STORE_OK);
	test_assert(c1 != c2);
	mxg_ldap_pool_put(l.ctx->search_pool, c1, false);
	mxg_ldap_pool_put(l.ctx->bind_pool, c2, false);
	unload(&l);
	test_end();

	test_begin("every URI down: the message names each");
	test_assert(load(&l, "uris: [ldap://127.0.0.1:%d, ldap://localhost:%d]\n"
			 "base_dn: dc=example,dc=org\n", dead, dead) == 0);
	test_assert(mxg_ldap_pool_get(l.ctx->search_pool, &c1, &err) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(err.msg, "ldap://127.0.0.1") != NULL &&
		    strstr(err.msg, "ldap://localhost") != NULL);
	unload(&l);
	test_end();
	close(lfd);
}

struct queued {
	struct mxg_ldap_pool *pool;
	int *served;		/* shared: how many were served before */
	int turn;		/* this caller's place among them */
	pthread_mutex_t *mu;
};

static void *queued_get(void *arg)
{
	struct queued *q = arg;
	struct mxg_ldap_conn *c;
	struct mxg_error err;

	if (mxg_ldap_pool_get(q->pool, &c, &err) != MXG_STORE_OK)
		return NULL;
	pthread_mutex_lock(q->mu);
	q->turn = ++*q->served;
	pthread_mutex_unlock(q->mu);
	mxg_ldap_pool_put(q->pool, c, false);
	return NULL;
}

/* Wait (at most 5 s) until n callers wait for a connection of pool. */
static bool await_waiting(struct mxg_ldap_pool *pool, size_t n)
{
	for (int i = 0; i < 500 && mxg_ldap_pool_waiting(pool) != n; i++)
		usleep(10000);
	return mxg_ldap_pool_waiting(pool) == n;
}

static void test_queue_order(void)
{
	int port, lfd = loopback_socket(true, &port), served = 0;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	struct queued q[3];
	pthread_t t[3];
	struct mxg_ldap_conn *c;
	struct mxg_error err;
	struct loaded l;

	test_begin("a busy pool serves its waiting callers in the order they came");
	test_assert(load(&l, "uris: ldap://127.0.0.1:%d\nbase_dn: dc=example,dc=org\n"
			 "pool_size: 1\ntimeout: 5s\n", port) == 0);
	test_assert(mxg_ldap_pool_get(l.ctx->search_pool, &c, &err) == MXG_STORE_OK);
	for (int i = 0; i < 3; i++) {
		q[i] = (struct queued){ l.ctx->search_pool, &served, 0, &mu };
		pthread_create(&t[i], NULL, queued_get, &q[i]);
		test_assert_idx(await_waiting(l.ctx->search_pool, (size_t)i + 1), i);
	}
	mxg_ldap_pool_put(l.ctx->search_pool, c, false);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		test_assert_idx(q[i].turn == i + 1, i);
	}
	test_assert(mxg_ldap_pool_waiting(l.ctx->search_pool) == 0);
	unload(&l);
	test_end();
	close(lfd);
}

struct worker {
	struct loaded *l;
	int unavailable;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct mxg_error err;

	for (int i = 0; i < 20; i++)
		if (auth(w->l, "alice", NULL, "pw", &err) == MXG_STORE_UNAVAILABLE)
			w->unavailable++;
	return NULL;
}

static void test_concurrent(void)
{
	struct worker w[8];
	pthread_t t[8];
	struct loaded l;

	test_begin("concurrent operations on a down server");
	test_assert(load(&l, "uris: ldap://127.0.0.1:%d\nbase_dn: dc=example,dc=org\n"
			 "pool_size: 2\n", closed_port()) == 0);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ &l, 0 };
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		test_assert_idx(w[i].unavailable == 20, i);
	}
	unload(&l);
	test_end();
}

int main(void)
{
	mxg_log_open(NULL, MXG_LOG_CRIT);
	test_no_network();
	test_closed_port();
	test_silent_server();
	test_failover_and_busy();
	test_queue_order();
	test_concurrent();
	return test_done("test-ldap-net");
}
