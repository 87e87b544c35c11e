# src/core/local.mk: error, log, arena, config engine, crypto, JSON helpers.

libmxgate_la_SOURCES += \
	src/core/app.h \
	src/core/arena.c src/core/arena.h \
	src/core/error.c src/core/error.h \
	src/core/log.c src/core/log.h
