/*
 * identity.h: the Identity Service API (/_matrix/identity/...): the route
 * table and the handlers behind it, one file per endpoint group.
 */
#ifndef MXG_IDENTITY_H
#define MXG_IDENTITY_H

#include "http/http.h"

extern const struct mxg_route mxg_identity_routes[];

/* api-status.c */
void mxg_identity_versions(struct mxg_req *r);
void mxg_identity_status(struct mxg_req *r);

/* api-lookup.c */
void mxg_identity_hash_details(struct mxg_req *r);
void mxg_identity_lookup(struct mxg_req *r);

/* api-pubkey.c */
void mxg_identity_pubkey(struct mxg_req *r);
void mxg_identity_pubkey_isvalid(struct mxg_req *r);

/* api-validate.c */
void mxg_identity_validate_email_request(struct mxg_req *r);
void mxg_identity_validate_email_submit(struct mxg_req *r);	/* GET and POST */
void mxg_identity_validate_msisdn_request(struct mxg_req *r);
void mxg_identity_validate_msisdn_submit(struct mxg_req *r);	/* GET and POST */
void mxg_identity_get_validated_3pid(struct mxg_req *r);

#endif
