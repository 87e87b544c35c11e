# src/matrix/local.mk: in front of the homeserver: the homeserver client
# and the client-server interception (login, directory, profile).

libmxgate_la_SOURCES += \
	src/matrix/homeserver.c src/matrix/homeserver.h \
	src/matrix/matrix.h \
	src/matrix/routes.c
