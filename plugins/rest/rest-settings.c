/*
 * rest-settings.c: the `rest` store's configuration table (keys flat beside
 * a store's name, module and priority) and the checks across keys that the
 * table cannot express.  man/mxgate-rest.5 documents every key here (a unit
 * test checks it).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "rest.h"

/* A base URL: http(s), a host, and nothing that would leak or be lost when
 * paths are appended (credentials, a query, a fragment). */
static int check_url(const void *value, struct mxg_error *err)
{
	const char *url = *(char *const *)value;
	const char *host, *end;

	if (url == NULL)
		return 0;
	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return mxg_error_set(err, EINVAL, "must start with http:// or https://");
	end = host + strcspn(host, "/");
	if (end == host)
		return mxg_error_set(err, EINVAL, "has no host");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return mxg_error_set(err, EINVAL, "must not hold credentials: use auth_basic_user "
				     "and auth_basic_password");
	if (strpbrk(url, "?# \t\r\n") != NULL)
		return mxg_error_set(err, EINVAL, "must not hold a query, a fragment or spaces");
	return 0;
}

/* An endpoint path: "" (off) or an absolute path without query or spaces. */
static int check_path(const void *value, struct mxg_error *err)
{
	const char *path = *(char *const *)value;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (path[0] != '/')
		return mxg_error_set(err, EINVAL, "must start with '/' (or be \"\" to switch "
				     "the feature off)");
	if (strpbrk(path, "?# \t\r\n") != NULL)
		return mxg_error_set(err, EINVAL, "must not hold a query, a fragment or spaces");
	return 0;
}

#define EP(k, path, what) \
	{ .key = #k, .type = MXG_CONF_STRING, .dflt = "\"" path "\"", .check = check_path, \
	  .offset = offsetof(struct mxg_rest_endpoints, k), .doc = what }

static const struct mxg_conf_def endpoints_table[] = {
	EP(auth, "/_ma1sd/backend/api/v1/auth/login", "password check"),
	EP(directory, "/_ma1sd/backend/api/v1/directory/user/search", "user directory search"),
	EP(identity_single, "/_ma1sd/backend/api/v1/identity/single", "one 3PID lookup"),
	EP(identity_bulk, "/_ma1sd/backend/api/v1/identity/bulk", "bulk 3PID lookup"),
	EP(profile_display_name, "/_ma1sd/backend/api/v1/profile/displayName",
	   "a person's display name"),
	EP(profile_threepids, "/_ma1sd/backend/api/v1/profile/threepids", "a person's 3PIDs"),
	EP(enumerate, "/_mxgate/backend/api/v1/identity/enumerate",
	   "every 3PID, paged, for hashed lookups (an mxgate extension)"),
	{ .key = NULL },
};

#undef EP

const struct mxg_conf_def mxg_rest_settings_table[] = {
	{ .key = "url", .type = MXG_CONF_STRING, .flags = MXG_CONF_REQUIRED, .check = check_url,
	  .offset = offsetof(struct mxg_rest_settings, url),
	  .doc = "base URL of the IAM service, http:// or https://" },
	{ .key = "endpoints", .type = MXG_CONF_SECTION, .sub = endpoints_table,
	  .offset = offsetof(struct mxg_rest_settings, endpoints),
	  .doc = "paths under url, each \"\" to switch its feature off" },
	{ .key = "timeout", .type = MXG_CONF_DURATION, .dflt = "5s", .min = 100, .max = 300000,
	  .offset = offsetof(struct mxg_rest_settings, timeout_ms),
	  .doc = "whole-call timeout" },
	{ .key = "connect_timeout", .type = MXG_CONF_DURATION, .dflt = "2s", .min = 100,
	  .max = 300000, .offset = offsetof(struct mxg_rest_settings, connect_timeout_ms),
	  .doc = "TCP and TLS connection timeout" },
	{ .key = "auth_bearer_token", .type = MXG_CONF_SECRET,
	  .offset = offsetof(struct mxg_rest_settings, auth_bearer_token),
	  .doc = "token sent as Authorization: Bearer" },
	{ .key = "auth_basic_user", .type = MXG_CONF_STRING,
	  .offset = offsetof(struct mxg_rest_settings, auth_basic_user),
	  .doc = "user for HTTP basic authentication" },
	{ .key = "auth_basic_password", .type = MXG_CONF_SECRET,
	  .offset = offsetof(struct mxg_rest_settings, auth_basic_password),
	  .doc = "password for HTTP basic authentication" },
	{ .key = "ca_file", .type = MXG_CONF_STRING,
	  .offset = offsetof(struct mxg_rest_settings, ca_file),
	  .doc = "PEM CA bundle to verify the IAM's certificate (default: the system's)" },
	{ .key = "tls_verify", .type = MXG_CONF_BOOL, .dflt = "true",
	  .offset = offsetof(struct mxg_rest_settings, tls_verify),
	  .doc = "verify the IAM's certificate and host name" },
	{ .key = "max_response", .type = MXG_CONF_SIZE, .dflt = "1M", .min = 1024,
	  .max = 1LL << 30, .offset = offsetof(struct mxg_rest_settings, max_response),
	  .doc = "largest answer accepted, per call" },
	{ .key = "page_size", .type = MXG_CONF_INT, .dflt = "1000", .min = 1, .max = 100000,
	  .offset = offsetof(struct mxg_rest_settings, page_size),
	  .doc = "3PIDs asked per enumerate page and per bulk lookup call" },
	{ .key = NULL },
};

static const char *const ep_names[MXG_REST_EP_COUNT] = {
	[MXG_REST_AUTH] = "auth",
	[MXG_REST_DIRECTORY] = "directory",
	[MXG_REST_IDENTITY_SINGLE] = "identity_single",
	[MXG_REST_IDENTITY_BULK] = "identity_bulk",
	[MXG_REST_PROFILE_DISPLAY_NAME] = "profile_display_name",
	[MXG_REST_PROFILE_THREEPIDS] = "profile_threepids",
	[MXG_REST_ENUMERATE] = "enumerate",
};

const char *mxg_rest_ep_name(enum mxg_rest_ep ep)
{
	return ep < MXG_REST_EP_COUNT ? ep_names[ep] : "?";
}

const char *mxg_rest_ep_path(const struct mxg_rest_settings *set, enum mxg_rest_ep ep)
{
	const struct mxg_rest_endpoints *e = &set->endpoints;
	const char *path = NULL;

	switch (ep) {
	case MXG_REST_AUTH: path = e->auth; break;
	case MXG_REST_DIRECTORY: path = e->directory; break;
	case MXG_REST_IDENTITY_SINGLE: path = e->identity_single; break;
	case MXG_REST_IDENTITY_BULK: path = e->identity_bulk; break;
	case MXG_REST_PROFILE_DISPLAY_NAME: path = e->profile_display_name; break;
	case MXG_REST_PROFILE_THREEPIDS: path = e->profile_threepids; break;
	case MXG_REST_ENUMERATE: path = e->enumerate; break;
	case MXG_REST_EP_COUNT: break;
	}
	return path != NULL ? path : "";
}

int mxg_rest_settings_check(const struct mxg_rest_settings *set, struct mxg_error *err)
{
	bool basic_user = set->auth_basic_user != NULL, basic_pw = set->auth_basic_password != NULL;

	if (set->url == NULL)
		return mxg_error_set(err, EINVAL, "url: missing required key");
	if (set->auth_bearer_token != NULL && (basic_user || basic_pw))
		return mxg_error_set(err, EINVAL, "auth_bearer_token and auth_basic_user/"
				     "auth_basic_password: give one way to authenticate to the "
				     "IAM, not both");
	if (basic_user != basic_pw)
		return mxg_error_set(err, EINVAL, "%s is set without %s",
				     basic_user ? "auth_basic_user" : "auth_basic_password",
				     basic_user ? "auth_basic_password" : "auth_basic_user");
	if (basic_user && strchr(set->auth_basic_user, ':') != NULL)
		return mxg_error_set(err, EINVAL, "auth_basic_user must not contain ':' "
				     "(RFC 7617)");
	if (set->auth_bearer_token != NULL &&
	    (set->auth_bearer_token[0] == '\0' ||
	     strpbrk(set->auth_bearer_token, " \t\r\n") != NULL))
		return mxg_error_set(err, EINVAL, "auth_bearer_token must be one non-empty word");
	if (set->ca_file != NULL && !set->tls_verify)
		return mxg_error_set(err, EINVAL, "ca_file is pointless with tls_verify: false");
	return 0;
}
