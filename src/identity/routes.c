/*
 * routes.c: the Identity Service routes.  Literal routes come before
 * patterns that could also match them (pubkey/isvalid before pubkey/{keyId}).
 */
#include "config.h"

#include <stddef.h>

#include "core/mxconfig.h"
#include "identity/identity.h"

#define IS_V2 "/_matrix/identity/v2"
#define IS_V1 "/_matrix/identity/api/v1"
/* v1 routes take every method so that, switched off, they all answer 404. */
#define ANY_METHOD (MXG_GET | MXG_POST | MXG_PUT | MXG_DELETE | MXG_PATCH)

const struct mxg_route mxg_identity_routes[] = {
	{ MXG_GET, "/_matrix/identity/versions", MXG_RES_IDENTITY, mxg_identity_versions, 0 },
	{ MXG_GET, IS_V2, MXG_RES_IDENTITY, mxg_identity_status, 0 },
	{ MXG_GET, IS_V2 "/pubkey/isvalid", MXG_RES_IDENTITY, mxg_identity_pubkey_isvalid, 0 },
	{ MXG_GET, IS_V2 "/pubkey/{keyId}", MXG_RES_IDENTITY, mxg_identity_pubkey, 0 },
	/* Legacy v1 (identity.v1_api); the handlers answer 404 when it is off. */
	{ ANY_METHOD, IS_V1, MXG_RES_IDENTITY, mxg_identity_v1_status, 0 },
	{ ANY_METHOD, IS_V1 "/lookup", MXG_RES_IDENTITY, mxg_identity_v1_lookup, 0 },
	{ ANY_METHOD, IS_V1 "/bulk_lookup", MXG_RES_IDENTITY, mxg_identity_v1_bulk_lookup, 0 },
	{ ANY_METHOD, IS_V1 "/pubkey/isvalid", MXG_RES_IDENTITY, mxg_identity_v1_pubkey_isvalid, 0 },
	{ ANY_METHOD, IS_V1 "/pubkey/{keyId}", MXG_RES_IDENTITY, mxg_identity_v1_pubkey, 0 },
	/* accounts and terms (api-account.c, api-terms.c) */
	{ MXG_POST, IS_V2 "/account/register", MXG_RES_IDENTITY, mxg_identity_account_register,
	  MXG_ROUTE_BLOCKING },
	{ MXG_GET, IS_V2 "/account", MXG_RES_IDENTITY, mxg_identity_account, MXG_ROUTE_BLOCKING },
	{ MXG_POST, IS_V2 "/account/logout", MXG_RES_IDENTITY, mxg_identity_account_logout,
	  MXG_ROUTE_BLOCKING },
	{ MXG_GET, IS_V2 "/terms", MXG_RES_IDENTITY, mxg_identity_terms, 0 },
	{ MXG_POST, IS_V2 "/terms", MXG_RES_IDENTITY, mxg_identity_terms_accept,
	  MXG_ROUTE_BLOCKING },
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
	/* invites (api-invite.c) */
	{ MXG_POST, IS_V2 "/store-invite", MXG_RES_IDENTITY, mxg_identity_store_invite,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, IS_V2 "/sign-ed25519", MXG_RES_IDENTITY, mxg_identity_sign_ed25519,
	  MXG_ROUTE_BLOCKING },
	{ MXG_GET, IS_V2 "/pubkey/ephemeral/isvalid", MXG_RES_IDENTITY,
	  mxg_identity_pubkey_ephemeral_isvalid, MXG_ROUTE_BLOCKING },
	/* binding (api-bind.c) */
	{ MXG_POST, IS_V2 "/3pid/bind", MXG_RES_IDENTITY, mxg_identity_bind, MXG_ROUTE_BLOCKING },
	{ MXG_POST, IS_V2 "/3pid/unbind", MXG_RES_IDENTITY, mxg_identity_unbind,
	  MXG_ROUTE_BLOCKING },
	{ 0, NULL, 0, NULL, 0 },
};

/* Hashed lookup: answered inline from the index, unless lookup.require_auth
 * makes it check a token in the database first (then on a worker). */
static const struct mxg_route lookup_open[] = {
	{ MXG_GET, IS_V2 "/hash_details", MXG_RES_IDENTITY, mxg_identity_hash_details, 0 },
	{ MXG_POST, IS_V2 "/lookup", MXG_RES_IDENTITY, mxg_identity_lookup, 0 },
	{ 0, NULL, 0, NULL, 0 },
};

static const struct mxg_route lookup_authed[] = {
	{ MXG_GET, IS_V2 "/hash_details", MXG_RES_IDENTITY, mxg_identity_hash_details_authed,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, IS_V2 "/lookup", MXG_RES_IDENTITY, mxg_identity_lookup_authed,
	  MXG_ROUTE_BLOCKING },
	{ 0, NULL, 0, NULL, 0 },
};

const struct mxg_route *mxg_identity_lookup_routes(const struct mxg_config *cfg)
{
	return cfg->lookup.require_auth ? lookup_authed : lookup_open;
}
