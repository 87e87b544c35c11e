/*
 * routes.c: the Identity Service routes.  Literal routes come before
 * patterns that could also match them (pubkey/isvalid before pubkey/{keyId}).
 */
#include "config.h"

#include <stddef.h>

#include "identity/identity.h"

#define IS_V2 "/_matrix/identity/v2"
#define IS_V1 "/_matrix/identity/api/v1"
/* v1 routes take every method so that, switched off, they all answer 404. */
#define ANY_METHOD (MXG_GET | MXG_POST | MXG_PUT | MXG_DELETE | MXG_PATCH)

const struct mxg_route mxg_identity_routes[] = {
	{ MXG_GET, "/_matrix/identity/versions", MXG_RES_IDENTITY, mxg_identity_versions, 0 },
	{ MXG_GET, IS_V2, MXG_RES_IDENTITY, mxg_identity_status, 0 },
	{ MXG_GET, IS_V2 "/hash_details", MXG_RES_IDENTITY, mxg_identity_hash_details, 0 },
	{ MXG_POST, IS_V2 "/lookup", MXG_RES_IDENTITY, mxg_identity_lookup, 0 },
	{ MXG_GET, IS_V2 "/pubkey/isvalid", MXG_RES_IDENTITY, mxg_identity_pubkey_isvalid, 0 },
	{ MXG_GET, IS_V2 "/pubkey/{keyId}", MXG_RES_IDENTITY, mxg_identity_pubkey, 0 },
	/* Legacy v1 (identity.v1_api); the handlers answer 404 when it is off. */
	{ ANY_METHOD, IS_V1, MXG_RES_IDENTITY, mxg_identity_v1_status, 0 },
	{ ANY_METHOD, IS_V1 "/lookup", MXG_RES_IDENTITY, mxg_identity_v1_lookup, 0 },
	{ ANY_METHOD, IS_V1 "/bulk_lookup", MXG_RES_IDENTITY, mxg_identity_v1_bulk_lookup, 0 },
	{ ANY_METHOD, IS_V1 "/pubkey/isvalid", MXG_RES_IDENTITY, mxg_identity_v1_pubkey_isvalid, 0 },
	{ ANY_METHOD, IS_V1 "/pubkey/{keyId}", MXG_RES_IDENTITY, mxg_identity_v1_pubkey, 0 },
	{ 0, NULL, 0, NULL, 0 },
};
