# src/identity/local.mk: the Identity Service API and the hashed-lookup index.

libmxgate_la_SOURCES += \
	src/identity/api-lookup.c \
	src/identity/api-pubkey.c \
	src/identity/api-status.c \
	src/identity/api-v1.c \
	src/identity/identity.h \
	src/identity/index.c src/identity/index.h \
	src/identity/lookup.c src/identity/lookup.h \
	src/identity/lookup-body.c src/identity/lookup-body.h \
	src/identity/routes.c \
	src/identity/accounts.c src/identity/accounts.h \
	src/identity/api-account.c \
	src/identity/api-lookup-auth.c \
	src/identity/api-terms.c \
	src/identity/auth.c src/identity/auth.h \
	src/identity/hs-resolve.c src/identity/hs-resolve.h \
	src/identity/openid.c src/identity/openid.h

check_PROGRAMS += tests/unit/test-index tests/unit/test-lookup-body tests/unit/test-hs-resolve
