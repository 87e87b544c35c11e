/*
 * test-oauth-authorize.c: redirect URI matching (exact, and RFC 8252's
 * loopback rule: any port for http on 127.0.0.1, [::1] or localhost, the
 * rest unchanged) and the CSP source a form needs to lead to a redirect.
 */
#include "config.h"

#include <string.h>

#include "core/arena.h"
#include "oauth/authorize.h"
#include "test.h"

static void test_matching(void)
{
	const char *uris[] = { "https://app.example.org/cb", "http://127.0.0.1/cb",
			       "http://[::1]:8000/native", "org.example.app:/cb" };
	struct mxg_oauth_client c = { .client_id = "c", .redirect_uris = uris,
				      .nredirect_uris = 4 };

	test_begin("redirect URIs: exact, or loopback on any port");
	test_assert(mxg_oauth_redirect_uri_ok(&c, "https://app.example.org/cb"));
	test_assert(mxg_oauth_redirect_uri_ok(&c, "org.example.app:/cb"));
	test_assert(mxg_oauth_redirect_uri_ok(&c, "http://127.0.0.1/cb"));
	test_assert(mxg_oauth_redirect_uri_ok(&c, "http://127.0.0.1:51234/cb"));
	test_assert(mxg_oauth_redirect_uri_ok(&c, "http://[::1]/native"));
	test_assert(mxg_oauth_redirect_uri_ok(&c, "http://[::1]:9/native"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "https://app.example.org/cb/"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "https://app.example.org/cb?x=1"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "https://app.example.org:443/cb"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "https://APP.example.org/cb"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "http://127.0.0.1:80/cb2"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "http://localhost:80/cb"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "https://127.0.0.1/cb"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "http://127.0.0.1:x/cb"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "http://127.0.0.1.evil.example/cb"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, "org.example.app://cb"));
	test_assert(!mxg_oauth_redirect_uri_ok(&c, ""));
	test_end();
}

static void test_sources(void)
{
	struct mxg_arena *a = mxg_arena_create(256);

	test_begin("the CSP source of a redirect: its origin, or its private scheme");
	test_assert_streq(mxg_oauth_redirect_source(a, "https://app.example.org:8443/cb?x=1"),
			  "https://app.example.org:8443");
	test_assert_streq(mxg_oauth_redirect_source(a, "http://127.0.0.1:5/cb"),
			  "http://127.0.0.1:5");
	test_assert_streq(mxg_oauth_redirect_source(a, "org.example.app:/cb"), "org.example.app:");
	test_end();
	mxg_arena_destroy(&a);
}

int main(void)
{
	test_matching();
	test_sources();
	return test_done("test-oauth-authorize");
}
