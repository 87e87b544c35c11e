# bench/local.mk: the benchmark harness (bench/run), shipped in the tarball.

EXTRA_DIST += \
	bench/run \
	bench/bench.py \
	bench/lookup.lua

# The LDAP store's benchmark (bash bench/run --ldap): a C program over the
# store chain, so it loads the ldap module as the daemon does; the module
# resolves the core's symbols from it, hence -export-dynamic.  Built, never
# installed, never run by make check.
noinst_PROGRAMS = bench/ldap-bench
bench_ldap_bench_SOURCES = bench/ldap-bench.c
bench_ldap_bench_LDADD = libmxgate.la $(LDAP_LIBS)
bench_ldap_bench_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
EXTRA_DIST += bench/ldap.py bench/login.py bench/check-credentials.lua \
	bench/oauth.py bench/oidc-provider.mjs bench/refresh.lua bench/introspect.lua
