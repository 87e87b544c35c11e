# src/db/local.mk: the database interface, SQLite and PostgreSQL drivers, migrations.

libmxgate_la_SOURCES += \
	src/db/db.c src/db/db.h
