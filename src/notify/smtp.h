/*
 * smtp.h: sending one e-mail through libcurl's SMTP client: smtp:// (plain,
 * or STARTTLS required when configured), smtps://, optional AUTH, bounded
 * by a connect and a total timeout.
 *
 * Blocking: call it from a worker thread (an MXG_ROUTE_BLOCKING handler).
 */
#ifndef MXG_NOTIFY_SMTP_H
#define MXG_NOTIFY_SMTP_H

#include "core/error.h"

struct mxg_email_conf;

/* One message: text and HTML alternatives of the same content. */
struct mxg_mail {
	const char *to;			/* bare address, no CR/LF (caller checks) */
	const char *subject;		/* UTF-8; encoded as RFC 2047 when needed */
	const char *text;		/* text/plain body, LF or CRLF lines */
	const char *html;		/* text/html body; NULL for text only */
};

/*
 * Build the MIME message (multipart/alternative, each part base64) into a
 * malloc'ed string; for tests and for mxg_smtp_send().  from is the From
 * header ("Name <addr>" or "addr").
 */
char *mxg_mail_format(const char *from, const struct mxg_mail *mail);

/* The bare address of a From header value ("Name <a@b>" -> "a@b"), copied
 * into buf; NULL when it does not fit. */
const char *mxg_mail_from_address(const char *from, char *buf, size_t size);

/*
 * Send mail as configured.  Returns 0, or -1 with err saying what failed
 * (curl's error text; never the password).
 */
int mxg_smtp_send(const struct mxg_email_conf *conf, const struct mxg_mail *mail,
		  struct mxg_error *err);

#endif
