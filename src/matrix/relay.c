/*
 * relay.c: passing a request on to the homeserver and its answer back,
 * for every handler in front of the homeserver.  A homeserver that is down
 * or slow becomes 502 or 504 with a Matrix error the client can show,
 * never a hang: every call has homeserver.timeout.
 */
#include "config.h"

#include "core/app.h"
#include "core/log.h"
#include "matrix/homeserver.h"
#include "matrix/matrix.h"

void mxg_matrix_relay_failure(struct mxg_req *r, const struct mxg_error *err)
{
	mxg_warning("homeserver: %s", err->msg);
	if (err->code == MXG_HTTPC_ERR_TIMEOUT)
		mxg_reply_error(r, 504, "M_UNKNOWN", "The homeserver did not answer in time");
	else if (err->code == MXG_HTTPC_ERR_TOO_LARGE)
		mxg_reply_error(r, 502, "M_UNKNOWN", "The homeserver's answer is too large");
	else
		mxg_reply_error(r, 502, "M_UNKNOWN", "The homeserver is unreachable");
}

void mxg_matrix_relay(struct mxg_req *r, const struct mxg_http_client_resp *resp)
{
	/* An HTTP status outside what we may send on is the homeserver's
	 * fault, not the client's. */
	if (resp->status < 100 || resp->status > 599) {
		mxg_reply_error(r, 502, "M_UNKNOWN", "The homeserver gave a broken answer");
		return;
	}
	/* A rate-limited client learns when to come back, as from the
	 * homeserver itself. */
	if (resp->retry_after[0] != '\0')
		mxg_reply_header(r, "Retry-After", resp->retry_after);
	mxg_reply_raw(r, (unsigned int)resp->status, "application/json",
		      resp->body != NULL ? resp->body : "", resp->len);
}

void mxg_matrix_forward(struct mxg_req *r, const char *path, const char *body, size_t body_len)
{
	const struct mxg_app *app = mxg_req_app(r);
	enum mxg_method m = mxg_req_method(r);
	struct mxg_http_client_resp resp;
	struct mxg_error err;

	if (!mxg_hs_configured(app->config)) {
		mxg_reply_error(r, 404, "M_UNRECOGNIZED", "Unrecognized request");
		return;
	}
	if (body == NULL)
		body = mxg_req_body(r, &body_len);
	mxg_error_clear(&err);
	if (mxg_hs_request(app->config, &(struct mxg_hs_call){
			.method = m == MXG_POST ? "POST" : m == MXG_PUT ? "PUT" :
				  m == MXG_DELETE ? "DELETE" : "GET",
			.path = path != NULL ? path : mxg_req_path(r),
			.access_token = mxg_req_bearer(r),
			.client_ip = mxg_req_client_ip(r),
			.body = body_len > 0 ? body : NULL,
			.body_len = body_len,
		}, &resp, &err) < 0) {
		mxg_matrix_relay_failure(r, &err);
		return;
	}
	mxg_matrix_relay(r, &resp);
	mxg_http_client_resp_free(&resp);
}
