# src/stores/local.mk: build rules for src/stores (included by the top Makefile.am).
