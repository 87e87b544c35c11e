# src/core/local.mk: error, log, arena, config engine, crypto, JSON helpers.

libmxgate_la_SOURCES += \
	src/core/app.h \
	src/core/arena.c src/core/arena.h \
	src/core/error.c src/core/error.h \
	src/core/log.c src/core/log.h
libmxgate_la_SOURCES += \
	src/core/base64.h \
	src/core/conf.c src/core/conf.h \
	src/core/config.c src/core/config.h \
	src/core/crypto.c src/core/crypto.h \
	src/core/ed25519.h \
	src/core/json.h \
	src/core/password.h
