/*
 * pages.h: the provider's HTML pages (login, consent, errors, logout, the
 * form_post hand-back), rendered server-side from <templates_dir>/oauth/:
 * <name>.html inside layout.html, with every string from
 * strings.<lang>.json (the language from Accept-Language) as {{t.key}}.
 *
 * Every page is sent with a Content-Security-Policy that allows no script
 * and no framing, X-Frame-Options DENY, no referrer and no caching; every
 * value is HTML-escaped by the template engine.  Forms carry the CSRF token
 * of the browser (browser.h) as {{csrf}}.
 */
#ifndef MXG_OAUTH_PAGES_H
#define MXG_OAUTH_PAGES_H

#include <jansson.h>

#include "http/http.h"

/*
 * Reply with page name (e.g. "login") and status.  ctx (stolen; may be
 * NULL) gets "t" (the strings), "issuer" and "csrf" added.  form_action:
 * an origin forms may post to besides our own (form_post), or NULL.
 */
void mxg_oauth_page(struct mxg_req *r, unsigned int status, const char *name, json_t *ctx,
		    const char *form_action);

/* The error page: what went wrong in the words of t.<key>, and detail
 * (shown as it is, escaped; may be NULL). */
void mxg_oauth_error_page(struct mxg_req *r, unsigned int status, const char *key,
			  const char *detail);

#endif
