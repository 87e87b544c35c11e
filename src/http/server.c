/* server.c: placeholder, replaced by the libmicrohttpd server. */
#include "config.h"
#include <stdarg.h>
#include "http/server.h"

const struct mxg_route mxg_health_routes[] = { { 0 } };

int mxg_server_create(const struct mxg_server_settings *settings, struct mxg_app *app,
		      struct mxg_server **srv_r, struct mxg_error *err)
{ (void)settings; (void)app; *srv_r = NULL; return mxg_error_set(err, 1, "not implemented"); }
void mxg_server_add_routes(struct mxg_server *srv, const struct mxg_route *routes) { (void)srv; (void)routes; }
int mxg_server_listen(struct mxg_server *srv, const char *host, int port,
		      unsigned int resource_mask, int *port_r, struct mxg_error *err)
{ (void)srv; (void)host; (void)port; (void)resource_mask; (void)port_r; return mxg_error_set(err, 1, "not implemented"); }
unsigned int mxg_server_shutdown(struct mxg_server *srv, long long timeout_ms) { (void)srv; (void)timeout_ms; return 0; }
void mxg_server_destroy(struct mxg_server **srv) { *srv = NULL; }
enum mxg_method mxg_req_method(const struct mxg_req *r) { (void)r; return MXG_GET; }
const char *mxg_req_path(const struct mxg_req *r) { (void)r; return "/"; }
const char *mxg_req_id(const struct mxg_req *r) { (void)r; return "-"; }
const char *mxg_req_client_ip(const struct mxg_req *r) { (void)r; return "-"; }
struct mxg_arena *mxg_req_arena(struct mxg_req *r) { (void)r; return NULL; }
struct mxg_app *mxg_req_app(const struct mxg_req *r) { (void)r; return NULL; }
const char *mxg_req_param(const struct mxg_req *r, const char *name) { (void)r; (void)name; return NULL; }
const char *mxg_req_query(const struct mxg_req *r, const char *name) { (void)r; (void)name; return NULL; }
const char *mxg_req_header(const struct mxg_req *r, const char *name) { (void)r; (void)name; return NULL; }
const char *mxg_req_body(const struct mxg_req *r, size_t *len_r) { (void)r; *len_r = 0; return ""; }
json_t *mxg_req_json_or_reply(struct mxg_req *r) { (void)r; return NULL; }
void mxg_reply_json(struct mxg_req *r, unsigned int status, json_t *body) { (void)r; (void)status; json_decref(body); }
void mxg_reply_error(struct mxg_req *r, unsigned int status, const char *errcode, const char *fmt, ...)
{ (void)r; (void)status; (void)errcode; (void)fmt; }
void mxg_reply_error_extra(struct mxg_req *r, unsigned int status, const char *errcode,
			   json_t *extra, const char *fmt, ...)
{ (void)r; (void)status; (void)errcode; (void)fmt; json_decref(extra); }
void mxg_reply_raw(struct mxg_req *r, unsigned int status, const char *content_type,
		   const char *body, size_t len)
{ (void)r; (void)status; (void)content_type; (void)body; (void)len; }
void mxg_reply_header(struct mxg_req *r, const char *name, const char *value) { (void)r; (void)name; (void)value; }
bool mxg_req_has_reply(const struct mxg_req *r) { (void)r; return false; }
