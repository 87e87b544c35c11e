/*
 * buf.h: a growable byte buffer, for writing replies (JSON text) without a
 * tree in between.  Allocation failure aborts, as with the arena.
 */
#ifndef MXG_BUF_H
#define MXG_BUF_H

#include <stddef.h>

struct mxg_buf {
	char *data;	/* NUL-terminated when non-NULL */
	size_t len, cap;
};

#define MXG_BUF_INIT { NULL, 0, 0 }

void mxg_buf_append(struct mxg_buf *b, const char *s, size_t n);
void mxg_buf_append_str(struct mxg_buf *b, const char *s);

/* s as a JSON string literal: quotes, \" \\ and control characters
 * escaped (RFC 8259), other bytes as they are. */
void mxg_buf_append_json_string(struct mxg_buf *b, const char *s);

/* s percent-encoded for a URL query: everything but RFC 3986's unreserved
 * characters (A-Z a-z 0-9 - . _ ~). */
void mxg_buf_append_urlenc(struct mxg_buf *b, const char *s);

void mxg_buf_free(struct mxg_buf *b);

#endif
