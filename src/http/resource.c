/*
 * resource.c: listener resource names ("identity", "client", ...) and their
 * bits, shared by the config checker and the router.
 */
#include "config.h"

#include <string.h>

#include "http/http.h"

static const struct {
	const char *name;
	enum mxg_resource bit;
} resources[] = {
	{ "identity", MXG_RES_IDENTITY },
	{ "client", MXG_RES_CLIENT },
	{ "oauth", MXG_RES_OAUTH },
	{ "internal", MXG_RES_INTERNAL },
	{ "admin", MXG_RES_ADMIN },
	{ "health", MXG_RES_HEALTH },
	{ "metrics", MXG_RES_METRICS },
};

unsigned int mxg_resource_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		if (strcmp(name, resources[i].name) == 0)
			return resources[i].bit;
	return 0;
}

const char *mxg_resource_name(enum mxg_resource res)
{
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		if (resources[i].bit == res)
			return resources[i].name;
	return "unknown";
}
