# src/identity/local.mk: the Identity Service API and the hashed-lookup index.

libmxgate_la_SOURCES += \
	src/identity/api-lookup.c \
	src/identity/api-pubkey.c \
	src/identity/api-status.c \
	src/identity/identity.h \
	src/identity/index.c src/identity/index.h \
	src/identity/lookup.c src/identity/lookup.h \
	src/identity/lookup-body.c src/identity/lookup-body.h \
	src/identity/routes.c

check_PROGRAMS += tests/unit/test-index
tests_unit_test_index_SOURCES = tests/unit/test-index.c
tests_unit_test_index_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_index_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-lookup-body
tests_unit_test_lookup_body_SOURCES = tests/unit/test-lookup-body.c
tests_unit_test_lookup_body_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_lookup_body_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)
