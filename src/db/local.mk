# src/db/local.mk: the database interface, SQLite and PostgreSQL drivers, migrations.

libmxgate_la_SOURCES += \
	src/db/db.c src/db/db.h \
	src/db/driver.h \
	src/db/migrations.c \
	src/db/pgsql.c \
	src/db/result.c \
	src/db/sqlite.c

check_PROGRAMS += tests/unit/test-db

EXTRA_DIST += tests/lib/pg.sh
