/*
 * test-base64.c: RFC 4648 section 10 vectors in the four forms, URL-safe
 * characters, and what the decoder refuses.
 */
#include "config.h"

#include <string.h>

#include "core/base64.h"
#include "test.h"

struct vector {
	const char *in;
	size_t len;
	const char *std_pad, *std_nopad, *url_pad, *url_nopad;
};

static const struct vector vectors[] = {
	/* RFC 4648 section 10 */
	{ "", 0, "", "", "", "" },
	{ "f", 1, "Zg==", "Zg", "Zg==", "Zg" },
	{ "fo", 2, "Zm8=", "Zm8", "Zm8=", "Zm8" },
	{ "foo", 3, "Zm9v", "Zm9v", "Zm9v", "Zm9v" },
	{ "foob", 4, "Zm9vYg==", "Zm9vYg", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE=", "Zm9vYmE", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy", "Zm9vYmFy", "Zm9vYmFy", "Zm9vYmFy" },
	/* the two alphabets differ in values 62 and 63 */
	{ "\xfb\xff", 2, "+/8=", "+/8", "-_8=", "-_8" },
	{ "\xfb\xef\xbe", 3, "++++", "++++", "----", "----" },
	{ "\xff\xff\xff\xff", 4, "/////w==", "/////w", "_____w==", "_____w" },
	{ "\0\0\0", 3, "AAAA", "AAAA", "AAAA", "AAAA" },
};

static void test_encode(void)
{
	char out[64];

	test_begin("encode: RFC 4648 vectors, four forms");
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		const struct {
			unsigned int flags;
			const char *want;
		} forms[] = {
			{ 0, v->std_pad },
			{ MXG_B64_NOPAD, v->std_nopad },
			{ MXG_B64_URL, v->url_pad },
			{ MXG_B64_URL | MXG_B64_NOPAD, v->url_nopad },
		};

		for (size_t f = 0; f < 4; f++) {
			size_t n = mxg_base64_encode(v->in, v->len, out, sizeof(out), forms[f].flags);

			test_assert_idx(n == strlen(forms[f].want), i * 4 + f);
			test_assert_idx(strcmp(out, forms[f].want) == 0, i * 4 + f);
		}
	}
	test_end();
}

static void test_decode(void)
{
	unsigned char out[64];
	size_t len;

	test_begin("decode: every form of every vector");
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		const char *forms[] = { v->std_pad, v->std_nopad, v->url_pad, v->url_nopad };

		for (size_t f = 0; f < 4; f++) {
			len = 999;
			test_assert_idx(mxg_base64_decode(forms[f], strlen(forms[f]), out, sizeof(out),
							  &len) == 0, i * 4 + f);
			test_assert_idx(len == v->len && memcmp(out, v->in, v->len) == 0, i * 4 + f);
		}
	}
	test_end();
}

static void test_decode_refused(void)
{
	static const struct {
		const char *in;
		size_t len;
	} bad[] = {
		{ "Zm9vY", 5 },		/* len % 4 == 1 */
		{ "Z", 1 },
		{ "Zm9v YmFy", 9 },	/* whitespace */
		{ "Zm9vYmFy\n", 9 },
		{ " Zm9v", 5 },
		{ "Zm9v\tYg", 7 },
		{ "Zm\r\n9v", 6 },
		{ "+-AA", 4 },		/* both alphabets */
		{ "//__", 4 },
		{ "Zg=", 3 },		/* padding not closing a quad */
		{ "Zg===", 5 },
		{ "Z===", 4 },
		{ "====", 4 },
		{ "=Zg=", 4 },
		{ "Zm9v=", 5 },
		{ "Zm=v", 4 },
		{ "Zm9vYg==Zm9v", 12 },	/* data after padding */
		{ "Zm9*", 4 },		/* not base64 at all */
		{ "Zm9.", 4 },
		{ "Zm\0v", 4 },		/* NUL inside the given length */
		{ "Zm9v\xc3\xa9", 6 },
	};
	unsigned char out[64];
	size_t len;

	test_begin("decode: refused input");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_assert_idx(mxg_base64_decode(bad[i].in, bad[i].len, out, sizeof(out), &len) < 0,
				i);
	test_end();
}

static void test_lengths(void)
{
	unsigned char out[8];
	char enc[16];
	size_t len = 0;

	test_begin("capacities and explicit lengths");
	/* "foobar" needs 9 bytes with its NUL: 8 is too small. */
	test_assert(mxg_base64_encode("foobar", 6, enc, 8, 0) == (size_t)-1);
	test_assert(mxg_base64_encode("foobar", 6, enc, 9, 0) == 8);
	test_assert(mxg_base64_encode("f", 1, enc, 3, MXG_B64_NOPAD) == 2);
	test_assert(mxg_base64_encode("f", 1, enc, 4, 0) == (size_t)-1);
	test_assert(MXG_BASE64_ENCODED_SIZE(6) == 9 && MXG_BASE64_ENCODED_SIZE(1) == 5);
	test_assert(mxg_base64_decode("Zm9vYmFy", 8, out, 5, &len) < 0);
	test_assert(mxg_base64_decode("Zm9vYmFy", 8, out, 6, &len) == 0 && len == 6);
	/* Only len bytes are read: no NUL terminator needed. */
	test_assert(mxg_base64_decode("Zm9vYmFyJUNK", 4, out, sizeof(out), &len) == 0 &&
		    len == 3 && memcmp(out, "foo", 3) == 0);
	test_end();
}

static void test_trailing_bits(void)
{
	unsigned char out[40];
	size_t len = 0;

	test_begin("decode: non-zero trailing bits accepted");
	/* "Zh" is "Zg" with a stray low bit; Synapse key files have those. */
	test_assert(mxg_base64_decode("Zh", 2, out, sizeof(out), &len) == 0 && len == 1 &&
		    out[0] == 'f');
	test_assert(mxg_base64_decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1", 43, out,
				      sizeof(out), &len) == 0 && len == 32);
	test_end();
}

int main(void)
{
	test_encode();
	test_decode();
	test_decode_refused();
	test_lengths();
	test_trailing_bits();
	return test_done("test-base64");
}
