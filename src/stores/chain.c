/*
 * chain.c: asking the configured stores in priority order.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mxconfig.h"
#include "core/log.h"
#include "stores/chain.h"

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

/* Shared bookkeeping of the "first store that knows decides" operations. */
struct decide {
	enum mxg_store_result unavailable;	/* OK = none was down */
	struct mxg_error first_err;
};

/* Returns true when res decides the chain's answer. */
static bool decide_step(struct decide *d, const struct mxg_store *s, enum mxg_store_result res,
			struct mxg_error *err, const char *what)
{
	switch (res) {
	case MXG_STORE_NOT_FOUND:
		return false;
	case MXG_STORE_UNAVAILABLE:
	case MXG_STORE_INTERNAL:
		mxg_log_set_context(s->name);
		mxg_warning("%s: store %s: %s", what, mxg_store_result_str(res), err->msg);
		mxg_log_set_context(NULL);
		if (d->unavailable == MXG_STORE_OK) {
			d->unavailable = res;
			d->first_err = *err;
			mxg_error_prefix(&d->first_err, "store '%s': ", s->name);
		}
		mxg_error_clear(err);
		return false;
	default:
		return true;
	}
}

static enum mxg_store_result decide_end(struct decide *d, struct mxg_error *err)
{
	if (d->unavailable == MXG_STORE_OK)
		return MXG_STORE_NOT_FOUND;
	if (err != NULL)
		*err = d->first_err;
	/* An internal error in one store still means "cannot tell" to callers. */
	return MXG_STORE_UNAVAILABLE;
}

enum mxg_store_result mxg_store_chain_lookup(struct mxg_store_chain *chain,
					     const struct mxg_3pid *tpid, struct mxg_arena *arena,
					     const char **user_id_r, const struct mxg_store **store_r,
					     struct mxg_error *err)
{
	struct decide d = { .unavailable = MXG_STORE_OK };
	struct mxg_error e;

	for (size_t i = 0; i < chain->count; i++) {
		struct mxg_store *s = &chain->stores[i];
		enum mxg_store_result res;

		if (s->driver->lookup == NULL)
			continue;
		mxg_error_clear(&e);
		res = s->driver->lookup(s, tpid, arena, user_id_r, &e);
		if (decide_step(&d, s, res, &e, "lookup")) {
			if (store_r != NULL)
				*store_r = s;
			return res;
		}
	}
	return decide_end(&d, err);
}

enum mxg_store_result mxg_store_chain_authenticate(struct mxg_store_chain *chain,
						   const struct mxg_cred *cred,
						   struct mxg_arena *arena,
						   struct mxg_person *person_r,
						   const struct mxg_store **store_r,
						   struct mxg_error *err)
{
	struct decide d = { .unavailable = MXG_STORE_OK };
	struct mxg_error e;

	for (size_t i = 0; i < chain->count; i++) {
		struct mxg_store *s = &chain->stores[i];
		enum mxg_store_result res;

		if (s->driver->authenticate == NULL)
			continue;
		mxg_error_clear(&e);
		res = s->driver->authenticate(s, cred, arena, person_r, &e);
		if (decide_step(&d, s, res, &e, "authenticate")) {
			if (store_r != NULL)
				*store_r = s;
			/* A store that was down may hold the real account: a
			 * "wrong password" here is not the final word. */
			if (res == MXG_STORE_DENIED && d.unavailable != MXG_STORE_OK)
				return decide_end(&d, err);
			return res;
		}
	}
	return decide_end(&d, err);
}

enum mxg_store_result mxg_store_chain_profile(struct mxg_store_chain *chain, const char *user_id,
					      struct mxg_arena *arena, struct mxg_person *person_r,
					      const struct mxg_store **store_r, struct mxg_error *err)
{
	struct decide d = { .unavailable = MXG_STORE_OK };
	struct mxg_error e;

	for (size_t i = 0; i < chain->count; i++) {
		struct mxg_store *s = &chain->stores[i];
		enum mxg_store_result res;

		if (s->driver->profile == NULL)
			continue;
		mxg_error_clear(&e);
		res = s->driver->profile(s, user_id, arena, person_r, &e);
		if (decide_step(&d, s, res, &e, "profile")) {
			if (store_r != NULL)
				*store_r = s;
			return res;
		}
	}
	return decide_end(&d, err);
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
