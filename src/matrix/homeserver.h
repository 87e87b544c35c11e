/*
 * homeserver.h: calls mxgate makes to the homeserver's client-server API
 * (`homeserver.base_url`): JWT logins, login flows, directory searches and
 * profiles.  The reverse proxy streams and does not go through here.
 */
#ifndef MXG_MATRIX_HOMESERVER_H
#define MXG_MATRIX_HOMESERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "http/client.h"

struct mxg_config;

struct mxg_hs_call {
	const char *method;		/* "GET" (default when NULL), "POST", "PUT" */
	const char *path;		/* "/_matrix/client/v3/login", query included */
	const char *access_token;	/* sent as a Bearer token; NULL: none */
	const char *client_ip;		/* sent as X-Forwarded-For; NULL: none */
	const char *body;		/* JSON; may be NULL */
	size_t body_len;
	size_t max_response;		/* 0: 1 MiB */
};

/* Is a homeserver configured (homeserver.base_url)? */
bool mxg_hs_configured(const struct mxg_config *cfg);

/*
 * Perform call against the configured homeserver with its timeouts and TLS
 * settings.  Returns 0 with *resp_r for any HTTP status (free it with
 * mxg_http_client_resp_free), or -1 with err (code: enum
 * mxg_http_client_err; MXG_HTTPC_ERR_INTERNAL when no homeserver is
 * configured).  The access token never appears in err or the log.
 */
int mxg_hs_request(const struct mxg_config *cfg, const struct mxg_hs_call *call,
		   struct mxg_http_client_resp *resp_r, struct mxg_error *err);

#endif
