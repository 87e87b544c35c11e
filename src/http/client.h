/*
 * client.h: outbound HTTP(S) requests to peers (homeservers, gateways).
 *
 * One libcurl easy handle per call, so any thread may call at any time;
 * curl_global_init() runs once, on the first call.  Every request has a total
 * and a connect timeout from the caller, a cap on the response body (the
 * transfer is aborted beyond it), TLS verification on, and no redirects
 * unless asked.  URLs are logged without their query string: tokens travel
 * there (OpenID userinfo).
 */
#ifndef MXG_HTTP_CLIENT_H
#define MXG_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"

struct mxg_arena;

/* Codes in struct mxg_error.code. */
enum mxg_http_client_err {
	MXG_HTTPC_ERR_TIMEOUT = 1,	/* connect or total timeout */
	MXG_HTTPC_ERR_REFUSED,		/* connection refused, host unreachable */
	MXG_HTTPC_ERR_RESOLVE,		/* no such host */
	MXG_HTTPC_ERR_TLS,		/* handshake or certificate failed */
	MXG_HTTPC_ERR_TOO_LARGE,	/* response body above max_response */
	MXG_HTTPC_ERR_STATUS,		/* mxg_http_client_json only: not 2xx */
	MXG_HTTPC_ERR_BAD_JSON,		/* mxg_http_client_json only: not an object */
	MXG_HTTPC_ERR_NETWORK,		/* anything else on the wire */
	MXG_HTTPC_ERR_INTERNAL,		/* bad arguments, out of memory */
};

struct mxg_http_client_req {
	const char *method;		/* "GET" (default when NULL), "POST", "PUT" */
	const char *url;		/* http:// or https:// only */
	const char *const *headers;	/* "Name: value", NULL-terminated; may be NULL */
	const char *body;		/* POST/PUT body; may be NULL */
	size_t body_len;
	const char *content_type;	/* of body; default application/json */
	/* Connect to another address than the URL's host while keeping the
	 * URL's name for TLS and Host: (federation SRV / delegation), in
	 * libcurl's CONNECT_TO form "host:port:connect-host:connect-port". */
	const char *connect_to;
	long long timeout_ms;		/* whole transfer; 0 = 10 s */
	long long connect_timeout_ms;	/* 0 = min(timeout, 5 s) */
	size_t max_response;		/* body cap; 0 = 1 MiB */
	bool follow_redirects;		/* at most 5, http(s) only */
	const char *ca_file;		/* PEM bundle to verify the peer with; NULL =
					 * the system's */
	bool insecure;			/* skip TLS certificate and host name checks
					 * (an admin's explicit choice; default off) */
};

struct mxg_http_client_resp {
	long status;			/* HTTP status */
	char *body;			/* NUL-terminated, malloc'd */
	size_t len;
	bool www_authenticate;		/* the answer carried WWW-Authenticate: on a
					 * 401, HTTP-level credentials were refused
					 * (RFC 7235), not an application's answer */
	char retry_after[16];		/* its Retry-After (delta-seconds), or "" */
};

/*
 * Perform req.  Returns 0 with *resp_r filled for any HTTP status (free it
 * with mxg_http_client_resp_free), or -1 with err (code: enum
 * mxg_http_client_err; the message names the URL without its query).
 */
int mxg_http_client_request(const struct mxg_http_client_req *req,
			    struct mxg_http_client_resp *resp_r, struct mxg_error *err);

void mxg_http_client_resp_free(struct mxg_http_client_resp *resp);

/*
 * As mxg_http_client_request, then parse a JSON object.  Returns 0 with
 * *json_r (the caller's reference) when the status is 2xx and the body is an
 * object.  Otherwise -1 with err: MXG_HTTPC_ERR_STATUS (then *json_r is the
 * body when it was a JSON object, else NULL), MXG_HTTPC_ERR_BAD_JSON, or the
 * transport's code.  *status_r (may be NULL) gets the status, 0 when no
 * answer came.
 */
int mxg_http_client_json(const struct mxg_http_client_req *req, long *status_r,
			 json_t **json_r, struct mxg_error *err);

/*
 * base + path + "?k=v&..." (query: key, value, ..., NULL; may be NULL), with
 * one '/' between base and path and the query values percent-encoded.
 * Returns the URL in arena.
 */
char *mxg_http_client_url(struct mxg_arena *arena, const char *base, const char *path,
			  const char *const *query);

/* url without its query string and fragment, for logs and errors, into buf
 * (always NUL-terminated). */
void mxg_http_client_redact(const char *url, char *buf, size_t size);

/* libcurl's process-wide setup, once, from any thread; every user of
 * libcurl (this client, SMTP, SMS) calls it before curl_easy_init().
 * Returns 0, or -1 + err. */
int mxg_curl_global_init(struct mxg_error *err);

#endif
