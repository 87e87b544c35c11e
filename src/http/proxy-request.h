/*
 * proxy-request.h: what the reverse proxy sends the homeserver for a
 * client's request (proxy.c runs the exchange): the URL, the method, the
 * headers but the hop-by-hop ones with X-Forwarded-For/-Proto/-Host added,
 * and how the body comes.  Built on MHD's event thread, used by the
 * exchange's.
 */
#ifndef MXG_HTTP_PROXY_REQUEST_H
#define MXG_HTTP_PROXY_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

struct mxg_req;

struct mxg_proxy_request {
	char *url;			/* base URL + the raw path and query */
	const char *method;
	struct curl_slist *headers;
	bool has_body;
	long long body_length;		/* -1: chunked */
	bool head_only;
};

/* Fill out from r: 0, or -1 when out of memory (out cleared by
 * mxg_proxy_request_clear either way). */
int mxg_proxy_request_build(const char *base_url, struct mxg_req *r,
			    struct mxg_proxy_request *out);
void mxg_proxy_request_clear(struct mxg_proxy_request *req);

/* Is this header hop-by-hop (RFC 9110 7.6.1), the connection's only? */
bool mxg_proxy_hop_by_hop(const char *name, size_t len);

#endif
