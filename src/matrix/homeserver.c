/*
 * homeserver.c: calls to the homeserver's client-server API (see
 * homeserver.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/mxconfig.h"
#include "matrix/homeserver.h"

bool mxg_hs_configured(const struct mxg_config *cfg)
{
	return cfg->homeserver.base_url != NULL;
}

int mxg_hs_request(const struct mxg_config *cfg, const struct mxg_hs_call *call,
		   struct mxg_http_client_resp *resp_r, struct mxg_error *err)
{
	const struct mxg_homeserver_conf *hs = &cfg->homeserver;
	struct mxg_arena *arena;
	const char *headers[4];
	size_t nh = 0;
	int rc;

	memset(resp_r, 0, sizeof(*resp_r));
	if (hs->base_url == NULL)
		return mxg_error_set(err, MXG_HTTPC_ERR_INTERNAL, "no homeserver.base_url configured");
	arena = mxg_arena_create(1024);
	headers[nh++] = "Accept: application/json";
	if (call->access_token != NULL)
		headers[nh++] = mxg_arena_printf(arena, "Authorization: Bearer %s", call->access_token);
	if (call->client_ip != NULL)
		headers[nh++] = mxg_arena_printf(arena, "X-Forwarded-For: %s", call->client_ip);
	headers[nh] = NULL;
	rc = mxg_http_client_request(&(struct mxg_http_client_req){
		.method = call->method,
		.url = mxg_arena_printf(arena, "%s%s", hs->base_url, call->path),
		.headers = headers,
		.body = call->body,
		.body_len = call->body_len,
		.timeout_ms = hs->timeout_ms,
		.connect_timeout_ms = hs->connect_timeout_ms,
		.max_response = call->max_response,
		.ca_file = hs->ca_file,
		.insecure = !hs->tls_verify,
	}, resp_r, err);
	mxg_arena_destroy(&arena);
	return rc;
}
