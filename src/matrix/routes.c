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

#define DIRECTORY_PROFILE(v)						\
	{ MXG_POST, "/_matrix/client/" v "/user_directory/search", MXG_RES_CLIENT,	\
	  mxg_matrix_directory_search, MXG_ROUTE_BLOCKING },			\
	{ MXG_GET | MXG_PUT | MXG_DELETE, "/_matrix/client/" v "/profile/{userId}",	\
	  MXG_RES_CLIENT, mxg_matrix_profile, MXG_ROUTE_BLOCKING },		\
	{ MXG_GET | MXG_PUT | MXG_DELETE,						\
	  "/_matrix/client/" v "/profile/{userId}/{keyName}", MXG_RES_CLIENT,	\
	  mxg_matrix_profile, MXG_ROUTE_BLOCKING }

const struct mxg_route mxg_matrix_routes[] = {
	LOGIN("r0"),
	LOGIN("v3"),
	DIRECTORY_PROFILE("r0"),
	DIRECTORY_PROFILE("v3"),
	{ MXG_GET, "/.well-known/matrix/client", MXG_RES_CLIENT, mxg_matrix_well_known, 0 },
	{ 0, NULL, 0, NULL, 0 },
};
