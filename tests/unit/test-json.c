/*
 * test-json.c: strict body parsing, Matrix canonical JSON, and signing with
 * the Matrix specification's test vectors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/ed25519.h"
#include "core/json.h"
#include "test.h"

#define MATRIX_SEED "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"

static void test_parse_ok(void)
{
	static const char body[] = "{\"a\": \"b\", \"n\": 1, \"o\": {\"x\": [1, 2]}}";
	struct mxg_error err;
	json_t *obj;

	test_begin("parse: an object");
	obj = mxg_json_parse_object(body, strlen(body), &err);
	test_assert(obj != NULL);
	test_assert_streq(mxg_json_string(obj, "a"), "b");
	test_assert(mxg_json_string(obj, "n") == NULL);
	test_assert(mxg_json_string(obj, "missing") == NULL);
	json_decref(obj);
	/* Only len bytes are read. */
	obj = mxg_json_parse_object("{}garbage", 2, &err);
	test_assert(obj != NULL && json_object_size(obj) == 0);
	json_decref(obj);
	test_assert(mxg_json_parse_object(NULL, 0, &err) == NULL && err.code == MXG_JSON_NOT_JSON);
	test_end();
}

static void test_parse_refused(void)
{
	static const struct {
		const char *text;
		size_t len;	/* 0: strlen */
		int code;
	} cases[] = {
		{ "", 0, MXG_JSON_NOT_JSON },
		{ "{", 0, MXG_JSON_NOT_JSON },
		{ "not json", 0, MXG_JSON_NOT_JSON },
		{ "{\"a\": 1} x", 0, MXG_JSON_NOT_JSON },	/* trailing garbage */
		{ "{} {}", 0, MXG_JSON_NOT_JSON },
		{ "{\"a\": 1, \"a\": 2}", 0, MXG_JSON_NOT_JSON },	/* duplicate key */
		{ "{\"a\": {\"b\": 1, \"b\": 1}}", 0, MXG_JSON_NOT_JSON },
		{ "{\"a\": \"b\"}\0", 11, MXG_JSON_NOT_JSON },	/* NUL after the value */
		{ "{\"a\0\": 1}", 9, MXG_JSON_NOT_JSON },	/* NUL in a key */
		{ "{\"a\": \"\\u0000\"}", 0, MXG_JSON_NOT_JSON },	/* escaped NUL */
		{ "{\"a\": \"\xff\"}", 0, MXG_JSON_NOT_JSON },	/* not UTF-8 */
		{ "{\"a\": \"\xed\xa0\x80\"}", 0, MXG_JSON_NOT_JSON },	/* surrogate */
		{ "{'a': 1}", 0, MXG_JSON_NOT_JSON },
		{ "{\"a\": NaN}", 0, MXG_JSON_NOT_JSON },
		{ "[1, 2]", 0, MXG_JSON_NOT_OBJECT },
		{ "42", 0, MXG_JSON_NOT_OBJECT },
		{ "\"str\"", 0, MXG_JSON_NOT_OBJECT },
		{ "null", 0, MXG_JSON_NOT_OBJECT },
		{ "[]", 0, MXG_JSON_NOT_OBJECT },
	};
	struct mxg_error err;

	test_begin("parse: refused input");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].text);

		mxg_error_clear(&err);
		test_assert_idx(mxg_json_parse_object(cases[i].text, len, &err) == NULL, i);
		test_assert_idx(err.code == cases[i].code, i);
		test_assert_idx(err.msg[0] != '\0', i);
	}
	test_end();
}

static void test_parse_messages(void)
{
	static const char body[] = "{\n  \"password\": hunter2secret\n}";
	static const char dup[] = "{\"token\": \"a\", \"token\": \"s3cr3t\"}";
	struct mxg_error err;

	test_begin("parse: messages give line and column, never content");
	test_assert(mxg_json_parse_object(body, strlen(body), &err) == NULL);
	test_assert(strstr(err.msg, "line 2") != NULL);
	test_assert(strstr(err.msg, "column") != NULL);
	test_assert(strstr(err.msg, "hunter2") == NULL);
	test_assert(mxg_json_parse_object(dup, strlen(dup), &err) == NULL);
	test_assert(strstr(err.msg, "duplicate") != NULL);
	test_assert(strstr(err.msg, "s3cr3t") == NULL && strstr(err.msg, "token") == NULL);
	test_end();
}

/* {"a": [[[...]]]} with the object and `arrays` arrays nested. */
static char *nested(int arrays)
{
	char *s = malloc((size_t)arrays * 2 + 16);
	size_t n = 0;

	if (s == NULL)
		abort();
	n += (size_t)sprintf(s, "{\"a\":");
	for (int i = 0; i < arrays; i++)
		s[n++] = '[';
	for (int i = 0; i < arrays; i++)
		s[n++] = ']';
	s[n++] = '}';
	s[n] = '\0';
	return s;
}

static void test_parse_depth(void)
{
	struct mxg_error err;
	json_t *obj;
	char *s;

	test_begin("parse: nesting bounded");
	s = nested(MXG_JSON_MAX_DEPTH - 1);	/* MXG_JSON_MAX_DEPTH containers */
	obj = mxg_json_parse_object(s, strlen(s), &err);
	test_assert(obj != NULL);
	json_decref(obj);
	free(s);
	s = nested(MXG_JSON_MAX_DEPTH);
	test_assert(mxg_json_parse_object(s, strlen(s), &err) == NULL);
	test_assert(err.code == MXG_JSON_NOT_JSON && strstr(err.msg, "nested") != NULL);
	free(s);
	s = nested(100000);	/* beyond jansson's own limit */
	test_assert(mxg_json_parse_object(s, strlen(s), &err) == NULL);
	test_assert(err.code == MXG_JSON_NOT_JSON);
	free(s);
	test_end();
}

static void test_canonical(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "{}", "{}" },
		{ "{\"one\": 1, \"two\": \"Two\"}", "{\"one\":1,\"two\":\"Two\"}" },
		{ "{\"b\": \"2\", \"a\": \"1\"}", "{\"a\":\"1\",\"b\":\"2\"}" },
		/* the Matrix specification's examples (appendices, canonical JSON) */
		{ "{\"auth\": {\"success\": true, \"mxid\": \"@john.doe:example.com\", "
		  "\"profile\": {\"display_name\": \"John Doe\", \"three_pids\": ["
		  "{\"medium\": \"email\", \"address\": \"john.doe@example.org\"}, "
		  "{\"medium\": \"msisdn\", \"address\": \"123456789\"}]}}}",
		  "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":"
		  "\"John Doe\",\"three_pids\":[{\"address\":\"john.doe@example.org\",\"medium\":"
		  "\"email\"},{\"address\":\"123456789\",\"medium\":\"msisdn\"}]},\"success\":true}}" },
		{ "{\"a\": \"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"}",
		  "{\"a\":\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"}" },
		{ "{\"\\u672C\": 2, \"\\u65E5\": 1}", "{\"\xe6\x97\xa5\":1,\"\xe6\x9c\xac\":2}" },
		{ "{\"a\": \"\\u65E5\"}", "{\"a\":\"\xe6\x97\xa5\"}" },
		/* code-point order, not UTF-16 order: U+FF5E before U+1F600 */
		{ "{\"\xf0\x9f\x98\x80\": 1, \"\xef\xbd\x9e\": 2, \"z\": 3, \"\xc3\xa9\": 4, \"Z\": 5}",
		  "{\"Z\":5,\"z\":3,\"\xc3\xa9\":4,\"\xef\xbd\x9e\":2,\"\xf0\x9f\x98\x80\":1}" },
		/* key prefixes sort first */
		{ "{\"ab\": 1, \"a\": 2, \"a_\": 3}", "{\"a\":2,\"a_\":3,\"ab\":1}" },
		/* escapes: lower-case hex, short forms, no slash escaping */
		{ "{\"a\": \"\\u001F\\u000b\\n\\t\\\"\\\\/\"}",
		  "{\"a\":\"\\u001f\\u000b\\n\\t\\\"\\\\/\"}" },
		{ "{\"a\": \"\\\\u00AB\"}", "{\"a\":\"\\\\u00AB\"}" },
		{ "{\"a\": -0}", "{\"a\":0}" },
		{ "{\"max\": 9007199254740991, \"min\": -9007199254740991}",
		  "{\"max\":9007199254740991,\"min\":-9007199254740991}" },
		{ "{\"a\": [3, 1, {\"y\": null, \"x\": false}]}",
		  "{\"a\":[3,1,{\"x\":false,\"y\":null}]}" },
		{ "[2, 1]", "[2,1]" },
	};
	struct mxg_error err;

	test_begin("canonical JSON");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].in, JSON_DECODE_ANY, NULL);
		char *out = v != NULL ? mxg_json_canonical(v, &err) : NULL;

		test_assert_idx(out != NULL && strcmp(out, cases[i].out) == 0, i);
		if (out != NULL && strcmp(out, cases[i].out) != 0)
			fprintf(stderr, "  got %s\n", out);
		free(out);
		json_decref(v);
	}
	test_end();
}

static void test_canonical_refused(void)
{
	static const char *const cases[] = {
		"{\"a\": 1.5}",
		"{\"a\": 1.0}",
		"{\"a\": 1e10}",
		"{\"a\": [{\"b\": 0.1}]}",
		"{\"a\": 9007199254740992}",		/* 2^53 */
		"{\"a\": -9007199254740992}",
		"{\"a\": 9223372036854775807}",
	};
	struct mxg_error err;

	test_begin("canonical JSON: reals and |n| > 2^53-1 refused");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i], 0, NULL);

		test_assert_idx(v != NULL, i);
		mxg_error_clear(&err);
		test_assert_idx(mxg_json_canonical(v, &err) == NULL, i);
		test_assert_idx(err.code == MXG_JSON_BAD_VALUE, i);
		json_decref(v);
	}
	test_assert(mxg_json_canonical(NULL, &err) == NULL);
	test_end();
}

static int matrix_key(struct mxg_ed25519_key *key)
{
	unsigned char seed[32];
	struct mxg_error err;
	size_t len = 0;

	if (mxg_base64_decode(MATRIX_SEED, strlen(MATRIX_SEED), seed, sizeof(seed), &len) < 0 ||
	    len != 32)
		return -1;
	return mxg_ed25519_from_seed(seed, "1", key, &err);
}

static const char *sig_of(const json_t *obj, const char *entity, const char *key_id)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "signatures"), entity), key_id));
}

static void test_sign_vectors(void)
{
	static const struct {
		const char *in, *sig;
	} cases[] = {
		{ "{}", "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ah"
			"LwYGYZzuHGZKM5ZAQ" },
		{ "{\"one\": 1, \"two\": \"Two\"}",
		  "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJp"
		  "vhJI+6Bw" },
	};
	struct mxg_ed25519_key key;
	struct mxg_error err;

	test_begin("sign: the Matrix specification's vectors");
	test_assert(matrix_key(&key) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *obj = json_loads(cases[i].in, 0, NULL);

		test_assert_idx(mxg_json_sign(obj, "domain", &key, &err) == 0, i);
		test_assert_idx(sig_of(obj, "domain", "ed25519:1") != NULL &&
				strcmp(sig_of(obj, "domain", "ed25519:1"), cases[i].sig) == 0, i);
		test_assert_idx(mxg_json_verify(obj, "domain", "ed25519:1", key.pub, &err) == 0, i);
		json_decref(obj);
	}
	mxg_ed25519_clear(&key);
	test_end();
}

static void test_sign_merge(void)
{
	static const char text[] =
		"{\"one\": 1, \"two\": \"Two\", \"unsigned\": {\"age\": 5},"
		" \"signatures\": {\"other\": {\"ed25519:x\": \"abc\"},"
		" \"domain\": {\"ed25519:0\": \"old\"}}}";
	struct mxg_ed25519_key key;
	struct mxg_error err;
	json_t *obj = json_loads(text, 0, NULL);

	test_begin("sign: unsigned kept and not signed, other signatures merged");
	test_assert(matrix_key(&key) == 0);
	test_assert(mxg_json_sign(obj, "domain", &key, &err) == 0);
	/* same signature as {"one":1,"two":"Two"}: unsigned and signatures left out */
	test_assert_streq(sig_of(obj, "domain", "ed25519:1"),
			  "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kY"
			  "dD13EIMJpvhJI+6Bw");
	test_assert_streq(sig_of(obj, "domain", "ed25519:0"), "old");
	test_assert_streq(sig_of(obj, "other", "ed25519:x"), "abc");
	test_assert(json_integer_value(json_object_get(json_object_get(obj, "unsigned"),
						       "age")) == 5);
	test_assert(json_object_size(obj) == 4);
	test_assert(mxg_json_verify(obj, "domain", "ed25519:1", key.pub, &err) == 0);
	test_end();

	test_begin("verify: tampering, missing and malformed signatures");
	/* unsigned may change freely */
	json_object_set_new(json_object_get(obj, "unsigned"), "age", json_integer(6));
	test_assert(mxg_json_verify(obj, "domain", "ed25519:1", key.pub, &err) == 0);
	json_object_set_new(obj, "two", json_string("Three"));
	test_assert(mxg_json_verify(obj, "domain", "ed25519:1", key.pub, &err) < 0);
	test_assert(err.code == MXG_JSON_BAD_SIGNATURE);
	json_object_set_new(obj, "two", json_string("Two"));
	test_assert(mxg_json_verify(obj, "domain", "ed25519:2", key.pub, &err) < 0);
	test_assert(err.code == MXG_JSON_NO_SIGNATURE);
	test_assert(mxg_json_verify(obj, "nobody", "ed25519:1", key.pub, &err) < 0);
	test_assert(err.code == MXG_JSON_NO_SIGNATURE);
	test_assert(mxg_json_verify(obj, "domain", "ed25519:0", key.pub, &err) < 0);
	test_assert(err.code == MXG_JSON_BAD_SIGNATURE);
	/* padded base64 is accepted too */
	json_object_set_new(json_object_get(json_object_get(obj, "signatures"), "domain"),
			    "ed25519:1",
			    json_string("KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7"
					"BP7vBZhG6kYdD13EIMJpvhJI+6Bw=="));
	test_assert(mxg_json_verify(obj, "domain", "ed25519:1", key.pub, &err) == 0);
	test_end();
	json_decref(obj);
	mxg_ed25519_clear(&key);
}

static void test_sign_refused(void)
{
	struct mxg_ed25519_key key;
	struct mxg_error err;
	json_t *obj = json_loads("{\"a\": 1.5, \"unsigned\": {\"x\": 1},"
				 " \"signatures\": {\"s\": {}}}", 0, NULL);
	json_t *arr = json_array();
	json_t *bad = json_loads("{\"signatures\": [1]}", 0, NULL);
	json_t *bad_entity = json_loads("{\"signatures\": {\"domain\": 1}}", 0, NULL);

	test_begin("sign: refused values leave the object as it was");
	test_assert(matrix_key(&key) == 0);
	test_assert(mxg_json_sign(obj, "domain", &key, &err) < 0);
	test_assert(err.code == MXG_JSON_BAD_VALUE);
	test_assert(json_object_size(obj) == 3);
	test_assert(json_object_get(obj, "unsigned") != NULL);
	test_assert(json_object_size(json_object_get(obj, "signatures")) == 1);
	test_assert(mxg_json_sign(bad_entity, "", &key, &err) < 0);
	test_assert(mxg_json_sign(arr, "domain", &key, &err) < 0);
	test_assert(err.code == MXG_JSON_NOT_OBJECT);
	test_assert(mxg_json_sign(bad, "domain", &key, &err) < 0);
	test_assert(json_is_array(json_object_get(bad, "signatures")));
	test_assert(mxg_json_sign(bad_entity, "domain", &key, &err) < 0);
	test_assert(json_is_integer(json_object_get(json_object_get(bad_entity, "signatures"),
						    "domain")));
	test_assert(mxg_json_verify(arr, "domain", "ed25519:1", key.pub, &err) < 0);
	test_end();
	json_decref(obj);
	json_decref(arr);
	json_decref(bad);
	json_decref(bad_entity);
	mxg_ed25519_clear(&key);
}

int main(void)
{
	test_parse_ok();
	test_parse_refused();
	test_parse_messages();
	test_parse_depth();
	test_canonical();
	test_canonical_refused();
	test_sign_vectors();
	test_sign_merge();
	test_sign_refused();
	return test_done("test-json");
}
