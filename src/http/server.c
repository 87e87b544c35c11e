/*
 * server.c: the libmicrohttpd daemons (one per listener), the access handler
 * protocol, the hand-off of blocking routes to the worker pool, and the
 * server's lifecycle including the graceful drain.
 *
 * Access handler protocol (per request):
 *   1st call      create the request, return; queueing a response here makes
 *                 MHD close the connection afterwards (no keep-alive), so we
 *                 only do it to refuse a Content-Length over the limit.
 *   data calls    append the body up to max_body_size.
 *   final call    route; inline routes run and queue at once; blocking routes
 *                 suspend the connection and go to a worker, which resumes it
 *                 when the reply is set; the call after the resume queues it.
 *   completed     NOTIFY_COMPLETED: access log, drop MHD's reference.
 *
 * Defaults for zero settings: threads = cores, workers = 2 x cores,
 * max_body_size = 1 MiB, connection_timeout_s = 30.  worker_queue 0 is
 * meaningful (no waiting: busy as soon as every worker is).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "http/internal.h"
#include "http/proxy.h"
#include "http/workers.h"

#define DEFAULT_MAX_BODY (1024 * 1024)
#define DEFAULT_TIMEOUT_S 30
/* After cancelling queued jobs at the shutdown deadline, how long their 503
 * answers (and replies of jobs that just finished) get to reach clients. */
#define SHUTDOWN_FLUSH_MS 200
/* With the proxy: its exchanges notice a stop within a second. */
#define PROXY_STOP_MS 1500

static unsigned int cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

/* MHD_USE_ERROR_LOG output: one line each, through our log (MHD's lines end
 * in a newline and may quote client bytes, which mxg_log escapes). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t len;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	mxg_info("libmicrohttpd: %s", buf);
}

static void in_flight_done(struct mxg_server *srv)
{
	if (atomic_fetch_sub(&srv->metrics.in_flight, 1) == 1 &&
	    atomic_load(&srv->draining)) {
		/* Taking the lock orders this with the drainer's check-then-wait. */
		pthread_mutex_lock(&srv->drain_lock);
		pthread_cond_broadcast(&srv->drain_cond);
		pthread_mutex_unlock(&srv->drain_lock);
	}
}

/* --- blocking routes --- */

static void run_job(void *arg, bool cancelled)
{
	struct mxg_req *r = arg;

	if (cancelled)
		mxg_reply_error(r, 503, "M_UNKNOWN", "Server shutting down");
	else
		mxg_http_req_run(r);
	pthread_mutex_lock(&r->lock);
	r->in_worker = false;
	/* Only while MHD still has the connection: after NOTIFY_COMPLETED it
	 * may be freed at any moment. */
	if (!r->closed)
		MHD_resume_connection(r->conn);
	pthread_mutex_unlock(&r->lock);
	mxg_http_req_unref(&r);
}

static enum MHD_Result hand_to_worker(struct mxg_req *r)
{
	struct mxg_server *srv = r->srv;

	atomic_fetch_add(&r->refs, 1);
	r->in_worker = true;
	r->suspended = true;
	/* Suspend before the job can run: a resume that overtook the suspend
	 * would be lost and the connection would hang. */
	MHD_suspend_connection(r->conn);
	if (mxg_workers_submit(srv->workers, run_job, r) == 0)
		return MHD_YES;
	r->in_worker = false;
	atomic_fetch_sub(&r->refs, 1);
	atomic_fetch_add_explicit(&srv->metrics.rejected_busy, 1, memory_order_relaxed);
	if (atomic_load(&srv->draining))
		mxg_reply_error(r, 503, "M_UNKNOWN", "Server shutting down");
	else
		mxg_reply_error(r, 503, "M_UNKNOWN", "Server busy");
	MHD_resume_connection(r->conn);
	return MHD_YES;
}

/* --- access handler --- */

/* OPTIONS preflight: any path under an API whose resource this listener
 * serves, known or not (as Synapse does). */
static bool is_preflight(const struct mxg_req *r)
{
	static const struct {
		const char *prefix;
		size_t len;
		unsigned int resource;
	} apis[] = {
		{ "/_matrix/identity", 17, MXG_RES_IDENTITY },
		{ "/_matrix/client", 15, MXG_RES_CLIENT },
		{ "/oauth2", 7, MXG_RES_OAUTH },
		{ "/.well-known/openid-configuration", 33, MXG_RES_OAUTH },
		{ "/.well-known/oauth-authorization-server", 39, MXG_RES_OAUTH },
	};

	if (r->method != MXG_OPTIONS)
		return false;
	for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
		if ((r->lst->resource_mask & apis[i].resource) != 0 &&
		    strncmp(r->path, apis[i].prefix, apis[i].len) == 0 &&
		    (r->path[apis[i].len] == '/' || r->path[apis[i].len] == '\0'))
			return true;
	return false;
}

static enum MHD_Result dispatch(struct mxg_req *r)
{
	char allow[64];

	if (r->body_too_large) {
		mxg_reply_error(r, 413, "M_TOO_LARGE", "Request body too large");
		return mxg_http_reply_queue(r);
	}
	if (is_preflight(r)) {
		mxg_http_reply_preflight(r);
		return mxg_http_reply_queue(r);
	}
	switch (mxg_router_match(r->srv->router, r->lst->resource_mask, r->method, r->path,
				 r->arena, &r->match)) {
	case MXG_ROUTER_FOUND:
		break;
	case MXG_ROUTER_BAD_METHOD:
		mxg_router_format_allow(r->match.allowed, allow, sizeof(allow));
		mxg_reply_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		mxg_reply_error(r, 405, "M_UNRECOGNIZED", "Unrecognized request");
		return mxg_http_reply_queue(r);
	case MXG_ROUTER_NOT_FOUND:
	default:
		mxg_reply_error(r, 404, "M_UNRECOGNIZED", "Unrecognized request");
		return mxg_http_reply_queue(r);
	}
	if ((r->match.route->flags & MXG_ROUTE_BLOCKING) != 0)
		return hand_to_worker(r);
	mxg_http_req_run(r);
	return mxg_http_reply_queue(r);
}

/* Returns true when the declared body is over the limit. */
static bool check_content_length(struct mxg_req *r)
{
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;
	char *end;

	if (cl == NULL)
		return false;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno != 0 || end == cl)
		return false;	/* MHD itself refuses a malformed length */
	if (n > r->srv->set.max_body_size)
		return true;
	mxg_http_req_reserve_body(r, (size_t)n);
	return false;
}

/* Would routing r fail (no route, or not for its method)?  Asked on the
 * first call, so a request for the homeserver is streamed from the start
 * instead of being held to max_body_size. */
static bool route_misses(struct mxg_req *r)
{
	struct mxg_router_match m;

	if (r->srv->proxy == NULL || is_preflight(r))
		return false;
	return mxg_router_match(r->srv->router, r->lst->resource_mask, r->method, r->path,
				r->arena, &m) != MXG_ROUTER_FOUND;
}

/* MHD_OPTION_URI_LOG_CALLBACK: the request line, before anything else;
 * the only place MHD shows the URI as sent (the proxy passes it on). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct mxg_listener *lst = cls;

	atomic_fetch_add(&lst->srv->metrics.in_flight, 1);
	return mxg_http_req_create(lst, conn, uri);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct mxg_listener *lst = cls;
	struct mxg_req *r = *req_cls;

	(void)version;
	if (r == NULL) {
		/* No request line seen by on_uri (cannot happen with MHD's
		 * order of calls, but costs nothing to survive). */
		r = mxg_http_req_create(lst, conn, NULL);
		*req_cls = r;
		atomic_fetch_add(&lst->srv->metrics.in_flight, 1);
	}
	if (r->path == NULL) {
		mxg_http_req_start(r, url, method);
		if (route_misses(r) && mxg_proxy_takes(lst->srv->proxy, r))
			r->proxied = true;
		if (r->proxied)
			return mxg_proxy_on_call(lst->srv->proxy, r, upload_data,
						 upload_data_size);
		if (check_content_length(r)) {
			/* The one early answer: the connection closes after it
			 * (MHD will not read the body), which is what we want. */
			r->body_too_large = true;
			mxg_reply_error(r, 413, "M_TOO_LARGE", "Request body too large");
			return mxg_http_reply_queue(r);
		}
		return MHD_YES;
	}
	if (r->proxied)
		return r->queued ? MHD_YES :
		       mxg_proxy_on_call(lst->srv->proxy, r, upload_data, upload_data_size);
	if (r->suspended) {
		/* Resumed by the worker (or refused busy): the reply is set. */
		r->suspended = false;
		return mxg_http_reply_queue(r);
	}
	if (*upload_data_size != 0) {
		mxg_http_req_append_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->queued)
		return MHD_YES;
	return dispatch(r);
}

static void log_listening(const char *host, int port, unsigned int mask)
{
	char names[128] = "";
	size_t n = 0;

	for (unsigned int bit = 1; bit != 0 && bit <= mask; bit <<= 1)
		if ((mask & bit) && n < sizeof(names))
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
					      mxg_resource_name(bit));
	mxg_info("listening on %s port %d: %s", host, port, names);
}

/* MHD keeps this much per connection, resident, for the request line and
 * headers (bodies stream through to our own buffer).  Its default of 32 KiB
 * costs 2 MB at 64 keep-alive clients; 12 KiB still holds a request with an
 * 8 KiB header line (tested), nginx's default limit for one. */
#define CONNECTION_MEMORY ((size_t)12 * 1024)

static void access_log(struct mxg_req *r, bool busy)
{
	char status[8] = "-";
	size_t bytes = 0;

	/* A worker still running (daemon stop) owns the reply fields. */
	if (!busy && r->queued) {
		snprintf(status, sizeof(status), "%u", r->status);
		bytes = r->method == MXG_HEAD ? 0 : r->reply_len;
	}
	/* Never the query string, headers or body: tokens travel there. */
	mxg_log_set_request(r->id);
	mxg_log_set_context("http");
	mxg_info("%s %s %s %s %.3fms %zu", mxg_req_client_ip(r), r->method_name, r->path, status,
		 mxg_http_req_elapsed_ms(r), bytes);
	mxg_log_set_context(NULL);
	mxg_log_set_request(NULL);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct mxg_listener *lst = cls;
	struct mxg_req *r = *req_cls;
	bool busy;

	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	*req_cls = NULL;
	pthread_mutex_lock(&r->lock);
	r->closed = true;
	busy = r->in_worker;
	pthread_mutex_unlock(&r->lock);
	mxg_proxy_on_completed(r);
	/* A request line without a request: nothing to log. */
	if (lst->srv->set.access_log && r->path != NULL)
		access_log(r, busy);
	mxg_http_req_unref(&r);
	in_flight_done(lst->srv);
}

/* --- lifecycle --- */

int mxg_server_create(const struct mxg_server_settings *settings, struct mxg_app *app,
		      struct mxg_server **srv_r, struct mxg_error *err)
{
	struct mxg_server *srv;
	pthread_condattr_t ca;
	uint64_t seed;

	*srv_r = NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return mxg_error_set(err, 1, "out of memory");
	srv->set = *settings;
	if (srv->set.threads == 0)
		srv->set.threads = cores();
	if (srv->set.workers == 0)
		srv->set.workers = 2 * cores();
	if (srv->set.max_body_size == 0)
		srv->set.max_body_size = DEFAULT_MAX_BODY;
	if (srv->set.connection_timeout_s == 0)
		srv->set.connection_timeout_s = DEFAULT_TIMEOUT_S;
	srv->app = app;
	if (mxg_workers_create(srv->set.workers, srv->set.worker_queue, &srv->workers, err) < 0) {
		free(srv);
		return -1;
	}
	if (mxg_proxy_hub_create(&srv->set.proxy, &srv->proxy, err) < 0) {
		mxg_workers_destroy(&srv->workers);
		free(srv);
		return -1;
	}
	srv->router = mxg_router_create();
	pthread_mutex_init(&srv->drain_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->drain_cond, &ca);
	pthread_condattr_destroy(&ca);
	/* Request ids only need to look random and be unique per process. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15u ^ (uint64_t)getpid();
	srv->id_seed = seed;
	*srv_r = srv;
	return 0;
}

void mxg_server_add_routes(struct mxg_server *srv, const struct mxg_route *routes)
{
	struct mxg_error err = { 0 };

	if (srv->listeners != NULL) {
		mxg_error("http: routes added after a listener opened, ignored");
		return;
	}
	if (mxg_router_add(srv->router, routes, &err) < 0) {
		mxg_error("http: %s", err.msg);
		if (srv->route_err.code == 0)
			srv->route_err = err;
	}
}

static int parse_address(const char *host, int port, struct sockaddr_storage *ss,
			 bool *v6_r, struct mxg_error *err)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(host);

	memset(ss, 0, sizeof(*ss));
	if (port < 0 || port > 65535)
		return mxg_error_set(err, 1, "listen port %d out of range", port);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*v6_r = false;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*v6_r = true;
		return 0;
	}
	return mxg_error_set(err, 1, "listen address '%s' is not an IPv4 or IPv6 address", host);
}

int mxg_server_listen(struct mxg_server *srv, const char *host, int port,
		      unsigned int resource_mask, int *port_r, struct mxg_error *err)
{
	struct MHD_OptionItem pool[2] = { { MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL } };
	struct sockaddr_storage ss;
	struct mxg_listener *lst;
	const union MHD_DaemonInfo *info;
	unsigned int flags;
	bool v6 = false;

	if (srv->route_err.code != 0)
		return mxg_error_set(err, srv->route_err.code, "%s", srv->route_err.msg);
	if (srv->shut_down)
		return mxg_error_set(err, 1, "server already shut down");
	if (parse_address(host, port, &ss, &v6, err) < 0)
		return -1;
	lst = calloc(1, sizeof(*lst));
	if (lst == NULL)
		return mxg_error_set(err, 1, "out of memory");
	lst->srv = srv;
	lst->resource_mask = resource_mask;
	/* MHD_USE_ITC is what lets MHD_quiesce_daemon work with a thread pool. */
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	/* A pool of one (or zero) makes MHD warn: leave the option out. */
	if (srv->set.threads > 1)
		pool[0] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE,
						   (intptr_t)srv->set.threads, NULL };
	/* The logger first: MHD logs options errors as it parses them. */
	lst->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, lst,
				       MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				       MHD_OPTION_ARRAY, pool,
				       MHD_OPTION_CONNECTION_TIMEOUT,
				       srv->set.connection_timeout_s,
				       MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY,
				       MHD_OPTION_NOTIFY_COMPLETED, on_completed, lst,
				       MHD_OPTION_URI_LOG_CALLBACK, on_uri, lst,
				       MHD_OPTION_END);
	if (lst->daemon == NULL) {
		free(lst);
		return mxg_error_set(err, 1, "cannot listen on %s port %d (see the log)", host, port);
	}
	info = MHD_get_daemon_info(lst->daemon, MHD_DAEMON_INFO_BIND_PORT);
	lst->port = info != NULL ? info->port : port;
	lst->next = srv->listeners;
	srv->listeners = lst;
	if (port_r != NULL)
		*port_r = lst->port;
	log_listening(host, lst->port, resource_mask);
	return 0;
}

/* Wait until no request is in flight or the monotonic deadline passes.
 * Returns the number still in flight. */
static unsigned int wait_drained(struct mxg_server *srv, const struct timespec *deadline)
{
	unsigned int n;

	pthread_mutex_lock(&srv->drain_lock);
	while ((n = atomic_load(&srv->metrics.in_flight)) > 0)
		if (pthread_cond_timedwait(&srv->drain_cond, &srv->drain_lock, deadline) == ETIMEDOUT) {
			n = atomic_load(&srv->metrics.in_flight);
			break;
		}
	pthread_mutex_unlock(&srv->drain_lock);
	return n;
}

static struct timespec deadline_in(long long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (ms < 0)
		ms = 0;
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

unsigned int mxg_server_shutdown(struct mxg_server *srv, long long timeout_ms)
{
	struct timespec deadline = deadline_in(timeout_ms);
	unsigned int cut;

	if (srv->shut_down)
		return 0;
	srv->shut_down = true;
	atomic_store(&srv->draining, true);
	for (struct mxg_listener *l = srv->listeners; l != NULL; l = l->next) {
		/* MHD gives the listen socket back to us to close: from then on
		 * new connections are refused. */
		MHD_socket fd = MHD_quiesce_daemon(l->daemon);

		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		l->quiesced = true;
	}
	cut = wait_drained(srv, &deadline);
	if (cut > 0)
		mxg_warning("http: %u request(s) still in flight after %lld ms, cutting off",
			    cut, timeout_ms);
	/* Clean drain: nothing is queued.  Otherwise queued jobs answer 503;
	 * running handlers are bounded by their own timeouts and are waited
	 * for: MHD must not be stopped with a connection still suspended. */
	mxg_workers_stop(srv->workers, cut == 0);
	/* Proxied exchanges (a long-poll /sync) end within a second; their
	 * connections must be resumed before MHD may stop. */
	mxg_proxy_hub_stop(srv->proxy);
	if (cut > 0) {
		struct timespec flush = deadline_in(srv->proxy != NULL ? PROXY_STOP_MS :
						    SHUTDOWN_FLUSH_MS);

		wait_drained(srv, &flush);
	}
	for (struct mxg_listener *l = srv->listeners; l != NULL; l = l->next) {
		MHD_stop_daemon(l->daemon);
		l->daemon = NULL;
	}
	return cut;
}

void mxg_server_destroy(struct mxg_server **srvp)
{
	struct mxg_server *srv = *srvp;

	if (srv == NULL)
		return;
	if (!srv->shut_down)
		mxg_server_shutdown(srv, 0);
	while (srv->listeners != NULL) {
		struct mxg_listener *l = srv->listeners;

		srv->listeners = l->next;
		free(l);
	}
	mxg_workers_destroy(&srv->workers);
	mxg_proxy_hub_destroy(&srv->proxy);
	mxg_router_destroy(&srv->router);
	pthread_cond_destroy(&srv->drain_cond);
	pthread_mutex_destroy(&srv->drain_lock);
	free(srv);
	*srvp = NULL;
}
