/*
 * routes.c: the provider's endpoints (registered only when oauth.issuer is
 * set), and its discovery document on the client API (MSC2965).
 */
#include "config.h"

#include <stddef.h>

#include "oauth/oauth.h"

#define MSC2965 "/_matrix/client/unstable/org.matrix.msc2965"

const struct mxg_route mxg_oauth_routes[] = {
	{ MXG_GET, "/.well-known/openid-configuration", MXG_RES_OAUTH, mxg_oauth_api_metadata, 0 },
	{ MXG_GET, "/.well-known/oauth-authorization-server", MXG_RES_OAUTH,
	  mxg_oauth_api_metadata, 0 },
	{ MXG_GET, "/oauth2/keys.json", MXG_RES_OAUTH, mxg_oauth_api_jwks, 0 },
	{ MXG_POST, "/oauth2/token", MXG_RES_OAUTH, mxg_oauth_api_token, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/oauth2/introspect", MXG_RES_OAUTH, mxg_oauth_api_introspect,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/oauth2/revoke", MXG_RES_OAUTH, mxg_oauth_api_revoke, MXG_ROUTE_BLOCKING },
	{ MXG_GET | MXG_POST, "/oauth2/userinfo", MXG_RES_OAUTH, mxg_oauth_api_userinfo,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/oauth2/registration", MXG_RES_OAUTH, mxg_oauth_api_register,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/oauth2/device", MXG_RES_OAUTH, mxg_oauth_api_device_authorization,
	  MXG_ROUTE_BLOCKING },
	{ MXG_GET | MXG_POST, "/oauth2/logout", MXG_RES_OAUTH, mxg_oauth_api_logout,
	  MXG_ROUTE_BLOCKING },
	/* The browser's pages. */
	{ MXG_GET, "/authorize", MXG_RES_OAUTH, mxg_oauth_api_authorize, MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/login", MXG_RES_OAUTH, mxg_oauth_api_login_page, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/login", MXG_RES_OAUTH, mxg_oauth_api_login, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/consent", MXG_RES_OAUTH, mxg_oauth_api_consent, MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/device", MXG_RES_OAUTH, mxg_oauth_api_device_page, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/device", MXG_RES_OAUTH, mxg_oauth_api_device_decide, MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/account", MXG_RES_OAUTH, mxg_oauth_api_account, MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/sso", MXG_RES_OAUTH, mxg_oauth_api_sso_page, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/sso", MXG_RES_OAUTH, mxg_oauth_api_sso_confirm, MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/register", MXG_RES_OAUTH, mxg_oauth_api_signup_page, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/register", MXG_RES_OAUTH, mxg_oauth_api_signup, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/register/verify", MXG_RES_OAUTH, mxg_oauth_api_signup_verify,
	  MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/recover", MXG_RES_OAUTH, mxg_oauth_api_recover_page, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/recover", MXG_RES_OAUTH, mxg_oauth_api_recover, MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/recover/verify", MXG_RES_OAUTH, mxg_oauth_api_recover_verify,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/account/sessions", MXG_RES_OAUTH, mxg_oauth_api_account_sessions,
	  MXG_ROUTE_BLOCKING },
	/* The compat login's other paths (login itself: matrix/login.c). */
	{ MXG_POST, "/_matrix/client/v3/logout", MXG_RES_CLIENT, mxg_oauth_compat_logout,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/_matrix/client/r0/logout", MXG_RES_CLIENT, mxg_oauth_compat_logout,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/_matrix/client/v3/logout/all", MXG_RES_CLIENT, mxg_oauth_compat_logout,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/_matrix/client/r0/logout/all", MXG_RES_CLIENT, mxg_oauth_compat_logout,
	  MXG_ROUTE_BLOCKING },
	{ MXG_POST, "/_matrix/client/v3/refresh", MXG_RES_CLIENT, mxg_oauth_compat_refresh,
	  MXG_ROUTE_BLOCKING },
	{ MXG_GET, "/_matrix/client/v3/login/sso/redirect", MXG_RES_CLIENT,
	  mxg_oauth_compat_sso_redirect, 0 },
	{ MXG_GET, "/_matrix/client/v3/login/sso/redirect/{idpId}", MXG_RES_CLIENT,
	  mxg_oauth_compat_sso_redirect, 0 },
	{ MXG_GET, "/_matrix/client/r0/login/sso/redirect", MXG_RES_CLIENT,
	  mxg_oauth_compat_sso_redirect, 0 },
	/* The client API's view of the same document. */
	{ MXG_GET, "/_matrix/client/v1/auth_metadata", MXG_RES_CLIENT, mxg_oauth_api_metadata, 0 },
	{ MXG_GET, MSC2965 "/auth_metadata", MXG_RES_CLIENT, mxg_oauth_api_metadata, 0 },
	{ MXG_GET, MSC2965 "/auth_issuer", MXG_RES_CLIENT, mxg_oauth_api_auth_issuer, 0 },
	{ 0, NULL, 0, NULL, 0 },
};
