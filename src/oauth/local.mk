# src/oauth/local.mk: the OAuth 2.0 / OpenID Connect provider: tokens,
# keys and signatures, clients, scopes, sessions, its endpoints and pages.

libmxgate_la_SOURCES += \
	src/oauth/api-account.c \
	src/oauth/api-authorize.c \
	src/oauth/api-common.c src/oauth/api.h \
	src/oauth/api-compat.c \
	src/oauth/api-device.c \
	src/oauth/api-introspect.c \
	src/oauth/api-logout.c \
	src/oauth/api-metadata.c \
	src/oauth/api-registration.c \
	src/oauth/api-revoke.c \
	src/oauth/api-selfservice.c \
	src/oauth/api-sso.c \
	src/oauth/api-token.c \
	src/oauth/api-userinfo.c \
	src/oauth/authorize.c src/oauth/authorize.h \
	src/oauth/browser.c src/oauth/browser.h \
	src/oauth/clients.c src/oauth/clients.h \
	src/oauth/device.c src/oauth/device.h \
	src/oauth/emailcode.c src/oauth/emailcode.h \
	src/oauth/idtoken.c src/oauth/idtoken.h \
	src/oauth/jose.c src/oauth/jose.h \
	src/oauth/keys.c src/oauth/keys.h \
	src/oauth/oauth.h \
	src/oauth/pages.c src/oauth/pages.h \
	src/oauth/provider.c \
	src/oauth/provision.c src/oauth/provision.h \
	src/oauth/registration.c src/oauth/registration.h \
	src/oauth/routes.c \
	src/oauth/scope.c src/oauth/scope.h \
	src/oauth/sessions.c src/oauth/sessions.h \
	src/oauth/token.c src/oauth/token.h

check_PROGRAMS += tests/unit/test-oauth-token tests/unit/test-jose tests/unit/test-oauth-scope \
	tests/unit/test-oauth-keys tests/unit/test-oauth-authorize
