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

/* api-v1.c: legacy /_matrix/identity/api/v1, behind identity.v1_api */
void mxg_identity_v1_status(struct mxg_req *r);
void mxg_identity_v1_lookup(struct mxg_req *r);
void mxg_identity_v1_bulk_lookup(struct mxg_req *r);
void mxg_identity_v1_pubkey(struct mxg_req *r);
void mxg_identity_v1_pubkey_isvalid(struct mxg_req *r);

#endif
