# src/stores/local.mk: the store ABI, chain, loader and built-in stores.

libmxgate_la_SOURCES += \
	src/stores/chain.c src/stores/chain.h \
	src/stores/loader.c src/stores/loader.h \
	src/stores/local.c src/stores/local.h \
	src/stores/static.c src/stores/static.h \
	src/stores/static-file.c \
	src/stores/store.h \
	src/stores/util.c src/stores/util.h

check_PROGRAMS += tests/unit/test-stores
# The modules it loads resolve the core's symbols from the test program.
tests_unit_test_stores_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

# Loadable modules for the loader tests; -rpath makes libtool build them shared.
check_LTLIBRARIES += tests/plugins/testmod.la tests/plugins/testabi.la
tests_plugins_testmod_la_SOURCES = tests/plugins/store-testmod.c
tests_plugins_testmod_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS) -rpath /nowhere
tests_plugins_testabi_la_SOURCES = tests/plugins/store-testabi.c
tests_plugins_testabi_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS) -rpath /nowhere
check_PROGRAMS += tests/unit/test-store-util
