/*
 * pages.c: rendering the provider's pages (see pages.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "notify/templates.h"
#include "oauth/browser.h"
#include "oauth/oauth.h"
#include "oauth/pages.h"

/* No script at all; styles only from the page itself; images from
 * anywhere over https (client logos); forms only to us. */
#define CSP "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; " \
	    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

/* The first language of Accept-Language we have strings for, else "en". */
static const char *language(struct mxg_req *r, const char *dir)
{
	const char *al = mxg_req_header(r, "Accept-Language");
	char lang[8], path[4096];

	for (const char *p = al; p != NULL && *p != '\0';) {
		size_t n = 0;

		p += strspn(p, " ,");
		while (n < sizeof(lang) - 1 && isalpha((unsigned char)p[n])) {
			lang[n] = (char)tolower((unsigned char)p[n]);
			n++;
		}
		lang[n] = '\0';
		p += strcspn(p, ",");
		if (n < 2 || n > 3)
			continue;
		snprintf(path, sizeof(path), "%s/oauth/strings.%s.json", dir, lang);
		if (access(path, R_OK) == 0)
			return mxg_arena_strdup(mxg_req_arena(r), lang);
	}
	return "en";
}

static json_t *strings(const char *dir, const char *lang)
{
	char path[4096];
	json_error_t jerr;
	json_t *t;

	snprintf(path, sizeof(path), "%s/oauth/strings.%s.json", dir, lang);
	t = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(t)) {
		mxg_error("oauth: %s: %s", path, t == NULL ? jerr.text : "not a JSON object");
		json_decref(t);
		return json_object();
	}
	return t;
}

/* Render oauth/<name>.html, then layout.html around it; NULL + logged. */
static char *render_page(const char *dir, const char *name, json_t *ctx)
{
	struct mxg_error err;
	char file[128], *text, *body, *page;

	snprintf(file, sizeof(file), "oauth/%s.html", name);
	mxg_error_clear(&err);
	text = mxg_template_load(dir, file, &err);
	if (text == NULL) {
		mxg_error("oauth: %s", err.msg);
		return NULL;
	}
	body = mxg_template_render_json(text, ctx, true);
	free(text);
	text = mxg_template_load(dir, "oauth/layout.html", &err);
	if (text == NULL) {
		mxg_error("oauth: %s", err.msg);
		free(body);
		return NULL;
	}
	json_object_set_new(ctx, "body", json_string(body));
	free(body);
	page = mxg_template_render_json(text, ctx, true);
	free(text);
	return page;
}

void mxg_oauth_page(struct mxg_req *r, unsigned int status, const char *name, json_t *ctx,
		    const char *form_action)
{
	struct mxg_oauth *p = mxg_req_app(r)->oauth;
	const char *dir = p->conf->templates_dir, *lang = language(r, dir);
	char *page;

	if (ctx == NULL)
		ctx = json_object();
	json_object_set_new(ctx, "t", strings(dir, lang));
	if (json_is_string(json_object_get(ctx, "error_key"))) {
		/* The error page's message, in the page's language. */
		const char *key = json_string_value(json_object_get(ctx, "error_key"));
		json_t *msg = json_object_get(json_object_get(ctx, "t"), key);

		json_object_set(ctx, "message", msg != NULL ? msg : json_object_get(ctx,
											"error_key"));
	}
	json_object_set_new(ctx, "lang", json_string(lang));
	json_object_set_new(ctx, "issuer", json_string(p->issuer));
	json_object_set_new(ctx, "csrf", json_string(mxg_oauth_csrf_token(p, r)));
	json_object_set_new(ctx, "offers_registration", json_boolean(p->conf->registration));
	json_object_set_new(ctx, "offers_recovery", json_boolean(p->conf->password_recovery));
	page = render_page(dir, name, ctx);
	json_decref(ctx);
	mxg_reply_header(r, "Content-Security-Policy", form_action == NULL ? CSP :
			 mxg_arena_printf(mxg_req_arena(r), "%s %s", CSP, form_action));
	mxg_reply_header(r, "X-Frame-Options", "DENY");
	mxg_reply_header(r, "X-Content-Type-Options", "nosniff");
	mxg_reply_header(r, "Referrer-Policy", "no-referrer");
	mxg_reply_header(r, "Cache-Control", "no-store");
	if (page == NULL) {
		static const char fallback[] = "<!DOCTYPE html><title>Error</title>"
					       "<p>This page cannot be shown (see the server log).";

		mxg_reply_raw(r, 500, "text/html; charset=utf-8", fallback, sizeof(fallback) - 1);
		return;
	}
	mxg_reply_raw(r, status, "text/html; charset=utf-8", page, strlen(page));
	free(page);
}

void mxg_oauth_error_page(struct mxg_req *r, unsigned int status, const char *key,
			  const char *detail)
{
	mxg_oauth_page(r, status, "error", json_pack("{s:s, s:s?}", "error_key", key, "detail",
						     detail), NULL);
}
