/*
 * routes.c: what mxgate answers on the `client` resource in front of the
 * homeserver (login, directory, profile, discovery).
 */
#include "config.h"

#include <stddef.h>

#include "matrix/matrix.h"

const struct mxg_route mxg_matrix_routes[] = {
	{ 0, NULL, 0, NULL, 0 },
};
