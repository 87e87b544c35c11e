/*
 * api-status.c: GET /_matrix/identity/versions and GET /_matrix/identity/v2
 * (the probe clients use to check that a base URL is an identity server).
 */
#include "config.h"

#include "identity/identity.h"

void mxg_identity_versions(struct mxg_req *r)
{
	mxg_reply_json(r, 200, json_pack("{s:[s,s]}", "versions", "r0.3.0", "v1.1"));
}

void mxg_identity_status(struct mxg_req *r)
{
	mxg_reply_json(r, 200, json_object());
}
