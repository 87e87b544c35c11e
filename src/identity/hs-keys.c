/*
 * hs-keys.c: homeservers' signing keys, fetched from /_matrix/key/v2/server
 * and cached per process (see hs-keys.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "http/client.h"
#include "identity/hs-keys.h"
#include "identity/hs-resolve.h"

#define KEY_PATH "/_matrix/key/v2/server"
#define CACHE_SLOTS 64
#define CACHE_MAX_MS (24LL * 3600 * 1000)
#define MAX_RESPONSE (64 * 1024)

struct cached_key {
	char server_name[256];
	char key_id[128];
	unsigned char pub[MXG_ED25519_PUB_LEN];
	long long expires;		/* ms; 0 = empty slot */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_key cache[CACHE_SLOTS];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mxg_hs_keys_parse(const char *body, size_t len, const char *server_name,
		      const char *key_id, unsigned char pub[MXG_ED25519_PUB_LEN],
		      long long *valid_until_r, struct mxg_error *err)
{
	struct mxg_error jerr;
	const char *name, *key;
	json_t *obj, *vu;
	size_t n;
	int ret = -1;

	obj = mxg_json_parse_object(body, len, &jerr);
	if (obj == NULL)
		return mxg_error_set(err, MXG_HS_KEYS_ERR_INVALID, "key response of %s: %s",
				     server_name, jerr.msg);
	name = mxg_json_string(obj, "server_name");
	vu = json_object_get(obj, "valid_until_ts");
	if (name == NULL || strcmp(name, server_name) != 0 || !json_is_integer(vu)) {
		mxg_error_set(err, MXG_HS_KEYS_ERR_INVALID,
			      "key response of %s: wrong server_name or no valid_until_ts",
			      server_name);
		goto out;
	}
	key = mxg_json_string(json_object_get(json_object_get(obj, "verify_keys"), key_id), "key");
	if (key == NULL) {
		mxg_error_set(err, MXG_HS_KEYS_ERR_NO_KEY, "%s has no current key %s",
			      server_name, key_id);
		goto out;
	}
	if (mxg_base64_decode(key, strlen(key), pub, MXG_ED25519_PUB_LEN, &n) < 0 ||
	    n != MXG_ED25519_PUB_LEN) {
		mxg_error_set(err, MXG_HS_KEYS_ERR_INVALID, "key %s of %s is not an ed25519 key",
			      key_id, server_name);
		goto out;
	}
	/* The answer must be signed by the very key it hands out: whoever
	 * answers for the name must hold the private half. */
	if (mxg_json_verify(obj, server_name, key_id, pub, &jerr) < 0) {
		mxg_error_set(err, MXG_HS_KEYS_ERR_INVALID, "key response of %s: %s",
			      server_name, jerr.msg);
		goto out;
	}
	*valid_until_r = (long long)json_integer_value(vu);
	ret = 0;
out:
	json_decref(obj);
	return ret;
}

static bool cache_get(const char *server_name, const char *key_id, long long now,
		      unsigned char pub[MXG_ED25519_PUB_LEN])
{
	bool found = false;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS && !found; i++) {
		const struct cached_key *c = &cache[i];

		if (c->expires > now && strcmp(c->server_name, server_name) == 0 &&
		    strcmp(c->key_id, key_id) == 0) {
			memcpy(pub, c->pub, MXG_ED25519_PUB_LEN);
			found = true;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return found;
}

/* Into the slot of the same key, else an expired one, else the one that
 * expires first. */
static void cache_put(const char *server_name, const char *key_id, long long expires,
		      const unsigned char pub[MXG_ED25519_PUB_LEN])
{
	struct cached_key *slot = &cache[0];

	if (strlen(server_name) >= sizeof(slot->server_name) ||
	    strlen(key_id) >= sizeof(slot->key_id))
		return;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct cached_key *c = &cache[i];

		if (strcmp(c->server_name, server_name) == 0 && strcmp(c->key_id, key_id) == 0) {
			slot = c;
			break;
		}
		if (c->expires < slot->expires)
			slot = c;
	}
	snprintf(slot->server_name, sizeof(slot->server_name), "%s", server_name);
	snprintf(slot->key_id, sizeof(slot->key_id), "%s", key_id);
	memcpy(slot->pub, pub, MXG_ED25519_PUB_LEN);
	slot->expires = expires;
	pthread_mutex_unlock(&cache_lock);
}

int mxg_hs_keys_get(const struct mxg_config *cfg, const char *server_name, const char *key_id,
		    unsigned char pub[MXG_ED25519_PUB_LEN], struct mxg_error *err)
{
	struct mxg_http_client_req req = { 0 };
	struct mxg_http_client_resp resp = { 0 };
	struct mxg_hs_target target;
	struct mxg_arena *arena;
	long long now = now_ms(), valid_until = 0;
	int ret = -1;

	if (cache_get(server_name, key_id, now, pub))
		return 0;
	arena = mxg_arena_create(4096);
	if (mxg_hs_resolve(cfg, arena, server_name, &target, err) < 0) {
		mxg_error_set(err, MXG_HS_KEYS_ERR_FETCH, "%s is not a server name", server_name);
		goto out;
	}
	req.url = mxg_http_client_url(arena, target.base_url, KEY_PATH, NULL);
	req.connect_to = target.connect_to;
	req.timeout_ms = cfg->identity.userinfo_timeout_ms;
	req.max_response = MAX_RESPONSE;
	if (mxg_http_client_request(&req, &resp, err) < 0) {
		mxg_warning("server keys of %s: %s", server_name, err->msg);
		mxg_error_set(err, MXG_HS_KEYS_ERR_FETCH, "cannot fetch the keys of %s",
			      server_name);
		goto out;
	}
	if (resp.status != 200) {
		mxg_error_set(err, MXG_HS_KEYS_ERR_FETCH, "the keys of %s: HTTP %ld", server_name,
			      resp.status);
		goto out;
	}
	if (mxg_hs_keys_parse(resp.body, resp.len, server_name, key_id, pub, &valid_until,
			      err) < 0)
		goto out;
	/* An answer already past its validity still vouches for this request
	 * (sydent does the same); it is just not kept. */
	if (valid_until > now)
		cache_put(server_name, key_id,
			  valid_until < now + CACHE_MAX_MS ? valid_until : now + CACHE_MAX_MS, pub);
	ret = 0;
out:
	mxg_http_client_resp_free(&resp);
	mxg_arena_destroy(&arena);
	return ret;
}

void mxg_hs_keys_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	memset(cache, 0, sizeof(cache));
	pthread_mutex_unlock(&cache_lock);
}
