/*
 * json.h: JSON helpers over jansson: strict body parsing and Matrix
 * canonical JSON (for signing).
 */
#ifndef MXG_JSON_H
#define MXG_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "core/error.h"

enum mxg_json_err {
	MXG_JSON_NOT_JSON = 1,	/* not parseable / not UTF-8 */
	MXG_JSON_NOT_OBJECT,	/* valid JSON but not an object */
};

/* Parse len bytes as one JSON object (NULs and trailing garbage refused,
 * duplicate keys refused, nesting bounded).  New reference, or NULL + err. */
json_t *mxg_json_parse_object(const char *buf, size_t len, struct mxg_error *err);

/* Member as a string, or NULL when absent or not a string. */
const char *mxg_json_string(const json_t *obj, const char *key);

/*
 * Matrix canonical JSON: keys sorted by code point, no whitespace, UTF-8
 * raw, integers only (|n| < 2^53).  malloc'ed string, or NULL + err when
 * the value holds a real or an out-of-range integer.
 */
char *mxg_json_canonical(const json_t *value, struct mxg_error *err);

#endif
