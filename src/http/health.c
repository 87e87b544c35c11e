/*
 * health.c: GET /health (is the database answering?) and GET /metrics
 * (Prometheus text), the routes the http module serves itself.
 */
#include "config.h"

#include "core/app.h"
#include "core/log.h"
#include "db/db.h"
#include "http/internal.h"
#include "http/workers.h"

/* Blocking: the ping is a database round trip. */
static void health_get(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_error err = { 0 };

	if (app == NULL || app->db == NULL) {
		mxg_reply_error(r, 503, "M_UNKNOWN", "database unavailable");
		return;
	}
	if (mxg_db_ping(app->db, &err) < 0) {
		mxg_warning("health: database ping failed: %s", err.msg);
		mxg_reply_error(r, 503, "M_UNKNOWN", "database unavailable");
		return;
	}
	mxg_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* Inline: counters and /proc/self/statm only. */
static void metrics_get(struct mxg_req *r)
{
	struct mxg_server *srv = r->srv;
	size_t len;
	char *text = mxg_http_metrics_render(&srv->metrics, mxg_workers_queued(srv->workers),
					     r->arena, &len);

	mxg_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

const struct mxg_route mxg_health_routes[] = {
	{ MXG_GET, "/health", MXG_RES_HEALTH, health_get, MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/metrics", MXG_RES_METRICS, metrics_get, 0 },
	{ 0 },
};
