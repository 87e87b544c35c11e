/*
 * templates.h: text and HTML templates, for validation e-mail, SMS, the
 * pages GET submitToken shows and the OAuth provider's pages.
 *
 * A template is a UTF-8 file in the templates directory, in a subset of
 * Mustache: {{name}} is replaced by the value of name (a dotted path,
 * "t.sign_in", reaches into objects); in HTML the value is escaped
 * (& < > " ') so that an address or a link cannot inject markup, and only
 * {{{name}}} inserts a value as it is (for markup the code built).
 * {{#name}}...{{/name}} renders its inside once for a true value or a
 * non-empty string or object (which then comes first in name lookups), once
 * per element of an array; {{^name}}...{{/name}} when the value is false,
 * empty or absent.  An unknown name renders as nothing.
 */
#ifndef MXG_NOTIFY_TEMPLATES_H
#define MXG_NOTIFY_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"

struct mxg_template_var {
	const char *name;
	const char *value;		/* NULL renders as nothing */
};

/*
 * Render text with vars (n of them); html escapes the values.  Returns a
 * malloc'ed NUL-terminated string the caller frees.  Never fails (allocation
 * failure aborts).
 */
char *mxg_template_render(const char *text, const struct mxg_template_var *vars, size_t n,
			  bool html);

/* The same with a JSON object for context (see above); ctx may be NULL. */
char *mxg_template_render_json(const char *text, const json_t *ctx, bool html);

/* s with & < > " ' escaped; malloc'ed. */
char *mxg_template_html_escape(const char *s);

/*
 * Read dir/name (at most 256 KiB) and render it; html when name ends in
 * ".html".  Returns a malloc'ed string, or NULL with err when the file
 * cannot be read.
 */
char *mxg_template_load_render(const char *dir, const char *name,
			       const struct mxg_template_var *vars, size_t n,
			       struct mxg_error *err);

/* dir/name read (at most 256 KiB) into a malloc'ed string, or NULL + err. */
char *mxg_template_load(const char *dir, const char *name, struct mxg_error *err);

#endif
