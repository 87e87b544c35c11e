/*
 * json.h: JSON helpers over jansson: strict body parsing, Matrix canonical
 * JSON, and signing / verifying JSON objects (spec A.8).
 */
#ifndef MXG_JSON_H
#define MXG_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "core/ed25519.h"
#include "core/error.h"

/* Deepest nesting mxg_json_parse_object() accepts ({"a":{}} is 2 deep). */
#define MXG_JSON_MAX_DEPTH 64

enum mxg_json_err {
	MXG_JSON_NOT_JSON = 1,	/* not parseable / not UTF-8 */
	MXG_JSON_NOT_OBJECT,	/* valid JSON but not an object */
	MXG_JSON_BAD_VALUE,	/* not canonicalisable: real, |n| > 2^53-1, ... */
	MXG_JSON_NO_SIGNATURE,	/* no signature by that entity and key id */
	MXG_JSON_BAD_SIGNATURE,	/* malformed or wrong signature */
};

/* Parse len bytes as one JSON object (NULs and trailing garbage refused,
 * duplicate keys refused, nesting bounded by MXG_JSON_MAX_DEPTH).  New
 * reference, or NULL + err; the message gives line and column, never a
 * piece of the input (bodies hold passwords). */
json_t *mxg_json_parse_object(const char *buf, size_t len, struct mxg_error *err);

/* Member as a string, or NULL when absent or not a string. */
const char *mxg_json_string(const json_t *obj, const char *key);

/*
 * Matrix canonical JSON: keys sorted by code point, no whitespace, UTF-8
 * raw, integers only (|n| < 2^53).  malloc'ed string, or NULL + err when
 * the value holds a real or an out-of-range integer.
 */
char *mxg_json_canonical(const json_t *value, struct mxg_error *err);

/*
 * Sign obj in place as Matrix does: without its "signatures" and "unsigned"
 * members, canonicalise, sign with key, and store the unpadded standard
 * base64 signature at signatures[entity]["ed25519:" + key->version], keeping
 * any other signatures; "unsigned" is put back.  Returns 0, or -1 + err
 * (MXG_JSON_NOT_OBJECT, MXG_JSON_BAD_VALUE) with obj as it was.
 */
int mxg_json_sign(json_t *obj, const char *entity, const struct mxg_ed25519_key *key,
		  struct mxg_error *err);

/*
 * Check signatures[entity][key_id] of obj (padded or unpadded base64)
 * against pub.  Returns 0 when valid, or -1 + err: MXG_JSON_NO_SIGNATURE
 * when there is none, MXG_JSON_BAD_SIGNATURE when it is malformed or wrong,
 * MXG_JSON_BAD_VALUE when obj cannot be canonicalised.
 */
int mxg_json_verify(const json_t *obj, const char *entity, const char *key_id,
		    const unsigned char pub[MXG_ED25519_PUB_LEN], struct mxg_error *err);

#endif
