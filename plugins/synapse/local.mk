# plugins/synapse/local.mk: the Synapse password auth provider, one Python
# file that homeserver admins put on Synapse's Python path (see
# plugins/synapse/README.md).  Nothing to build: `make install` places it in
# $(pkgdatadir)/synapse, the tarball ships it with its unit tests (run by
# tests/integration/test_synapse_module.py, not by `make check`).

synapsedir = $(pkgdatadir)/synapse
dist_synapse_DATA = plugins/synapse/mxgate_auth_provider.py

# Files, not the directory: a run of the tests may leave __pycache__ there.
EXTRA_DIST += plugins/synapse/README.md \
	tests/synapse/standin.py \
	tests/synapse/test_mxgate_auth_provider.py
