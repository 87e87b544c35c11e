/*
 * matrix.h: what mxgate answers on the `client` resource in front of the
 * homeserver (login, directory, profile, discovery), and the helpers its
 * handlers share to pass requests on to the homeserver.
 */
#ifndef MXG_MATRIX_H
#define MXG_MATRIX_H

#include <stddef.h>

#include "http/client.h"
#include "http/http.h"

extern const struct mxg_route mxg_matrix_routes[];

/* --- relay.c --- */

/* Reply with the homeserver's status and body as they are. */
void mxg_matrix_relay(struct mxg_req *r, const struct mxg_http_client_resp *resp);

/* Reply for a homeserver call that failed: 504 on a timeout, else 502. */
void mxg_matrix_relay_failure(struct mxg_req *r, const struct mxg_error *err);

/*
 * Send r on to the homeserver (its method, path (NULL: r's own; give it
 * with the query and re-encoded when it has either), body (NULL: r's own),
 * Bearer token and the client's IP as X-Forwarded-For) and relay the
 * answer.  No homeserver configured: 404 M_UNRECOGNIZED.
 */
void mxg_matrix_forward(struct mxg_req *r, const char *path, const char *body, size_t body_len);

/* --- login.c --- */
void mxg_matrix_login_flows(struct mxg_req *r);
void mxg_matrix_login(struct mxg_req *r);

/* --- client-api.c --- */
void mxg_matrix_directory_search(struct mxg_req *r);
void mxg_matrix_profile(struct mxg_req *r);	/* GET filled in; PUT, DELETE passed on */
void mxg_matrix_well_known(struct mxg_req *r);

#endif
