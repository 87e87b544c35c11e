/*
 * form.h: application/x-www-form-urlencoded bodies (the HTML forms of the
 * provider's pages, and every OAuth 2.0 endpoint: RFC 6749 appendix B).
 */
#ifndef MXG_HTTP_FORM_H
#define MXG_HTTP_FORM_H

#include <stdbool.h>
#include <stddef.h>

struct mxg_arena;

struct mxg_form_field {
	const char *name, *value;	/* percent- and '+'-decoded */
};

struct mxg_form {
	struct mxg_form_field *fields;
	size_t count;
	const char *repeated;		/* the first name given twice, or NULL */
};

/*
 * Parse text (len bytes, need not be NUL-terminated) into form, in arena.
 * -1 when it is not a form: a bad percent escape, a NUL byte, or a field
 * without '='.  An empty text is an empty form.
 */
int mxg_form_parse(struct mxg_arena *arena, const char *text, size_t len, struct mxg_form *form);

/* The value of name, or NULL.  An empty value is "" (RFC 6749 3.1 reads
 * it as absent: callers of OAuth endpoints use mxg_form_param). */
const char *mxg_form_get(const struct mxg_form *form, const char *name);

/* As mxg_form_get, with an empty value read as absent. */
const char *mxg_form_param(const struct mxg_form *form, const char *name);

/* Percent-decode s (len bytes; '+' is a space when plus is true) into
 * arena; NULL on a bad escape or a decoded NUL. */
char *mxg_url_decode(struct mxg_arena *arena, const char *s, size_t len, bool plus);

#endif
