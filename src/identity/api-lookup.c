/*
 * api-lookup.c: hashed 3PID lookup, GET /_matrix/identity/v2/hash_details
 * and POST /_matrix/identity/v2/lookup.
 *
 * Both answer from the in-memory index and run on the event thread: a
 * lookup never waits for a store.  One index snapshot serves a whole request
 * so that the pepper checked is the pepper hashed with.  A plain body is read
 * by the tree-less scanner (lookup-body.c); anything else by jansson, which
 * also gives every error reply.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/mxconfig.h"
#include "core/ratelimit.h"
#include "core/threepid.h"
#include "identity/identity.h"
#include "identity/index.h"
#include "identity/lookup-body.h"
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
	const struct mxg_3pid_index *ix;
	json_t *body;

	if (mxg_ratelimit_check_or_reply(r, "lookup", NULL) < 0)
		return;
	ix = mxg_lookup_acquire(app->lookup);
	body = json_pack("{s:s,s:o}", "lookup_pepper", mxg_3pid_index_pepper(ix),
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

/*
 * The general path: any JSON, with every error reply.  Fills lb with
 * strings owned by the request's JSON.  Replies and returns -1 on error.
 */
static int read_body_or_reply(struct mxg_req *r, struct mxg_lookup_body *lb)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	const json_t *body = mxg_req_json_or_reply(r), *algorithm, *pepper, *addresses, *v;
	size_t i;

	if (body == NULL)
		return -1;
	algorithm = json_object_get(body, "algorithm");
	pepper = json_object_get(body, "pepper");
	addresses = json_object_get(body, "addresses");
	if (algorithm == NULL || pepper == NULL || addresses == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS",
				"algorithm, pepper and addresses are required");
		return -1;
	}
	if ((mxg_lookup_algo_parse(json_string_value(algorithm)) & cfg->lookup.algorithm_mask) == 0) {
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
	lb->algorithm = json_string_value(algorithm);
	lb->pepper = json_string_value(pepper);
	lb->count = json_array_size(addresses);
	lb->addresses = mxg_arena_alloc(mxg_req_arena(r), sizeof(*lb->addresses) * (lb->count + 1));
	json_array_foreach(addresses, i, v) {
		if (!json_is_string(v)) {
			mxg_reply_error(r, 400, "M_INVALID_PARAM", "addresses must be strings");
			return -1;
		}
		lb->addresses[i] = json_string_value(v);
	}
	return 0;
}

/* Answer a well-formed lookup, writing the JSON directly: a tree of the
 * mappings would cost more than the lookups. */
static void answer(struct mxg_req *r, const struct mxg_lookup_body *lb, unsigned int algo)
{
	struct mxg_app *app = mxg_req_app(r);
	const struct mxg_3pid_index *ix = mxg_lookup_acquire(app->lookup);
	struct mxg_buf out = MXG_BUF_INIT;
	bool first = true;

	if (strcmp(lb->pepper, mxg_3pid_index_pepper(ix)) != 0) {
		json_t *extra = json_pack("{s:s,s:s}", "algorithm",
					  algo == MXG_LOOKUP_SHA256 ? "sha256" : "none",
					  "lookup_pepper", mxg_3pid_index_pepper(ix));
		mxg_lookup_release(app->lookup, ix);
		mxg_reply_error_extra(r, 400, "M_INVALID_PEPPER", extra,
				      "The pepper does not match the server's");
		return;
	}
	mxg_buf_append_str(&out, "{\"mappings\":{");
	for (size_t i = 0; i < lb->count; i++) {
		const char *user_id = algo == MXG_LOOKUP_SHA256 ?
				      mxg_3pid_index_lookup_hash(ix, lb->addresses[i]) :
				      lookup_plain(r, ix, lb->addresses[i]);
		if (user_id == NULL)
			continue;
		if (!first)
			mxg_buf_append(&out, ",", 1);
		first = false;
		mxg_buf_append_json_string(&out, lb->addresses[i]);
		mxg_buf_append(&out, ":", 1);
		mxg_buf_append_json_string(&out, user_id);
	}
	mxg_lookup_release(app->lookup, ix);
	mxg_buf_append_str(&out, "}}");
	mxg_reply_raw(r, 200, "application/json", out.data, out.len);
	mxg_buf_free(&out);
}

void mxg_identity_lookup(struct mxg_req *r)
{
	const struct mxg_config *cfg = mxg_req_app(r)->config;
	struct mxg_lookup_body lb;
	unsigned int algo;
	const char *buf;
	size_t len;

	if (mxg_ratelimit_check_or_reply(r, "lookup", NULL) < 0)
		return;
	buf = mxg_req_body(r, &len);
	if (mxg_lookup_body_scan(buf, len, (size_t)cfg->lookup.max_addresses, mxg_req_arena(r),
				 &lb) < 0 ||
	    (mxg_lookup_algo_parse(lb.algorithm) & cfg->lookup.algorithm_mask) == 0) {
		memset(&lb, 0, sizeof(lb));
		if (read_body_or_reply(r, &lb) < 0)
			return;
	}
	algo = mxg_lookup_algo_parse(lb.algorithm);
	answer(r, &lb, algo);
}
