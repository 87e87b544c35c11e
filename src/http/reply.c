/*
 * reply.c: the mxg_reply_* functions handlers call, Matrix error objects,
 * strict body parsing, and turning the stored reply into an MHD response
 * with the CORS headers the Matrix spec asks for.
 *
 * A handler may run on a worker thread, so setting a reply only fills the
 * request; mxg_http_reply_queue() hands it to MHD on the event thread.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"
#include "http/internal.h"

/* Matrix spec, Identity Service API and Client-Server API: CORS. */
#define CORS_ORIGIN "*"
#define CORS_METHODS "GET, POST, PUT, DELETE, OPTIONS"
#define CORS_HEADERS "Origin, X-Requested-With, Content-Type, Accept, Authorization"

/* Sent when even the error object cannot be built (out of memory). */
static const char fallback_500[] = "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Internal server error\"}";

static bool reply_taken(struct mxg_req *r, unsigned int status)
{
	if (!r->has_reply)
		return false;
	/* A programming error in a handler; keep the first reply. */
	mxg_error("second reply (%u) for %s %s ignored", status, r->method_name, r->path);
	return true;
}

static void set_fallback(struct mxg_req *r)
{
	r->has_reply = true;
	r->status = 500;
	r->content_type = "application/json";
	r->reply_body = (char *)fallback_500;
	r->reply_len = sizeof(fallback_500) - 1;
	r->reply_malloced = false;
}

/* json_dumps() text is freed by jansson's allocator, which a module may
 * have replaced (json_set_alloc_funcs), so never with plain free(). */
static void free_json_text(void *text)
{
	json_malloc_t malloc_fn;
	json_free_t free_fn;

	json_get_alloc_funcs(&malloc_fn, &free_fn);
	free_fn(text);
}

void mxg_reply_json(struct mxg_req *r, unsigned int status, json_t *body)
{
	char *text;

	if (reply_taken(r, status)) {
		json_decref(body);
		return;
	}
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL) {
		mxg_error("cannot serialise the JSON reply of %s %s", r->method_name, r->path);
		set_fallback(r);
		return;
	}
	r->has_reply = true;
	r->status = status;
	r->content_type = "application/json";
	r->reply_body = text;
	r->reply_len = strlen(text);
	r->reply_malloced = true;
}

/* json_string() refuses invalid UTF-8, and a message may quote client
 * input: fall back to a copy with every non-ASCII byte replaced. */
static json_t *message_string(struct mxg_arena *arena, const char *msg)
{
	json_t *s = json_string(msg);
	char *copy;

	if (s != NULL)
		return s;
	copy = mxg_arena_strdup(arena, msg);
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return json_string(copy);
}

static void reply_error_v(struct mxg_req *r, unsigned int status, const char *errcode,
			  json_t *extra, const char *fmt, va_list ap)
{
	json_t *obj;
	char *msg;

	if (reply_taken(r, status)) {
		json_decref(extra);
		return;
	}
	msg = mxg_arena_vprintf(r->arena, fmt, ap);
	if (json_is_object(extra)) {
		obj = extra;
	} else {
		json_decref(extra);
		obj = json_object();
	}
	/* errcode and error always win over extra members of the same name. */
	if (obj == NULL || json_object_set_new(obj, "errcode", json_string(errcode)) != 0 ||
	    json_object_set_new(obj, "error", message_string(r->arena, msg)) != 0) {
		json_decref(obj);
		set_fallback(r);
		return;
	}
	mxg_reply_json(r, status, obj);
}

void mxg_reply_error(struct mxg_req *r, unsigned int status, const char *errcode,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(r, status, errcode, NULL, fmt, ap);
	va_end(ap);
}

void mxg_reply_error_extra(struct mxg_req *r, unsigned int status, const char *errcode,
			   json_t *extra, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(r, status, errcode, extra, fmt, ap);
	va_end(ap);
}

void mxg_reply_raw(struct mxg_req *r, unsigned int status, const char *content_type,
		   const char *body, size_t len)
{
	if (reply_taken(r, status))
		return;
	r->has_reply = true;
	r->status = status;
	r->content_type = mxg_arena_strdup(r->arena, content_type);
	/* The arena outlives the response: MHD reads it until completion. */
	r->reply_body = len > 0 ? mxg_arena_memdup(r->arena, body, len) : (char *)"";
	r->reply_len = len;
	r->reply_malloced = false;
}

void mxg_reply_header(struct mxg_req *r, const char *name, const char *value)
{
	struct mxg_reply_header *h;

	/* Header injection: a CR or LF would start a new header line. */
	if (strpbrk(name, "\r\n: ") != NULL || strpbrk(value, "\r\n") != NULL) {
		mxg_error("reply header %s refused: CR, LF or bad name", name);
		return;
	}
	h = mxg_arena_alloc(r->arena, sizeof(*h));
	h->name = mxg_arena_strdup(r->arena, name);
	h->value = mxg_arena_strdup(r->arena, value);
	h->next = r->headers;
	r->headers = h;
}

bool mxg_req_has_reply(const struct mxg_req *r)
{
	return r->has_reply;
}

json_t *mxg_req_json_or_reply(struct mxg_req *r)
{
	struct mxg_error err = { 0 };
	json_t *obj;

	if (r->json != NULL)
		return r->json;
	obj = mxg_json_parse_object(r->body != NULL ? r->body : "", r->body_len, &err);
	if (obj == NULL) {
		mxg_debug("request body refused: %s", err.msg);
		if (err.code == MXG_JSON_NOT_OBJECT)
			mxg_reply_error(r, 400, "M_BAD_JSON", "Content must be a JSON object");
		else
			mxg_reply_error(r, 400, "M_NOT_JSON", "Content not JSON");
		return NULL;
	}
	r->json = obj;
	return obj;
}

void mxg_http_reply_preflight(struct mxg_req *r)
{
	mxg_reply_raw(r, 200, "application/json", "{}", 2);
}

void mxg_http_reply_release(struct mxg_req *r)
{
	if (r->reply_malloced) {
		free_json_text(r->reply_body);
		r->reply_body = NULL;
		r->reply_malloced = false;
	}
}

enum MHD_Result mxg_http_reply_queue(struct mxg_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!r->has_reply)
		set_fallback(r);
	if (r->reply_malloced) {
		resp = MHD_create_response_from_buffer_with_free_callback(r->reply_len,
									  r->reply_body,
									  free_json_text);
		if (resp != NULL)
			r->reply_malloced = false;	/* MHD frees it with the response */
	} else {
		resp = MHD_create_response_from_buffer(r->reply_len, r->reply_body,
						       MHD_RESPMEM_PERSISTENT);
	}
	if (resp == NULL) {
		mxg_error("cannot create the response of %s %s", r->method_name, r->path);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->cors) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN,
					CORS_ORIGIN);
		MHD_add_response_header(resp, "Access-Control-Allow-Methods", CORS_METHODS);
		MHD_add_response_header(resp, "Access-Control-Allow-Headers", CORS_HEADERS);
	}
	for (const struct mxg_reply_header *h = r->headers; h != NULL; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	/* While draining, tell keep-alive clients to go elsewhere. */
	if (atomic_load_explicit(&r->srv->draining, memory_order_relaxed))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		r->queued = true;
		mxg_http_metrics_count_status(&r->srv->metrics, r->status);
	}
	return ret;
}
