# contrib/local.mk: the quickstart script, the systemd unit and the reverse
# proxy snippet; shipped in the tarball, not installed.

EXTRA_DIST += \
	README.md \
	contrib/quickstart.sh \
	contrib/mxgate.service \
	contrib/nginx-mxgate.conf
