/*
 * proxy-request.c: the request the reverse proxy sends the homeserver
 * (see proxy-request.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "http/internal.h"
#include "http/proxy-request.h"

bool mxg_proxy_hop_by_hop(const char *name, size_t len)
{
	static const char *const names[] = {
		"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
		"proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
			return true;
	return false;
}

/* Does a Connection header name this header (it is then hop-by-hop too)? */
static bool named_by(const char *connection, const char *name, size_t len)
{
	const char *p = connection;

	while (p != NULL && *p != '\0') {
		size_t n;

		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == len && strncasecmp(p, name, len) == 0)
			return true;
		p += n;
	}
	return false;
}
static const char *method_name(enum mxg_method m)
{
	switch (m) {
	case MXG_GET: return "GET";
	case MXG_HEAD: return "HEAD";
	case MXG_POST: return "POST";
	case MXG_PUT: return "PUT";
	case MXG_DELETE: return "DELETE";
	case MXG_PATCH: return "PATCH";
	case MXG_OPTIONS: return "OPTIONS";
	}
	return "GET";
}

struct header_walk {
	struct curl_slist *list;
	const char *connection;		/* the client's Connection header */
	const char *forwarded_for;	/* its X-Forwarded-For */
	bool accept, failed;
};

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *name,
				   const char *value)
{
	struct header_walk *w = cls;
	size_t len = strlen(name);
	struct curl_slist *l;
	char *line;

	(void)kind;
	if (mxg_proxy_hop_by_hop(name, len) || named_by(w->connection, name, len) ||
	    strcasecmp(name, "Host") == 0 || strcasecmp(name, "Content-Length") == 0 ||
	    strcasecmp(name, "Expect") == 0 || strcasecmp(name, "X-Forwarded-For") == 0 ||
	    strcasecmp(name, "X-Forwarded-Proto") == 0 || strcasecmp(name, "X-Forwarded-Host") == 0)
		return MHD_YES;
	if (strcasecmp(name, "Accept") == 0)
		w->accept = true;
	/* "Name;" is libcurl's way of sending a header with an empty value. */
	if (asprintf(&line, value[0] != '\0' ? "%s: %s" : "%s;", name, value) < 0) {
		w->failed = true;
		return MHD_NO;
	}
	l = curl_slist_append(w->list, line);
	free(line);
	if (l == NULL) {
		w->failed = true;
		return MHD_NO;
	}
	w->list = l;
	return MHD_YES;
}

/* Add "name: value" (value NULL: "name:", which tells libcurl to leave
 * out a header it would add itself). */
static void add_header(struct header_walk *w, const char *name, const char *value)
{
	struct curl_slist *l;
	char *line;

	if (w->failed || asprintf(&line, "%s:%s%s", name, value != NULL ? " " : "",
				  value != NULL ? value : "") < 0) {
		w->failed = true;
		return;
	}
	l = curl_slist_append(w->list, line);
	free(line);
	if (l == NULL)
		w->failed = true;
	else
		w->list = l;
}

int mxg_proxy_request_build(const char *base_url, struct mxg_req *r,
			    struct mxg_proxy_request *out)
{
	struct MHD_Connection *c = r->conn;
	struct header_walk w = {
		.connection = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Connection"),
		.forwarded_for = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     "X-Forwarded-For"),
	};
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");

	if (asprintf(&out->url, "%s%s", base_url,
		     r->raw_uri != NULL ? r->raw_uri : r->path) < 0) {
		out->url = NULL;	/* asprintf leaves it undefined */
		return -1;
	}
	MHD_get_connection_values(c, MHD_HEADER_KIND, copy_header, &w);
	/* A proxy appends the address it got the request from. */
	if (w.forwarded_for != NULL) {
		char *xff;

		if (asprintf(&xff, "%s, %s", w.forwarded_for, mxg_req_client_ip(r)) < 0) {
			w.failed = true;
		} else {
			add_header(&w, "X-Forwarded-For", xff);
			free(xff);
		}
	} else {
		add_header(&w, "X-Forwarded-For", mxg_req_client_ip(r));
	}
	add_header(&w, "X-Forwarded-Proto", "http");
	if (host != NULL)
		add_header(&w, "X-Forwarded-Host", host);
	/* An empty POST keeps saying so: libcurl sends no length without
	 * a body of its own. */
	if (cl != NULL && strtoll(cl, NULL, 10) == 0)
		add_header(&w, "Content-Length", "0");
	/* libcurl's own additions, unless the client sent them. */
	add_header(&w, "Expect", NULL);
	if (!w.accept)
		add_header(&w, "Accept", NULL);
	out->headers = w.list;
	if (w.failed)
		return -1;
	out->method = method_name(r->method);
	out->head_only = r->method == MXG_HEAD;
	out->body_length = cl != NULL ? strtoll(cl, NULL, 10) : -1;
	out->has_body = (cl != NULL && out->body_length > 0) ||
		       (te != NULL && strcasecmp(te, "identity") != 0);
	if (te != NULL && strcasecmp(te, "identity") != 0)
		out->body_length = -1;
	return 0;
}

void mxg_proxy_request_clear(struct mxg_proxy_request *req)
{
	curl_slist_free_all(req->headers);
	free(req->url);
	req->headers = NULL;
	req->url = NULL;
}
