/*
 * test-notify.c: template rendering and HTML escaping, the MIME message
 * built for SMTP, and the templates shipped in etc/templates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "notify/smtp.h"
#include "notify/templates.h"
#include "test.h"

static void test_render(void)
{
	static const struct mxg_template_var vars[] = {
		{ "link", "https://is.example/x?a=1&b=2" },
		{ "address", "<script>alert('x')</script>@example.org" },
		{ "token", "T0K" },
		{ "empty", NULL },
	};
	static const struct { const char *in; bool html; const char *want; } cases[] = {
		{ "plain", false, "plain" },
		{ "{{token}}", false, "T0K" },
		{ "a {{ token }} b", false, "a T0K b" },
		{ "{{link}}", false, "https://is.example/x?a=1&b=2" },
		{ "{{link}}", true, "https://is.example/x?a=1&amp;b=2" },
		{ "<b>{{address}}</b>", true,
		  "<b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;@example.org</b>" },
		{ "{{address}}", false, "<script>alert('x')</script>@example.org" },
		{ "[{{unknown}}]", false, "[]" },
		{ "[{{empty}}]", true, "[]" },
		{ "{{token", false, "{{token" },
		{ "{{token}}{{token}}", false, "T0KT0K" },
		{ "\"{{empty}}\"", true, "\"\"" },
	};

	test_begin("render and escape");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = mxg_template_render(cases[i].in, vars, 4, cases[i].html);

		test_assert_idx(strcmp(out, cases[i].want) == 0, i);
		free(out);
	}
	char *esc = mxg_template_html_escape("a&b<c>\"d'");

	test_assert_streq(esc, "a&amp;b&lt;c&gt;&quot;d&#39;");
	free(esc);
	test_end();
}

static void test_sections(void)
{
	json_t *ctx = json_pack("{s:s, s:{s:s}, s:[{s:s}, {s:s}], s:b, s:[], s:s, s:i}",
				"name", "<Alice>", "t", "greet", "Hello", "items", "v", "a&b",
				"v", "c", "ok", 1, "none", "raw", "<b>x</b>", "n", 3);
	char *out;

	test_begin("template sections: dotted names, lists, conditions, raw values");
	out = mxg_template_render_json("{{t.greet}} {{name}}!{{#items}}[{{v}}]{{/items}}"
				       "{{#ok}}yes{{/ok}}{{^ok}}no{{/ok}}{{^none}}empty{{/none}}"
				       "{{#none}}never{{/none}}{{{raw}}}{{n}}{{missing.x}}", ctx,
				       true);
	test_assert_streq(out, "Hello &lt;Alice&gt;![a&amp;b][c]yesempty<b>x</b>3");
	free(out);
	/* An item's own name first, the outer one otherwise. */
	out = mxg_template_render_json("{{#items}}{{v}}{{name}};{{/items}}", ctx, false);
	test_assert_streq(out, "a&b<Alice>;c<Alice>;");
	free(out);
	/* The same section name nested, and an unclosed section. */
	out = mxg_template_render_json("{{#ok}}1{{#ok}}2{{/ok}}3{{/ok}}|{{#ok}}lost", ctx, false);
	test_assert_streq(out, "123|");
	free(out);
	out = mxg_template_render_json("{{#t}}{{greet}}{{/t}} {{.}}", NULL, false);
	test_assert_streq(out, " ");
	free(out);
	json_decref(ctx);
	test_end();
}

static void test_shipped_templates(void)
{
	static const struct mxg_template_var vars[] = {
		{ "link", "https://l.example/?a=1&b=2" }, { "token", "TOKEN123" },
		{ "server_name", "example.org" }, { "address", "a<b>@example.org" },
		{ "message", "M&M" },
	};
	static const char *const names[] = {
		"validation-email.txt", "validation-email.html", "validation-sms.txt",
		"submit-success.html", "submit-failure.html",
	};
	struct mxg_error err;
	const char *srcdir = getenv("srcdir");
	char dir[4096];

	test_begin("shipped templates render");
	snprintf(dir, sizeof(dir), "%s/etc/templates", srcdir != NULL ? srcdir : ".");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *out = mxg_template_load_render(dir, names[i], vars, 5, &err);

		test_assert_idx(out != NULL, i);
		if (out == NULL)
			continue;
		test_assert_idx(strstr(out, "{{") == NULL, i);
		if (strstr(names[i], ".html") != NULL)
			test_assert_idx(strstr(out, "a<b>") == NULL, i);
		if (strncmp(names[i], "validation", 10) == 0)
			test_assert_idx(strstr(out, "TOKEN123") != NULL, i);
		free(out);
	}
	test_assert(mxg_template_load_render(dir, "no-such.txt", vars, 5, &err) == NULL);
	test_end();
}

static void test_mail_format(void)
{
	struct mxg_mail mail = {
		.to = "bob@example.org", .subject = "Grüße",
		.text = "line one\nline two with token ABC\n", .html = "<p>html</p>",
	};
	char addr[64], *msg, *p, decoded[256];
	size_t len;

	test_begin("MIME message");
	test_assert_streq(mxg_mail_from_address("Me <me@example.org>", addr, sizeof(addr)),
			  "me@example.org");
	test_assert_streq(mxg_mail_from_address("me@example.org", addr, sizeof(addr)),
			  "me@example.org");
	test_assert(mxg_mail_from_address("me@example.org", addr, 4) == NULL);
	msg = mxg_mail_format("Me <me@example.org>", &mail);
	test_assert(strstr(msg, "From: Me <me@example.org>\r\n") != NULL);
	test_assert(strstr(msg, "To: bob@example.org\r\n") != NULL);
	test_assert(strstr(msg, "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n") != NULL);
	test_assert(strstr(msg, "multipart/alternative; boundary=") != NULL);
	test_assert(strstr(msg, "text/plain; charset=utf-8") != NULL);
	test_assert(strstr(msg, "text/html; charset=utf-8") != NULL);
	/* every line ends in CRLF */
	for (p = msg; (p = strchr(p, '\n')) != NULL; p++)
		test_assert(p > msg && p[-1] == '\r');
	/* the text part decodes to CRLF lines */
	p = strstr(msg, "base64\r\n\r\n");
	test_assert(p != NULL);
	if (p != NULL) {
		char *end = strstr(p + 10, "\r\n");

		test_assert(end != NULL && mxg_base64_decode(p + 10, (size_t)(end - p - 10), decoded,
							     sizeof(decoded) - 1, &len) == 0);
		decoded[len] = '\0';
		test_assert_streq(decoded, "line one\r\nline two with token ABC\r\n");
	}
	free(msg);
	test_end();
}

int main(void)
{
	test_sections();
	test_render();
	test_shipped_templates();
	test_mail_format();
	return test_done("test-notify");
}
