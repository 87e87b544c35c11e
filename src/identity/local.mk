# src/identity/local.mk: the Identity Service API (status, keys, hashed
# lookup, accounts, terms, validation, binding, invites, legacy v1), the
# lookup index and the services behind the handlers.

libmxgate_la_SOURCES += \
	src/identity/accounts.c src/identity/accounts.h \
	src/identity/api-account.c \
	src/identity/api-bind.c \
	src/identity/api-common.c \
	src/identity/api-invite.c \
	src/identity/api-lookup-auth.c \
	src/identity/api-lookup.c \
	src/identity/api-pubkey.c \
	src/identity/api-status.c \
	src/identity/api-terms.c \
	src/identity/api-v1.c \
	src/identity/api-validate.c \
	src/identity/auth.c src/identity/auth.h \
	src/identity/bindings.c src/identity/bindings.h \
	src/identity/hs-keys.c src/identity/hs-keys.h \
	src/identity/hs-resolve.c src/identity/hs-resolve.h \
	src/identity/identity.h \
	src/identity/index.c src/identity/index.h \
	src/identity/invites.c src/identity/invites.h \
	src/identity/lookup-body.c src/identity/lookup-body.h \
	src/identity/lookup.c src/identity/lookup.h \
	src/identity/msisdn.c src/identity/msisdn.h \
	src/identity/onbind.c src/identity/onbind.h \
	src/identity/openid.c src/identity/openid.h \
	src/identity/routes.c \
	src/identity/sessions.c src/identity/sessions.h \
	src/identity/xmatrix.c src/identity/xmatrix.h

check_PROGRAMS += \
	tests/unit/test-bindings \
	tests/unit/test-hs-resolve \
	tests/unit/test-index \
	tests/unit/test-invites \
	tests/unit/test-lookup-body \
	tests/unit/test-msisdn \
	tests/unit/test-onbind \
	tests/unit/test-sessions \
	tests/unit/test-xmatrix
