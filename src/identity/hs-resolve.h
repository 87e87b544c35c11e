/*
 * hs-resolve.h: where to reach a homeserver's federation API, given its
 * server name.
 *
 * First the configured map (identity.homeservers: private deployments and
 * tests), then the spec's server discovery: an IP literal or an explicit
 * port is used as it is; otherwise GET https://<name>/.well-known/matrix/server
 * and its m.server (itself an IP literal, host:port, or a host to look up
 * SRV for); otherwise SRV _matrix-fed._tcp then _matrix._tcp; otherwise
 * port 8448.  Blocking (HTTP and DNS): call it from a worker thread.
 */
#ifndef MXG_HS_RESOLVE_H
#define MXG_HS_RESOLVE_H

#include <stdbool.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_config;

struct mxg_hs_target {
	/* "https://host[:port]": the name for TLS and Host:, or the mapped
	 * base URL; no trailing slash. */
	const char *base_url;
	/* NULL, or libcurl CONNECT_TO "host:port:target:tport" when the
	 * connection goes to an SRV target under another name. */
	const char *connect_to;
};

/* Codes in struct mxg_error.code. */
enum mxg_hs_err {
	MXG_HS_ERR_INVALID_NAME = 1,	/* not a server name: 400 M_INVALID_PARAM */
};

/* True when name is a valid server name as sydent checks it: a DNS name
 * (labels of [A-Za-z0-9-], 1..63, no leading or trailing '-', 255 at most),
 * an IPv4 address, or [IPv6], then an optional :port in 1..65535. */
bool mxg_hs_server_name_valid(const char *name);

/* Split a valid server name into host (brackets kept for IPv6) and port (0
 * when absent), host in arena.  Returns 0, or -1 when name is not valid. */
int mxg_hs_server_name_split(struct mxg_arena *arena, const char *name, char **host_r,
			     int *port_r);

/* The m.server of a .well-known/matrix/server body, in arena, or NULL with
 * err when the body is not an object with a valid server name there. */
char *mxg_hs_parse_well_known(struct mxg_arena *arena, const char *body, size_t len,
			      struct mxg_error *err);

/*
 * Resolve server_name (lower-cased by the caller) into *target_r (strings in
 * arena).  Returns 0; -1 with MXG_HS_ERR_INVALID_NAME for a bad name.  A
 * failed well-known fetch or SRV lookup is not an error: discovery falls
 * through to the next step, as the spec says.
 */
int mxg_hs_resolve(const struct mxg_config *cfg, struct mxg_arena *arena,
		   const char *server_name, struct mxg_hs_target *target_r,
		   struct mxg_error *err);

#endif
