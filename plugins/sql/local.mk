# plugins/sql/local.mk: the `sql` store module.

plugin_LTLIBRARIES += plugins/sql.la
plugins_sql_la_SOURCES = plugins/sql/sql.c
plugins_sql_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS)
plugins_sql_la_LIBADD = $(UNISTRING_LIBS)

