# tests/local.mk: unit tests (C, one per module) and the integration suite.

EXTRA_DIST += tests/unit/test.h

TESTS += $(check_PROGRAMS)
