/*
 * api-registration.c: POST /oauth2/registration (RFC 7591, MSC2966): open
 * to anyone (a Matrix client registers itself on each login) unless
 * oauth.dynamic_registration is off; the rules are in registration.c.
 */
#include "config.h"

#include "core/app.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "oauth/oauth.h"
#include "oauth/registration.h"

void mxg_oauth_api_register(struct mxg_req *r)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	struct mxg_registration_refusal rf;
	struct mxg_error err;
	json_t *body, *answer;
	size_t len;

	if (!p->conf->dynamic_registration) {
		mxg_oauth_reply_error(r, 403, "access_denied", "Dynamic client registration is "
				      "off here");
		return;
	}
	mxg_req_body(r, &len);
	body = json_loadb(mxg_req_body(r, &len), len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		mxg_oauth_reply_error(r, 400, "invalid_client_metadata", "The body must be a JSON "
				      "object");
		return;
	}
	mxg_error_clear(&err);
	answer = mxg_oauth_register(p, body, mxg_req_arena(r), &rf, &err);
	json_decref(body);
	if (answer != NULL) {
		mxg_oauth_reply_json(r, 201, answer);
		return;
	}
	if (rf.error != NULL) {
		mxg_info("oauth: client registration refused: %s", rf.description);
		mxg_oauth_reply_error(r, 400, rf.error, "%s", rf.description);
		return;
	}
	mxg_error("oauth: client registration: %s", err.msg);
	mxg_oauth_reply_error(r, 503, "temporarily_unavailable", "Cannot store the client now");
}
