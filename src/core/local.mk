# src/core/local.mk: error, log, arena, the config engine and mxgate's config tables.

libmxgate_la_SOURCES += \
	src/core/app.h \
	src/core/arena.c src/core/arena.h \
	src/core/error.c src/core/error.h \
	src/core/log.c src/core/log.h
libmxgate_la_SOURCES += \
	src/core/conf.c src/core/conf.h \
	src/core/config.c src/core/config.h
