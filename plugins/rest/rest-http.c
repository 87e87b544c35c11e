/*
 * rest-http.c: one JSON POST from the `rest` store to its IAM service.
 *
 * Every call goes through mxg_rest_post(): the configured timeouts, the
 * response cap, TLS settings and the Authorization header are applied in one
 * place.  Request bodies carry the user's password (auth), so they are never
 * logged and their serialised copy is wiped; the Authorization header holds
 * mxgate's own secret and is wiped at deinit.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/log.h"
#include "http/client.h"
#include "rest.h"

static char *header_printf(const char *prefix, const char *value, size_t len)
{
	size_t plen = strlen(prefix);
	char *h = malloc(plen + len + 1);

	if (h == NULL)
		return NULL;
	memcpy(h, prefix, plen);
	memcpy(h + plen, value, len);
	h[plen + len] = '\0';
	return h;
}

int mxg_rest_http_init(struct mxg_rest_ctx *ctx, struct mxg_error *err)
{
	const struct mxg_rest_settings *set = ctx->set;

	for (int ep = 0; ep < MXG_REST_EP_COUNT; ep++) {
		const char *path = mxg_rest_ep_path(set, ep);
		struct mxg_arena *a;

		if (path[0] == '\0')
			continue;
		a = mxg_arena_create(256);
		ctx->urls[ep] = strdup(mxg_http_client_url(a, set->url, path, NULL));
		mxg_arena_destroy(&a);
		if (ctx->urls[ep] == NULL)
			return mxg_error_set(err, ENOMEM, "out of memory");
	}
	if (set->auth_bearer_token != NULL) {
		ctx->authorization = header_printf("Authorization: Bearer ", set->auth_bearer_token,
						   strlen(set->auth_bearer_token));
	} else if (set->auth_basic_user != NULL && set->auth_basic_password != NULL) {
		size_t ulen = strlen(set->auth_basic_user), plen = strlen(set->auth_basic_password);
		size_t cap = MXG_BASE64_ENCODED_SIZE(ulen + 1 + plen), n;
		char *pair = malloc(ulen + 1 + plen + 1), *b64 = malloc(cap);

		if (pair != NULL && b64 != NULL) {
			memcpy(pair, set->auth_basic_user, ulen);
			pair[ulen] = ':';
			memcpy(pair + ulen + 1, set->auth_basic_password, plen);
			n = mxg_base64_encode(pair, ulen + 1 + plen, b64, cap, 0);
			if (n != (size_t)-1)
				ctx->authorization = header_printf("Authorization: Basic ", b64, n);
			explicit_bzero(pair, ulen + 1 + plen);
			explicit_bzero(b64, cap);
		}
		free(pair);
		free(b64);
	} else {
		return 0;
	}
	if (ctx->authorization == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	return 0;
}

void mxg_rest_http_deinit(struct mxg_rest_ctx *ctx)
{
	for (int ep = 0; ep < MXG_REST_EP_COUNT; ep++) {
		free(ctx->urls[ep]);
		ctx->urls[ep] = NULL;
	}
	if (ctx->authorization != NULL) {
		explicit_bzero(ctx->authorization, strlen(ctx->authorization));
		free(ctx->authorization);
		ctx->authorization = NULL;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum mxg_store_result mxg_rest_post(struct mxg_rest_ctx *ctx, enum mxg_rest_ep ep,
				    const json_t *body, bool secret,
				    struct mxg_rest_answer *ans, struct mxg_error *err)
{
	const struct mxg_rest_settings *set = ctx->set;
	const char *headers[] = { "Accept: application/json", ctx->authorization, NULL };
	struct mxg_http_client_req req = {
		.method = "POST",
		.url = ctx->urls[ep],
		.headers = headers,
		.timeout_ms = set->timeout_ms,
		.connect_timeout_ms = set->connect_timeout_ms,
		.max_response = set->max_response,
		.ca_file = set->ca_file,
		.insecure = !set->tls_verify,
	};
	struct mxg_http_client_resp resp;
	json_error_t jerr;
	char *text;
	size_t len;
	long long start;
	int rc;

	memset(ans, 0, sizeof(*ans));
	if (req.url == NULL) {
		mxg_error_set(err, EINVAL, "%s: endpoint switched off", mxg_rest_ep_name(ep));
		return MXG_STORE_INTERNAL;
	}
	/* json_dumpb writes straight into our buffer: no reallocated copies of
	 * the password left behind in freed memory. */
	len = json_dumpb(body, NULL, 0, JSON_COMPACT);
	text = len > 0 ? malloc(len) : NULL;
	if (text == NULL || json_dumpb(body, text, len, JSON_COMPACT) != len) {
		free(text);
		mxg_error_set(err, ENOMEM, "%s: cannot serialise the request", mxg_rest_ep_name(ep));
		return MXG_STORE_INTERNAL;
	}
	req.body = text;
	req.body_len = len;
	start = now_ms();
	rc = mxg_http_client_request(&req, &resp, err);
	if (secret)
		explicit_bzero(text, len);
	free(text);
	if (rc < 0) {
		mxg_error_prefix(err, "%s: ", mxg_rest_ep_name(ep));
		return MXG_STORE_UNAVAILABLE;
	}
	mxg_debug("POST %s: HTTP %ld, %zu bytes in %lld ms", mxg_rest_ep_name(ep), resp.status,
		  resp.len, now_ms() - start);
	ans->status = resp.status;
	ans->www_authenticate = resp.www_authenticate;
	ans->json = json_loadb(resp.body, resp.len, JSON_REJECT_DUPLICATES, &jerr);
	if (ans->json != NULL && !json_is_object(ans->json)) {
		json_decref(ans->json);
		ans->json = NULL;
	}
	mxg_http_client_resp_free(&resp);
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_rest_answer_object(enum mxg_rest_ep ep,
					     const struct mxg_rest_answer *ans,
					     struct mxg_error *err)
{
	if (ans->status < 200 || ans->status > 299) {
		mxg_error_set(err, EPROTO, "%s: the IAM answered HTTP %ld%s", mxg_rest_ep_name(ep),
			      ans->status, (ans->status == 401 || ans->status == 403) ?
			      " (check auth_bearer_token / auth_basic_*)" : "");
		return MXG_STORE_UNAVAILABLE;
	}
	if (ans->json == NULL) {
		mxg_error_set(err, EPROTO, "%s: the answer is not a JSON object",
			      mxg_rest_ep_name(ep));
		return MXG_STORE_UNAVAILABLE;
	}
	return MXG_STORE_OK;
}
