# src/core/local.mk: error, log, arena, 3PID forms, the config engine and mxgate's config tables.

libmxgate_la_SOURCES += \
	src/core/app.h \
	src/core/arena.c src/core/arena.h \
	src/core/buf.c src/core/buf.h \
	src/core/error.c src/core/error.h \
	src/core/log.c src/core/log.h \
	src/core/sort.c src/core/sort.h \
	src/core/threepid.c src/core/threepid.h
libmxgate_la_SOURCES += \
	src/core/conf.c src/core/conf.h \
	src/core/config-text.c src/core/config-text.h \
	src/core/config.c src/core/mxconfig.h \
	src/core/config-generate.c

check_PROGRAMS += tests/unit/test-threepid
tests_unit_test_threepid_SOURCES = tests/unit/test-threepid.c
tests_unit_test_threepid_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_threepid_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-conf
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c
tests_unit_test_conf_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_conf_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_config_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-core
tests_unit_test_core_SOURCES = tests/unit/test-core.c
tests_unit_test_core_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_core_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)
