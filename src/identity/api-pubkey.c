/*
 * api-pubkey.c: the server's long-term ed25519 public key:
 * GET /_matrix/identity/v2/pubkey/{keyId} and /pubkey/isvalid.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "identity/identity.h"

void mxg_identity_pubkey(struct mxg_req *r)
{
	const struct mxg_ed25519_key *key = &mxg_req_app(r)->signing_key;
	const char *key_id = mxg_req_param(r, "keyId");
	char ours[8 + MXG_ED25519_VERSION_MAX];

	snprintf(ours, sizeof(ours), "ed25519:%s", key->version);
	if (key_id == NULL || strcmp(key_id, ours) != 0) {
		mxg_reply_error(r, 404, "M_NOT_FOUND", "The public key was not found");
		return;
	}
	mxg_reply_json(r, 200, json_pack("{s:s}", "public_key", key->pub_b64));
}

void mxg_identity_pubkey_isvalid(struct mxg_req *r)
{
	const struct mxg_ed25519_key *key = &mxg_req_app(r)->signing_key;
	const char *pub = mxg_req_query(r, "public_key");

	if (pub == NULL) {
		mxg_reply_error(r, 400, "M_MISSING_PARAMS", "Missing public_key");
		return;
	}
	mxg_reply_json(r, 200, json_pack("{s:b}", "valid", strcmp(pub, key->pub_b64) == 0));
}
