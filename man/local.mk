# man/local.mk: build rules for man (included by the top Makefile.am).
