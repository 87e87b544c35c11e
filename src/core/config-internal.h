/*
 * config-internal.h: what config.c and config-services.c share: the
 * duration units and offsetof shorthand of the tables, the value checks
 * both use, and the Identity Service's section tables.  Not installed.
 */
#ifndef MXG_CONFIG_INTERNAL_H
#define MXG_CONFIG_INTERNAL_H

#include <stddef.h>

#include "core/conf.h"

struct mxg_config;

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

#define F(type, field) offsetof(struct type, field)

/* Field checks (mxg_conf_check_fn) on a char * field. */
int mxg_config_check_server_name_field(const void *value, struct mxg_error *err);
int mxg_config_check_baseurl(const void *value, struct mxg_error *err);
int mxg_config_check_nonempty(const void *value, struct mxg_error *err);

/* config-services.c */
extern const struct mxg_conf_def mxg_config_rate_limits_table[];
extern const struct mxg_conf_def mxg_config_identity_table[];
extern const struct mxg_conf_def mxg_config_threepid_table[];
extern const struct mxg_conf_def mxg_config_login_table[];
extern const struct mxg_conf_def mxg_config_client_table[];
int mxg_config_check_login(const void *value, struct mxg_error *err);

/* config-oauth.c */
extern const struct mxg_conf_def mxg_config_oauth_table[];
int mxg_config_check_oauth(const void *value, struct mxg_error *err);

/* config-homeserver.c */
extern const struct mxg_conf_def mxg_config_homeserver_table[];

/* Derived fields of those sections; only on a config without problems. */
void mxg_config_derive_services(struct mxg_config *cfg);

#endif
