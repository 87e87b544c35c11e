/*
 * api-terms.c: GET /_matrix/identity/v2/terms (the configured policies) and
 * POST /terms (a user accepts some of their URLs).
 *
 * An unknown URL is 400 M_INVALID_PARAM, not sydent's M_UNKNOWN: the
 * request is wrong, not the server.
 */
#include "config.h"

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "identity/accounts.h"
#include "identity/auth.h"
#include "identity/identity.h"

void mxg_identity_terms(struct mxg_req *r)
{
	const struct mxg_identity_conf *ic = &mxg_req_app(r)->config->identity;
	const struct mxg_terms_policy_conf *p = ic->terms.items;
	json_t *policies = json_object();

	for (size_t i = 0; i < ic->terms.count; i++) {
		const struct mxg_terms_lang_conf *l = p[i].languages.items;
		json_t *pol = json_pack("{s:s}", "version", p[i].version);

		for (size_t j = 0; j < p[i].languages.count; j++)
			json_object_set_new(pol, l[j].lang, json_pack("{s:s,s:s}", "name",
								      l[j].name, "url", l[j].url));
		json_object_set_new(policies, p[i].id, pol);
	}
	mxg_reply_json(r, 200, json_pack("{s:o}", "policies", policies));
}

void mxg_identity_terms_accept(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const struct mxg_identity_conf *ic = &app->config->identity;
	struct mxg_is_account acct;
	const json_t *body, *accepts, *v;
	const char **urls;
	struct mxg_error err;
	size_t i;

	if (mxg_identity_auth_or_reply(r, MXG_IS_AUTH_NO_TERMS, &acct) < 0)
		return;
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	accepts = json_object_get(body, "user_accepts");
	if (accepts == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "user_accepts is required");
		return;
	}
	if (!json_is_array(accepts) || json_array_size(accepts) > 1000) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "user_accepts must be a list of URLs");
		return;
	}
	urls = mxg_arena_alloc(mxg_req_arena(r), sizeof(*urls) * (json_array_size(accepts) + 1));
	json_array_foreach(accepts, i, v) {
		if (!json_is_string(v)) {
			mxg_reply_error(r, 400, "M_INVALID_PARAM", "user_accepts must hold strings");
			return;
		}
		urls[i] = json_string_value(v);
		if (mxg_is_terms_policy_of(ic, urls[i]) == NULL) {
			mxg_reply_error(r, 400, "M_INVALID_PARAM",
					"Unrecognised URL in user_accepts");
			return;
		}
	}
	mxg_error_clear(&err);
	if (mxg_is_terms_accept(app->db, ic, acct.user_id, urls, json_array_size(accepts),
				&err) < 0) {
		mxg_identity_db_error_reply(r, "terms", &err);
		return;
	}
	mxg_reply_json(r, 200, json_object());
}
