# src/cli/local.mk: the mxgate subcommands (linked into the binary only).

src_mxgate_SOURCES += \
	src/cli/accounts.c \
	src/cli/cli.h \
	src/cli/common.c \
	src/cli/config.c \
	src/cli/db.c \
	src/cli/keys.c \
	src/cli/serve.c \
	src/cli/stores.c
