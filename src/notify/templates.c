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

static const char *lookup_var(const struct mxg_template_var *vars, size_t n,
			      const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
			return vars[i].value != NULL ? vars[i].value : "";
	return "";
}

char *mxg_template_render(const char *text, const struct mxg_template_var *vars, size_t n,
			  bool html)
{
	struct mxg_buf b = MXG_BUF_INIT;
	const char *p = text, *open, *close;

	while ((open = strstr(p, "{{")) != NULL) {
		close = strstr(open + 2, "}}");
		if (close == NULL)
			break;
		mxg_buf_append(&b, p, (size_t)(open - p));
		const char *name = open + 2;
		size_t len = (size_t)(close - name);

		/* Tolerate "{{ link }}" as well as "{{link}}". */
		while (len > 0 && *name == ' ') {
			name++;
			len--;
		}
		while (len > 0 && name[len - 1] == ' ')
			len--;
		if (html)
			append_escaped(&b, lookup_var(vars, n, name, len));
		else
			mxg_buf_append_str(&b, lookup_var(vars, n, name, len));
		p = close + 2;
	}
	mxg_buf_append_str(&b, p);
	return buf_take(&b);
}

char *mxg_template_load_render(const char *dir, const char *name,
			       const struct mxg_template_var *vars, size_t n,
			       struct mxg_error *err)
{
	char path[4096], *text, *out;
	size_t len, nlen = strlen(name);
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
	out = mxg_template_render(text, vars, n,
				  nlen > 5 && strcmp(name + nlen - 5, ".html") == 0);
	free(text);
	return out;
}
