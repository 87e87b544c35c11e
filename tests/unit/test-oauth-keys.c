/*
 * test-oauth-keys.c: the provider's signing keys on both databases: keys
 * generated once in data_dir (mode 0600, the same after a restart), the
 * JWKS, a configured RSA and P-256 key, rotation (a new key first: both
 * published until key_grace after its first sighting, then only the new
 * one, as another replica sees it too), and the refusals (no RSA key, a
 * key twice, a file that holds no key).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "core/mxconfig.h"
#include "db/db.h"
#include "oauth/keys.h"
#include "test.h"
#include "db-test-util.h"

#define DAY_MS (24LL * 3600 * 1000)

static char dir[64];

static char *write_key(const char *name, const char *type, const char *arg)
{
	char *path = malloc(128);
	EVP_PKEY *pk = strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
		       EVP_PKEY_Q_keygen(NULL, NULL, "EC", arg);
	FILE *f;

	snprintf(path, 128, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f != NULL && pk != NULL)
		PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	if (f != NULL)
		fclose(f);
	EVP_PKEY_free(pk);
	return path;
}

/* The kids in a JWKS, by kty ("RSA" or "EC"), comma-separated. */
static char *kids(struct mxg_oauth_keys *ks, long long now, const char *kty)
{
	char *text = mxg_oauth_keys_jwks(ks, now), *out = calloc(1, 512);
	json_t *doc = text != NULL ? json_loads(text, 0, NULL) : NULL, *k;
	size_t i;

	json_array_foreach(json_object_get(doc, "keys"), i, k) {
		if (strcmp(json_string_value(json_object_get(k, "kty")), kty) != 0)
			continue;
		if (out[0] != '\0')
			strcat(out, ",");
		strncat(out, json_string_value(json_object_get(k, "kid")), 100);
	}
	json_decref(doc);
	free(text);
	return out;
}

static void run(struct mxg_db *db, const char *backend)
{
	struct mxg_oauth_conf conf = { .key_grace_ms = 7 * DAY_MS };
	struct mxg_oauth_key_conf files[2];
	struct mxg_oauth_keys *ks = NULL, *ks2 = NULL;
	struct mxg_error err;
	const char *k = NULL;
	char kid[64] = "", kid2[64] = "";
	char path[128], *old_rsa, *new_rsa, *k1, *k2;
	long long now = 1800000000000LL;
	struct stat st;

	test_begin(backend);
	/* Generated: two files of mode 0600; the same keys the second time. */
	test_assert(mxg_oauth_keys_open(&conf, dir, db, now, &ks, &err) == 0);
	snprintf(path, sizeof(path), "%s/oauth-rs256.pem", dir);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	test_assert(ks != NULL && mxg_oauth_keys_signer(ks, MXG_JWS_RS256, &k) != NULL);
	/* Copies: the keys' own strings go with them. */
	snprintf(kid, sizeof(kid), "%s", k != NULL ? k : "");
	test_assert(mxg_oauth_keys_signer(ks, MXG_JWS_ES256, NULL) != NULL);
	test_assert(mxg_oauth_keys_open(&conf, dir, db, now, &ks2, &err) == 0);
	test_assert(ks2 != NULL && mxg_oauth_keys_signer(ks2, MXG_JWS_RS256, &k) != NULL &&
		    strcmp(kid, k) == 0);
	k1 = kids(ks, now, "RSA");
	k2 = kids(ks, now, "EC");
	test_assert(strcmp(k1, kid) == 0 && strlen(k2) == 43);
	free(k1);
	free(k2);
	mxg_oauth_keys_destroy(&ks);
	mxg_oauth_keys_destroy(&ks2);

	/* Rotation: a new RSA key listed before the old one. */
	old_rsa = strdup(path);
	new_rsa = write_key(strcmp(backend, "sqlite") == 0 ? "new-s.pem" : "new-p.pem", "RSA",
			    NULL);
	files[0].file = new_rsa;
	files[1].file = old_rsa;
	conf.keys.items = files;
	conf.keys.count = 2;
	test_assert(mxg_oauth_keys_open(&conf, dir, db, now + DAY_MS, &ks, &err) == 0);
	test_assert(ks != NULL && mxg_oauth_keys_signer(ks, MXG_JWS_RS256, &k) != NULL &&
		    strcmp(k, kid) != 0);
	snprintf(kid2, sizeof(kid2), "%s", k != NULL ? k : "");
	k1 = kids(ks, now + DAY_MS, "RSA");
	test_assert(strstr(k1, kid) != NULL && strstr(k1, kid2) != NULL);	/* both */
	free(k1);
	k1 = kids(ks, now + 9 * DAY_MS, "RSA");
	test_assert(strcmp(k1, kid2) == 0);	/* the old one gone after the grace */
	free(k1);
	mxg_oauth_keys_destroy(&ks);
	/* Another replica, later: the new key's first sighting is shared. */
	test_assert(mxg_oauth_keys_open(&conf, dir, db, now + 20 * DAY_MS, &ks, &err) == 0);
	k1 = kids(ks, now + 20 * DAY_MS, "RSA");
	test_assert(strcmp(k1, kid2) == 0);
	free(k1);
	mxg_oauth_keys_destroy(&ks);

	/* Refusals. */
	files[1].file = write_key("ec.pem", "EC", "prime256v1");
	conf.keys.count = 2;
	files[0].file = files[1].file;
	test_assert(mxg_oauth_keys_open(&conf, dir, db, now, &ks, &err) == -1 &&
		    strstr(err.msg, "same key") != NULL);
	conf.keys.count = 1;
	test_assert(mxg_oauth_keys_open(&conf, dir, db, now, &ks, &err) == -1 &&
		    strstr(err.msg, "RS256") != NULL);
	snprintf(path, sizeof(path), "%s/garbage.pem", dir);
	{
		FILE *f = fopen(path, "w");

		if (f != NULL) {
			fputs("not a key\n", f);
			fclose(f);
		}
	}
	files[0].file = path;
	test_assert(mxg_oauth_keys_open(&conf, dir, db, now, &ks, &err) == -1 &&
		    strstr(err.msg, "not a PEM private key") != NULL);
	test_assert(ks == NULL);
	free((char *)files[1].file);
	free(old_rsa);
	free(new_rsa);
	test_end();
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mxgate-test-keys-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_each_database(run);
	/* The files go with the directory. */
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return test_done("test-oauth-keys");
}
