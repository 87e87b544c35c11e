/*
 * clients.c: finding clients and authenticating them (see clients.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/config-text.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "db/db.h"
#include "http/form.h"
#include "http/http.h"
#include "oauth/clients.h"
#include "oauth/jose.h"
#include "oauth/oauth.h"

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
/* Client assertions: clock skew tolerated, and the longest life accepted
 * (a long-lived assertion is a password that can be replayed). */
#define ASSERTION_SKEW_S 60
#define ASSERTION_MAX_LIFE_S 3600

static char *read_file(const char *path, struct mxg_error *err)
{
	char *buf = NULL;
	size_t len;
	int e = 0;

	if (mxg_conf_read_file(path, 1024 * 1024, &buf, &len, &e) < 0) {
		mxg_error_set(err, e, "%s: %s", path, strerror(e));
		return NULL;
	}
	return buf;
}

/* The keys of a JWKS text that we can use; 0 when there is none. */
static size_t usable_keys(const char *jwks_text)
{
	json_t *doc = json_loads(jwks_text, 0, NULL), *k;
	size_t n = 0, i;

	json_array_foreach(json_object_get(doc, "keys"), i, k) {
		EVP_PKEY *pk = mxg_jwk_to_pkey(k, NULL);

		if (pk != NULL)
			n++;
		EVP_PKEY_free(pk);
	}
	json_decref(doc);
	return n;
}

int mxg_oauth_clients_load(const struct mxg_oauth_conf *conf, struct mxg_oauth_client **clients_r,
			   size_t *n_r, struct mxg_error *err)
{
	const struct mxg_oauth_client_conf *cc = conf->clients.items;
	struct mxg_oauth_client *cs = calloc(conf->clients.count + 1, sizeof(*cs));

	*clients_r = NULL;
	*n_r = 0;
	if (cs == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < conf->clients.count; i++) {
		struct mxg_oauth_client *c = &cs[i];

		c->client_id = cc[i].client_id;
		c->auth_method = cc[i].auth_method;
		c->secret = cc[i].client_secret;
		c->client_name = cc[i].client_name;
		c->client_uri = cc[i].client_uri;
		c->logo_uri = cc[i].logo_uri;
		c->redirect_uris = (const char **)cc[i].redirect_uris.items;
		c->nredirect_uris = cc[i].redirect_uris.count;
		c->grant_types = (const char **)cc[i].grant_types.items;
		c->ngrant_types = cc[i].grant_types.count;
		c->scopes = (const char **)cc[i].scopes.items;
		c->nscopes = cc[i].scopes.count;
		c->skip_consent = cc[i].skip_consent;
		c->introspection = cc[i].introspection;
		if (cc[i].jwks_file == NULL)
			continue;
		c->jwks = read_file(cc[i].jwks_file, err);
		if (c->jwks == NULL || usable_keys(c->jwks) == 0) {
			if (c->jwks != NULL)
				mxg_error_set(err, EINVAL, "%s: no RSA or P-256 public key in it",
					      cc[i].jwks_file);
			mxg_error_prefix(err, "oauth client '%s': jwks_file ", c->client_id);
			mxg_oauth_clients_free(cs, i + 1);
			return -1;
		}
	}
	*clients_r = cs;
	*n_r = conf->clients.count;
	return 0;
}

void mxg_oauth_clients_free(struct mxg_oauth_client *clients, size_t n)
{
	for (size_t i = 0; clients != NULL && i < n; i++)
		free((char *)clients[i].jwks);
	free(clients);
}

/* A JSON array of strings into an arena array. */
static const char **strings(struct mxg_arena *a, const json_t *arr, size_t *n_r)
{
	const char **out;
	size_t i, n = 0;
	json_t *v;

	*n_r = 0;
	if (!json_is_array(arr))
		return NULL;
	out = mxg_arena_alloc(a, (json_array_size(arr) + 1) * sizeof(*out));
	if (out == NULL)
		return NULL;
	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			out[n++] = mxg_arena_strdup(a, json_string_value(v));
	*n_r = n;
	return out;
}

static const char *member(struct mxg_arena *a, const json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));

	return v != NULL ? mxg_arena_strdup(a, v) : NULL;
}

static const char *const method_names[] = {
	"none", "client_secret_basic", "client_secret_post", "client_secret_jwt",
	"private_key_jwt", NULL
};

/* A registered client from its stored metadata. */
static int from_metadata(const char *text, const char *secret_hash, struct mxg_arena *a,
			 struct mxg_oauth_client *c)
{
	json_t *m = json_loads(text, 0, NULL);
	const char *method;

	if (!json_is_object(m)) {
		json_decref(m);
		return -1;
	}
	c->registered = true;
	c->secret_hash = secret_hash != NULL ? mxg_arena_strdup(a, secret_hash) : NULL;
	c->client_name = member(a, m, "client_name");
	c->client_uri = member(a, m, "client_uri");
	c->logo_uri = member(a, m, "logo_uri");
	c->tos_uri = member(a, m, "tos_uri");
	c->policy_uri = member(a, m, "policy_uri");
	c->redirect_uris = strings(a, json_object_get(m, "redirect_uris"), &c->nredirect_uris);
	c->grant_types = strings(a, json_object_get(m, "grant_types"), &c->ngrant_types);
	method = json_string_value(json_object_get(m, "token_endpoint_auth_method"));
	c->auth_method = 0;
	for (int i = 0; method != NULL && method_names[i] != NULL; i++)
		if (strcmp(method, method_names[i]) == 0)
			c->auth_method = i;
	if (json_object_get(m, "jwks") != NULL) {
		char *jwks = json_dumps(json_object_get(m, "jwks"), JSON_COMPACT);

		c->jwks = jwks != NULL ? mxg_arena_strdup(a, jwks) : NULL;
		free(jwks);
	}
	json_decref(m);
	return 0;
}

int mxg_oauth_client_find(struct mxg_oauth *p, const char *client_id, struct mxg_arena *arena,
			  struct mxg_oauth_client *client, struct mxg_error *err)
{
	const char *const params[] = { client_id };
	struct mxg_db_result *res = NULL;
	int found = 0;

	memset(client, 0, sizeof(*client));
	for (size_t i = 0; i < p->nclients; i++) {
		if (strcmp(p->clients[i].client_id, client_id) == 0) {
			*client = p->clients[i];
			return 1;
		}
	}
	if (mxg_db_query(p->db, "SELECT metadata, secret_hash FROM oauth_clients"
			 " WHERE client_id = $1", 1, params, &res, err) < 0)
		return -1;
	if (mxg_db_result_rows(res) == 1) {
		client->client_id = mxg_arena_strdup(arena, client_id);
		if (from_metadata(mxg_db_result_get(res, 0, 0), mxg_db_result_get(res, 0, 1), arena,
				  client) < 0) {
			mxg_error("oauth: client %s: stored metadata is not a JSON object", client_id);
			found = 0;
		} else {
			found = 1;
		}
	}
	mxg_db_result_free(&res);
	return found;
}

bool mxg_oauth_client_has_grant(const struct mxg_oauth_client *c, const char *grant)
{
	for (size_t i = 0; i < c->ngrant_types; i++)
		if (strcmp(c->grant_types[i], grant) == 0)
			return true;
	return false;
}

/* --- authentication --- */

static int refuse(struct mxg_oauth_client_refusal *rf, unsigned int status, const char *error,
		  const char *description)
{
	rf->status = status;
	rf->error = error;
	rf->description = description;
	return -1;
}

/* "Basic base64(urlencoded id ':' urlencoded secret)" (RFC 6749 2.3.1). */
static int parse_basic(struct mxg_arena *a, const char *h, const char **id_r, const char **secret_r)
{
	size_t len, n = 0;
	char *raw, *colon;

	while (*h == ' ')
		h++;
	len = strlen(h);
	raw = mxg_arena_alloc(a, len + 1);
	if (raw == NULL || len == 0 || mxg_base64_decode(h, len, raw, len, &n) < 0)
		return -1;
	raw[n] = '\0';
	colon = memchr(raw, ':', n);
	if (colon == NULL || strlen(raw) != n)
		return -1;
	*id_r = mxg_url_decode(a, raw, (size_t)(colon - raw), true);
	*secret_r = mxg_url_decode(a, colon + 1, n - (size_t)(colon - raw) - 1, true);
	return *id_r != NULL && *secret_r != NULL && (*id_r)[0] != '\0' ? 0 : -1;
}

static bool secret_matches(const struct mxg_oauth_client *c, const char *secret)
{
	char hash[MXG_SHA256_HEX_SIZE];

	if (c->secret != NULL)
		return mxg_const_streq(secret, c->secret);
	if (c->secret_hash == NULL || strlen(c->secret_hash) != MXG_SHA256_HEX_SIZE - 1)
		return false;
	mxg_sha256_hex(secret, strlen(secret), hash);
	return mxg_const_eq(hash, c->secret_hash, MXG_SHA256_HEX_SIZE - 1);
}

/* Does the aud claim name us?  The issuer, the token endpoint or the
 * endpoint this request came to are all accepted (OIDC Core 9, RFC 7523). */
static bool audience_ok(struct mxg_oauth *p, struct mxg_req *r, const json_t *aud)
{
	const char *path = mxg_req_path(r);
	size_t i;
	json_t *v;

	if (json_is_string(aud)) {
		const char *s = json_string_value(aud);
		size_t blen = strlen(p->base);

		if (strcmp(s, p->issuer) == 0 || strcmp(s, p->base) == 0)
			return true;
		if (strncmp(s, p->base, blen) == 0 &&
		    (strcmp(s + blen, "/oauth2/token") == 0 || strcmp(s + blen, path) == 0))
			return true;
		return false;
	}
	json_array_foreach(aud, i, v)
		if (audience_ok(p, r, v))
			return true;
	return false;
}

/* Record jti until exp: false when it was seen before (a replay). */
static int jti_fresh(struct mxg_oauth *p, const char *client_id, const char *jti, long long exp_ms,
		     struct mxg_error *err)
{
	char hash[MXG_SHA256_HEX_SIZE], exp[24], now[24], *key;
	const char *const ins[] = { hash, exp };
	const char *const purge[] = { now };
	struct mxg_db_result *res = NULL;
	int fresh;

	if (asprintf(&key, "%s\n%s", client_id, jti) < 0)
		return mxg_error_set(err, ENOMEM, "out of memory");
	mxg_sha256_hex(key, strlen(key), hash);
	free(key);
	mxg_db_num(exp, exp_ms);
	mxg_db_num(now, mxg_oauth_now_ms());
	if (mxg_db_query(p->db, "DELETE FROM oauth_assertions WHERE expires_at < $1", 1, purge,
			 NULL, err) < 0 ||
	    mxg_db_query(p->db, "INSERT INTO oauth_assertions (jti_hash, expires_at) VALUES ($1, $2)"
			 " ON CONFLICT (jti_hash) DO NOTHING", 2, ins, &res, err) < 0)
		return -1;
	fresh = mxg_db_result_affected(res) == 1;
	mxg_db_result_free(&res);
	return fresh;
}

/* Verify a JWS with one of the client's JWKS keys (by kid when given). */
static bool jwks_verify(const char *jwks_text, const struct mxg_jws *jws)
{
	json_t *doc = json_loads(jwks_text, 0, NULL), *k;
	bool ok = false;
	size_t i;

	json_array_foreach(json_object_get(doc, "keys"), i, k) {
		const char *kid = json_string_value(json_object_get(k, "kid"));
		EVP_PKEY *pk;

		if (jws->kid != NULL && kid != NULL && strcmp(kid, jws->kid) != 0)
			continue;
		pk = mxg_jwk_to_pkey(k, NULL);
		ok = pk != NULL && mxg_jws_verify_key(jws, pk);
		EVP_PKEY_free(pk);
		if (ok)
			break;
	}
	json_decref(doc);
	return ok;
}

static int check_assertion(struct mxg_oauth *p, struct mxg_req *r, const struct mxg_oauth_client *c,
			   const struct mxg_jws *jws, struct mxg_oauth_client_refusal *rf)
{
	const json_t *claims = jws->payload;
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	const char *jti = json_string_value(json_object_get(claims, "jti"));
	json_t *exp = json_object_get(claims, "exp"), *iat = json_object_get(claims, "iat");
	long long now = mxg_oauth_now_ms() / 1000;
	struct mxg_error err;
	bool signed_ok;
	int fresh;

	signed_ok = c->auth_method == MXG_OAUTH_AUTH_SECRET_JWT ?
		    c->secret != NULL && mxg_jws_verify_secret(jws, c->secret, strlen(c->secret)) :
		    c->jwks != NULL && jwks_verify(c->jwks, jws);
	if (!signed_ok)
		return refuse(rf, 401, "invalid_client", "The client assertion's signature is "
			      "not the client's");
	if (iss == NULL || sub == NULL || strcmp(iss, c->client_id) != 0 ||
	    strcmp(sub, c->client_id) != 0)
		return refuse(rf, 401, "invalid_client", "The client assertion's iss and sub must "
			      "be the client_id");
	if (!audience_ok(p, r, json_object_get(claims, "aud")))
		return refuse(rf, 401, "invalid_client", "The client assertion's aud does not name "
			      "this server");
	if (!json_is_integer(exp) || json_integer_value(exp) + ASSERTION_SKEW_S < now)
		return refuse(rf, 401, "invalid_client", "The client assertion has expired (or "
			      "has no exp)");
	if (json_integer_value(exp) > now + ASSERTION_MAX_LIFE_S + ASSERTION_SKEW_S ||
	    (json_is_integer(iat) && json_integer_value(iat) > now + ASSERTION_SKEW_S))
		return refuse(rf, 401, "invalid_client", "The client assertion's exp or iat is too "
			      "far in the future");
	if (jti == NULL || jti[0] == '\0')
		return refuse(rf, 401, "invalid_client", "The client assertion has no jti");
	mxg_error_clear(&err);
	fresh = jti_fresh(p, c->client_id, jti,
			  (json_integer_value(exp) + ASSERTION_SKEW_S) * 1000, &err);
	if (fresh < 0) {
		mxg_error("oauth: recording a client assertion: %s", err.msg);
		return refuse(rf, 503, "temporarily_unavailable", "The database is unavailable");
	}
	if (fresh == 0)
		return refuse(rf, 401, "invalid_client", "The client assertion was used before");
	return 0;
}

int mxg_oauth_client_authenticate(struct mxg_oauth *p, struct mxg_req *r,
				  const struct mxg_form *form, struct mxg_oauth_client *client,
				  struct mxg_oauth_client_refusal *rf)
{
	struct mxg_arena *a = mxg_req_arena(r);
	const char *auth = mxg_req_header(r, "Authorization");
	const char *form_id = mxg_form_param(form, "client_id");
	const char *form_secret = mxg_form_param(form, "client_secret");
	const char *atype = mxg_form_param(form, "client_assertion_type");
	const char *assertion = mxg_form_param(form, "client_assertion");
	const char *id = NULL, *secret = NULL;
	struct mxg_jws jws = { 0 };
	struct mxg_error err;
	int used = 0, method = MXG_OAUTH_AUTH_NONE, found, rc;

	if (auth != NULL && strncasecmp(auth, "Basic ", 6) == 0) {
		if (parse_basic(a, auth + 6, &id, &secret) < 0)
			return refuse(rf, 401, "invalid_client", "Malformed Basic credentials");
		method = MXG_OAUTH_AUTH_SECRET_BASIC;
		used++;
	}
	if (form_secret != NULL) {
		method = MXG_OAUTH_AUTH_SECRET_POST;
		id = form_id;
		secret = form_secret;
		used++;
	}
	if (assertion != NULL || atype != NULL) {
		if (atype == NULL || strcmp(atype, ASSERTION_TYPE) != 0 || assertion == NULL)
			return refuse(rf, 400, "invalid_request", "client_assertion_type must be "
				      ASSERTION_TYPE " with a client_assertion");
		mxg_error_clear(&err);
		if (mxg_jws_parse(assertion, &jws, &err) < 0)
			return refuse(rf, 401, "invalid_client", "The client assertion is not a "
				      "usable JWT");
		id = json_string_value(json_object_get(jws.payload, "sub"));
		if (id == NULL) {
			mxg_jws_clear(&jws);
			return refuse(rf, 401, "invalid_client", "The client assertion has no sub");
		}
		id = mxg_arena_strdup(a, id);
		method = jws.alg == MXG_JWS_HS256 ? MXG_OAUTH_AUTH_SECRET_JWT :
			 MXG_OAUTH_AUTH_PRIVATE_KEY_JWT;
		used++;
	}
	if (used > 1) {
		mxg_jws_clear(&jws);
		return refuse(rf, 400, "invalid_request", "More than one client authentication "
			      "method in one request");
	}
	if (used == 0) {
		if (form_id == NULL)
			return refuse(rf, 401, "invalid_client", "No client authentication and no "
				      "client_id");
		id = form_id;
		method = MXG_OAUTH_AUTH_NONE;
	}
	if (form_id != NULL && strcmp(form_id, id) != 0) {
		mxg_jws_clear(&jws);
		return refuse(rf, 401, "invalid_client", "client_id does not match the client's "
			      "credentials");
	}
	mxg_error_clear(&err);
	found = mxg_oauth_client_find(p, id, a, client, &err);
	if (found <= 0) {
		mxg_jws_clear(&jws);
		if (found < 0) {
			mxg_error("oauth: finding client: %s", err.msg);
			return refuse(rf, 503, "temporarily_unavailable", "The database is "
				      "unavailable");
		}
		return refuse(rf, 401, "invalid_client", "Unknown client");
	}
	if (client->auth_method != method) {
		mxg_jws_clear(&jws);
		return refuse(rf, 401, "invalid_client", mxg_arena_printf(a,
			      "This client authenticates with %s", method_names[client->auth_method]));
	}
	switch (method) {
	case MXG_OAUTH_AUTH_SECRET_BASIC:
	case MXG_OAUTH_AUTH_SECRET_POST:
		if (!secret_matches(client, secret))
			return refuse(rf, 401, "invalid_client", "Wrong client secret");
		return 0;
	case MXG_OAUTH_AUTH_SECRET_JWT:
	case MXG_OAUTH_AUTH_PRIVATE_KEY_JWT:
		rc = check_assertion(p, r, client, &jws, rf);
		mxg_jws_clear(&jws);
		return rc;
	default:
		return 0;
	}
}
