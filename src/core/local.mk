# src/core/local.mk: error, log, arena, buffers, sorting, 3PID forms, the
# config engine and mxgate's config tables, crypto primitives, base64,
# ed25519 keys, password hashes and JSON helpers.

libmxgate_la_SOURCES += \
	src/core/app.h \
	src/core/arena.c src/core/arena.h \
	src/core/base64.c src/core/base64.h \
	src/core/buf.c src/core/buf.h \
	src/core/conf-internal.h \
	src/core/conf-load.c \
	src/core/conf.c src/core/conf.h \
	src/core/config-generate.c \
	src/core/config-text.c src/core/config-text.h \
	src/core/config-internal.h \
	src/core/config-login.c \
	src/core/config-client.c \
	src/core/config-homeserver.c \
	src/core/config-oauth.c \
	src/core/config-services.c \
	src/core/config.c src/core/mxconfig.h \
	src/core/crypto.c src/core/crypto.h \
	src/core/ed25519.c src/core/ed25519.h \
	src/core/error.c src/core/error.h \
	src/core/json.c src/core/json.h \
	src/core/log.c src/core/log.h \
	src/core/password.c src/core/password.h \
	src/core/ratelimit.c src/core/ratelimit.h \
	src/core/sort.c src/core/sort.h \
	src/core/threepid.c src/core/threepid.h

check_PROGRAMS += \
	tests/unit/test-base64 \
	tests/unit/test-conf \
	tests/unit/test-config \
	tests/unit/test-core \
	tests/unit/test-crypto \
	tests/unit/test-ed25519 \
	tests/unit/test-json \
	tests/unit/test-password \
	tests/unit/test-ratelimit \
	tests/unit/test-threepid
