# src/stores/local.mk: the store ABI, chain, loader and built-in stores.

libmxgate_la_SOURCES += \
	src/stores/loader.c src/stores/loader.h \
	src/stores/static.c src/stores/static.h \
	src/stores/store.h
