/*
 * keys.c: loading, generating and publishing the provider's signing keys
 * (see keys.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "core/log.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "oauth/keys.h"

struct key {
	EVP_PKEY *pk;
	enum mxg_jws_alg alg;
	char kid[MXG_JWK_THUMBPRINT_SIZE];
	char *file;
	bool signs;
	long long retire_at;		/* leaves the JWKS then; LLONG_MAX: never */
};

struct mxg_oauth_keys {
	struct key *keys;
	size_t count;
	pthread_mutex_t lock;		/* the cached JWKS */
	char *jwks;
	long long jwks_until;		/* rebuilt from then on */
};

static int load_pem(const char *path, EVP_PKEY **pk_r, struct mxg_error *err)
{
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return mxg_error_set(err, errno, "oauth key %s: %s", path, strerror(errno));
	*pk_r = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (*pk_r == NULL)
		return mxg_error_set(err, EINVAL, "oauth key %s: not a PEM private key", path);
	return 0;
}

/* Create path (mode 0600, never over an existing file) holding a new key. */
static int generate(const char *path, const char *type, EVP_PKEY **pk_r, struct mxg_error *err)
{
	EVP_PKEY *pk = strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
		       EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	FILE *f = NULL;
	int fd;

	if (pk == NULL)
		return mxg_error_set(err, EIO, "oauth: generating a %s key failed", type);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		mxg_error_set(err, errno, "oauth key %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		EVP_PKEY_free(pk);
		return -1;
	}
	if (PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0) {
		unlink(path);
		EVP_PKEY_free(pk);
		return mxg_error_set(err, EIO, "oauth key %s: cannot write it", path);
	}
	mxg_info("oauth: created a %s signing key in %s", type, path);
	*pk_r = pk;
	return 0;
}

static int add_key(struct mxg_oauth_keys *ks, const char *path, EVP_PKEY *pk,
		   struct mxg_error *err)
{
	struct key *k = &ks->keys[ks->count];
	int alg = mxg_jwk_key_alg(pk, err);

	if (alg < 0) {
		EVP_PKEY_free(pk);
		mxg_error_prefix(err, "oauth key %s: ", path);
		return -1;
	}
	k->pk = pk;
	k->alg = (enum mxg_jws_alg)alg;
	k->file = strdup(path);
	k->retire_at = LLONG_MAX;
	ks->count++;
	if (k->file == NULL || mxg_jwk_thumbprint(pk, k->kid) < 0)
		return mxg_error_set(err, ENOMEM, "oauth key %s: out of memory", path);
	for (size_t i = 0; i + 1 < ks->count; i++)
		if (strcmp(ks->keys[i].kid, k->kid) == 0)
			return mxg_error_set(err, EEXIST, "oauth key %s is the same key as %s", path,
					     ks->keys[i].file);
	return 0;
}

static int load_configured(const struct mxg_oauth_conf *conf, struct mxg_oauth_keys *ks,
			   struct mxg_error *err)
{
	const struct mxg_oauth_key_conf *kc = conf->keys.items;

	for (size_t i = 0; i < conf->keys.count; i++) {
		EVP_PKEY *pk;

		if (load_pem(kc[i].file, &pk, err) < 0 || add_key(ks, kc[i].file, pk, err) < 0)
			return -1;
	}
	return 0;
}

static int load_generated(const char *data_dir, struct mxg_oauth_keys *ks, struct mxg_error *err)
{
	static const char *const names[][2] = { { "oauth-rs256.pem", "RSA" },
						{ "oauth-es256.pem", "EC" } };

	for (size_t i = 0; i < 2; i++) {
		char path[PATH_MAX];
		EVP_PKEY *pk;
		int rc;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", data_dir, names[i][0]) >=
		    sizeof(path))
			return mxg_error_set(err, ENAMETOOLONG, "oauth: data_dir is too long");
		rc = access(path, F_OK) == 0 ? load_pem(path, &pk, err) :
		     generate(path, names[i][1], &pk, err);
		if (rc < 0 || add_key(ks, path, pk, err) < 0)
			return -1;
	}
	return 0;
}

/* Record each kid's first sighting; work out who signs and who retires. */
static int schedule(struct mxg_oauth_keys *ks, struct mxg_db *db, long long now_ms,
		    long long grace_ms, struct mxg_error *err)
{
	char now[24];
	long long seen[MXG_JWS_ALGS];
	bool have[MXG_JWS_ALGS] = { false };

	mxg_db_num(now, now_ms);
	for (size_t i = 0; i < ks->count; i++) {
		struct key *k = &ks->keys[i];
		const char *const ins[] = { k->kid, now };
		const char *const sel[] = { k->kid };
		struct mxg_db_result *res = NULL;

		if (mxg_db_query(db, "INSERT INTO oauth_keys (kid, first_seen) VALUES ($1, $2)"
				 " ON CONFLICT (kid) DO NOTHING", 2, ins, NULL, err) < 0 ||
		    mxg_db_query(db, "SELECT first_seen FROM oauth_keys WHERE kid = $1", 1, sel,
				 &res, err) < 0)
			return -1;
		if (!have[k->alg]) {
			have[k->alg] = true;
			k->signs = true;
			seen[k->alg] = mxg_db_result_rows(res) == 1 ?
				       mxg_db_result_ll(res, 0, 0) : now_ms;
		} else {
			k->retire_at = seen[k->alg] + grace_ms;
			if (k->retire_at <= now_ms)
				mxg_info("oauth: key %s (%s) was replaced more than key_grace ago "
					 "and is no longer published; it can leave oauth.keys",
					 k->kid, k->file);
		}
		mxg_db_result_free(&res);
	}
	if (!have[MXG_JWS_RS256])
		return mxg_error_set(err, EINVAL, "oauth.keys has no RSA key (RS256 is required)");
	return 0;
}

int mxg_oauth_keys_open(const struct mxg_oauth_conf *conf, const char *data_dir,
			struct mxg_db *db, long long now_ms, struct mxg_oauth_keys **keys_r,
			struct mxg_error *err)
{
	struct mxg_oauth_keys *ks = calloc(1, sizeof(*ks));
	size_t n = conf->keys.count > 0 ? conf->keys.count : 2;

	*keys_r = NULL;
	if (ks == NULL || (ks->keys = calloc(n, sizeof(*ks->keys))) == NULL) {
		free(ks);
		return mxg_error_set(err, ENOMEM, "out of memory");
	}
	pthread_mutex_init(&ks->lock, NULL);
	if ((conf->keys.count > 0 ? load_configured(conf, ks, err) :
	     load_generated(data_dir, ks, err)) < 0 ||
	    schedule(ks, db, now_ms, conf->key_grace_ms, err) < 0) {
		mxg_oauth_keys_destroy(&ks);
		return -1;
	}
	*keys_r = ks;
	return 0;
}

void mxg_oauth_keys_destroy(struct mxg_oauth_keys **keysp)
{
	struct mxg_oauth_keys *ks = *keysp;

	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->count; i++) {
		EVP_PKEY_free(ks->keys[i].pk);
		free(ks->keys[i].file);
	}
	free(ks->keys);
	free(ks->jwks);
	pthread_mutex_destroy(&ks->lock);
	free(ks);
	*keysp = NULL;
}

EVP_PKEY *mxg_oauth_keys_signer(const struct mxg_oauth_keys *ks, enum mxg_jws_alg alg,
				const char **kid_r)
{
	for (size_t i = 0; i < ks->count; i++) {
		if (ks->keys[i].signs && ks->keys[i].alg == alg) {
			if (kid_r != NULL)
				*kid_r = ks->keys[i].kid;
			return ks->keys[i].pk;
		}
	}
	return NULL;
}

char *mxg_oauth_keys_jwks(struct mxg_oauth_keys *ks, long long now_ms)
{
	char *out;

	pthread_mutex_lock(&ks->lock);
	if (ks->jwks == NULL || now_ms >= ks->jwks_until) {
		json_t *list = json_array(), *doc;

		free(ks->jwks);
		ks->jwks = NULL;
		ks->jwks_until = LLONG_MAX;
		for (size_t i = 0; list != NULL && i < ks->count; i++) {
			const struct key *k = &ks->keys[i];

			if (k->retire_at <= now_ms)
				continue;
			if (k->retire_at < ks->jwks_until)
				ks->jwks_until = k->retire_at;
			json_array_append_new(list, mxg_jwk_public(k->pk, k->kid, k->alg));
		}
		doc = json_pack("{s:o}", "keys", list);
		if (doc != NULL)
			ks->jwks = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
	}
	out = ks->jwks != NULL ? strdup(ks->jwks) : NULL;
	pthread_mutex_unlock(&ks->lock);
	return out;
}

bool mxg_oauth_keys_verify(const struct mxg_oauth_keys *ks, const struct mxg_jws *jws,
			   long long now_ms)
{
	for (size_t i = 0; i < ks->count; i++) {
		const struct key *k = &ks->keys[i];

		if (k->retire_at <= now_ms || (jws->kid != NULL && strcmp(jws->kid, k->kid) != 0))
			continue;
		if (mxg_jws_verify_key(jws, k->pk))
			return true;
	}
	return false;
}
