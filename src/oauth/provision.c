/*
 * provision.c: users and devices at the homeserver (see provision.h).
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mxconfig.h"
#include "matrix/homeserver.h"
#include "oauth/idtoken.h"
#include "oauth/oauth.h"
#include "oauth/provision.h"
#include "stores/chain.h"

bool mxg_oauth_provisioning(const struct mxg_oauth *p)
{
	return p->conf->provisioning == MXG_PROVISION_SYNAPSE;
}

/* One call; its status in *status.  -1 with err when it could not be made. */
static int call(struct mxg_oauth *p, const char *method, const char *path, const char *token,
		json_t *body, long *status, struct mxg_error *err)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	struct mxg_http_client_resp resp;
	int rc;

	json_decref(body);
	rc = mxg_hs_request(p->cfg, &(struct mxg_hs_call){
		.method = method, .path = path, .access_token = token, .body = text,
		.body_len = text != NULL ? strlen(text) : 0,
	}, &resp, err);
	free(text);
	if (rc < 0)
		return -1;
	*status = resp.status;
	mxg_http_client_resp_free(&resp);
	return 0;
}

/* Through /_synapse/mas/ when the homeserver has it: 1 done, 0 it has not
 * (404), -1 error. */
static int mas(struct mxg_oauth *p, const char *what, json_t *body, struct mxg_arena *a,
	       struct mxg_error *err)
{
	long status = 0;

	if (p->conf->homeserver_secret == NULL || atomic_load(&p->no_mas_api)) {
		json_decref(body);
		return 0;
	}
	if (call(p, "POST", mxg_arena_printf(a, "/_synapse/mas/%s", what),
		 p->conf->homeserver_secret, body, &status, err) < 0)
		return -1;
	if (status == 404 && p->conf->homeserver_admin_token != NULL) {
		mxg_info("oauth: the homeserver has no /_synapse/mas/: provisioning through its "
			 "admin API");
		atomic_store(&p->no_mas_api, true);
		return 0;
	}
	if (status < 200 || status >= 300)
		return mxg_error_set(err, EIO, "homeserver: /_synapse/mas/%s answered %ld", what,
				     status);
	return 1;
}

static int admin(struct mxg_oauth *p, const char *method, const char *path, json_t *body,
		 struct mxg_error *err)
{
	long status = 0;

	if (p->conf->homeserver_admin_token == NULL) {
		json_decref(body);
		return mxg_error_set(err, ENOTSUP, "homeserver: no /_synapse/mas/ and no "
				     "oauth.homeserver_admin_token");
	}
	if (call(p, method, path, p->conf->homeserver_admin_token, body, &status, err) < 0)
		return -1;
	if ((status < 200 || status >= 300) && !(status == 404 && strcmp(method, "DELETE") == 0))
		return mxg_error_set(err, EIO, "homeserver: %s %s answered %ld", method, path,
				     status);
	return 0;
}

static const char *user_path(struct mxg_arena *a, const char *user_id, const char *rest)
{
	struct mxg_buf b = MXG_BUF_INIT;
	const char *out;

	mxg_buf_append_str(&b, "/_synapse/admin/v2/users/");
	mxg_buf_append_urlenc(&b, user_id);
	mxg_buf_append_str(&b, rest);
	out = mxg_arena_strdup(a, b.data);
	mxg_buf_free(&b);
	return out;
}

int mxg_oauth_provision_login(struct mxg_oauth *p, const char *user_id, const char *device_id,
			      const char *device_name, struct mxg_arena *a,
			      struct mxg_error *err)
{
	struct mxg_person person;
	struct mxg_error serr;
	json_t *emails = json_array(), *threepids = json_array(), *user;
	char local[256];
	int rc;

	if (!mxg_oauth_provisioning(p)) {
		json_decref(emails);
		json_decref(threepids);
		return 0;
	}
	mxg_oauth_subject(user_id, local, sizeof(local));
	memset(&person, 0, sizeof(person));
	mxg_error_clear(&serr);
	if (p->stores == NULL ||
	    mxg_store_chain_profile(p->stores, user_id, a, &person, NULL, &serr) != MXG_STORE_OK)
		memset(&person, 0, sizeof(person));	/* what the homeserver has stays */
	for (size_t i = 0; i < person.threepid_count; i++) {
		if (strcmp(person.threepids[i].medium, "email") != 0)
			continue;
		json_array_append_new(emails, json_string(person.threepids[i].address));
		json_array_append_new(threepids, json_pack("{s:s, s:s}", "medium", "email",
							   "address", person.threepids[i].address));
	}
	user = json_pack("{s:s}", "localpart", local);
	if (person.display_name != NULL)
		json_object_set_new(user, "set_displayname", json_string(person.display_name));
	if (json_array_size(emails) > 0)
		json_object_set(user, "set_emails", emails);
	rc = mas(p, "provision_user", user, a, err);
	if (rc == 0) {
		json_t *body = json_object();

		if (person.display_name != NULL)
			json_object_set_new(body, "displayname", json_string(person.display_name));
		if (json_array_size(threepids) > 0)
			json_object_set(body, "threepids", threepids);
		rc = admin(p, "PUT", user_path(a, user_id, ""), body, err);
	}
	json_decref(emails);
	json_decref(threepids);
	if (rc < 0 || device_id == NULL)
		return rc < 0 ? -1 : 0;
	user = json_pack("{s:s, s:s, s:s?}", "localpart", local, "device_id", device_id,
			 "display_name", device_name);
	rc = mas(p, "upsert_device", user, a, err);
	if (rc == 0)
		rc = admin(p, "POST", user_path(a, user_id, "/devices"),
			   json_pack("{s:s}", "device_id", device_id), err);
	return rc < 0 ? -1 : 0;
}

int mxg_oauth_provision_device_gone(struct mxg_oauth *p, const char *user_id,
				    const char *device_id, struct mxg_arena *a,
				    struct mxg_error *err)
{
	struct mxg_buf b = MXG_BUF_INIT;
	char local[256];
	int rc;

	if (!mxg_oauth_provisioning(p) || user_id == NULL || device_id == NULL)
		return 0;
	mxg_oauth_subject(user_id, local, sizeof(local));
	rc = mas(p, "delete_device", json_pack("{s:s, s:s}", "localpart", local, "device_id",
					       device_id), a, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	mxg_buf_append_str(&b, "/devices/");
	mxg_buf_append_urlenc(&b, device_id);
	rc = admin(p, "DELETE", user_path(a, user_id, b.data), NULL, err);
	mxg_buf_free(&b);
	return rc;
}

void mxg_oauth_devices_gone(struct mxg_oauth *p, json_t *gone, struct mxg_arena *arena)
{
	struct mxg_error err;
	size_t i;
	json_t *g;

	json_array_foreach(gone, i, g) {
		const char *user = json_string_value(json_object_get(g, "user_id"));
		const char *device = json_string_value(json_object_get(g, "device_id"));

		mxg_error_clear(&err);
		if (mxg_oauth_provision_device_gone(p, user, device, arena, &err) < 0)
			mxg_warning("oauth: deleting device %s of %s at the homeserver: %s", device,
				    user, err.msg);
	}
	json_decref(gone);
}
