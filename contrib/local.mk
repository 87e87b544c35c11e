# contrib/local.mk: the quickstart script, the systemd unit and reverse
# proxy examples (nginx, Traefik, Caddy); shipped in the tarball, not
# installed.

EXTRA_DIST += \
	README.md \
	contrib/quickstart.sh \
	contrib/mxgate.service \
	contrib/README.md \
	contrib/nginx-mxgate.conf \
	contrib/nginx-matrix-all.conf \
	contrib/nginx-matrix-intercept.conf \
	contrib/nginx-synapse-workers.conf \
	contrib/traefik-mxgate.yml \
	contrib/Caddyfile-mxgate \
	contrib/synapse-delegation.md
