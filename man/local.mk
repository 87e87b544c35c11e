# man/local.mk: the manual pages, installed and shipped.

dist_man_MANS += man/mxgate.8 man/mxgate.yaml.5
