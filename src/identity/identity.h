/*
 * identity.h: the Identity Service API (/_matrix/identity/...): the route
 * table and the handlers behind it, one file per endpoint group.
 */
#ifndef MXG_IDENTITY_H
#define MXG_IDENTITY_H

#include "http/http.h"

struct mxg_config;

extern const struct mxg_route mxg_identity_routes[];

struct mxg_error;

/* api-common.c: log "<what>: database: ..." and answer 503 M_UNKNOWN when the
 * database is unreachable (err->code MXG_DB_ERR_UNAVAILABLE), else 500. */
void mxg_identity_db_error_reply(struct mxg_req *r, const char *what,
				 const struct mxg_error *err);

/* The hash_details and lookup routes: open and inline, or authenticated
 * (blocking) when cfg->lookup.require_auth.  Register them beside
 * mxg_identity_routes. */
const struct mxg_route *mxg_identity_lookup_routes(const struct mxg_config *cfg);

/* api-status.c */
void mxg_identity_versions(struct mxg_req *r);
void mxg_identity_status(struct mxg_req *r);

/* api-lookup.c */
void mxg_identity_hash_details(struct mxg_req *r);
void mxg_identity_lookup(struct mxg_req *r);

/* api-pubkey.c */
void mxg_identity_pubkey(struct mxg_req *r);
void mxg_identity_pubkey_isvalid(struct mxg_req *r);

/* api-v1.c: legacy /_matrix/identity/api/v1, behind identity.v1_api */
void mxg_identity_v1_status(struct mxg_req *r);
void mxg_identity_v1_lookup(struct mxg_req *r);
void mxg_identity_v1_bulk_lookup(struct mxg_req *r);
void mxg_identity_v1_pubkey(struct mxg_req *r);
void mxg_identity_v1_pubkey_isvalid(struct mxg_req *r);
/* api-lookup-auth.c: the same behind mxg_identity_auth_or_reply() */
void mxg_identity_hash_details_authed(struct mxg_req *r);
void mxg_identity_lookup_authed(struct mxg_req *r);

/* api-account.c */
void mxg_identity_account_register(struct mxg_req *r);
void mxg_identity_account(struct mxg_req *r);
void mxg_identity_account_logout(struct mxg_req *r);

/* api-terms.c */
void mxg_identity_terms(struct mxg_req *r);
void mxg_identity_terms_accept(struct mxg_req *r);
/* api-validate.c */
void mxg_identity_validate_email_request(struct mxg_req *r);
void mxg_identity_validate_email_submit(struct mxg_req *r);	/* GET and POST */
void mxg_identity_validate_msisdn_request(struct mxg_req *r);
void mxg_identity_validate_msisdn_submit(struct mxg_req *r);	/* GET and POST */
void mxg_identity_get_validated_3pid(struct mxg_req *r);

/* api-invite.c */
void mxg_identity_store_invite(struct mxg_req *r);
void mxg_identity_sign_ed25519(struct mxg_req *r);
void mxg_identity_pubkey_ephemeral_isvalid(struct mxg_req *r);
/* api-bind.c */
void mxg_identity_bind(struct mxg_req *r);
void mxg_identity_unbind(struct mxg_req *r);

#endif
