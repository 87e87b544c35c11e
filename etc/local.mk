# etc/local.mk: the example configuration, installed for reference beside
# where the real one goes.  It is `mxgate config generate --server-name
# example.org`; tests/integration/test_config_cli.py keeps the two equal.

mxgateconfdir = $(sysconfdir)/mxgate
dist_mxgateconf_DATA = etc/mxgate.yaml.example

# Templates of the validation e-mail and SMS and of the submitToken pages
# (threepid.email.templates_dir).
mxgatetemplatesdir = $(pkgdatadir)/templates
dist_mxgatetemplates_DATA = \
	etc/templates/validation-email.txt \
	etc/templates/validation-email.html \
	etc/templates/validation-sms.txt \
	etc/templates/invite-email.txt \
	etc/templates/invite-email.html \
	etc/templates/submit-success.html \
	etc/templates/submit-failure.html
