/*
 * test-xmatrix.c: X-Matrix header parsing (xmatrix.c) and the checks on a
 * homeserver's /_matrix/key/v2/server answer (hs-keys.c).  The signature
 * check against a fetched key runs in tests/integration/test_binding.py.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/ed25519.h"
#include "core/json.h"
#include "identity/hs-keys.h"
#include "identity/xmatrix.h"
#include "test.h"

static void test_parse(void)
{
	static const struct {
		const char *header;
		int ok;
		const char *origin, *key, *sig, *destination;
	} cases[] = {
		{ "X-Matrix origin=\"hs.example\",key=\"ed25519:a1\",sig=\"c2ln\","
		  "destination=\"is.example\"", 1, "hs.example", "ed25519:a1", "c2ln", "is.example" },
		{ "x-matrix origin=HS.Example:8448,key=ed25519:a1,sig=c2ln", 1, "hs.example:8448",
		  "ed25519:a1", "c2ln", NULL },
		{ "X-Matrix  origin=hs.example, key=\"ed25519:a\\\"b\", sig=s, extra=\"x,y\"", 1,
		  "hs.example", "ed25519:a\"b", "s", NULL },
		{ "X-Matrix origin=hs.example,key=ed25519:a", 0, NULL, NULL, NULL, NULL },
		{ "X-Matrix key=ed25519:a,sig=s", 0, NULL, NULL, NULL, NULL },
		{ "X-Matrix origin=hs.example,key=rsa:a,sig=s", 0, NULL, NULL, NULL, NULL },
		{ "X-Matrix origin=\"bad name!\",key=ed25519:a,sig=s", 0, NULL, NULL, NULL, NULL },
		{ "X-Matrix origin=\"hs.example,key=ed25519:a,sig=s", 0, NULL, NULL, NULL, NULL },
		{ "X-Matrix origin", 0, NULL, NULL, NULL, NULL },
		{ "Bearer abc", 0, NULL, NULL, NULL, NULL },
		{ "X-Matrixorigin=a,key=ed25519:a,sig=s", 0, NULL, NULL, NULL, NULL },
	};
	struct mxg_arena *arena = mxg_arena_create(1024);

	test_begin("X-Matrix headers: quoting, case, missing and bad fields");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mxg_xmatrix x;
		int rc = mxg_xmatrix_parse(arena, cases[i].header, &x);

		test_assert((rc == 0) == cases[i].ok);
		if (rc != 0 || !cases[i].ok)
			continue;
		test_assert(strcmp(x.origin, cases[i].origin) == 0);
		test_assert(strcmp(x.key, cases[i].key) == 0);
		test_assert(strcmp(x.sig, cases[i].sig) == 0);
		test_assert(cases[i].destination == NULL ? x.destination == NULL
			    : strcmp(x.destination, cases[i].destination) == 0);
	}
	test_assert(!mxg_xmatrix_is(NULL) && mxg_xmatrix_is("X-MATRIX origin=a"));
	mxg_arena_destroy(&arena);
	test_end();
}

/* A key response of name holding key as key_id, signed by signer. */
static char *key_response(const char *name, const struct mxg_ed25519_key *key,
			  const struct mxg_ed25519_key *signer)
{
	struct mxg_error err;
	json_t *obj = json_pack("{s:s,s:I,s:{s:{s:s}},s:{}}", "server_name", name,
				"valid_until_ts", (json_int_t)1900000000000LL, "verify_keys",
				"ed25519:k1", "key", key->pub_b64, "old_verify_keys");
	char *s;

	test_assert(obj != NULL && mxg_json_sign(obj, name, signer, &err) == 0);
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return s;
}

static void test_key_response(void)
{
	struct mxg_ed25519_key key, other;
	unsigned char pub[MXG_ED25519_PUB_LEN];
	struct mxg_error err;
	long long vu = 0;
	char *good, *foreign, *wrong_sig;

	test_begin("key responses: the key, its validity, self-signature, server name");
	test_assert(mxg_ed25519_generate("k1", &key, &err) == 0);
	test_assert(mxg_ed25519_generate("k1", &other, &err) == 0);
	good = key_response("hs.example", &key, &key);
	foreign = key_response("evil.example", &key, &key);
	wrong_sig = key_response("hs.example", &key, &other);
	test_assert(mxg_hs_keys_parse(good, strlen(good), "hs.example", "ed25519:k1", pub, &vu,
				      &err) == 0);
	test_assert(memcmp(pub, key.pub, sizeof(pub)) == 0 && vu == 1900000000000LL);
	test_assert(mxg_hs_keys_parse(good, strlen(good), "hs.example", "ed25519:k2", pub, &vu,
				      &err) < 0 && err.code == MXG_HS_KEYS_ERR_NO_KEY);
	test_assert(mxg_hs_keys_parse(foreign, strlen(foreign), "hs.example", "ed25519:k1", pub,
				      &vu, &err) < 0 && err.code == MXG_HS_KEYS_ERR_INVALID);
	test_assert(mxg_hs_keys_parse(wrong_sig, strlen(wrong_sig), "hs.example", "ed25519:k1",
				      pub, &vu, &err) < 0 && err.code == MXG_HS_KEYS_ERR_INVALID);
	test_assert(mxg_hs_keys_parse("[]", 2, "hs.example", "ed25519:k1", pub, &vu, &err) < 0 &&
		    err.code == MXG_HS_KEYS_ERR_INVALID);
	free(good);
	free(foreign);
	free(wrong_sig);
	test_end();
}

int main(void)
{
	test_parse();
	test_key_response();
	return test_done("test-xmatrix");
}
