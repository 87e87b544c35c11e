# plugins/rest/local.mk: the `rest` store module.

plugin_LTLIBRARIES += plugins/rest.la
plugins_rest_la_SOURCES = plugins/rest/rest.c
plugins_rest_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS)

