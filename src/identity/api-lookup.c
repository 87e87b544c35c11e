/*
 * api-lookup.c: hashed 3PID lookup, GET /_matrix/identity/v2/hash_details
 * and POST /_matrix/identity/v2/lookup.
 *
 * Both answer from the in-memory index and run on the event thread: a
 * lookup never waits for a store.  One index snapshot serves a whole request
 * so that the pepper checked is the pepper hashed with.
 */
#include "config.h"

#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/mxconfig.h"
#include "core/threepid.h"
#include "identity/identity.h"
#include "identity/index.h"
#include "identity/lookup.h"

static json_t *algorithms_json(unsigned int mask)
{
	json_t *a = json_array();

	if (mask & MXG_LOOKUP_NONE)
		json_array_append_new(a, json_string("none"));
	if (mask & MXG_LOOKUP_SHA256)
		json_array_append_new(a, json_string("sha256"));
	return a;
}

void mxg_identity_hash_details(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const struct mxg_3pid_index *ix = mxg_lookup_acquire(app->lookup);
	json_t *body = json_pack("{s:s,s:o}", "lookup_pepper", mxg_3pid_index_pepper(ix),
				 "algorithms", algorithms_json(app->config->lookup.algorithm_mask));

	mxg_lookup_release(app->lookup, ix);
	mxg_reply_json(r, 200, body);
}

/* "<address> <medium>" of the `none` algorithm; NULL when malformed. */
static const char *lookup_plain(struct mxg_req *r, const struct mxg_3pid_index *ix,
				const char *entry)
{
	const char *sp = strrchr(entry, ' ');
	char *address, *canon;

	if (sp == NULL || sp == entry || !mxg_3pid_medium_valid(sp + 1))
		return NULL;
	address = mxg_arena_strndup(mxg_req_arena(r), entry, (size_t)(sp - entry));
	canon = mxg_3pid_canonicalize(mxg_req_arena(r), sp + 1, address);
	return canon != NULL ? mxg_3pid_index_lookup_plain(ix, sp + 1, canon) : NULL;
}

/* Checks the request's shape; replies and returns -1 when it is wrong. */
static int check_request_or_reply(struct mxg_req *r, const json_t *body, unsigned int *algo_r)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const json_t *algorithm = json_object_get(body, "algorithm");
	const json_t *pepper = json_object_get(body, "pepper");
	const json_t *addresses = json_object_get(body, "addresses");
	const char *name;
	size_t i;
	json_t *v;

	if (algorithm == NULL || pepper == NULL || addresses == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"algorithm, pepper and addresses are required");
		return -1;
	}
	name = json_string_value(algorithm);
	*algo_r = name == NULL ? 0 : strcmp(name, "sha256") == 0 ? MXG_LOOKUP_SHA256 :
		  strcmp(name, "none") == 0 ? MXG_LOOKUP_NONE : 0;
	if ((*algo_r & cfg->lookup.algorithm_mask) == 0) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "Unsupported lookup algorithm");
		return -1;
	}
	if (!json_is_string(pepper) || !json_is_array(addresses)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM",
				"pepper must be a string and addresses a list");
		return -1;
	}
	if (json_array_size(addresses) > (size_t)cfg->lookup.max_addresses) {
		mxg_reply_error(r, 400, "M_TOO_LARGE", "At most %lld addresses per lookup",
				cfg->lookup.max_addresses);
		return -1;
	}
	json_array_foreach(addresses, i, v) {
		if (!json_is_string(v)) {
			mxg_reply_error(r, 400, "M_INVALID_PARAM", "addresses must be strings");
			return -1;
		}
	}
	return 0;
}

void mxg_identity_lookup(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const struct mxg_3pid_index *ix;
	json_t *body = mxg_req_json_or_reply(r), *addresses, *mappings, *v;
	unsigned int algo;
	size_t i;

	if (body == NULL || check_request_or_reply(r, body, &algo) < 0)
		return;
	addresses = json_object_get(body, "addresses");
	ix = mxg_lookup_acquire(app->lookup);
	if (strcmp(json_string_value(json_object_get(body, "pepper")),
		   mxg_3pid_index_pepper(ix)) != 0) {
		json_t *extra = json_pack("{s:s,s:s}", "algorithm",
					  algo == MXG_LOOKUP_SHA256 ? "sha256" : "none",
					  "lookup_pepper", mxg_3pid_index_pepper(ix));
		mxg_lookup_release(app->lookup, ix);
		mxg_reply_error_extra(r, 400, "M_INVALID_PEPPER", extra,
				      "The pepper does not match the server's");
		return;
	}
	mappings = json_object();
	json_array_foreach(addresses, i, v) {
		const char *entry = json_string_value(v);
		const char *user_id = algo == MXG_LOOKUP_SHA256 ?
				      mxg_3pid_index_lookup_hash(ix, entry) :
				      lookup_plain(r, ix, entry);
		if (user_id != NULL)
			json_object_set_new(mappings, entry, json_string(user_id));
	}
	mxg_lookup_release(app->lookup, ix);
	mxg_reply_json(r, 200, json_pack("{s:o}", "mappings", mappings));
}
