/*
 * api-validate.c: 3PID validation, /_matrix/identity/v2/validate/{email,msisdn}/
 * {requestToken,submitToken} and GET /3pid/getValidated3pid.
 *
 * requestToken finds or creates the session (sessions.c) and, when the
 * client's send_attempt is new, sends the token: e-mail over SMTP with a link
 * to GET submitToken, or an SMS through the gateway.  POST submitToken
 * answers JSON; GET submitToken is the link a person clicks (no token
 * needed) and answers an HTML page or a redirect to next_link.  Every route
 * here is MXG_ROUTE_BLOCKING: database and network.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/ratelimit.h"
#include "core/threepid.h"
#include "db/db.h"
#include "identity/auth.h"
#include "identity/identity.h"
#include "identity/msisdn.h"
#include "identity/sessions.h"
#include "notify/mail.h"
#include "notify/sms.h"
#include "notify/templates.h"

#define NEXT_LINK_MAX 2048
#define TOKEN_MAX 255

/* --- request parsing ------------------------------------------------------ */

/* A string member, or NULL when absent or not a string. */
static const char *member_str(const json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

/* send_attempt as an integer, or as a numeric string (matrix-js-sdk sends
 * one).  -1 when it is neither or negative. */
static long long send_attempt_value(const json_t *v)
{
	const char *s;
	long long n = 0;

	if (json_is_integer(v))
		return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
	s = json_string_value(v);
	if (s == NULL || s[0] == '\0' || strlen(s) > 15)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

/* next_link: absent, or an http(s) URL without spaces or control
 * characters (a javascript: or file: link would be a trap in the page). */
static bool next_link_valid(const char *link)
{
	if (strncasecmp(link, "http://", 7) != 0 && strncasecmp(link, "https://", 8) != 0)
		return false;
	if (strlen(link) > NEXT_LINK_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)link; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Common parameters of both requestToken endpoints; replies on error. */
struct request_params {
	const char *client_secret;
	long long send_attempt;
	const char *next_link;
};

static int request_params_or_reply(struct mxg_req *r, const json_t *body,
				   struct request_params *p)
{
	const json_t *attempt = json_object_get(body, "send_attempt");
	const json_t *next = json_object_get(body, "next_link");

	p->client_secret = member_str(body, "client_secret");
	if (p->client_secret == NULL || attempt == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"client_secret and send_attempt are required");
		return -1;
	}
	if (!mxg_sessions_secret_valid(p->client_secret)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM",
				"client_secret must match [0-9a-zA-Z.=_-]{1,255}");
		return -1;
	}
	p->send_attempt = send_attempt_value(attempt);
	if (p->send_attempt < 0) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM",
				"send_attempt must be a non-negative integer");
		return -1;
	}
	p->next_link = NULL;
	if (next != NULL && !json_is_null(next)) {
		p->next_link = json_string_value(next);
		if (p->next_link == NULL || !next_link_valid(p->next_link)) {
			mxg_reply_error(r, 400, "M_INVALID_PARAM",
					"next_link must be an http or https URL");
			return -1;
		}
	}
	return 0;
}

/* --- replies ---------------------------------------------------------------- */

/* What a session result other than OK means, to a client (a Matrix error)
 * and to a person who clicked a link (a page). */
static const struct session_error {
	enum mxg_session_result rc;
	unsigned int status;
	const char *errcode, *error, *page;
} session_errors[] = {
	{ MXG_SESSION_NOT_FOUND, 404, "M_NO_VALID_SESSION",
	  "No session with that sid and client_secret",
	  "This validation link is unknown or no longer valid." },
	{ MXG_SESSION_EXPIRED, 400, "M_SESSION_EXPIRED", "The session has expired",
	  "This validation link has expired. Please request a new one." },
	{ MXG_SESSION_NOT_VALIDATED, 400, "M_SESSION_NOT_VALIDATED",
	  "The session has not been validated", "This address has not been validated yet." },
	{ MXG_SESSION_TOKEN_INCORRECT, 400, "M_TOKEN_INCORRECT", "The token is incorrect",
	  "This validation link is not valid." },
};

/* The entry for rc, or NULL (a database error). */
static const struct session_error *session_error_of(enum mxg_session_result rc)
{
	for (size_t i = 0; i < sizeof(session_errors) / sizeof(session_errors[0]); i++)
		if (session_errors[i].rc == rc)
			return &session_errors[i];
	return NULL;
}

static void session_error_reply(struct mxg_req *r, enum mxg_session_result rc,
				const struct mxg_error *err)
{
	const struct session_error *e = session_error_of(rc);

	if (e != NULL)
		mxg_reply_error(r, e->status, e->errcode, "%s", e->error);
	else
		mxg_identity_db_error_reply(r, "validation", err);
}

/* --- sending ------------------------------------------------------------------ */

static int send_email(struct mxg_req *r, const char *address, const char *sid,
		      const char *client_secret, const char *token)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	struct mxg_buf link = MXG_BUF_INIT;
	struct mxg_error err;
	int rc;

	/* The v2 link: sid, client_secret and token, nothing else secret. */
	mxg_buf_append_str(&link, cfg->public_baseurl);
	mxg_buf_append_str(&link, "_matrix/identity/v2/validate/email/submitToken?sid=");
	mxg_buf_append_urlenc(&link, sid);
	mxg_buf_append_str(&link, "&client_secret=");
	mxg_buf_append_urlenc(&link, client_secret);
	mxg_buf_append_str(&link, "&token=");
	mxg_buf_append_urlenc(&link, token);

	const struct mxg_template_var vars[] = {
		{ "link", link.data }, { "token", token },
		{ "server_name", cfg->server_name }, { "address", address },
	};

	rc = mxg_mail_send_templated(&cfg->threepid.email, "validation-email", vars,
				     sizeof(vars) / sizeof(vars[0]), address,
				     "Validate your e-mail address", &err);
	if (rc < 0)
		mxg_error("validation: e-mail to %s not sent: %s", address, err.msg);
	explicit_bzero(link.data, link.len);
	mxg_buf_free(&link);
	return rc;
}

static int send_sms(struct mxg_req *r, const char *msisdn, const char *token)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const struct mxg_template_var vars[] = {
		{ "token", token }, { "server_name", cfg->server_name }, { "address", msisdn },
	};
	struct mxg_error err;
	char *body;
	size_t len;
	int rc = -1;

	body = mxg_template_load_render(cfg->threepid.email.templates_dir, "validation-sms.txt",
					vars, sizeof(vars) / sizeof(vars[0]), &err);
	if (body == NULL) {
		mxg_error("validation: %s", err.msg);
		return -1;
	}
	len = strlen(body);
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r'))
		body[--len] = '\0';
	if (mxg_sms_send(&cfg->threepid.msisdn, msisdn, body, &err) < 0)
		mxg_error("validation: SMS to %s not sent: %s", msisdn, err.msg);
	else
		rc = 0;
	explicit_bzero(body, len);
	free(body);
	return rc;
}

/* --- requestToken ------------------------------------------------------------- */

/*
 * The session part of both requestToken endpoints: find or create, send
 * when needed (send_email or send_sms), remember the attempt.  Returns the
 * sid (arena) or NULL after replying.
 */
static const char *request_session_or_reply(struct mxg_req *r, const char *medium,
					    const char *address,
					    const struct request_params *p)
{
	struct mxg_app *app = mxg_req_app(r);
	const struct mxg_threepid_conf *conf = &app->config->threepid;
	struct mxg_session_request req;
	enum mxg_session_result rc;
	struct mxg_error err;
	long long now = mxg_sessions_now_ms();
	int sent;

	if (mxg_sessions_purge(app->db, conf, now, &err) < 0)
		mxg_warning("validation: purging old sessions: %s", err.msg);
	rc = mxg_sessions_request(app->db, conf, now, medium, address, p->client_secret,
				  p->send_attempt, p->next_link, &req, &err);
	if (rc != MXG_SESSION_OK) {
		session_error_reply(r, rc, &err);
		return NULL;
	}
	if (req.send) {
		sent = strcmp(medium, "email") == 0
			? send_email(r, address, req.sid, p->client_secret, req.token)
			: send_sms(r, address, req.token);
		explicit_bzero(req.token, sizeof(req.token));
		if (sent < 0) {
			if (strcmp(medium, "email") == 0)
				mxg_reply_error(r, 500, "M_EMAIL_SEND_ERROR",
						"The validation e-mail could not be sent");
			else
				mxg_reply_error(r, 500, "M_SEND_ERROR",
						"The validation SMS could not be sent");
			return NULL;
		}
		if (mxg_sessions_mark_sent(app->db, req.sid, p->send_attempt, &err) < 0)
			mxg_warning("validation: session %s: recording the send: %s", req.sid,
				    err.msg);
		mxg_info("validation: %s token sent for session %s", medium, req.sid);
	}
	return mxg_arena_strdup(mxg_req_arena(r), req.sid);
}

/* What both requestToken endpoints check first: the rate limit (each request
 * may send a message), the token, a JSON body.  NULL after replying. */
static const json_t *request_body_or_reply(struct mxg_req *r)
{
	struct mxg_is_account acct;

	if (mxg_ratelimit_check_or_reply(r, "request_token", NULL) < 0 ||
	    mxg_identity_auth_or_reply(r, 0, &acct) < 0)
		return NULL;
	return mxg_req_json_or_reply(r);
}

void mxg_identity_validate_email_request(struct mxg_req *r)
{
	struct request_params p;
	const json_t *body;
	const char *email, *address, *sid;

	body = request_body_or_reply(r);
	if (body == NULL)
		return;
	email = member_str(body, "email");
	if (email == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "email is required");
		return;
	}
	if (request_params_or_reply(r, body, &p) < 0)
		return;
	address = mxg_mail_address(mxg_req_arena(r), email);
	if (address == NULL) {
		mxg_reply_error(r, 400, "M_INVALID_EMAIL", "Not an e-mail address");
		return;
	}
	sid = request_session_or_reply(r, "email", address, &p);
	if (sid != NULL)
		mxg_reply_json(r, 200, json_pack("{s:s}", "sid", sid));
}

void mxg_identity_validate_msisdn_request(struct mxg_req *r)
{
	struct request_params p;
	struct mxg_error err;
	const json_t *body;
	const char *country, *phone, *sid;
	char msisdn[MXG_MSISDN_MAX + 1];

	body = request_body_or_reply(r);
	if (body == NULL)
		return;
	country = member_str(body, "country");
	phone = member_str(body, "phone_number");
	if (country == NULL || phone == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "country and phone_number are required");
		return;
	}
	if (request_params_or_reply(r, body, &p) < 0)
		return;
	if (mxg_msisdn_normalize(country, phone, msisdn, &err) < 0) {
		mxg_reply_error(r, 400, "M_INVALID_ADDRESS", "%s", err.msg);
		return;
	}
	sid = request_session_or_reply(r, "msisdn", msisdn, &p);
	if (sid != NULL)
		mxg_reply_json(r, 200, json_pack("{s:s,s:s}", "sid", sid, "msisdn", msisdn));
}

/* --- submitToken ---------------------------------------------------------------- */

/* The HTML page of GET submitToken: a template, or plain words when the
 * template cannot be read. */
static void page_reply(struct mxg_req *r, unsigned int status, const char *name,
		       const char *message)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const struct mxg_template_var vars[] = {
		{ "message", message }, { "server_name", cfg->server_name },
	};
	struct mxg_error err;
	char *page = mxg_template_load_render(cfg->threepid.email.templates_dir, name, vars,
					      sizeof(vars) / sizeof(vars[0]), &err);

	if (page == NULL) {
		mxg_error("validation: %s", err.msg);
		page = mxg_template_render("<!DOCTYPE html>\n<html><body><p>{{message}}</p>"
					   "</body></html>\n", vars, 1, true);
	}
	mxg_reply_raw(r, status, "text/html; charset=utf-8", page, strlen(page));
	free(page);
}

static void page_error_reply(struct mxg_req *r, enum mxg_session_result rc,
			     const struct mxg_error *err)
{
	const struct session_error *e = session_error_of(rc);

	if (e != NULL) {
		page_reply(r, e->status, "submit-failure.html", e->page);
		return;
	}
	mxg_error("validation: database: %s", err->msg);
	page_reply(r, 500, "submit-failure.html",
		   "The address could not be validated. Please try again later.");
}

static void submit(struct mxg_req *r, const char *medium)
{
	struct mxg_app *app = mxg_req_app(r);
	bool get = mxg_req_method(r) == MXG_GET;
	struct mxg_session_3pid tp;
	struct mxg_is_account acct;
	enum mxg_session_result rc;
	struct mxg_error err;
	const char *sid, *secret, *token;
	const json_t *body;

	/* Guessing tokens: limited per IP here and per session below. */
	if (mxg_ratelimit_check_or_reply(r, "submit_token", NULL) < 0)
		return;
	if (get) {
		sid = mxg_req_query(r, "sid");
		secret = mxg_req_query(r, "client_secret");
		token = mxg_req_query(r, "token");
	} else {
		if (mxg_identity_auth_or_reply(r, 0, &acct) < 0)
			return;
		body = mxg_req_json_or_reply(r);
		if (body == NULL)
			return;
		sid = member_str(body, "sid");
		secret = member_str(body, "client_secret");
		token = member_str(body, "token");
	}
	if (sid == NULL || secret == NULL || token == NULL) {
		if (get)
			page_reply(r, 400, "submit-failure.html",
				   "This validation link is incomplete.");
		else
			mxg_reply_error(r, 400, "M_MISSING_PARAMS",
					"sid, client_secret and token are required");
		return;
	}
	if (!mxg_sessions_secret_valid(sid) || !mxg_sessions_secret_valid(secret) ||
	    strlen(token) > TOKEN_MAX) {
		if (get)
			page_reply(r, 400, "submit-failure.html", "This validation link is not valid.");
		else
			mxg_reply_error(r, 400, "M_INVALID_PARAM",
					"sid, client_secret or token is malformed");
		return;
	}
	/* Per session too: many IPs guessing one session's token. */
	if (mxg_ratelimit_check_or_reply(r, "submit_token",
					 mxg_arena_printf(mxg_req_arena(r), "sid:%s", sid)) < 0)
		return;
	rc = mxg_sessions_submit(app->db, &app->config->threepid, mxg_sessions_now_ms(), medium,
				 sid, secret, token, mxg_req_arena(r), &tp, &err);
	if (rc != MXG_SESSION_OK) {
		mxg_info("validation: %s session %s: token not accepted (%d)", medium, sid, (int)rc);
		if (get)
			page_error_reply(r, rc, &err);
		else
			session_error_reply(r, rc, &err);
		return;
	}
	mxg_info("validation: %s session %s validated", medium, sid);
	if (!get) {
		mxg_reply_json(r, 200, json_pack("{s:b}", "success", 1));
	} else if (tp.next_link != NULL) {
		/* Only http(s) next_links were ever stored (requestToken). */
		static const char moved[] = "<!DOCTYPE html>\n<html><body>Validated.</body></html>\n";

		mxg_reply_header(r, "Location", tp.next_link);
		mxg_reply_raw(r, 302, "text/html; charset=utf-8", moved, sizeof(moved) - 1);
	} else {
		page_reply(r, 200, "submit-success.html", "Your address has been validated.");
	}
}

void mxg_identity_validate_email_submit(struct mxg_req *r)
{
	submit(r, "email");
}

void mxg_identity_validate_msisdn_submit(struct mxg_req *r)
{
	submit(r, "msisdn");
}

/* --- getValidated3pid --------------------------------------------------------- */

void mxg_identity_get_validated_3pid(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	struct mxg_session_3pid tp;
	struct mxg_is_account acct;
	enum mxg_session_result rc;
	struct mxg_error err;
	const char *sid, *secret;

	if (mxg_identity_auth_or_reply(r, 0, &acct) < 0)
		return;
	sid = mxg_req_query(r, "sid");
	secret = mxg_req_query(r, "client_secret");
	if (sid == NULL || secret == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "sid and client_secret are required");
		return;
	}
	if (!mxg_sessions_secret_valid(sid) || !mxg_sessions_secret_valid(secret)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "sid or client_secret is malformed");
		return;
	}
	rc = mxg_sessions_get_validated(app->db, &app->config->threepid, mxg_sessions_now_ms(),
					sid, secret, mxg_req_arena(r), &tp, &err);
	if (rc != MXG_SESSION_OK) {
		session_error_reply(r, rc, &err);
		return;
	}
	mxg_reply_json(r, 200, json_pack("{s:s,s:s,s:I}", "medium", tp.medium,
					 "address", tp.address,
					 "validated_at", (json_int_t)tp.validated_at));
}
