/*
 * api-v1.c: the legacy Identity Service API (/_matrix/identity/api/v1),
 * served only when identity.v1_api is true, for homeservers too old to
 * speak v2: GET /api/v1, GET /api/v1/lookup, POST /api/v1/bulk_lookup,
 * GET /api/v1/pubkey/{keyId} and /pubkey/isvalid.  Off, every one of them
 * answers 404 M_UNRECOGNIZED like any other unknown path.
 *
 * v1 lookups take addresses in the clear and need no pepper; they answer
 * from the same in-memory index as v2, and count against the same
 * rate_limits.lookup bucket.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "core/ratelimit.h"
#include "core/threepid.h"
#include "identity/identity.h"
#include "identity/index.h"
#include "identity/lookup.h"

/* How long a v1 association says it holds (Sydent's choice: 100 years). */
#define NOT_AFTER_MS (100LL * 365 * 24 * 3600 * 1000)

/* The switch, then the method: off, the paths do not exist at all. */
static int v1_or_reply(struct mxg_req *r, unsigned int methods)
{
	if (!mxg_req_app(r)->config->identity.v1_api) {
		mxg_reply_error(r, 404, "M_UNRECOGNIZED", "Unrecognized request");
		return -1;
	}
	if ((mxg_req_method(r) & methods) == 0 &&
	    !(mxg_req_method(r) == MXG_HEAD && (methods & MXG_GET))) {
		mxg_reply_error(r, 405, "M_UNRECOGNIZED", "Unrecognized request");
		return -1;
	}
	return 0;
}

/* The Matrix ID bound to (medium, address) in canonical form, copied into
 * the request arena; NULL when none or when the address is not valid. */
static const char *lookup_one(struct mxg_req *r, const char *medium, const char *address)
{
	struct mxg_app *app = mxg_req_app(r);
	const struct mxg_3pid_index *ix;
	const char *canon, *mxid;
	char *copy = NULL;

	if (!mxg_3pid_medium_valid(medium))
		return NULL;
	canon = mxg_3pid_canonicalize(mxg_req_arena(r), medium, address);
	if (canon == NULL)
		return NULL;
	ix = mxg_lookup_acquire(app->lookup);
	mxid = mxg_3pid_index_lookup_plain(ix, medium, canon);
	if (mxid != NULL)
		copy = mxg_arena_strdup(mxg_req_arena(r), mxid);
	mxg_lookup_release(app->lookup, ix);
	return copy;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mxg_identity_v1_status(struct mxg_req *r)
{
	if (v1_or_reply(r, MXG_GET) < 0)
		return;
	mxg_reply_json(r, 200, json_object());
}

void mxg_identity_v1_lookup(struct mxg_req *r)
{
	struct mxg_app *app = mxg_req_app(r);
	const char *medium, *address, *mxid;
	struct mxg_error err;
	long long now = now_ms();
	json_t *assoc;

	if (v1_or_reply(r, MXG_GET) < 0 || mxg_ratelimit_check_or_reply(r, "lookup", NULL) < 0)
		return;
	medium = mxg_req_query(r, "medium");
	address = mxg_req_query(r, "address");
	if (medium == NULL || address == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "medium and address are required");
		return;
	}
	mxid = lookup_one(r, medium, address);
	if (mxid == NULL) {
		mxg_reply_json(r, 200, json_object());
		return;
	}
	assoc = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "address", address, "medium", medium,
			  "mxid", mxid, "not_before", (json_int_t)now,
			  "not_after", (json_int_t)(now + NOT_AFTER_MS), "ts", (json_int_t)now);
	mxg_error_clear(&err);
	if (assoc == NULL || mxg_json_sign(assoc, app->config->server_name, &app->signing_key,
					   &err) < 0) {
		/* The address came as a query argument: jansson refuses bad UTF-8. */
		json_decref(assoc);
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "address is not valid UTF-8");
		return;
	}
	mxg_reply_json(r, 200, assoc);
}

void mxg_identity_v1_bulk_lookup(struct mxg_req *r)
{
	const json_t *body, *threepids, *pair;
	json_t *out;
	size_t i;

	if (v1_or_reply(r, MXG_POST) < 0 || mxg_ratelimit_check_or_reply(r, "lookup", NULL) < 0)
		return;
	body = mxg_req_json_or_reply(r);
	if (body == NULL)
		return;
	threepids = json_object_get(body, "threepids");
	if (threepids == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "threepids is required");
		return;
	}
	if (!json_is_array(threepids)) {
		mxg_reply_error(r, 400, "M_INVALID_PARAM", "threepids must be a list");
		return;
	}
	if (json_array_size(threepids) > (size_t)mxg_req_app(r)->config->lookup.max_addresses) {
		mxg_reply_error(r, 400, "M_TOO_LARGE", "At most %lld threepids per lookup",
				mxg_req_app(r)->config->lookup.max_addresses);
		return;
	}
	json_array_foreach(threepids, i, pair) {
		if (!json_is_array(pair) || json_array_size(pair) != 2 ||
		    !json_is_string(json_array_get(pair, 0)) ||
		    !json_is_string(json_array_get(pair, 1))) {
			mxg_reply_error(r, 400, "M_INVALID_PARAM",
					"threepids must be [medium, address] pairs of strings");
			return;
		}
	}
	out = json_array();
	json_array_foreach(threepids, i, pair) {
		const char *medium = json_string_value(json_array_get(pair, 0));
		const char *address = json_string_value(json_array_get(pair, 1));
		const char *mxid = lookup_one(r, medium, address);

		if (mxid != NULL)
			json_array_append_new(out, json_pack("[s,s,s]", medium, address, mxid));
	}
	mxg_reply_json(r, 200, json_pack("{s:o}", "threepids", out));
}

void mxg_identity_v1_pubkey(struct mxg_req *r)
{
	if (v1_or_reply(r, MXG_GET) < 0)
		return;
	mxg_identity_pubkey(r);
}

void mxg_identity_v1_pubkey_isvalid(struct mxg_req *r)
{
	if (v1_or_reply(r, MXG_GET) < 0)
		return;
	mxg_identity_pubkey_isvalid(r);
}
