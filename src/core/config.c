/* config.c: placeholder, replaced by mxgate's configuration tables. */
#include "config.h"
#include <stdlib.h>
#include "core/config.h"

const struct mxg_conf_def mxg_config_table[] = { { .key = NULL } };

int mxg_config_load(const char *path, struct mxg_config **cfg_r,
		    mxg_conf_report_fn *report, void *report_ctx)
{
	*cfg_r = NULL;
	report(report_ctx, path, 0, "", "configuration not implemented");
	return -1;
}

int mxg_config_load_string(const char *name, const char *yaml,
			   struct mxg_config **cfg_r, mxg_conf_report_fn *report, void *report_ctx)
{
	(void)yaml;
	return mxg_config_load(name, cfg_r, report, report_ctx);
}

void mxg_config_free(struct mxg_config **cfg)
{
	*cfg = NULL;
}

const char *mxg_config_path(const char *arg)
{
	return arg != NULL ? arg : getenv("MXGATE_CONFIG");
}
