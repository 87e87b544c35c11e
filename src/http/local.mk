# src/http/local.mk: the HTTP server, router and reply helpers.

libmxgate_la_SOURCES += \
	src/http/http.h \
	src/http/internal.h \
	src/http/client.c src/http/client.h \
	src/http/form.c src/http/form.h \
	src/http/health.c \
	src/http/metrics.c src/http/metrics.h \
	src/http/proxy.c src/http/proxy.h \
	src/http/proxy-request.c src/http/proxy-request.h \
	src/http/reply.c \
	src/http/request.c \
	src/http/resource.c \
	src/http/router.c src/http/router.h \
	src/http/server.c src/http/server.h \
	src/http/workers.c src/http/workers.h

check_PROGRAMS += tests/unit/test-http tests/unit/test-http-lifecycle tests/unit/test-router \
	tests/unit/test-form \
	tests/unit/test-http-client
tests_unit_test_http_SOURCES = tests/unit/test-http.c \
	tests/unit/http-test-util.c tests/unit/http-test-util.h
tests_unit_test_http_lifecycle_SOURCES = tests/unit/test-http-lifecycle.c \
	tests/unit/http-test-util.c tests/unit/http-test-util.h
