/*
 * base64.c: RFC 4648 base64, standard and URL-safe alphabets, with or without
 * padding.
 *
 * Our own code rather than OpenSSL's BIO/EVP_Decode: those skip whitespace,
 * know only the standard alphabet and insist on padding, while Matrix uses
 * all four forms and peers send either (A.8: "decoders should accept padded
 * or unpadded").
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/base64.h"

static const char std_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t mxg_base64_encode(const void *in, size_t len, char *out, size_t cap, unsigned int flags)
{
	const char *abc = (flags & MXG_B64_URL) != 0 ? url_alphabet : std_alphabet;
	const unsigned char *p = in;
	size_t need, o = 0, i;

	if (len > (SIZE_MAX - 3) / 4 * 3)
		return (size_t)-1;
	need = len / 3 * 4;
	if (len % 3 != 0)
		need += (flags & MXG_B64_NOPAD) != 0 ? len % 3 + 1 : 4;
	if (cap < need + 1)
		return (size_t)-1;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		out[o++] = abc[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		if ((flags & MXG_B64_NOPAD) == 0) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		if ((flags & MXG_B64_NOPAD) == 0)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Decoding table: 0xff refuses the byte; otherwise the low 6 bits are the
 * value and the two high bits mark the alphabet a byte belongs to.  A table
 * rather than comparisons: the lookup endpoint decodes thousands of hashes
 * a request. */
#define DEC_STD 0x40
#define DEC_URL 0x80
static unsigned char dec_table[256];
static pthread_once_t dec_once = PTHREAD_ONCE_INIT;

static void dec_table_init(void)
{
	memset(dec_table, 0xff, sizeof(dec_table));
	for (int i = 0; i < 26; i++) {
		dec_table['A' + i] = (unsigned char)i;
		dec_table['a' + i] = (unsigned char)(26 + i);
	}
	for (int i = 0; i < 10; i++)
		dec_table['0' + i] = (unsigned char)(52 + i);
	dec_table['+'] = 62 | DEC_STD;
	dec_table['/'] = 63 | DEC_STD;
	dec_table['-'] = 62 | DEC_URL;
	dec_table['_'] = 63 | DEC_URL;
}

int mxg_base64_decode(const char *in, size_t len, void *out, size_t cap, size_t *len_r)
{
	unsigned char *o = out;
	unsigned int alpha = 0;
	size_t data_len = len, out_len, n = 0, i;
	uint32_t acc = 0;
	int bits = 0;

	/* Padding: one or two '=' closing a multiple of four characters. */
	if (data_len > 0 && in[data_len - 1] == '=') {
		if (len % 4 != 0)
			return -1;
		data_len--;
		if (data_len > 0 && in[data_len - 1] == '=')
			data_len--;
	}
	/* A lone trailing character carries 6 bits: less than a byte. */
	if (data_len % 4 == 1)
		return -1;
	out_len = data_len / 4 * 3 + (data_len % 4 == 0 ? 0 : data_len % 4 - 1);
	if (out_len > cap)
		return -1;

	pthread_once(&dec_once, dec_table_init);
	for (i = 0; i < data_len; i++) {
		/* Whitespace, NUL, '=' inside the data: all refused here. */
		unsigned int d = dec_table[(unsigned char)in[i]];

		if (d == 0xff)
			return -1;
		alpha |= d & (DEC_STD | DEC_URL);
		acc = acc << 6 | (d & 0x3f);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Mixing the two alphabets is refused. */
	if (alpha == (DEC_STD | DEC_URL))
		return -1;
	/* Non-zero leftover bits are accepted: Synapse's own key files have
	 * them (the Matrix test seed ends in '1'). */
	*len_r = n;
	return 0;
}
