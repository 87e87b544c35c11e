# src/matrix/local.mk: in front of the homeserver: the homeserver client
# and the client-server interception (login, directory, profile).

libmxgate_la_SOURCES += \
	src/matrix/client-api.c \
	src/matrix/directory.c src/matrix/directory.h \
	src/matrix/homeserver.c src/matrix/homeserver.h \
	src/matrix/jwt.c src/matrix/jwt.h \
	src/matrix/login.c src/matrix/login.h \
	src/matrix/login-identifier.c src/matrix/login-service.c \
	src/matrix/matrix.h \
	src/matrix/profile.c \
	src/matrix/relay.c \
	src/matrix/routes.c

check_PROGRAMS += tests/unit/test-directory tests/unit/test-jwt tests/unit/test-login-identifier
