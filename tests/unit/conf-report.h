/*
 * conf-report.h: collecting the configuration engine's problem reports in
 * the config tests (test-conf.c, test-config.c), header only like test.h.
 */
#ifndef MXG_TEST_CONF_REPORT_H
#define MXG_TEST_CONF_REPORT_H

#include <stdio.h>

#define MAX_REPORTS 64

struct report {
	int line;
	char key[128];
	char msg[256];
};

static struct report reports[MAX_REPORTS];
static int nreports;

/* An mxg_conf_report_fn: keeps the first MAX_REPORTS, counts them all. */
static void collect(void *ctx, const char *file, int line, const char *key, const char *msg)
{
	(void)ctx;
	(void)file;
	if (nreports < MAX_REPORTS) {
		reports[nreports].line = line;
		snprintf(reports[nreports].key, sizeof(reports[0].key), "%s", key);
		snprintf(reports[nreports].msg, sizeof(reports[0].msg), "%s", msg);
	}
	nreports++;
}

#endif
