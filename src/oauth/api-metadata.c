/*
 * api-metadata.c: discovery: the provider's metadata document (on the
 * oauth resource at both well-known names, and on the client resource as
 * MSC2965's auth_metadata), the older auth_issuer, and the JWKS.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "oauth/keys.h"
#include "oauth/oauth.h"

void mxg_oauth_api_metadata(struct mxg_req *r)
{
	const struct mxg_oauth *p = mxg_req_app(r)->oauth;

	mxg_reply_header(r, "Cache-Control", "public, max-age=3600");
	mxg_reply_raw(r, 200, "application/json", p->metadata, strlen(p->metadata));
}

void mxg_oauth_api_auth_issuer(struct mxg_req *r)
{
	mxg_reply_json(r, 200, json_pack("{s:s}", "issuer", mxg_req_app(r)->oauth->issuer));
}

void mxg_oauth_api_jwks(struct mxg_req *r)
{
	char *jwks = mxg_oauth_keys_jwks(mxg_req_app(r)->oauth->keys, mxg_oauth_now_ms());

	if (jwks == NULL) {
		mxg_oauth_reply_error(r, 500, "server_error", "Cannot build the key set");
		return;
	}
	/* Short: a key that leaves the set must stop being trusted soon. */
	mxg_reply_header(r, "Cache-Control", "public, max-age=300");
	mxg_reply_raw(r, 200, "application/jwk-set+json", jwks, strlen(jwks));
	free(jwks);
}
