/*
 * templates.h: text and HTML templates with {{name}} placeholders, for
 * validation e-mail, SMS and the pages GET submitToken shows.
 *
 * A template is a UTF-8 file in the templates directory.  {{name}} is
 * replaced by the value of the variable name; in HTML the value is escaped
 * (& < > " ') so that an address or a link cannot inject markup.  An unknown
 * placeholder renders as nothing.
 */
#ifndef MXG_NOTIFY_TEMPLATES_H
#define MXG_NOTIFY_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
