# src/http/local.mk: build rules for src/http (included by the top Makefile.am).
