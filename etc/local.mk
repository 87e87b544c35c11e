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
	etc/templates/account-code.txt \
	etc/templates/account-code.html \
	etc/templates/submit-success.html \
	etc/templates/submit-failure.html

# The OAuth provider's pages and their strings (oauth.templates_dir).
mxgateoauthtemplatesdir = $(pkgdatadir)/templates/oauth
dist_mxgateoauthtemplates_DATA = \
	etc/templates/oauth/layout.html \
	etc/templates/oauth/account.html \
	etc/templates/oauth/logged_out.html \
	etc/templates/oauth/logout.html \
	etc/templates/oauth/login.html \
	etc/templates/oauth/recover.html \
	etc/templates/oauth/recover_done.html \
	etc/templates/oauth/recover_sent.html \
	etc/templates/oauth/register.html \
	etc/templates/oauth/register_verify.html \
	etc/templates/oauth/consent.html \
	etc/templates/oauth/device.html \
	etc/templates/oauth/device_confirm.html \
	etc/templates/oauth/device_done.html \
	etc/templates/oauth/error.html \
	etc/templates/oauth/form_post.html \
	etc/templates/oauth/signed_in.html \
	etc/templates/oauth/sso_confirm.html \
	etc/templates/oauth/strings.en.json
