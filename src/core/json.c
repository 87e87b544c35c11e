/*
 * json.c: JSON over jansson: strict parsing of request bodies, Matrix
 * canonical JSON, and signing / verifying JSON objects (spec A.8).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/ed25519.h"
#include "core/json.h"

/* Canonical JSON integers: the range where a double is still exact. */
#define CANONICAL_INT_MAX 9007199254740991LL	/* 2^53 - 1 */

/* jansson's own limit; canonicalising our own objects uses it as the
 * bound (it also stops a cycle built by a bug from recursing forever). */
#define CANONICAL_MAX_DEPTH JSON_PARSER_MAX_DEPTH

/*
 * Why a jansson error happened, in our words: jansson's text quotes the
 * offending token ("near 'hunter2'"), and bodies hold passwords and tokens.
 */
static const char *parse_error_reason(const json_error_t *jerr)
{
	switch (json_error_code(jerr)) {
	case json_error_out_of_memory:
		return "out of memory";
	case json_error_stack_overflow:
		return "nested too deeply";
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_premature_end_of_input:
		return "unexpected end of input";
	case json_error_end_of_input_expected:
		return "garbage after the JSON value";
	case json_error_null_character:
		return "\\u0000 in a string";
	case json_error_duplicate_key:
		return "duplicate object key";
	case json_error_numeric_overflow:
		return "number out of range";
	case json_error_invalid_syntax:
	default:
		return "invalid syntax";
	}
}

/*
 * Walk value: deeper than max_depth is an error; with canonical also reals
 * and integers outside +-(2^53-1).  Recursion is bounded by max_depth.
 */
static int check_value(const json_t *value, int depth, int max_depth, bool canonical,
		       int code, struct mxg_error *err)
{
	switch (json_typeof(value)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *member;

		if (depth >= max_depth)
			return mxg_error_set(err, code, "JSON nested deeper than %d levels",
					     max_depth);
		/* json_object_foreach wants a non-const object; it only reads. */
		json_object_foreach((json_t *)value, key, member) {
			if (check_value(member, depth + 1, max_depth, canonical, code, err) < 0)
				return -1;
		}
		return 0;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *elem;

		if (depth >= max_depth)
			return mxg_error_set(err, code, "JSON nested deeper than %d levels",
					     max_depth);
		json_array_foreach(value, i, elem) {
			if (check_value(elem, depth + 1, max_depth, canonical, code, err) < 0)
				return -1;
		}
		return 0;
	}
	case JSON_REAL:
		if (canonical)
			return mxg_error_set(err, code,
					     "canonical JSON has no floating-point numbers");
		return 0;
	case JSON_INTEGER: {
		json_int_t n = json_integer_value(value);

		if (canonical && (n > CANONICAL_INT_MAX || n < -CANONICAL_INT_MAX))
			return mxg_error_set(err, code,
					     "canonical JSON integers stay within +-(2^53-1)");
		return 0;
	}
	default:
		return 0;
	}
}

json_t *mxg_json_parse_object(const char *buf, size_t len, struct mxg_error *err)
{
	json_error_t jerr;
	json_t *root;

	/* jansson would stop at a NUL inside a string only with
	 * JSON_ALLOW_NUL; a raw NUL anywhere is refused up front. */
	if (len > 0 && memchr(buf, '\0', len) != NULL) {
		mxg_error_set(err, MXG_JSON_NOT_JSON, "not JSON: NUL byte in the input");
		return NULL;
	}
	/* JSON_DECODE_ANY: so that "42" is told apart as valid JSON that is
	 * not an object. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		mxg_error_set(err, MXG_JSON_NOT_JSON, "not JSON: %s at line %d, column %d",
			      parse_error_reason(&jerr), jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		mxg_error_set(err, MXG_JSON_NOT_OBJECT, "the JSON value is not an object");
		json_decref(root);
		return NULL;
	}
	if (check_value(root, 0, MXG_JSON_MAX_DEPTH, false, MXG_JSON_NOT_JSON, err) < 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}

const char *mxg_json_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/*
 * jansson writes control characters as "\u001F"; canonical JSON (like
 * Python's json, which Synapse and Sydent sign with) wants lower-case hex.
 * Walk the escapes so that an escaped backslash followed by 'u' is left alone.
 */
static void lowercase_unicode_escapes(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != '\\')
			continue;
		s++;
		if (*s == 'u') {
			for (int i = 1; i <= 4 && s[i] != '\0'; i++)
				if (s[i] >= 'A' && s[i] <= 'F')
					s[i] = (char)(s[i] - 'A' + 'a');
		} else if (*s == '\0') {
			break;
		}
	}
}

char *mxg_json_canonical(const json_t *value, struct mxg_error *err)
{
	char *out;

	if (value == NULL) {
		mxg_error_set(err, MXG_JSON_BAD_VALUE, "no JSON value");
		return NULL;
	}
	if (check_value(value, 0, CANONICAL_MAX_DEPTH, true, MXG_JSON_BAD_VALUE, err) < 0)
		return NULL;
	/*
	 * JSON_SORT_KEYS orders keys with strcmp() on their UTF-8 bytes, which
	 * is code-point order; no JSON_ENSURE_ASCII, so non-ASCII stays raw.
	 */
	out = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (out == NULL) {
		mxg_error_set(err, MXG_JSON_BAD_VALUE, "cannot serialise the JSON value");
		return NULL;
	}
	lowercase_unicode_escapes(out);
	return out;
}

/* signatures[entity][key_id] of obj, or NULL. */
static const char *find_signature(const json_t *obj, const char *entity, const char *key_id)
{
	json_t *sigs = json_object_get(obj, "signatures");

	return json_string_value(json_object_get(json_object_get(sigs, entity), key_id));
}

/* Put sig_b64 at signatures[entity][key_id] of sigs, keeping the others. */
static int add_signature(json_t *sigs, const char *entity, const char *key_id,
			 const char *sig_b64, struct mxg_error *err)
{
	json_t *mine = json_object_get(sigs, entity);

	if (mine == NULL) {
		mine = json_object();
		if (mine == NULL || json_object_set_new(sigs, entity, mine) < 0)
			return mxg_error_set(err, MXG_JSON_BAD_VALUE, "out of memory");
	} else if (!json_is_object(mine)) {
		return mxg_error_set(err, MXG_JSON_BAD_VALUE,
				     "signatures of '%s' are not an object", entity);
	}
	if (json_object_set_new(mine, key_id, json_string(sig_b64)) < 0)
		return mxg_error_set(err, MXG_JSON_BAD_VALUE, "cannot store the signature");
	return 0;
}

int mxg_json_sign(json_t *obj, const char *entity, const struct mxg_ed25519_key *key,
		  struct mxg_error *err)
{
	unsigned char sig[MXG_ED25519_SIG_LEN];
	char sig_b64[MXG_BASE64_ENCODED_SIZE(MXG_ED25519_SIG_LEN)];
	char key_id[sizeof("ed25519:") + MXG_ED25519_VERSION_MAX];
	json_t *sigs, *unsig;
	char *canonical;
	int ret = -1;

	if (!json_is_object(obj))
		return mxg_error_set(err, MXG_JSON_NOT_OBJECT, "only objects can be signed");
	if (entity == NULL || entity[0] == '\0')
		return mxg_error_set(err, MXG_JSON_BAD_VALUE, "no entity to sign as");
	sigs = json_incref(json_object_get(obj, "signatures"));
	unsig = json_incref(json_object_get(obj, "unsigned"));
	if (sigs != NULL && !json_is_object(sigs)) {
		json_decref(sigs);
		json_decref(unsig);
		return mxg_error_set(err, MXG_JSON_BAD_VALUE, "\"signatures\" is not an object");
	}
	/* Neither is covered by the signature (A.8). */
	json_object_del(obj, "signatures");
	json_object_del(obj, "unsigned");

	canonical = mxg_json_canonical(obj, err);
	if (canonical == NULL)
		goto out;
	if (mxg_ed25519_sign(key, canonical, strlen(canonical), sig) < 0) {
		mxg_error_set(err, MXG_JSON_BAD_VALUE, "ed25519 signing failed");
		goto out;
	}
	mxg_base64_encode(sig, sizeof(sig), sig_b64, sizeof(sig_b64), MXG_B64_NOPAD);
	snprintf(key_id, sizeof(key_id), "ed25519:%s", key->version);
	if (sigs == NULL && (sigs = json_object()) == NULL) {
		mxg_error_set(err, MXG_JSON_BAD_VALUE, "out of memory");
		goto out;
	}
	if (add_signature(sigs, entity, key_id, sig_b64, err) < 0)
		goto out;
	ret = 0;
out:
	/* Put back what we took out, signed or not. */
	if (sigs != NULL)
		json_object_set_new(obj, "signatures", sigs);
	if (unsig != NULL)
		json_object_set_new(obj, "unsigned", unsig);
	free(canonical);
	return ret;
}

int mxg_json_verify(const json_t *obj, const char *entity, const char *key_id,
		    const unsigned char pub[32], struct mxg_error *err)
{
	unsigned char sig[MXG_ED25519_SIG_LEN + 3];
	size_t sig_len = 0;
	const char *sig_b64;
	char *canonical;
	json_t *copy;
	int ret;

	if (!json_is_object(obj))
		return mxg_error_set(err, MXG_JSON_NOT_OBJECT, "only objects carry signatures");
	sig_b64 = find_signature(obj, entity, key_id);
	if (sig_b64 == NULL)
		return mxg_error_set(err, MXG_JSON_NO_SIGNATURE, "no signature by %s %s",
				     entity, key_id);
	if (mxg_base64_decode(sig_b64, strlen(sig_b64), sig, sizeof(sig), &sig_len) < 0 ||
	    sig_len != MXG_ED25519_SIG_LEN)
		return mxg_error_set(err, MXG_JSON_BAD_SIGNATURE,
				     "signature by %s %s is not 64 bytes of base64", entity, key_id);

	/* A shallow copy is enough to drop two members; json_copy() does not
	 * modify its argument despite the non-const prototype. */
	copy = json_copy((json_t *)obj);
	if (copy == NULL)
		return mxg_error_set(err, MXG_JSON_BAD_VALUE, "out of memory");
	json_object_del(copy, "signatures");
	json_object_del(copy, "unsigned");
	canonical = mxg_json_canonical(copy, err);
	json_decref(copy);
	if (canonical == NULL)
		return -1;
	ret = mxg_ed25519_verify(pub, canonical, strlen(canonical), sig);
	free(canonical);
	if (ret < 0)
		return mxg_error_set(err, MXG_JSON_BAD_SIGNATURE, "bad signature by %s %s",
				     entity, key_id);
	return 0;
}
