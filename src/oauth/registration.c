/*
 * registration.c: checking and storing dynamically registered clients
 * (see registration.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "db/db.h"
#include "oauth/jose.h"
#include "oauth/oauth.h"
#include "oauth/registration.h"

#define CLIENT_ID_LEN 26
#define SECRET_LEN 40
#define MAX_URIS 20

static json_t *refuse(struct mxg_registration_refusal *rf, const char *error, const char *desc)
{
	rf->error = error;
	rf->description = desc;
	return NULL;
}

/* scheme://[userinfo@]host[:port]... split; false when not that shape. */
struct url {
	const char *scheme;		/* lower-cased */
	const char *host;		/* lower-cased, brackets kept */
	bool userinfo, port, fragment;
	const char *path;		/* from the first '/', '?' or end */
};

static bool parse_url(struct mxg_arena *a, const char *s, struct url *u)
{
	const char *colon = strchr(s, ':'), *auth, *end, *at;
	char *p;

	memset(u, 0, sizeof(*u));
	if (colon == NULL || strncmp(colon, "://", 3) != 0 || colon == s)
		return false;
	u->scheme = p = mxg_arena_strndup(a, s, (size_t)(colon - s));
	for (; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	auth = colon + 3;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	u->userinfo = at != NULL;
	if (at != NULL)
		auth = at + 1;
	if (*auth == '[') {
		const char *rb = memchr(auth, ']', (size_t)(end - auth));

		if (rb == NULL)
			return false;
		u->port = rb + 1 < end && rb[1] == ':';
		u->host = mxg_arena_strndup(a, auth, (size_t)(rb + 1 - auth));
	} else {
		const char *pc = memchr(auth, ':', (size_t)(end - auth));

		u->port = pc != NULL;
		u->host = p = mxg_arena_strndup(a, auth, (size_t)((pc != NULL ? pc : end) - auth));
		for (; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	u->path = end;
	u->fragment = strchr(s, '#') != NULL;
	return u->host[0] != '\0';
}

static bool is_ip_or_local(const char *host)
{
	return host[0] == '[' || strspn(host, "0123456789.") == strlen(host) ||
	       strcmp(host, "localhost") == 0 ||
	       (strlen(host) > 10 && strcmp(host + strlen(host) - 10, ".localhost") == 0);
}

/* host is base or a subdomain of it. */
static bool on_host(const char *host, const char *base)
{
	size_t h = strlen(host), b = strlen(base);

	return strcmp(host, base) == 0 ||
	       (h > b && host[h - b - 1] == '.' && strcmp(host + h - b, base) == 0);
}

/* An https URI on the client_uri's host (or below). */
static bool same_site_https(struct mxg_arena *a, const char *uri, const char *base_host)
{
	struct url u;

	return parse_url(a, uri, &u) && strcmp(u.scheme, "https") == 0 && !u.userinfo &&
	       !u.fragment && on_host(u.host, base_host);
}

/* host reversed: "app.example.org" -> "org.example.app". */
static char *reversed(struct mxg_arena *a, const char *host)
{
	size_t n = strlen(host);
	char *out = mxg_arena_alloc(a, n + 1), *o = out;
	const char *end = host + n;

	while (end > host) {
		const char *dot = end;

		while (dot > host && dot[-1] != '.')
			dot--;
		memcpy(o, dot, (size_t)(end - dot));
		o += end - dot;
		end = dot > host ? dot - 1 : host;
		if (dot > host)
			*o++ = '.';
	}
	*o = '\0';
	return out;
}

/* A native app's private-use redirect: "<reversed host>[.more]:/path" or
 * "...:path", no authority; the scheme may reverse the host or one of its
 * parents of two labels or more. */
static bool native_scheme_ok(struct mxg_arena *a, const char *uri, const char *base_host)
{
	const char *colon = strchr(uri, ':');
	const char *rev = reversed(a, base_host);
	char *scheme;

	if (colon == NULL || colon == uri || strncmp(colon, "://", 3) == 0 || colon[1] == '\0' ||
	    strchr(uri, '#') != NULL)
		return false;
	scheme = mxg_arena_strndup(a, uri, (size_t)(colon - uri));
	for (char *p = scheme; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strchr(scheme, '.') == NULL)
		return false;
	/* Try the whole reversed host, then its parents (fewer labels). */
	for (size_t len = strlen(rev); len > 0;) {
		if (strncmp(scheme, rev, len) == 0 && (scheme[len] == '\0' || scheme[len] == '.') &&
		    memchr(rev, '.', len) != NULL)
			return true;
		while (len > 0 && rev[len - 1] != '.')
			len--;
		if (len > 0)
			len--;
	}
	return false;
}

static bool loopback_ok(struct mxg_arena *a, const char *uri)
{
	struct url u;

	/* Registered without a port: any port is taken at authorization. */
	return parse_url(a, uri, &u) && strcmp(u.scheme, "http") == 0 && !u.userinfo &&
	       !u.port && !u.fragment &&
	       (strcmp(u.host, "localhost") == 0 || strcmp(u.host, "127.0.0.1") == 0 ||
		strcmp(u.host, "[::1]") == 0);
}

static const char *const known_grants[] = {
	"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code",
	"client_credentials", NULL
};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* The localizable URIs and names: "field" and "field#lang". */
static bool localized(const char *key, const char *field)
{
	size_t n = strlen(field);

	return strncmp(key, field, n) == 0 && (key[n] == '\0' || key[n] == '#');
}

/* Check what is registered (out: the metadata kept). */
static json_t *check(struct mxg_arena *a, const json_t *m, json_t *out,
		     struct mxg_registration_refusal *rf, const char **method_r)
{
	const char *client_uri = json_string_value(json_object_get(m, "client_uri"));
	const char *app_type = json_string_value(json_object_get(m, "application_type"));
	const char *method = json_string_value(json_object_get(m, "token_endpoint_auth_method"));
	const json_t *uris = json_object_get(m, "redirect_uris");
	const json_t *grants = json_object_get(m, "grant_types");
	const json_t *types = json_object_get(m, "response_types");
	json_t *kept_grants = json_array(), *v;
	struct url base;
	const char *key;
	bool native, code = false;
	size_t i;

	json_object_set_new(out, "grant_types", kept_grants);
	if (client_uri == NULL)
		return refuse(rf, "invalid_client_metadata", "client_uri is required");
	if (!parse_url(a, client_uri, &base) || strcmp(base.scheme, "https") != 0 ||
	    base.userinfo || is_ip_or_local(base.host))
		return refuse(rf, "invalid_client_metadata", "client_uri must be an https URL of a "
			      "public host name, without user info");
	json_object_set_new(out, "client_uri", json_string(client_uri));
	json_object_foreach((json_t *)m, key, v) {
		static const char *const uri_fields[] = { "logo_uri", "tos_uri", "policy_uri", NULL };

		for (size_t f = 0; uri_fields[f] != NULL; f++) {
			if (!localized(key, uri_fields[f]))
				continue;
			if (!json_is_string(v) || !same_site_https(a, json_string_value(v), base.host))
				return refuse(rf, "invalid_client_metadata", mxg_arena_printf(a,
					      "%s must be https on the host of client_uri", key));
			json_object_set(out, key, v);
		}
		if (localized(key, "client_name") || localized(key, "client_uri")) {
			if (!json_is_string(v))
				return refuse(rf, "invalid_client_metadata", mxg_arena_printf(a,
					      "%s must be a string", key));
			if (strcmp(key, "client_uri") != 0 && localized(key, "client_uri") &&
			    !same_site_https(a, json_string_value(v), base.host))
				return refuse(rf, "invalid_client_metadata", mxg_arena_printf(a,
					      "%s must be https on the host of client_uri", key));
			json_object_set(out, key, v);
		}
	}
	native = app_type != NULL && strcmp(app_type, "native") == 0;
	if (app_type != NULL && !native && strcmp(app_type, "web") != 0)
		return refuse(rf, "invalid_client_metadata", "application_type is web or native");
	json_object_set_new(out, "application_type", json_string(native ? "native" : "web"));
	if (types != NULL) {
		if (!json_is_array(types))
			return refuse(rf, "invalid_client_metadata", "response_types must be a list");
		json_array_foreach(types, i, v)
			if (!json_is_string(v) || strcmp(json_string_value(v), "code") != 0)
				return refuse(rf, "invalid_client_metadata", "Only the response type "
					      "code is supported");
	}
	json_object_set_new(out, "response_types", json_pack("[s]", "code"));
	method = method != NULL ? method : "client_secret_basic";
	if (strcmp(method, "client_secret_jwt") == 0)
		return refuse(rf, "invalid_client_metadata", "client_secret_jwt needs a secret the "
			      "server keeps in the clear: not for registered clients");
	if (!in_list((const char *const[]){ "none", "client_secret_basic", "client_secret_post",
					    "private_key_jwt", NULL }, method))
		return refuse(rf, "invalid_client_metadata", "Unknown token_endpoint_auth_method");
	if (strcmp(method, "private_key_jwt") == 0) {
		const json_t *jwks = json_object_get(m, "jwks"), *k;
		size_t usable = 0;

		json_array_foreach(json_object_get(jwks, "keys"), i, k) {
			EVP_PKEY *pk = mxg_jwk_to_pkey(k, NULL);

			usable += pk != NULL;
			EVP_PKEY_free(pk);
		}
		if (usable == 0)
			return refuse(rf, "invalid_client_metadata", "private_key_jwt needs jwks with "
				      "an RSA or P-256 key (jwks_uri is not fetched)");
		json_object_set(out, "jwks", (json_t *)jwks);
	}
	json_object_set_new(out, "token_endpoint_auth_method", json_string(method));
	*method_r = mxg_arena_strdup(a, method);
	if (grants == NULL) {
		json_array_append_new(kept_grants, json_string("authorization_code"));
	} else {
		if (!json_is_array(grants))
			return refuse(rf, "invalid_client_metadata", "grant_types must be a list");
		/* Unknown grants are left out of what is registered (MSC2966). */
		json_array_foreach(grants, i, v)
			if (json_is_string(v) && in_list(known_grants, json_string_value(v)))
				json_array_append(kept_grants, v);
	}
	json_array_foreach(kept_grants, i, v) {
		code |= strcmp(json_string_value(v), "authorization_code") == 0;
		if (strcmp(json_string_value(v), "client_credentials") == 0 &&
		    strcmp(method, "none") == 0)
			return refuse(rf, "invalid_client_metadata", "client_credentials needs a "
				      "client that authenticates");
	}
	if (code && (!json_is_array(uris) || json_array_size(uris) == 0))
		return refuse(rf, "invalid_redirect_uri", "redirect_uris is required for the "
			      "authorization code grant");
	if (json_is_array(uris) && json_array_size(uris) > MAX_URIS)
		return refuse(rf, "invalid_redirect_uri", "Too many redirect_uris");
	json_array_foreach(uris, i, v) {
		const char *u = json_string_value(v);
		bool ok;

		if (u == NULL)
			return refuse(rf, "invalid_redirect_uri", "redirect_uris must be strings");
		ok = same_site_https(a, u, base.host) ||
		     (native && (loopback_ok(a, u) || native_scheme_ok(a, u, base.host)));
		if (!ok)
			return refuse(rf, "invalid_redirect_uri", mxg_arena_printf(a, "%s is not "
				      "allowed for a %s client of %s", u, native ? "native" : "web",
				      base.host));
	}
	if (json_is_array(uris))
		json_object_set(out, "redirect_uris", (json_t *)uris);
	return out;
}

/* A digest of what a public client registered: the same metadata, the
 * same client. */
static void digest_of(const json_t *kept, char out[MXG_SHA256_HEX_SIZE])
{
	char *text = json_dumps(kept, JSON_COMPACT | JSON_SORT_KEYS);

	mxg_sha256_hex(text != NULL ? text : "", text != NULL ? strlen(text) : 0, out);
	free(text);
}

json_t *mxg_oauth_register(struct mxg_oauth *p, const json_t *m, struct mxg_arena *a,
			   struct mxg_registration_refusal *rf, struct mxg_error *err)
{
	json_t *kept = json_object(), *answer = NULL;
	char client_id[CLIENT_ID_LEN + 1], secret[SECRET_LEN + 1], now[24];
	char digest[MXG_SHA256_HEX_SIZE], secret_hash[MXG_SHA256_HEX_SIZE];
	const char *method = NULL;
	struct mxg_db_result *res = NULL;
	char *text = NULL;
	bool public_client;
	long long now_ms = mxg_oauth_now_ms();

	memset(rf, 0, sizeof(*rf));
	if (check(a, m, kept, rf, &method) == NULL)
		goto out;
	public_client = strcmp(method, "none") == 0;
	digest_of(kept, digest);
	if (public_client) {
		const char *const params[] = { digest };

		if (mxg_db_query(p->db, "SELECT client_id, created_at FROM oauth_clients"
				 " WHERE digest = $1", 1, params, &res, err) < 0)
			goto out;
		if (mxg_db_result_rows(res) > 0) {
			answer = json_deep_copy(kept);
			json_object_set_new(answer, "client_id",
					    json_string(mxg_db_result_get(res, 0, 0)));
			json_object_set_new(answer, "client_id_issued_at", json_integer(
				mxg_db_result_ll(res, 0, 1) / 1000));
			goto out;
		}
	}
	if (mxg_random_token(client_id, CLIENT_ID_LEN) < 0 ||
	    (!public_client && strcmp(method, "private_key_jwt") != 0 &&
	     mxg_random_token(secret, SECRET_LEN) < 0)) {
		mxg_error_set(err, 5, "no randomness for a client");
		goto out;
	}
	text = json_dumps(kept, JSON_COMPACT);
	mxg_db_num(now, now_ms);
	{
		bool has_secret = !public_client && strcmp(method, "private_key_jwt") != 0;
		const char *const params[] = { client_id, text, public_client ? digest : NULL,
					       has_secret ? secret_hash : NULL, now };

		if (has_secret)
			mxg_sha256_hex(secret, SECRET_LEN, secret_hash);
		if (mxg_db_query(p->db, "INSERT INTO oauth_clients (client_id, metadata, digest,"
				 " secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)", 5, params,
				 NULL, err) < 0)
			goto out;
		answer = json_deep_copy(kept);
		json_object_set_new(answer, "client_id", json_string(client_id));
		json_object_set_new(answer, "client_id_issued_at", json_integer(now_ms / 1000));
		if (has_secret) {
			json_object_set_new(answer, "client_secret", json_string(secret));
			json_object_set_new(answer, "client_secret_expires_at", json_integer(0));
		}
	}
	mxg_info("oauth: client %s registered (%s, %s)", client_id,
		 json_string_value(json_object_get(kept, "client_uri")), method);
out:
	explicit_bzero(secret, sizeof(secret));
	mxg_db_result_free(&res);
	free(text);
	json_decref(kept);
	return answer;
}
