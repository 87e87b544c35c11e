/*
 * api-common.c: what the provider's POST endpoints share: the form body
 * (RFC 6749: application/x-www-form-urlencoded, no parameter twice) and
 * the client authentication answered as an OAuth error.
 */
#include "config.h"

#include <strings.h>

#include "core/app.h"
#include "core/log.h"
#include "http/form.h"
#include "oauth/api.h"
#include "oauth/oauth.h"

int mxg_oauth_read_form(struct mxg_req *r, struct mxg_form *form)
{
	const char *ct = mxg_req_header(r, "Content-Type");
	size_t len;
	const char *body = mxg_req_body(r, &len);

	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] != '\0' && ct[33] != ';' && ct[33] != ' ')) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "The body must be "
				      "application/x-www-form-urlencoded");
		return -1;
	}
	if (mxg_form_parse(mxg_req_arena(r), body, len, form) < 0) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "The body is not a valid form");
		return -1;
	}
	if (form->repeated != NULL) {
		mxg_oauth_reply_error(r, 400, "invalid_request", "Parameter %s is given more than "
				      "once", form->repeated);
		return -1;
	}
	return 0;
}

int mxg_oauth_authenticate_or_reply(struct mxg_req *r, const struct mxg_form *form,
				    struct mxg_oauth_client *client)
{
	struct mxg_oauth_client_refusal rf;

	if (mxg_oauth_client_authenticate(mxg_req_app(r)->oauth, r, form, client, &rf) == 0)
		return 0;
	mxg_info("oauth: %s: client refused: %s", mxg_req_path(r), rf.description);
	mxg_oauth_reply_error(r, rf.status, rf.error, "%s", rf.description);
	return -1;
}

const char *mxg_oauth_form_getter(void *form, const char *name)
{
	return mxg_form_param(form, name);
}
