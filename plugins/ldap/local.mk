# plugins/ldap/local.mk: the `ldap` store module.

plugin_LTLIBRARIES += plugins/ldap.la
plugins_ldap_la_SOURCES = plugins/ldap/ldap.c
plugins_ldap_la_LDFLAGS = $(AM_LDFLAGS) $(MXG_PLUGIN_LINKFLAGS)
plugins_ldap_la_LIBADD = $(LDAP_LIBS)
