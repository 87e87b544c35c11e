/*
 * routes.c: what mxgate answers on the `client` resource in front of the
 * homeserver (login, directory, profile, discovery).
 */
#include "config.h"

#include <stddef.h>

#include "matrix/matrix.h"

#define LOGIN(v)							\
	{ MXG_GET, "/_matrix/client/" v "/login", MXG_RES_CLIENT,		\
	  mxg_matrix_login_flows, MXG_ROUTE_BLOCKING },			\
	{ MXG_POST, "/_matrix/client/" v "/login", MXG_RES_CLIENT,		\
	  mxg_matrix_login, MXG_ROUTE_BLOCKING }

const struct mxg_route mxg_matrix_routes[] = {
	LOGIN("r0"),
	LOGIN("v3"),
	{ 0, NULL, 0, NULL, 0 },
};
