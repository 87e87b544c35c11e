# etc/local.mk: build rules for etc (included by the top Makefile.am).
