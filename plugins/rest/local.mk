# plugins/rest/local.mk: the `rest` store module (ma1sd's REST backend
# protocol over libcurl), its unit test and its manual page.

REST_SOURCES = plugins/rest/rest.h plugins/rest/rest-settings.c plugins/rest/rest-json.c \
	plugins/rest/rest-http.c plugins/rest/rest.c

plugin_LTLIBRARIES += plugins/rest.la
plugins_rest_la_SOURCES = $(REST_SOURCES)
plugins_rest_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS)
plugins_rest_la_LIBADD = $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test-rest
tests_unit_test_rest_SOURCES = tests/unit/test-rest.c $(REST_SOURCES)
tests_unit_test_rest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rest
tests_unit_test_rest_LDADD = libmxgate.la


check_PROGRAMS += tests/unit/test-rest-driver
tests_unit_test_rest_driver_SOURCES = tests/unit/test-rest-driver.c $(REST_SOURCES)
tests_unit_test_rest_driver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rest
tests_unit_test_rest_driver_LDADD = libmxgate.la

dist_man_MANS += man/mxgate-rest.5
