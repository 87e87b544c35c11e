# src/notify/local.mk: sending e-mail (SMTP) and SMS, and the templates they
# render.

libmxgate_la_SOURCES += \
	src/notify/mail.c src/notify/mail.h \
	src/notify/sms.c src/notify/sms.h \
	src/notify/smtp.c src/notify/smtp.h \
	src/notify/templates.c src/notify/templates.h

# threepid.email.templates_dir's default: where etc/local.mk installs them.
AM_CPPFLAGS += -DMXG_TEMPLATEDIR='"$(pkgdatadir)/templates"'

check_PROGRAMS += tests/unit/test-notify
