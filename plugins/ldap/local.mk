# plugins/ldap/local.mk: the `ldap` store module, its unit tests and page.

LDAP_MODULE_SOURCES = \
	plugins/ldap/ldap-private.h \
	plugins/ldap/ldap.c \
	plugins/ldap/ldap-settings.c \
	plugins/ldap/connect.c \
	plugins/ldap/pool.c \
	plugins/ldap/filter.c \
	plugins/ldap/entry.c \
	plugins/ldap/ops.c \
	plugins/ldap/enumerate.c

plugin_LTLIBRARIES += plugins/ldap.la
plugins_ldap_la_SOURCES = $(LDAP_MODULE_SOURCES)
plugins_ldap_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS)
plugins_ldap_la_LIBADD = $(LDAP_LIBS)

# The unit tests link the module's sources directly (no server needed).
check_PROGRAMS += tests/unit/test-ldap
tests_unit_test_ldap_SOURCES = tests/unit/test-ldap.c $(LDAP_MODULE_SOURCES)
tests_unit_test_ldap_LDADD = libmxgate.la $(LDAP_LIBS)
tests_unit_test_ldap_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/ldap

check_PROGRAMS += tests/unit/test-ldap-net
tests_unit_test_ldap_net_SOURCES = tests/unit/test-ldap-net.c $(LDAP_MODULE_SOURCES)
tests_unit_test_ldap_net_LDADD = libmxgate.la $(LDAP_LIBS)
tests_unit_test_ldap_net_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/ldap

dist_man_MANS += man/mxgate-ldap.5
