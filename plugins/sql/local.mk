# plugins/sql/local.mk: the `sql` store module (PostgreSQL, SQLite, a
# Synapse database), its unit tests and its manual page.

SQL_SOURCES = \
	plugins/sql/sql.h \
	plugins/sql/sql.c \
	plugins/sql/sql-password.c \
	plugins/sql/sql-query.c \
	plugins/sql/sql-settings.c

plugin_LTLIBRARIES += plugins/sql.la
plugins_sql_la_SOURCES = $(SQL_SOURCES)
plugins_sql_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS)
plugins_sql_la_LIBADD = $(UNISTRING_LIBS) $(JANSSON_LIBS)

dist_man_MANS += man/mxgate-sql.5

check_PROGRAMS += tests/unit/test-sql
tests_unit_test_sql_SOURCES = tests/unit/test-sql.c tests/unit/test-sql-util.h $(SQL_SOURCES)
tests_unit_test_sql_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/plugins/sql
tests_unit_test_sql_LDADD = libmxgate.la $(UNISTRING_LIBS) $(JANSSON_LIBS)

# The database cases (SQLite, and the suite's PostgreSQL when given).
check_PROGRAMS += tests/unit/test-sql-db
tests_unit_test_sql_db_SOURCES = tests/unit/test-sql-db.c tests/unit/test-sql-util.h $(SQL_SOURCES)
tests_unit_test_sql_db_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/plugins/sql
tests_unit_test_sql_db_LDADD = libmxgate.la $(UNISTRING_LIBS) $(JANSSON_LIBS)
# (It reads tests/integration/synapse_schema.sql, shipped with the whole
# tests/integration directory by tests/local.mk.)
