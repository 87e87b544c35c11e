/*
 * request.c: the life of a struct mxg_req (creation on the first access
 * handler call, reference counting across a worker hand-off, the handler
 * run) and the mxg_req_* accessors handlers use.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/arena.h"
#include "core/log.h"
#include "http/internal.h"

/* Request arenas start with room for the request, its parameters and a
 * small body, so that most requests cost one chunk. */
#define REQ_ARENA_SIZE 2048

static enum mxg_method parse_method(const char *m)
{
	switch (m[0]) {
	case 'G':
		return strcmp(m, "GET") == 0 ? MXG_GET : 0;
	case 'H':
		return strcmp(m, "HEAD") == 0 ? MXG_HEAD : 0;
	case 'P':
		if (strcmp(m, "POST") == 0)
			return MXG_POST;
		if (strcmp(m, "PUT") == 0)
			return MXG_PUT;
		return strcmp(m, "PATCH") == 0 ? MXG_PATCH : 0;
	case 'D':
		return strcmp(m, "DELETE") == 0 ? MXG_DELETE : 0;
	case 'O':
		return strcmp(m, "OPTIONS") == 0 ? MXG_OPTIONS : 0;
	default:
		return 0;
	}
}

/* A bijection on 60-bit integers (xorshift-multiply), so that consecutive
 * counters give unrelated-looking ids that still never repeat. */
static uint64_t mix60(uint64_t x)
{
	const uint64_t mask = (UINT64_C(1) << 60) - 1;

	x &= mask;
	x ^= x >> 31;
	x = (x * UINT64_C(0x7fb5d329728ea185)) & mask;
	x ^= x >> 27;
	x = (x * UINT64_C(0x81dadef4bc2dd44d)) & mask;
	x ^= x >> 33;
	return x;
}

static void make_id(struct mxg_server *srv, char *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	uint64_t n = atomic_fetch_add_explicit(&srv->id_counter, 1, memory_order_relaxed);
	uint64_t x = mix60(n + srv->id_seed);

	for (int i = MXG_REQ_ID_LEN - 1; i >= 0; i--) {
		out[i] = digits[x & 31];
		x >>= 5;
	}
	out[MXG_REQ_ID_LEN] = '\0';
}

struct mxg_req *mxg_http_req_create(struct mxg_listener *lst, struct MHD_Connection *conn,
				    const char *raw_uri)
{
	struct mxg_arena *arena = mxg_arena_create(REQ_ARENA_SIZE);
	struct mxg_req *r = mxg_arena_alloc(arena, sizeof(*r));

	r->arena = arena;
	r->srv = lst->srv;
	r->lst = lst;
	r->conn = conn;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->raw_uri = raw_uri != NULL ? mxg_arena_strdup(arena, raw_uri) : NULL;
	atomic_init(&r->refs, 1);
	pthread_mutex_init(&r->lock, NULL);
	make_id(r->srv, r->id);
	return r;
}

void mxg_http_req_start(struct mxg_req *r, const char *url, const char *method)
{
	r->method = parse_method(method);
	r->method_name = method;
	r->path = url;
	/* Web clients read these from other origins (the OAuth endpoints
	 * too: a web client discovers, registers and gets tokens itself). */
	r->cors = strncmp(url, "/_matrix/", 9) == 0 ||
		  strncmp(url, "/.well-known/matrix/", 20) == 0 ||
		  strncmp(url, "/oauth2/", 8) == 0 ||
		  strcmp(url, "/.well-known/openid-configuration") == 0 ||
		  strcmp(url, "/.well-known/oauth-authorization-server") == 0;
}

void mxg_http_req_unref(struct mxg_req **rp)
{
	struct mxg_req *r = *rp;
	struct mxg_arena *arena;

	*rp = NULL;
	if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	json_decref(r->json);
	mxg_http_reply_release(r);
	pthread_mutex_destroy(&r->lock);
	arena = r->arena;
	mxg_arena_destroy(&arena);	/* r itself lives in it */
}

void mxg_http_req_append_body(struct mxg_req *r, const char *data, size_t len)
{
	size_t max = r->srv->set.max_body_size;

	if (r->body_too_large)
		return;
	if (len > max - r->body_len) {
		/* Stop storing; the final call answers 413. */
		r->body_too_large = true;
		return;
	}
	if (r->body_len + len + 1 > r->body_cap) {
		size_t cap = r->body_cap > 0 ? r->body_cap * 2 : 1024;
		char *p;

		while (cap < r->body_len + len + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		p = mxg_arena_alloc(r->arena, cap);
		if (r->body_len > 0)
			memcpy(p, r->body, r->body_len);
		r->body = p;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
}

void mxg_http_req_reserve_body(struct mxg_req *r, size_t len)
{
	/* Content-Length known and within the limit: one allocation. */
	if (len == 0 || r->body_cap > 0 || len > r->srv->set.max_body_size)
		return;
	r->body = mxg_arena_alloc(r->arena, len + 1);
	r->body_cap = len + 1;
}

void mxg_http_req_run(struct mxg_req *r)
{
	const struct mxg_route *route = r->match.route;

	mxg_log_set_request(r->id);
	mxg_log_set_context("http");
	route->handler(r);
	if (!r->has_reply) {
		mxg_error("handler of %s %s set no reply", r->method_name, route->pattern);
		mxg_reply_error(r, 500, "M_UNKNOWN", "Internal server error");
	}
	mxg_log_set_context(NULL);
	mxg_log_set_request(NULL);
}

double mxg_http_req_elapsed_ms(const struct mxg_req *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
}

/* --- accessors --- */

enum mxg_method mxg_req_method(const struct mxg_req *r)
{
	return r->method;
}

const char *mxg_req_path(const struct mxg_req *r)
{
	return r->path;
}

const char *mxg_req_id(const struct mxg_req *r)
{
	return r->id;
}

const char *mxg_req_client_ip(const struct mxg_req *r)
{
	struct mxg_req *w = (struct mxg_req *)r;	/* cache only */
	const union MHD_ConnectionInfo *ci;
	char buf[INET6_ADDRSTRLEN];

	if (r->client_ip != NULL)
		return r->client_ip;
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	w->client_ip = "-";
	if (ci == NULL || ci->client_addr == NULL)
		return r->client_ip;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ci->client_addr;

		if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)) != NULL)
			w->client_ip = mxg_arena_strdup(w->arena, buf);
	} else if (ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ci->client_addr;

		/* A dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			if (inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], buf, sizeof(buf)) != NULL)
				w->client_ip = mxg_arena_strdup(w->arena, buf);
		} else if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)) != NULL) {
			w->client_ip = mxg_arena_strdup(w->arena, buf);
		}
	}
	return r->client_ip;
}

struct mxg_arena *mxg_req_arena(struct mxg_req *r)
{
	return r->arena;
}

struct mxg_app *mxg_req_app(const struct mxg_req *r)
{
	return r->srv->app;
}

const char *mxg_req_param(const struct mxg_req *r, const char *name)
{
	for (size_t i = 0; i < r->match.nparams; i++)
		if (strcmp(r->match.params[i].name, name) == 0)
			return r->match.params[i].value;
	return NULL;
}

const char *mxg_req_query(const struct mxg_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *mxg_req_cookie(const struct mxg_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *mxg_req_header(const struct mxg_req *r, const char *name)
{
	/* MHD compares header names case-insensitively. */
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *mxg_req_body(const struct mxg_req *r, size_t *len_r)
{
	*len_r = r->body_len;
	return r->body != NULL ? r->body : "";
}

const char *mxg_req_bearer(const struct mxg_req *r)
{
	const char *h = mxg_req_header(r, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h != '\0' ? h : NULL;
}
