/*
 * form.c: parsing application/x-www-form-urlencoded text (see form.h).
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "http/form.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *mxg_url_decode(struct mxg_arena *arena, const char *s, size_t len, bool plus)
{
	char *out = mxg_arena_alloc(arena, len + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return NULL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == '\0')
			return NULL;
		*o++ = c;
	}
	*o = '\0';
	return out;
}

int mxg_form_parse(struct mxg_arena *arena, const char *text, size_t len, struct mxg_form *form)
{
	size_t n = 1;

	memset(form, 0, sizeof(*form));
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '&')
			n++;
	form->fields = mxg_arena_alloc(arena, n * sizeof(*form->fields));
	if (form->fields == NULL)
		return -1;
	for (size_t start = 0; start <= len;) {
		const char *p = text + start, *amp = memchr(p, '&', len - start);
		size_t flen = amp != NULL ? (size_t)(amp - p) : len - start;
		const char *eq = memchr(p, '=', flen);
		struct mxg_form_field *f = &form->fields[form->count];

		if (flen > 0) {
			if (eq == NULL)
				return -1;
			f->name = mxg_url_decode(arena, p, (size_t)(eq - p), true);
			f->value = mxg_url_decode(arena, eq + 1, (size_t)(p + flen - eq - 1), true);
			if (f->name == NULL || f->value == NULL)
				return -1;
			if (form->repeated == NULL && mxg_form_get(form, f->name) != NULL)
				form->repeated = f->name;
			form->count++;
		}
		start += flen + 1;
	}
	return 0;
}

const char *mxg_form_get(const struct mxg_form *form, const char *name)
{
	for (size_t i = 0; i < form->count; i++)
		if (strcmp(form->fields[i].name, name) == 0)
			return form->fields[i].value;
	return NULL;
}

const char *mxg_form_param(const struct mxg_form *form, const char *name)
{
	const char *v = mxg_form_get(form, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}
