/*
 * templates.c: {{placeholder}} rendering (see templates.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "notify/templates.h"

#define TEMPLATE_MAX (256 * 1024)

static void append_escaped(struct mxg_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': mxg_buf_append_str(b, "&amp;"); break;
		case '<': mxg_buf_append_str(b, "&lt;"); break;
		case '>': mxg_buf_append_str(b, "&gt;"); break;
		case '"': mxg_buf_append_str(b, "&quot;"); break;
		case '\'': mxg_buf_append_str(b, "&#39;"); break;
		default: mxg_buf_append(b, s, 1);
		}
	}
}

static char *buf_take(struct mxg_buf *b)
{
	if (b->data == NULL)
		mxg_buf_append(b, "", 0);
	if (b->data == NULL) {	/* an empty append may not allocate */
		char *empty = calloc(1, 1);

		if (empty == NULL)
			abort();
		return empty;
	}
	return b->data;
}

char *mxg_template_html_escape(const char *s)
{
	struct mxg_buf b = MXG_BUF_INIT;

	append_escaped(&b, s);
	return buf_take(&b);
}

/* Nested sections deeper than this are refused (rendered as nothing). */
#define MAX_DEPTH 16

struct scope {
	const json_t *values[MAX_DEPTH + 1];	/* innermost last */
	int depth;
};

/* name (len bytes, dotted) looked up innermost first. */
static const json_t *lookup(const struct scope *sc, const char *name, size_t len)
{
	const char *dot = memchr(name, '.', len);
	size_t head = dot != NULL ? (size_t)(dot - name) : len;

	if (len == 1 && name[0] == '.')
		return sc->depth > 0 ? sc->values[sc->depth - 1] : NULL;
	for (int i = sc->depth - 1; i >= 0; i--) {
		const json_t *v = json_is_object(sc->values[i]) ?
				  json_object_getn(sc->values[i], name, head) : NULL;

		if (v == NULL)
			continue;
		while (dot != NULL && v != NULL) {
			const char *rest = dot + 1, *end = name + len;

			dot = memchr(rest, '.', (size_t)(end - rest));
			v = json_object_getn(v, rest, (size_t)((dot != NULL ? dot : end) - rest));
		}
		return v;
	}
	return NULL;
}

static bool truthy(const json_t *v)
{
	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_OBJECT: return true;
	case JSON_TRUE: return true;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	default: return false;
	}
}

static void append_value(struct mxg_buf *b, const json_t *v, bool escape)
{
	char num[32];
	const char *s = NULL;

	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
	}
	if (s == NULL)
		return;
	if (escape)
		append_escaped(b, s);
	else
		mxg_buf_append_str(b, s);
}

/* Where {{/name}} closing the section opened just before p is, nested
 * sections of the same name counted; NULL when it is missing. */
static const char *section_end(const char *p, const char *name, size_t len, const char **after)
{
	int depth = 1;

	while ((p = strstr(p, "{{")) != NULL) {
		const char *close = strstr(p + 2, "}}"), *tag = p + 2;

		if (close == NULL)
			return NULL;
		if ((*tag == '#' || *tag == '^' || *tag == '/') &&
		    (size_t)(close - tag - 1) == len && memcmp(tag + 1, name, len) == 0) {
			if (*tag != '/') {
				depth++;
			} else if (--depth == 0) {
				*after = close + 2;
				return p;
			}
		}
		p = close + 2;
	}
	return NULL;
}

static void render(struct mxg_buf *b, const char *p, const char *end, struct scope *sc, bool html);

static void render_section(struct mxg_buf *b, const char *inner, const char *end, char kind,
			   const json_t *v, struct scope *sc, bool html)
{
	if (kind == '^') {
		if (!truthy(v))
			render(b, inner, end, sc, html);
		return;
	}
	if (!truthy(v) || sc->depth == MAX_DEPTH)
		return;
	if (json_is_array(v)) {
		size_t i;
		const json_t *e;

		json_array_foreach(v, i, e) {
			sc->values[sc->depth++] = e;
			render(b, inner, end, sc, html);
			sc->depth--;
		}
		return;
	}
	sc->values[sc->depth++] = v;
	render(b, inner, end, sc, html);
	sc->depth--;
}

static void render(struct mxg_buf *b, const char *p, const char *end, struct scope *sc, bool html)
{
	const char *open, *close;

	while (p < end && (open = strstr(p, "{{")) != NULL && open < end) {
		const char *name = open + 2;
		bool raw = *name == '{';
		size_t len;
		char kind = 0;

		close = strstr(name, raw ? "}}}" : "}}");
		if (close == NULL || close >= end)
			break;
		mxg_buf_append(b, p, (size_t)(open - p));
		p = close + (raw ? 3 : 2);
		if (raw)
			name++;
		if (*name == '#' || *name == '^' || *name == '/')
			kind = *name++;
		len = (size_t)(close - name);
		/* Tolerate "{{ link }}" as well as "{{link}}". */
		while (len > 0 && *name == ' ') {
			name++;
			len--;
		}
		while (len > 0 && name[len - 1] == ' ')
			len--;
		if (kind == '#' || kind == '^') {
			const char *after, *stop = section_end(p, name, len, &after);

			if (stop == NULL || stop > end)
				return;		/* unclosed: the rest is dropped */
			render_section(b, p, stop, kind, lookup(sc, name, len), sc, html);
			p = after;
		} else if (kind == 0) {
			append_value(b, lookup(sc, name, len), html && !raw);
		}
	}
	if (p < end)
		mxg_buf_append(b, p, (size_t)(end - p));
}

char *mxg_template_render_json(const char *text, const json_t *ctx, bool html)
{
	struct mxg_buf b = MXG_BUF_INIT;
	struct scope sc = { .depth = ctx != NULL ? 1 : 0 };

	sc.values[0] = ctx;
	render(&b, text, text + strlen(text), &sc, html);
	return buf_take(&b);
}

char *mxg_template_render(const char *text, const struct mxg_template_var *vars, size_t n,
			  bool html)
{
	json_t *ctx = json_object();
	char *out;

	if (ctx == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(ctx, vars[i].name, json_string(vars[i].value != NULL ?
								   vars[i].value : ""));
	out = mxg_template_render_json(text, ctx, html);
	json_decref(ctx);
	return out;
}

char *mxg_template_load(const char *dir, const char *name, struct mxg_error *err)
{
	char path[4096], *text;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (f == NULL) {
		mxg_error_set(err, errno, "template %s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(TEMPLATE_MAX + 1);
	if (text == NULL)
		abort();
	len = fread(text, 1, TEMPLATE_MAX + 1, f);
	if (ferror(f) || len > TEMPLATE_MAX) {
		mxg_error_set(err, EIO, "template %s: %s", path,
			      ferror(f) ? "read error" : "larger than 256 KiB");
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[len] = '\0';
	return text;
}

char *mxg_template_load_render(const char *dir, const char *name,
			       const struct mxg_template_var *vars, size_t n,
			       struct mxg_error *err)
{
	size_t nlen = strlen(name);
	char *text = mxg_template_load(dir, name, err), *out;

	if (text == NULL)
		return NULL;
	out = mxg_template_render(text, vars, n,
				  nlen > 5 && strcmp(name + nlen - 5, ".html") == 0);
	free(text);
	return out;
}
