# src/core/crypto.mk: crypto primitives, base64, ed25519 keys, password hashes, JSON helpers.

libmxgate_la_SOURCES += \
	src/core/base64.c src/core/base64.h \
	src/core/crypto.c src/core/crypto.h \
	src/core/ed25519.c src/core/ed25519.h \
	src/core/json.c src/core/json.h \
	src/core/password.c src/core/password.h

check_PROGRAMS += tests/unit/test-crypto
tests_unit_test_crypto_SOURCES = tests/unit/test-crypto.c
tests_unit_test_crypto_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_crypto_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-base64
tests_unit_test_base64_SOURCES = tests/unit/test-base64.c
tests_unit_test_base64_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_base64_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-ed25519
tests_unit_test_ed25519_SOURCES = tests/unit/test-ed25519.c
tests_unit_test_ed25519_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_ed25519_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-password
tests_unit_test_password_SOURCES = tests/unit/test-password.c
tests_unit_test_password_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_password_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

check_PROGRAMS += tests/unit/test-json
tests_unit_test_json_SOURCES = tests/unit/test-json.c
tests_unit_test_json_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_json_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)
