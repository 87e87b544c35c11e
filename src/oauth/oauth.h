/*
 * oauth.h: mxgate as an OAuth 2.0 authorization server and OpenID Connect
 * provider: the service behind the `oauth` resource (and the discovery
 * document republished on the `client` resource).
 *
 * The provider owns its signing keys and the clients of the config; every
 * grant, session and token lives in the database (hashed), so replicas
 * share them.  Handlers translate HTTP; the functions here and in
 * clients.h, sessions.h do the work.
 */
#ifndef MXG_OAUTH_H
#define MXG_OAUTH_H

#include <stdatomic.h>
#include <stdbool.h>

#include <jansson.h>

#include "core/error.h"
#include "http/http.h"

struct mxg_config;
struct mxg_db;
struct mxg_oauth_client;
struct mxg_oauth_keys;
struct mxg_store_chain;
struct mxg_local_settings;

struct mxg_oauth {
	const struct mxg_config *cfg;
	const struct mxg_oauth_conf *conf;
	struct mxg_db *db;
	struct mxg_oauth_keys *keys;
	const char *issuer;		/* as configured */
	char *base;			/* the issuer without its trailing '/' */
	char *metadata;			/* the discovery document (JSON text) */
	struct mxg_oauth_client *clients;	/* those of the config */
	size_t nclients;
	struct mxg_store_chain *stores;	/* profiles for userinfo and provisioning */
	const struct mxg_local_settings *local;	/* the local store's; NULL: none */
	atomic_bool no_mas_api;		/* the homeserver answered 404 under /_synapse/mas/ */
};

/* The provider of cfg, or *p_r NULL when oauth.issuer is unset. */
int mxg_oauth_create(const struct mxg_config *cfg, struct mxg_db *db,
		     struct mxg_store_chain *stores, struct mxg_oauth **p_r,
		     struct mxg_error *err);
void mxg_oauth_destroy(struct mxg_oauth **p);

/* base + path ("/oauth2/token"), malloc'd. */
char *mxg_oauth_url(const struct mxg_oauth *p, const char *path);

/* Milliseconds since the epoch. */
long long mxg_oauth_now_ms(void);

/*
 * An OAuth error reply: {"error", "error_description"} with status, and
 * Cache-Control: no-store.  401 invalid_client adds WWW-Authenticate.
 */
void mxg_oauth_reply_error(struct mxg_req *r, unsigned int status, const char *error,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A token-endpoint style reply: JSON body (stolen) with no-store. */
void mxg_oauth_reply_json(struct mxg_req *r, unsigned int status, json_t *body);

extern const struct mxg_route mxg_oauth_routes[];

/* handlers (api-*.c) */
void mxg_oauth_api_metadata(struct mxg_req *r);
void mxg_oauth_api_auth_issuer(struct mxg_req *r);
void mxg_oauth_api_jwks(struct mxg_req *r);
void mxg_oauth_api_token(struct mxg_req *r);
void mxg_oauth_api_introspect(struct mxg_req *r);
void mxg_oauth_api_revoke(struct mxg_req *r);
void mxg_oauth_api_userinfo(struct mxg_req *r);
void mxg_oauth_api_register(struct mxg_req *r);
void mxg_oauth_api_device_authorization(struct mxg_req *r);
void mxg_oauth_api_device_page(struct mxg_req *r);
void mxg_oauth_api_device_decide(struct mxg_req *r);
void mxg_oauth_api_logout(struct mxg_req *r);
void mxg_oauth_api_account(struct mxg_req *r);
void mxg_oauth_api_account_sessions(struct mxg_req *r);
void mxg_oauth_api_signup_page(struct mxg_req *r);
void mxg_oauth_api_signup(struct mxg_req *r);
void mxg_oauth_api_signup_verify(struct mxg_req *r);
void mxg_oauth_api_recover_page(struct mxg_req *r);
void mxg_oauth_api_recover(struct mxg_req *r);
void mxg_oauth_api_recover_verify(struct mxg_req *r);

/* api-compat.c: the compat login (login.interception: oauth); the login
 * handlers of the client API call the first two in that mode. */
void mxg_oauth_compat_flows(struct mxg_req *r);
void mxg_oauth_compat_login(struct mxg_req *r);
void mxg_oauth_compat_logout(struct mxg_req *r);
void mxg_oauth_compat_refresh(struct mxg_req *r);
void mxg_oauth_compat_sso_redirect(struct mxg_req *r);
void mxg_oauth_api_sso_page(struct mxg_req *r);
void mxg_oauth_api_sso_confirm(struct mxg_req *r);
void mxg_oauth_api_authorize(struct mxg_req *r);
void mxg_oauth_api_login_page(struct mxg_req *r);
void mxg_oauth_api_login(struct mxg_req *r);
void mxg_oauth_api_consent(struct mxg_req *r);

#endif
