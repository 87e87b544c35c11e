/*
 * chain.c: asking the configured stores in priority order.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/mxconfig.h"
#include "core/log.h"
#include "stores/chain.h"
#include "stores/util.h"

struct mxg_store_chain {
	struct mxg_store_env env;
	struct mxg_store *stores;
	size_t count;
};

int mxg_store_chain_create(const struct mxg_config *cfg, struct mxg_store_chain **chain_r,
			   struct mxg_error *err)
{
	const struct mxg_store_conf *confs = cfg->stores.items;
	struct mxg_store_chain *chain = calloc(1, sizeof(*chain));

	*chain_r = NULL;
	if (chain == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	chain->env.server_name = cfg->server_name;
	chain->env.database = &cfg->database;
	chain->stores = calloc(cfg->stores.count + 1, sizeof(*chain->stores));
	if (chain->stores == NULL) {
		free(chain);
		return mxg_error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < cfg->stores.count; i++) {
		struct mxg_store *s = &chain->stores[chain->count];

		if (!confs[i].enabled)
			continue;
		s->driver = confs[i].driver;
		s->name = confs[i].name;
		s->priority = confs[i].priority;
		s->env = &chain->env;
		s->settings = confs[i].settings;
		chain->count++;
		if (s->driver->init != NULL && s->driver->init(s, err) < 0) {
			mxg_error_prefix(err, "store '%s': ", s->name);
			mxg_store_chain_destroy(&chain);
			return -1;
		}
	}
	*chain_r = chain;
	return 0;
}

void mxg_store_chain_destroy(struct mxg_store_chain **chain)
{
	if (chain == NULL || *chain == NULL)
		return;
	for (size_t i = (*chain)->count; i-- > 0;) {
		struct mxg_store *s = &(*chain)->stores[i];
		if (s->driver->deinit != NULL)
			s->driver->deinit(s);
	}
	free((*chain)->stores);
	free(*chain);
	*chain = NULL;
}

size_t mxg_store_chain_count(const struct mxg_store_chain *chain)
{
	return chain->count;
}

struct mxg_store *mxg_store_chain_get(const struct mxg_store_chain *chain, size_t i)
{
	return i < chain->count ? &chain->stores[i] : NULL;
}

/* One store's answer to one of the "first store that knows decides"
 * operations; NULL when the store's driver lacks the operation. */
typedef enum mxg_store_result ask_fn(struct mxg_store *s, void *args, struct mxg_error *err);

/*
 * Ask the stores in priority order until one knows.  A store that is down
 * is logged and remembered: when nobody knows, or when a later store says
 * "wrong password" (the store that is down may hold the real account), the
 * answer is UNAVAILABLE, never NOT_FOUND or DENIED.
 */
static enum mxg_store_result first_decides(struct mxg_store_chain *chain, const char *what,
					   ask_fn *ask, void *args,
					   const struct mxg_store **store_r,
					   struct mxg_error *err)
{
	struct mxg_error down = { 0 }, e;
	bool was_down = false;

	for (size_t i = 0; i < chain->count; i++) {
		struct mxg_store *s = &chain->stores[i];
		enum mxg_store_result res;

		mxg_error_clear(&e);
		res = ask(s, args, &e);
		if (res == MXG_STORE_NOT_FOUND)
			continue;
		if (res == MXG_STORE_UNAVAILABLE || res == MXG_STORE_INTERNAL) {
			mxg_log_set_context(s->name);
			mxg_warning("%s: store %s: %s", what, mxg_store_result_str(res), e.msg);
			mxg_log_set_context(NULL);
			if (!was_down) {
				was_down = true;
				down = e;
				mxg_error_prefix(&down, "store '%s': ", s->name);
			}
			continue;
		}
		if (res == MXG_STORE_DENIED && was_down)
			break;
		if (store_r != NULL)
			*store_r = s;
		return res;
	}
	if (!was_down)
		return MXG_STORE_NOT_FOUND;
	if (err != NULL)
		*err = down;
	return MXG_STORE_UNAVAILABLE;
}

struct lookup_args {
	const struct mxg_3pid *tpid;
	struct mxg_arena *arena;
	const char **user_id_r;
};

static enum mxg_store_result ask_lookup(struct mxg_store *s, void *args, struct mxg_error *err)
{
	struct lookup_args *a = args;

	if (s->driver->lookup == NULL)
		return MXG_STORE_NOT_FOUND;
	return s->driver->lookup(s, a->tpid, a->arena, a->user_id_r, err);
}

enum mxg_store_result mxg_store_chain_lookup(struct mxg_store_chain *chain,
					     const struct mxg_3pid *tpid, struct mxg_arena *arena,
					     const char **user_id_r, const struct mxg_store **store_r,
					     struct mxg_error *err)
{
	struct lookup_args a = { tpid, arena, user_id_r };

	return first_decides(chain, "lookup", ask_lookup, &a, store_r, err);
}

struct person_args {
	const struct mxg_cred *cred;	/* authenticate */
	const char *user_id;		/* profile */
	struct mxg_arena *arena;
	struct mxg_person *person_r;
};

static enum mxg_store_result ask_authenticate(struct mxg_store *s, void *args,
					      struct mxg_error *err)
{
	struct person_args *a = args;

	if (s->driver->authenticate == NULL)
		return MXG_STORE_NOT_FOUND;
	return s->driver->authenticate(s, a->cred, a->arena, a->person_r, err);
}

enum mxg_store_result mxg_store_chain_authenticate(struct mxg_store_chain *chain,
						   const struct mxg_cred *cred,
						   struct mxg_arena *arena,
						   struct mxg_person *person_r,
						   const struct mxg_store **store_r,
						   struct mxg_error *err)
{
	struct person_args a = { .cred = cred, .arena = arena, .person_r = person_r };

	return first_decides(chain, "authenticate", ask_authenticate, &a, store_r, err);
}

static enum mxg_store_result ask_profile(struct mxg_store *s, void *args, struct mxg_error *err)
{
	struct person_args *a = args;

	if (s->driver->profile == NULL)
		return MXG_STORE_NOT_FOUND;
	return s->driver->profile(s, a->user_id, a->arena, a->person_r, err);
}

enum mxg_store_result mxg_store_chain_profile(struct mxg_store_chain *chain, const char *user_id,
					      struct mxg_arena *arena, struct mxg_person *person_r,
					      const struct mxg_store **store_r, struct mxg_error *err)
{
	struct person_args a = { .user_id = user_id, .arena = arena, .person_r = person_r };

	return first_decides(chain, "profile", ask_profile, &a, store_r, err);
}

enum mxg_store_result mxg_store_chain_enumerate(struct mxg_store_chain *chain,
						mxg_store_3pid_fn *cb, void *cb_ctx,
						struct mxg_error *err)
{
	enum mxg_store_result ret = MXG_STORE_OK;
	struct mxg_error e;

	for (size_t i = 0; i < chain->count; i++) {
		struct mxg_store *s = &chain->stores[i];
		enum mxg_store_result res;

		if (s->driver->enumerate_3pids == NULL)
			continue;
		mxg_error_clear(&e);
		res = s->driver->enumerate_3pids(s, cb, cb_ctx, &e);
		if (res != MXG_STORE_OK && ret == MXG_STORE_OK) {
			ret = MXG_STORE_UNAVAILABLE;
			if (err != NULL) {
				*err = e;
				mxg_error_prefix(err, "store '%s': ", s->name);
			}
		}
	}
	return ret;
}

static bool already_found(const struct mxg_store_search *out, const char *user_id)
{
	for (size_t i = 0; i < out->count; i++) {
		if (strcmp(out->people[i].user_id, user_id) == 0)
			return true;
	}
	return false;
}

enum mxg_store_result mxg_store_chain_search(struct mxg_store_chain *chain, const char *term,
					     size_t limit, struct mxg_arena *arena,
					     struct mxg_store_search *out, struct mxg_error *err)
{
	size_t asked = 0, down = 0;
	struct mxg_error e;

	memset(out, 0, sizeof(*out));
	if (!mxg_store_term_ok(term) || limit == 0)
		return MXG_STORE_OK;
	out->people = mxg_arena_alloc(arena, sizeof(*out->people) * limit);
	for (size_t i = 0; i < chain->count; i++) {
		struct mxg_store *s = &chain->stores[i];
		struct mxg_person *people = NULL;
		size_t n = 0;
		enum mxg_store_result res;

		if (s->driver->directory_search == NULL)
			continue;
		asked++;
		mxg_error_clear(&e);
		/* Ask one more than we keep, to know whether there are more. */
		res = s->driver->directory_search(s, term, limit + 1, arena, &people, &n, &e);
		if (res != MXG_STORE_OK) {
			mxg_log_set_context(s->name);
			mxg_warning("directory search: store %s: %s", mxg_store_result_str(res),
				    e.msg);
			mxg_log_set_context(NULL);
			if (down++ == 0 && err != NULL) {
				*err = e;
				mxg_error_prefix(err, "store '%s': ", s->name);
			}
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			if (people[j].user_id == NULL || already_found(out, people[j].user_id))
				continue;
			if (out->count == limit) {
				out->limited = true;
				break;
			}
			out->people[out->count++] = people[j];
		}
	}
	out->partial = down > 0;
	if (asked > 0 && down == asked)
		return MXG_STORE_UNAVAILABLE;
	return MXG_STORE_OK;
}
