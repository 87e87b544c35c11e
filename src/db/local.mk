# src/db/local.mk: the database interface, SQLite and PostgreSQL drivers, migrations.

libmxgate_la_SOURCES += \
	src/db/db.c src/db/db.h \
	src/db/driver.h \
	src/db/migrations.c \
	src/db/pgsql.c \
	src/db/result.c \
	src/db/sqlite.c

check_PROGRAMS += tests/unit/test-db
tests_unit_test_db_SOURCES = tests/unit/test-db.c
tests_unit_test_db_LDADD = $(MXG_TEST_LIBS)
tests_unit_test_db_LDFLAGS = $(AM_LDFLAGS) $(MXG_TEST_LINKFLAGS)

EXTRA_DIST += tests/lib/pg.sh
