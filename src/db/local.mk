# src/db/local.mk: build rules for src/db (included by the top Makefile.am).
