# etc/local.mk: the example configuration, installed for reference beside
# where the real one goes.  It is `mxgate config generate --server-name
# example.org`; tests/integration/test_config_cli.py keeps the two equal.

mxgateconfdir = $(sysconfdir)/mxgate
dist_mxgateconf_DATA = etc/mxgate.yaml.example
