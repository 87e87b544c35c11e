/*
 * routes.c: the login delegation routes, on the `internal` resource (only
 * the homeserver should reach it: it answers whether a password is right).
 */
#include "config.h"

#include <stddef.h>

#include "login/login.h"

const struct mxg_route mxg_login_routes[] = {
	{ MXG_POST, "/_matrix-internal/identity/v1/check_credentials", MXG_RES_INTERNAL,
	  mxg_login_check_credentials, MXG_ROUTE_BLOCKING },
	{ 0, NULL, 0, NULL, 0 },
};
