# src/identity/local.mk: build rules for src/identity (included by the top Makefile.am).
