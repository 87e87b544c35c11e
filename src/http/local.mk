# src/http/local.mk: the HTTP server, router and reply helpers.

libmxgate_la_SOURCES += \
	src/http/http.h \
	src/http/resource.c \
	src/http/server.c src/http/server.h
