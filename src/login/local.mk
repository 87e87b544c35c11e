# src/login/local.mk: homeserver login delegation (check_credentials) and
# the service that checks a login name and password against the stores.

libmxgate_la_SOURCES += \
	src/login/api-check-credentials.c \
	src/login/lockout.c src/login/lockout.h \
	src/login/login.h \
	src/login/routes.c \
	src/login/verify.c

check_PROGRAMS += tests/unit/test-lockout
