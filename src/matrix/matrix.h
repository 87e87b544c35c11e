/*
 * matrix.h: the client-server interception's handlers and route table.
 */
#ifndef MXG_MATRIX_H
#define MXG_MATRIX_H

#include "http/http.h"

extern const struct mxg_route mxg_matrix_routes[];

#endif
