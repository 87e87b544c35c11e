/*
 * rest.c: the `rest` identity store module: people from an IAM service that
 * speaks ma1sd's REST backend protocol, so services written for ma1sd work
 * unchanged.  mxgate is the client; every call is a JSON POST (rest-http.c)
 * whose body and answer are in rest-json.c.
 *
 * The verdicts: the IAM's own "no" (success: false, or a 401/403 from the
 * auth endpoint without WWW-Authenticate) is NOT_FOUND, not DENIED: the
 * protocol says it alike for an unknown user and a wrong password, so a
 * later store may still know the person (ma1sd asked every store until one
 * said yes).  Only an empty password is DENIED here.  No answer, a 5xx,
 * an answer that is not the protocol, or a 401/403 that refuses mxgate's own
 * credentials (RFC 7235: it carries WWW-Authenticate) is UNAVAILABLE: the
 * user gets a 503, never "wrong password".
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/threepid.h"
#include "stores/util.h"
#include "rest.h"

static int rest_init(struct mxg_store *s, struct mxg_error *err)
{
	struct mxg_rest_ctx *ctx;

	if (mxg_rest_settings_check(s->settings, err) < 0)
		return -1;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	s->ctx = ctx;
	ctx->set = s->settings;
	ctx->env = s->env;
	ctx->store_name = s->name;
	atomic_init(&ctx->enumerate_missing_logged, false);
	/* No call here: the IAM need not be up when mxgate starts. */
	return mxg_rest_http_init(ctx, err);
}

static void rest_deinit(struct mxg_store *s)
{
	struct mxg_rest_ctx *ctx = s->ctx;

	if (ctx == NULL)
		return;
	mxg_rest_http_deinit(ctx);
	free(ctx);
	s->ctx = NULL;
}

static bool ep_on(const struct mxg_rest_ctx *ctx, enum mxg_rest_ep ep)
{
	return ctx->urls[ep] != NULL;
}

/* POST body (consumed) and require a 2xx JSON object; *json_r is the
 * caller's on OK. */
static enum mxg_store_result call(struct mxg_rest_ctx *ctx, enum mxg_rest_ep ep, json_t *body,
				  json_t **json_r, struct mxg_error *err)
{
	struct mxg_rest_answer ans;
	enum mxg_store_result res;

	*json_r = NULL;
	if (body == NULL) {
		mxg_error_set(err, EINVAL, "%s: cannot build the request (not UTF-8?)",
			      mxg_rest_ep_name(ep));
		return MXG_STORE_INTERNAL;
	}
	res = mxg_rest_post(ctx, ep, body, false, &ans, err);
	json_decref(body);
	if (res != MXG_STORE_OK)
		return res;
	res = mxg_rest_answer_object(ep, &ans, err);
	if (res == MXG_STORE_OK)
		*json_r = ans.json;
	else
		json_decref(ans.json);
	return res;
}

/* The 3PID as the IAM should see it (canonical), or NULL: not a 3PID. */
static bool canonical(struct mxg_arena *arena, const struct mxg_3pid *in, struct mxg_3pid *out)
{
	if (in->medium == NULL || in->address == NULL || !mxg_3pid_medium_valid(in->medium))
		return false;
	out->medium = in->medium;
	out->address = mxg_3pid_canonicalize(arena, in->medium, in->address);
	return out->address != NULL;
}

static enum mxg_store_result rest_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
					 struct mxg_arena *arena, const char **user_id_r,
					 struct mxg_error *err)
{
	struct mxg_rest_ctx *ctx = s->ctx;
	enum mxg_store_result res;
	struct mxg_3pid q;
	json_t *ans;

	if (!ep_on(ctx, MXG_REST_IDENTITY_SINGLE) || !canonical(arena, tpid, &q))
		return MXG_STORE_NOT_FOUND;
	res = call(ctx, MXG_REST_IDENTITY_SINGLE, mxg_rest_single_request(&q), &ans, err);
	if (res != MXG_STORE_OK)
		return res;
	res = mxg_rest_parse_single(ans, ctx->env, arena, user_id_r, err);
	json_decref(ans);
	return res;
}

static enum mxg_store_result rest_authenticate(struct mxg_store *s, const struct mxg_cred *cred,
					       struct mxg_arena *arena,
					       struct mxg_person *person_r, struct mxg_error *err)
{
	struct mxg_rest_ctx *ctx = s->ctx;
	const char *user = cred->user, *localpart, *mxid;
	struct mxg_rest_answer ans;
	enum mxg_store_result res;
	json_t *body;

	if (!ep_on(ctx, MXG_REST_AUTH) || user == NULL)
		return MXG_STORE_NOT_FOUND;
	/* Never an anonymous login, and no call for one. */
	if (cred->password == NULL || cred->password_len == 0)
		return MXG_STORE_DENIED;
	if (cred->medium != NULL) {
		/* ma1sd's IAMs know Matrix IDs only: find the owner first. */
		struct mxg_3pid t = { cred->medium, cred->user };

		res = rest_lookup(s, &t, arena, &user, err);
		if (res != MXG_STORE_OK)
			return res;
	}
	localpart = mxg_store_localpart(arena, ctx->env, user, true);
	if (localpart == NULL)
		return MXG_STORE_NOT_FOUND;	/* another server's user */
	mxid = mxg_arena_printf(arena, "@%s:%s", localpart, ctx->env->server_name);
	body = mxg_rest_auth_request(mxid, localpart, ctx->env->server_name, cred->password,
				     cred->password_len);
	if (body == NULL) {
		/* json_stringn refuses invalid UTF-8: no IAM could accept it. */
		mxg_info("auth: %s: the password is not UTF-8", mxid);
		return MXG_STORE_DENIED;
	}
	res = mxg_rest_post(ctx, MXG_REST_AUTH, body, true, &ans, err);
	/* The object holds a copy of the password: wipe it before it goes. */
	{
		json_t *pw = json_object_get(json_object_get(body, "auth"), "password");

		explicit_bzero((char *)json_string_value(pw), json_string_length(pw));
		json_decref(body);
	}
	if (res != MXG_STORE_OK)
		return res;
	if ((ans.status == 401 || ans.status == 403) && !ans.www_authenticate) {
		res = MXG_STORE_DENIED;
	} else {
		res = mxg_rest_answer_object(MXG_REST_AUTH, &ans, err);
		if (res == MXG_STORE_OK)
			res = mxg_rest_parse_auth(ans.json, ctx->env, mxid, arena, person_r, err);
	}
	json_decref(ans.json);
	if (res == MXG_STORE_DENIED) {
		mxg_info("auth: %s: the IAM refused the password", mxid);
		mxg_error_set(err, 0, "the IAM did not accept the password (its protocol does "
			      "not tell an unknown user from a wrong password)");
		res = MXG_STORE_NOT_FOUND;
	}
	return res;
}

static enum mxg_store_result bulk_chunk(struct mxg_rest_ctx *ctx, const struct mxg_3pid *canon,
					const size_t *which, size_t n, struct mxg_arena *arena,
					const char **user_ids_r, struct mxg_error *err)
{
	struct mxg_3pid *asked = mxg_arena_alloc(arena, sizeof(*asked) * (n + 1));
	const char **found = mxg_arena_alloc(arena, sizeof(*found) * (n + 1));
	enum mxg_store_result res;
	json_t *ans;

	for (size_t i = 0; i < n; i++)
		asked[i] = canon[which[i]];
	res = call(ctx, MXG_REST_IDENTITY_BULK, mxg_rest_bulk_request(canon, which, n), &ans, err);
	if (res != MXG_STORE_OK)
		return res;
	res = mxg_rest_parse_bulk(ans, ctx->env, arena, asked, n, found, err);
	json_decref(ans);
	for (size_t i = 0; res == MXG_STORE_OK && i < n; i++)
		if (found[i] != NULL)
			user_ids_r[which[i]] = found[i];
	return res;
}

static enum mxg_store_result rest_lookup_bulk(struct mxg_store *s, const struct mxg_3pid *tpids,
					      size_t count, struct mxg_arena *arena,
					      const char **user_ids_r, struct mxg_error *err)
{
	struct mxg_rest_ctx *ctx = s->ctx;
	size_t chunk = (size_t)ctx->set->page_size, n = 0;
	struct mxg_3pid *canon;
	size_t *which;

	if (!ep_on(ctx, MXG_REST_IDENTITY_BULK) || count == 0)
		return MXG_STORE_OK;
	canon = mxg_arena_alloc(arena, sizeof(*canon) * count);
	which = mxg_arena_alloc(arena, sizeof(*which) * count);
	/* Only valid 3PIDs travel, at most page_size per call. */
	for (size_t i = 0; i < count; i++) {
		if (!canonical(arena, &tpids[i], &canon[i]))
			continue;
		which[n++] = i;
		if (n == chunk) {
			enum mxg_store_result res = bulk_chunk(ctx, canon, which, n, arena,
							       user_ids_r, err);
			if (res != MXG_STORE_OK)
				return res;
			n = 0;
		}
	}
	if (n > 0)
		return bulk_chunk(ctx, canon, which, n, arena, user_ids_r, err);
	return MXG_STORE_OK;
}

static enum mxg_store_result rest_enumerate(struct mxg_store *s, mxg_store_3pid_fn *cb,
					    void *cb_ctx, struct mxg_error *err)
{
	struct mxg_rest_ctx *ctx = s->ctx;
	enum mxg_store_result res = MXG_STORE_OK;
	char *since = NULL;
	size_t pages = 0, total = 0;

	if (!ep_on(ctx, MXG_REST_ENUMERATE))
		return MXG_STORE_OK;
	for (;;) {
		/* One arena a page: memory stays at one page however big the IAM. */
		struct mxg_arena *arena = mxg_arena_create(64 * 1024);
		struct mxg_rest_enum_entry *entries;
		struct mxg_rest_answer ans;
		const char *next = NULL;
		size_t n = 0;
		bool stop = false;
		json_t *body = mxg_rest_enumerate_request(since, ctx->set->page_size);

		res = mxg_rest_post(ctx, MXG_REST_ENUMERATE, body, false, &ans, err);
		json_decref(body);
		if (res == MXG_STORE_OK && ans.status == 404 && pages == 0) {
			/* An IAM written for ma1sd has no enumerate: nothing to index. */
			if (!atomic_exchange(&ctx->enumerate_missing_logged, true))
				mxg_info("enumerate: the IAM has no %s (HTTP 404): no 3PIDs of this "
					 "store in the hashed-lookup index",
					 mxg_rest_ep_path(ctx->set, MXG_REST_ENUMERATE));
			json_decref(ans.json);
			mxg_arena_destroy(&arena);
			break;
		}
		if (res == MXG_STORE_OK)
			res = mxg_rest_answer_object(MXG_REST_ENUMERATE, &ans, err);
		if (res == MXG_STORE_OK)
			res = mxg_rest_parse_enumerate(ans.json, ctx->env, arena, &entries, &n,
						       &next, err);
		json_decref(ans.json);
		pages++;
		for (size_t i = 0; res == MXG_STORE_OK && i < n && !stop; i++)
			stop = cb(cb_ctx, entries[i].tpid.medium, entries[i].tpid.address,
				  entries[i].user_id) != 0;
		total += n;
		/* An empty page ends the walk whatever "next" says, and a "next"
		 * that does not move would loop forever. */
		if (res == MXG_STORE_OK && next != NULL && since != NULL && strcmp(next, since) == 0) {
			mxg_error_set(err, EPROTO, "enumerate: \"next\" did not change after page %zu",
				      pages);
			res = MXG_STORE_UNAVAILABLE;
		}
		free(since);
		since = res == MXG_STORE_OK && !stop && n > 0 && next != NULL ? strdup(next) : NULL;
		mxg_arena_destroy(&arena);
		if (since == NULL)
			break;
	}
	free(since);
	if (res == MXG_STORE_OK)
		mxg_debug("enumerate: %zu 3PIDs in %zu pages", total, pages);
	return res;
}

static enum mxg_store_result rest_search(struct mxg_store *s, const char *term, size_t limit,
					 struct mxg_arena *arena, struct mxg_person **people_r,
					 size_t *count_r, struct mxg_error *err)
{
	static const char *const by[] = { "name", "threepid" };
	struct mxg_rest_ctx *ctx = s->ctx;
	struct mxg_person *people;
	size_t n = 0;

	*people_r = NULL;
	*count_r = 0;
	if (!ep_on(ctx, MXG_REST_DIRECTORY) || limit == 0 || !mxg_store_term_ok(term))
		return MXG_STORE_OK;
	people = mxg_arena_alloc(arena, sizeof(*people) * limit);
	/* ma1sd asks by name and by 3PID; the second only when room is left. */
	for (size_t i = 0; i < sizeof(by) / sizeof(by[0]) && n < limit; i++) {
		enum mxg_store_result res;
		json_t *ans;

		res = call(ctx, MXG_REST_DIRECTORY, mxg_rest_search_request(by[i], term), &ans, err);
		if (res != MXG_STORE_OK)
			return res;
		res = mxg_rest_parse_search(ans, ctx->env, arena, people, limit, &n, err);
		json_decref(ans);
		if (res != MXG_STORE_OK)
			return res;
	}
	*people_r = people;
	*count_r = n;
	return MXG_STORE_OK;
}

static enum mxg_store_result rest_profile(struct mxg_store *s, const char *user_id,
					  struct mxg_arena *arena, struct mxg_person *person_r,
					  struct mxg_error *err)
{
	struct mxg_rest_ctx *ctx = s->ctx;
	const char *localpart = user_id != NULL && user_id[0] == '@' ?
				mxg_store_localpart(arena, ctx->env, user_id, false) : NULL;
	const char *server = ctx->env->server_name;
	struct mxg_person p = { .user_id = user_id };
	struct mxg_3pid *tpids = NULL;
	enum mxg_store_result res;
	json_t *ans;

	if (localpart == NULL ||
	    (!ep_on(ctx, MXG_REST_PROFILE_DISPLAY_NAME) && !ep_on(ctx, MXG_REST_PROFILE_THREEPIDS)))
		return MXG_STORE_NOT_FOUND;
	if (ep_on(ctx, MXG_REST_PROFILE_DISPLAY_NAME)) {
		res = call(ctx, MXG_REST_PROFILE_DISPLAY_NAME,
			   mxg_rest_profile_request(user_id, localpart, server), &ans, err);
		if (res != MXG_STORE_OK)
			return res;
		res = mxg_rest_parse_display_name(ans, arena, &p.display_name, err);
		json_decref(ans);
		if (res != MXG_STORE_OK)
			return res;
	}
	if (ep_on(ctx, MXG_REST_PROFILE_THREEPIDS)) {
		res = call(ctx, MXG_REST_PROFILE_THREEPIDS,
			   mxg_rest_profile_request(user_id, localpart, server), &ans, err);
		if (res != MXG_STORE_OK)
			return res;
		res = mxg_rest_parse_threepids(ans, arena, &tpids, &p.threepid_count, err);
		json_decref(ans);
		if (res != MXG_STORE_OK)
			return res;
		p.threepids = tpids;
	}
	/* The protocol has no "unknown user": an IAM that knows nothing about
	 * them does not know them. */
	if (p.display_name == NULL && p.threepid_count == 0)
		return MXG_STORE_NOT_FOUND;
	*person_r = p;
	return MXG_STORE_OK;
}

/* The loader finds this by name: mxg_store_<module name>. */
extern const struct mxg_store_driver mxg_store_rest;
const struct mxg_store_driver mxg_store_rest = {
	.abi_version = MXG_STORE_ABI,
	.name = "rest",
	.settings = mxg_rest_settings_table,
	.settings_size = sizeof(struct mxg_rest_settings),
	.init = rest_init,
	.deinit = rest_deinit,
	.authenticate = rest_authenticate,
	.lookup = rest_lookup,
	.lookup_bulk = rest_lookup_bulk,
	.enumerate_3pids = rest_enumerate,
	.directory_search = rest_search,
	.profile = rest_profile,
};
