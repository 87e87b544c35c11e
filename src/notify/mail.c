/*
 * mail.c: templated e-mails (see mail.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mxconfig.h"
#include "core/threepid.h"
#include "notify/mail.h"
#include "notify/smtp.h"

const char *mxg_mail_address(struct mxg_arena *arena, const char *email)
{
	char *canon = mxg_3pid_canonicalize(arena, "email", email);

	if (canon == NULL)
		return NULL;
	/* No spaces, controls, non-ASCII (no SMTPUTF8) or header specials. */
	for (const unsigned char *p = (const unsigned char *)canon; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[],;:\\\"", *p) != NULL)
			return NULL;
	return canon;
}

/* Split "Subject: ...\n\nbody" in place; NULL when there is no subject line. */
static const char *take_subject(char *text, const char **body_r)
{
	char *subject, *nl, *body;

	*body_r = text;
	if (strncmp(text, "Subject:", 8) != 0)
		return NULL;
	subject = text + 8;
	while (*subject == ' ')
		subject++;
	nl = strchr(text, '\n');
	if (nl == NULL) {
		*body_r = text + strlen(text);
		return subject;
	}
	*nl = '\0';
	if (nl > text && nl[-1] == '\r')
		nl[-1] = '\0';
	body = nl + 1;
	if (*body == '\r')
		body++;
	if (*body == '\n')
		body++;
	*body_r = body;
	return subject;
}

int mxg_mail_send_templated(const struct mxg_email_conf *conf, const char *name,
			    const struct mxg_template_var *vars, size_t nvars, const char *to,
			    const char *default_subject, struct mxg_error *err)
{
	char file[256], *text, *html = NULL;
	const char *subject, *body;
	int rc = -1;

	snprintf(file, sizeof(file), "%s.txt", name);
	text = mxg_template_load_render(conf->templates_dir, file, vars, nvars, err);
	if (text != NULL) {
		snprintf(file, sizeof(file), "%s.html", name);
		html = mxg_template_load_render(conf->templates_dir, file, vars, nvars, err);
	}
	if (text != NULL && html != NULL) {
		subject = take_subject(text, &body);
		struct mxg_mail mail = {
			.to = to,
			.subject = subject != NULL ? subject : default_subject,
			.text = body,
			.html = html,
		};
		rc = mxg_smtp_send(conf, &mail, err);
	}
	if (text != NULL)
		explicit_bzero(text, strlen(text));
	if (html != NULL)
		explicit_bzero(html, strlen(html));
	free(text);
	free(html);
	return rc;
}
