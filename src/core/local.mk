# src/core/local.mk: error, log, arena, the config engine and mxgate's config tables.

libmxgate_la_SOURCES += \
	src/core/app.h \
	src/core/arena.c src/core/arena.h \
	src/core/error.c src/core/error.h \
	src/core/log.c src/core/log.h \
	src/core/threepid.c src/core/threepid.h
libmxgate_la_SOURCES += \
	src/core/conf.c src/core/conf.h \
	src/core/config.c src/core/config.h

check_PROGRAMS += tests/unit/test-threepid
tests_unit_test_threepid_SOURCES = tests/unit/test-threepid.c
tests_unit_test_threepid_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_threepid_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)
