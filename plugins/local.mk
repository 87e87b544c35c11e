# plugins/local.mk: the identity store modules, and the Synapse module that
# calls mxgate (included by the top Makefile.am).
#
# Each module is built as plugins/<name>.la, so that every <name>.so lands in
# plugins/.libs: the one directory the tests point plugin_dir at.  A module's
# sources, unit tests and man page live in plugins/<name>/, its rules in
# plugins/<name>/local.mk.  Modules resolve the core's symbols (arena, log,
# db, HTTP client, store utilities) from the mxgate binary.

include plugins/ldap/local.mk
include plugins/rest/local.mk
include plugins/sql/local.mk
# Not a store: the Synapse password provider that calls check_credentials.
include plugins/synapse/local.mk
