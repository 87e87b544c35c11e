/*
 * provider.c: the OAuth provider's lifetime (keys, config clients, the
 * discovery document built once) and the reply helpers its endpoints share.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mxconfig.h"
#include "oauth/clients.h"
#include "oauth/keys.h"
#include "oauth/oauth.h"

long long mxg_oauth_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *mxg_oauth_url(const struct mxg_oauth *p, const char *path)
{
	char *url;

	return asprintf(&url, "%s%s", p->base, path) < 0 ? NULL : url;
}

static int add_url(const struct mxg_oauth *p, json_t *doc, const char *key, const char *path)
{
	char *url = mxg_oauth_url(p, path);
	int rc = url != NULL ? json_object_set_new(doc, key, json_string(url)) : -1;

	free(url);
	return rc;
}

static json_t *strings(const char *const *list)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && list[i] != NULL; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

/*
 * The discovery document (RFC 8414, OpenID Connect Discovery 1.0, with
 * MSC2965's requirements and MSC4191's account management): the same for
 * /.well-known/openid-configuration, oauth-authorization-server and the
 * client API's auth_metadata.
 */
static char *build_metadata(const struct mxg_oauth *p)
{
	static const char *const grants[] = {
		"authorization_code", "refresh_token", "client_credentials",
		"urn:ietf:params:oauth:grant-type:device_code", NULL
	};
	static const char *const auth_methods[] = {
		"none", "client_secret_basic", "client_secret_post", "client_secret_jwt",
		"private_key_jwt", NULL
	};
	static const char *const auth_algs[] = { "RS256", "ES256", "HS256", NULL };
	static const char *const scopes[] = {
		"openid", "email", "profile", "urn:matrix:client:api:*",
		"urn:matrix:org.matrix.msc2967.client:api:*", NULL
	};
	static const char *const claims[] = {
		"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
		"preferred_username", "name", "email", "email_verified", NULL
	};
	static const char *const actions[] = {
		"org.matrix.profile", "org.matrix.devices_list", "org.matrix.device_view",
		"org.matrix.device_delete", NULL
	};
	static const char *const modes[] = { "query", "fragment", "form_post", NULL };
	static const char *const code_only[] = { "code", NULL };
	static const char *const s256[] = { "S256", NULL };
	static const char *const public_only[] = { "public", NULL };
	static const char *const prompts[] = { "none", "login", "consent", NULL };
	json_t *doc = json_object(), *id_algs = json_array(), *prompt_values = strings(prompts);
	char *text = NULL;

	json_array_append_new(id_algs, json_string("RS256"));
	if (mxg_oauth_keys_signer(p->keys, MXG_JWS_ES256, NULL) != NULL)
		json_array_append_new(id_algs, json_string("ES256"));
	if (p->conf->registration)
		json_array_append_new(prompt_values, json_string("create"));
	if (doc == NULL ||
	    json_object_set_new(doc, "issuer", json_string(p->issuer)) < 0 ||
	    add_url(p, doc, "authorization_endpoint", "/authorize") < 0 ||
	    add_url(p, doc, "token_endpoint", "/oauth2/token") < 0 ||
	    add_url(p, doc, "jwks_uri", "/oauth2/keys.json") < 0 ||
	    add_url(p, doc, "registration_endpoint", "/oauth2/registration") < 0 ||
	    add_url(p, doc, "introspection_endpoint", "/oauth2/introspect") < 0 ||
	    add_url(p, doc, "revocation_endpoint", "/oauth2/revoke") < 0 ||
	    add_url(p, doc, "userinfo_endpoint", "/oauth2/userinfo") < 0 ||
	    add_url(p, doc, "end_session_endpoint", "/oauth2/logout") < 0 ||
	    add_url(p, doc, "device_authorization_endpoint", "/oauth2/device") < 0 ||
	    add_url(p, doc, "account_management_uri", "/account") < 0 ||
	    json_object_set_new(doc, "account_management_actions_supported",
				strings(actions)) < 0 ||
	    json_object_set_new(doc, "scopes_supported", strings(scopes)) < 0 ||
	    json_object_set_new(doc, "response_types_supported", strings(code_only)) < 0 ||
	    json_object_set_new(doc, "response_modes_supported", strings(modes)) < 0 ||
	    json_object_set_new(doc, "grant_types_supported", strings(grants)) < 0 ||
	    json_object_set_new(doc, "token_endpoint_auth_methods_supported",
				strings(auth_methods)) < 0 ||
	    json_object_set_new(doc, "token_endpoint_auth_signing_alg_values_supported",
				strings(auth_algs)) < 0 ||
	    json_object_set_new(doc, "introspection_endpoint_auth_methods_supported",
				strings(auth_methods + 1)) < 0 ||
	    json_object_set_new(doc, "revocation_endpoint_auth_methods_supported",
				strings(auth_methods)) < 0 ||
	    json_object_set_new(doc, "code_challenge_methods_supported", strings(s256)) < 0 ||
	    json_object_set_new(doc, "subject_types_supported", strings(public_only)) < 0 ||
	    json_object_set_new(doc, "id_token_signing_alg_values_supported", id_algs) < 0 ||
	    json_object_set_new(doc, "claims_supported", strings(claims)) < 0 ||
	    json_object_set_new(doc, "prompt_values_supported", prompt_values) < 0 ||
	    json_object_set_new(doc, "request_parameter_supported", json_false()) < 0 ||
	    json_object_set_new(doc, "request_uri_parameter_supported", json_false()) < 0 ||
	    json_object_set_new(doc, "claims_parameter_supported", json_false()) < 0)
		goto out;
	text = json_dumps(doc, JSON_COMPACT);
out:
	json_decref(doc);
	return text;
}

int mxg_oauth_create(const struct mxg_config *cfg, struct mxg_db *db,
		     struct mxg_store_chain *stores, struct mxg_oauth **p_r,
		     struct mxg_error *err)
{
	struct mxg_oauth *p;
	size_t len;

	*p_r = NULL;
	if (cfg->oauth.issuer == NULL)
		return 0;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	p->cfg = cfg;
	p->conf = &cfg->oauth;
	p->db = db;
	p->stores = stores;
	p->issuer = cfg->oauth.issuer;
	len = strlen(p->issuer);
	p->base = strndup(p->issuer, len > 0 && p->issuer[len - 1] == '/' ? len - 1 : len);
	if (p->base == NULL) {
		mxg_oauth_destroy(&p);
		return mxg_error_set(err, ENOMEM, "out of memory");
	}
	if (mxg_oauth_keys_open(p->conf, cfg->data_dir, db, mxg_oauth_now_ms(), &p->keys,
				err) < 0 ||
	    mxg_oauth_clients_load(p->conf, &p->clients, &p->nclients, err) < 0) {
		mxg_oauth_destroy(&p);
		return -1;
	}
	{
		const struct mxg_store_conf *sc = cfg->stores.items;

		for (size_t i = 0; i < cfg->stores.count && p->local == NULL; i++)
			if (strcmp(sc[i].module, "local") == 0)
				p->local = sc[i].settings;
	}
	if ((p->conf->registration || p->conf->password_recovery) &&
	    (p->local == NULL || cfg->threepid.email.smtp_url == NULL)) {
		mxg_oauth_destroy(&p);
		return mxg_error_set(err, EINVAL, "oauth.registration and password_recovery need a "
				     "store with module local and e-mail (threepid.email.smtp_url)");
	}
	if (p->conf->provisioning != MXG_PROVISION_OFF && cfg->homeserver.base_url == NULL) {
		mxg_oauth_destroy(&p);
		return mxg_error_set(err, EINVAL, "oauth.provisioning needs homeserver.base_url");
	}
	p->metadata = build_metadata(p);
	if (p->metadata == NULL) {
		mxg_oauth_destroy(&p);
		return mxg_error_set(err, ENOMEM, "oauth: cannot build the discovery document");
	}
	*p_r = p;
	return 0;
}

void mxg_oauth_destroy(struct mxg_oauth **pp)
{
	struct mxg_oauth *p = *pp;

	if (p == NULL)
		return;
	mxg_oauth_keys_destroy(&p->keys);
	mxg_oauth_clients_free(p->clients, p->nclients);
	free(p->metadata);
	free(p->base);
	free(p);
	*pp = NULL;
}

static void no_store(struct mxg_req *r)
{
	mxg_reply_header(r, "Cache-Control", "no-store");
	mxg_reply_header(r, "Pragma", "no-cache");
}

void mxg_oauth_reply_json(struct mxg_req *r, unsigned int status, json_t *body)
{
	no_store(r);
	mxg_reply_json(r, status, body);
}

void mxg_oauth_reply_error(struct mxg_req *r, unsigned int status, const char *error,
			   const char *fmt, ...)
{
	char desc[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (status == 401)
		mxg_reply_header(r, "WWW-Authenticate", "Basic realm=\"mxgate\"");
	mxg_oauth_reply_json(r, status, json_pack("{s:s, s:s}", "error", error,
						  "error_description", desc));
}
