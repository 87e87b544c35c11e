/*
 * routes.c: the Identity Service routes.  Literal routes come before
 * patterns that could also match them (pubkey/isvalid before pubkey/{keyId}).
 */
#include "config.h"

#include <stddef.h>

#include "identity/identity.h"

#define IS_V2 "/_matrix/identity/v2"

const struct mxg_route mxg_identity_routes[] = {
	{ MXG_GET, "/_matrix/identity/versions", MXG_RES_IDENTITY, mxg_identity_versions, 0 },
	{ MXG_GET, IS_V2, MXG_RES_IDENTITY, mxg_identity_status, 0 },
	{ MXG_GET, IS_V2 "/hash_details", MXG_RES_IDENTITY, mxg_identity_hash_details, 0 },
	{ MXG_POST, IS_V2 "/lookup", MXG_RES_IDENTITY, mxg_identity_lookup, 0 },
	{ MXG_GET, IS_V2 "/pubkey/isvalid", MXG_RES_IDENTITY, mxg_identity_pubkey_isvalid, 0 },
	{ MXG_GET, IS_V2 "/pubkey/{keyId}", MXG_RES_IDENTITY, mxg_identity_pubkey, 0 },
	/* validation (api-validate.c) */
	{ MXG_POST, IS_V2 "/validate/email/requestToken", MXG_RES_IDENTITY,
	  mxg_identity_validate_email_request, MXG_ROUTE_BLOCKING },
	{ MXG_GET | MXG_POST, IS_V2 "/validate/email/submitToken", MXG_RES_IDENTITY,
	  mxg_identity_validate_email_submit, MXG_ROUTE_BLOCKING },
	{ MXG_POST, IS_V2 "/validate/msisdn/requestToken", MXG_RES_IDENTITY,
	  mxg_identity_validate_msisdn_request, MXG_ROUTE_BLOCKING },
	{ MXG_GET | MXG_POST, IS_V2 "/validate/msisdn/submitToken", MXG_RES_IDENTITY,
	  mxg_identity_validate_msisdn_submit, MXG_ROUTE_BLOCKING },
	{ MXG_GET, IS_V2 "/3pid/getValidated3pid", MXG_RES_IDENTITY,
	  mxg_identity_get_validated_3pid, MXG_ROUTE_BLOCKING },
	{ 0, NULL, 0, NULL, 0 },
};
