# src/identity/local.mk: the Identity Service API and the hashed-lookup index.

libmxgate_la_SOURCES += \
	src/identity/api-lookup.c \
	src/identity/api-pubkey.c \
	src/identity/api-status.c \
	src/identity/identity.h \
	src/identity/index.c src/identity/index.h \
	src/identity/lookup.c src/identity/lookup.h \
	src/identity/lookup-body.c src/identity/lookup-body.h \
	src/identity/routes.c

check_PROGRAMS += tests/unit/test-index tests/unit/test-lookup-body

# 3PID validation sessions and their endpoints.
libmxgate_la_SOURCES += \
	src/identity/api-validate.c \
	src/identity/auth.h \
	src/identity/msisdn.c src/identity/msisdn.h \
	src/identity/sessions.c src/identity/sessions.h

# placeholder until accounts land
libmxgate_la_SOURCES += src/identity/auth-stub.c

check_PROGRAMS += tests/unit/test-sessions tests/unit/test-msisdn

# src/notify (e-mail, SMS, templates) until Makefile.am includes it itself.
include $(top_srcdir)/src/notify/local.mk
