/*
 * mail.h: sending an e-mail written from templates: <name>.txt (its first
 * line may be "Subject: ...", then a blank line) and <name>.html, rendered
 * with the same variables.  Validation and invitation mails both go this
 * way.  Blocking (SMTP): call it from a worker thread.
 */
#ifndef MXG_NOTIFY_MAIL_H
#define MXG_NOTIFY_MAIL_H

#include <stddef.h>

#include "core/error.h"
#include "notify/templates.h"

struct mxg_arena;
struct mxg_email_conf;

/* The canonical form of an e-mail address (arena memory) when it can go
 * into SMTP headers and RCPT TO as it is, else NULL. */
const char *mxg_mail_address(struct mxg_arena *arena, const char *email);

/*
 * Render templates_dir/<name>.txt and .html, send them to `to` with the
 * template's subject (or default_subject), and wipe the rendered text, which
 * may hold tokens or keys.  Returns 0, or -1 with err (template missing or
 * broken, or the SMTP failure).
 */
int mxg_mail_send_templated(const struct mxg_email_conf *conf, const char *name,
			    const struct mxg_template_var *vars, size_t nvars, const char *to,
			    const char *default_subject, struct mxg_error *err);

#endif
