/*
 * clients.h: the provider's clients, from the config or registered
 * dynamically, and how a request proves which client it comes from
 * (RFC 6749 2.3, OpenID Connect Core 9: none, client_secret_basic,
 * client_secret_post, client_secret_jwt and private_key_jwt).
 */
#ifndef MXG_OAUTH_CLIENTS_H
#define MXG_OAUTH_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_form;
struct mxg_oauth;
struct mxg_oauth_conf;
struct mxg_oauth_client_conf;
struct mxg_req;

struct mxg_oauth_client {
	const char *client_id;
	int auth_method;		/* enum mxg_oauth_auth_method */
	const char *secret;		/* config clients: the secret itself */
	const char *secret_hash;	/* registered clients: its hex SHA-256 */
	const char *jwks;		/* private_key_jwt: JWKS text */
	const char *client_name, *client_uri, *logo_uri, *tos_uri, *policy_uri;
	const char **redirect_uris;
	size_t nredirect_uris;
	const char **grant_types;
	size_t ngrant_types;
	const char **scopes;		/* allowed patterns; none: any */
	size_t nscopes;
	bool skip_consent;
	bool introspection;		/* may introspect every token */
	bool registered;		/* dynamically, not from the config */
};

/* The config's clients, built once (jwks_file read now); -1 with err. */
int mxg_oauth_clients_load(const struct mxg_oauth_conf *conf, struct mxg_oauth_client **clients_r,
			   size_t *n_r, struct mxg_error *err);
void mxg_oauth_clients_free(struct mxg_oauth_client *clients, size_t n);

/* Find client_id, copied into arena: 1 found, 0 unknown, -1 database error. */
int mxg_oauth_client_find(struct mxg_oauth *p, const char *client_id, struct mxg_arena *arena,
			  struct mxg_oauth_client *client, struct mxg_error *err);

bool mxg_oauth_client_has_grant(const struct mxg_oauth_client *c, const char *grant);

/* Why a client was not authenticated (an OAuth error code and words). */
struct mxg_oauth_client_refusal {
	unsigned int status;		/* 400, 401, or 500/503 */
	const char *error;		/* "invalid_client", "invalid_request", ... */
	const char *description;
};

/*
 * Who sent this request to an endpoint of the provider (form: its
 * parameters): the client named by the Basic header, client_id or the
 * assertion, authenticated by the method it is registered with.  Returns 0
 * with *client set, or -1 with *refusal.  A public client (none) is
 * authenticated by its client_id alone.
 */
int mxg_oauth_client_authenticate(struct mxg_oauth *p, struct mxg_req *r,
				  const struct mxg_form *form, struct mxg_oauth_client *client,
				  struct mxg_oauth_client_refusal *refusal);

#endif
