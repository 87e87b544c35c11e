/*
 * hs-resolve.c: Matrix server discovery (spec "Resolving server names"),
 * behind a configured map that wins over it.
 *
 * DNS SRV goes through res_query() (glibc has it in libc since 2.34) and the
 * answer is parsed here with dn_expand(): ns_initparse() would need
 * libresolv.  The resolver's own timeout and retry settings bound it.
 * Results are not cached: registration is rare.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <errno.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "http/client.h"
#include "identity/hs-resolve.h"

#define FEDERATION_PORT 8448
#define WELL_KNOWN_TIMEOUT_MS 5000
#define WELL_KNOWN_MAX (64 * 1024)

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* sydent's hostname_regex: labels [A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?,
 * dot-separated, an optional trailing dot, 255 characters at most. */
static bool hostname_valid(const char *h, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > 255)
		return false;
	if (h[len - 1] == '.')
		len--;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || h[i] == '.') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (label == 0 && !label_char(h[i]))
			return false;
		if (!label_char(h[i]) && h[i] != '-')
			return false;
		label++;
	}
	return true;
}

static bool port_valid(const char *p, int *port_r)
{
	long v = 0;

	if (*p == '\0' || strlen(p) > 5)
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*port_r = (int)v;
	return true;
}

/* host (into buf, brackets kept) and port of name; false when invalid. */
static bool split(const char *name, char *host, size_t size, int *port_r)
{
	const char *colon;
	size_t hlen;

	*port_r = 0;
	if (name == NULL || name[0] == '\0')
		return false;
	if (name[0] == '[') {
		const char *close = strchr(name, ']');
		unsigned char addr[16];
		char tmp[INET6_ADDRSTRLEN + 1];

		if (close == NULL || (size_t)(close - name - 1) >= sizeof(tmp))
			return false;
		memcpy(tmp, name + 1, (size_t)(close - name - 1));
		tmp[close - name - 1] = '\0';
		if (inet_pton(AF_INET6, tmp, addr) != 1)
			return false;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] != '\0' && colon == NULL)
			return false;
		hlen = (size_t)(close - name + 1);
	} else {
		colon = strrchr(name, ':');
		hlen = colon != NULL ? (size_t)(colon - name) : strlen(name);
		if (!hostname_valid(name, hlen))
			return false;
	}
	if (colon != NULL && !port_valid(colon + 1, port_r))
		return false;
	if (hlen >= size)
		return false;
	memcpy(host, name, hlen);
	host[hlen] = '\0';
	return true;
}

bool mxg_hs_server_name_valid(const char *name)
{
	char host[300];
	int port;

	return split(name, host, sizeof(host), &port);
}

int mxg_hs_server_name_split(struct mxg_arena *arena, const char *name, char **host_r,
			     int *port_r)
{
	char host[300];

	if (!split(name, host, sizeof(host), port_r))
		return -1;
	*host_r = mxg_arena_strdup(arena, host);
	return 0;
}

char *mxg_hs_parse_well_known(struct mxg_arena *arena, const char *body, size_t len,
			      struct mxg_error *err)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	const char *server = json_string_value(json_object_get(root, "m.server"));
	char *ret = NULL;

	if (!json_is_object(root))
		mxg_error_set(err, EINVAL, "the well-known answer is not a JSON object");
	else if (server == NULL)
		mxg_error_set(err, EINVAL, "the well-known answer has no m.server string");
	else if (!mxg_hs_server_name_valid(server))
		mxg_error_set(err, EINVAL, "the well-known m.server is not a server name");
	else
		ret = mxg_arena_strdup(arena, server);
	json_decref(root);
	return ret;
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return host[0] == '[' || inet_pton(AF_INET, host, addr) == 1;
}

/* The best SRV target of name ("_matrix-fed._tcp.host"): lowest priority,
 * then highest weight.  Returns true with target (in arena) and port. */
static bool srv_lookup(struct mxg_arena *arena, const char *name, char **target_r, int *port_r)
{
	unsigned char answer[4096];
	const unsigned char *p, *end;
	char dname[NS_MAXDNAME];
	int len, qd, an, best_prio = 65536, best_weight = -1;

	len = res_query(name, ns_c_in, ns_t_srv, answer, sizeof(answer));
	if (len < NS_HFIXEDSZ || len > (int)sizeof(answer))
		return false;
	end = answer + len;
	qd = (answer[4] << 8) | answer[5];
	an = (answer[6] << 8) | answer[7];
	p = answer + NS_HFIXEDSZ;
	for (int i = 0; i < qd; i++) {
		int n = dn_expand(answer, end, p, dname, sizeof(dname));

		if (n < 0 || p + n + 4 > end)
			return false;
		p += n + 4;	/* QTYPE, QCLASS */
	}
	*target_r = NULL;
	for (int i = 0; i < an; i++) {
		int n = dn_expand(answer, end, p, dname, sizeof(dname)), type, rdlen;

		if (n < 0 || p + n + 10 > end)
			break;
		p += n;
		type = (p[0] << 8) | p[1];
		rdlen = (p[8] << 8) | p[9];
		p += 10;
		if (p + rdlen > end)
			break;
		if (type == ns_t_srv && rdlen >= 7) {
			int prio = (p[0] << 8) | p[1], weight = (p[2] << 8) | p[3];
			int port = (p[4] << 8) | p[5];

			if (dn_expand(answer, end, p + 6, dname, sizeof(dname)) >= 0 &&
			    strcmp(dname, ".") != 0 && dname[0] != '\0' &&
			    (prio < best_prio || (prio == best_prio && weight > best_weight))) {
				best_prio = prio;
				best_weight = weight;
				*target_r = mxg_arena_strdup(arena, dname);
				*port_r = port;
			}
		}
		p += rdlen;
	}
	return *target_r != NULL;
}

/* host has no port and is no IP literal: SRV, else :8448.  The URL keeps
 * host as the TLS and Host: name. */
static void resolve_srv(struct mxg_arena *arena, const char *host, struct mxg_hs_target *t)
{
	static const char *const services[] = { "_matrix-fed._tcp.", "_matrix._tcp." };
	char *target;
	int port;

	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		if (srv_lookup(arena, mxg_arena_printf(arena, "%s%s", services[i], host),
			       &target, &port)) {
			t->base_url = mxg_arena_printf(arena, "https://%s", host);
			t->connect_to = mxg_arena_printf(arena, "%s:443:%s:%d", host, target, port);
			return;
		}
	}
	t->base_url = mxg_arena_printf(arena, "https://%s:%d", host, FEDERATION_PORT);
	t->connect_to = NULL;
}

static const char *well_known(struct mxg_arena *arena, const char *host)
{
	struct mxg_http_client_req req = {
		.url = mxg_arena_printf(arena, "https://%s/.well-known/matrix/server", host),
		.timeout_ms = WELL_KNOWN_TIMEOUT_MS,
		.max_response = WELL_KNOWN_MAX,
		.follow_redirects = true,	/* the spec says to follow 30x here */
	};
	struct mxg_http_client_resp resp;
	struct mxg_error err;
	char *server = NULL;

	mxg_error_clear(&err);
	if (mxg_http_client_request(&req, &resp, &err) < 0) {
		mxg_debug("federation discovery for %s: no well-known (%s)", host, err.msg);
		return NULL;
	}
	if (resp.status == 200)
		server = mxg_hs_parse_well_known(arena, resp.body, resp.len, &err);
	if (resp.status == 200 && server == NULL)
		mxg_info("federation discovery for %s: %s", host, err.msg);
	mxg_http_client_resp_free(&resp);
	return server;
}

/* Steps 1, 2 and the SRV steps, for a name with no well-known involved. */
static void resolve_direct(struct mxg_arena *arena, const char *name, bool srv,
			   struct mxg_hs_target *t)
{
	char *host;
	int port;

	mxg_hs_server_name_split(arena, name, &host, &port);
	t->connect_to = NULL;
	if (port != 0)
		t->base_url = mxg_arena_printf(arena, "https://%s:%d", host, port);
	else if (is_ip_literal(host) || !srv)
		t->base_url = mxg_arena_printf(arena, "https://%s:%d", host, FEDERATION_PORT);
	else
		resolve_srv(arena, host, t);
}

int mxg_hs_resolve(const struct mxg_config *cfg, struct mxg_arena *arena,
		   const char *server_name, struct mxg_hs_target *target_r,
		   struct mxg_error *err)
{
	const struct mxg_hs_map_conf *map = cfg->identity.homeservers.items;
	const char *delegated;
	char *host;
	int port;

	memset(target_r, 0, sizeof(*target_r));
	if (mxg_hs_server_name_split(arena, server_name, &host, &port) < 0)
		return mxg_error_set(err, MXG_HS_ERR_INVALID_NAME, "not a valid server name");
	for (size_t i = 0; i < cfg->identity.homeservers.count; i++) {
		if (strcasecmp(map[i].server_name, server_name) == 0) {
			size_t n = strlen(map[i].base_url);

			while (n > 0 && map[i].base_url[n - 1] == '/')
				n--;
			target_r->base_url = mxg_arena_strndup(arena, map[i].base_url, n);
			return 0;
		}
	}
	if (port != 0 || is_ip_literal(host)) {
		resolve_direct(arena, server_name, false, target_r);
		return 0;
	}
	delegated = well_known(arena, host);
	resolve_direct(arena, delegated != NULL ? delegated : host, true, target_r);
	return 0;
}
