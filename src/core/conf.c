/* conf.c: placeholder, replaced by the configuration engine. */
#include "config.h"
#include "core/conf.h"

int mxg_conf_load_file(const char *path, const struct mxg_conf_def *table, void *out,
		       struct mxg_arena *arena, mxg_conf_report_fn *report, void *report_ctx)
{
	(void)table; (void)out; (void)arena;
	report(report_ctx, path, 0, "", "configuration engine not implemented");
	return -1;
}

int mxg_conf_load_string(const char *name, const char *yaml, size_t len,
			 const struct mxg_conf_def *table, void *out, struct mxg_arena *arena,
			 mxg_conf_report_fn *report, void *report_ctx)
{
	(void)yaml; (void)len; (void)table; (void)out; (void)arena;
	report(report_ctx, name, 0, "", "configuration engine not implemented");
	return -1;
}

void mxg_conf_wipe_secrets(const struct mxg_conf_def *table, void *out)
{
	(void)table; (void)out;
}

int mxg_conf_parse_duration(const char *text, long long *ms_r)
{
	(void)text; (void)ms_r;
	return -1;
}

int mxg_conf_parse_size(const char *text, size_t *bytes_r)
{
	(void)text; (void)bytes_r;
	return -1;
}
