# tests/local.mk: unit tests (C, one per module) and the integration suite.

EXTRA_DIST += tests/unit/test.h tests/unit/conf-report.h tests/unit/db-test-util.h \
	tests/unit/man-keys.h

TESTS += $(check_PROGRAMS)

# The suite driver, its helpers and the integration tests (Python, run by
# tests/run-suite.sh against a build, not by `make check`).  Whole directories
# are shipped so that a new tests/integration/test_*.py or tests/lib/*.sh
# needs no line here.
EXTRA_DIST += \
	.ci/run \
	tests/run-suite.sh \
	tests/lib \
	tests/integration \
	tests/peers

# The npm project of the JavaScript test clients (node_modules is installed
# by tests/lib/npm.sh, never shipped).
EXTRA_DIST += tests/js/package.json tests/js/package-lock.json tests/js/is-client.mjs \
	tests/js/login-client.mjs tests/js/oauth-client.mjs tests/js/make-jwk.mjs \
	tests/js/oauth-browser.mjs tests/js/oauth-matrix-client.mjs
