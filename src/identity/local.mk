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
	src/identity/routes.c

check_PROGRAMS += tests/unit/test-index tests/unit/test-lookup-body
