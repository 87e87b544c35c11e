# src/core/crypto.mk: crypto primitives, base64, ed25519 keys, password hashes, JSON helpers.

libmxgate_la_SOURCES += \
	src/core/base64.h \
	src/core/crypto.c src/core/crypto.h \
	src/core/ed25519.h \
	src/core/json.h \
	src/core/password.h
