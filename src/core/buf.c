/*
 * buf.c: growable buffer and JSON string escaping.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static void reserve(struct mxg_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap != 0 ? b->cap : 256;
	char *p;

	if (need <= b->cap)
		return;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL) {
		fputs("mxgate: out of memory\n", stderr);
		abort();
	}
	b->data = p;
	b->cap = cap;
}

void mxg_buf_append(struct mxg_buf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void mxg_buf_append_str(struct mxg_buf *b, const char *s)
{
	mxg_buf_append(b, s, strlen(s));
}

void mxg_buf_append_json_string(struct mxg_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	mxg_buf_append(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		mxg_buf_append(b, run, (size_t)(s - run));
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			mxg_buf_append(b, esc, 2);
		} else {
			mxg_buf_append(b, esc, 6);
		}
		run = s + 1;
	}
	mxg_buf_append(b, run, (size_t)(s - run));
	mxg_buf_append(b, "\"", 1);
}

void mxg_buf_append_urlenc(struct mxg_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			mxg_buf_append(b, s, 1);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 0xf] };
			mxg_buf_append(b, esc, 3);
		}
	}
}

void mxg_buf_free(struct mxg_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
