/*
 * api.h: helpers the provider's handlers share (api-common.c).  Each
 * replies itself when it fails: the handler just returns.
 */
#ifndef MXG_OAUTH_API_H
#define MXG_OAUTH_API_H

#include "http/form.h"
#include "http/http.h"
#include "oauth/clients.h"

/* The body as an OAuth form: 0, or -1 after a 400 invalid_request. */
int mxg_oauth_read_form(struct mxg_req *r, struct mxg_form *form);

/* A form's parameters for mxg_oauth_authz_check and the other takers of
 * an mxg_oauth_param_fn (empty values read as absent). */
const char *mxg_oauth_form_getter(void *form, const char *name);

/* The client of this request, authenticated: 0, or -1 after the error. */
int mxg_oauth_authenticate_or_reply(struct mxg_req *r, const struct mxg_form *form,
				    struct mxg_oauth_client *client);

#endif
