/*
 * provision.h: keeping a homeserver that delegates its authentication to
 * mxgate (MSC3861, Synapse's MAS integration) in step with the provider's
 * sessions (oauth.provisioning): the user exists, with the display name and
 * e-mail addresses of the stores, and so does each session's device, before
 * a token for them reaches the homeserver; a device goes with its session.
 *
 * Through /_synapse/mas/ with the shared homeserver secret, or, on a
 * homeserver without those endpoints, through its admin API with
 * oauth.homeserver_admin_token.  Every call has the homeserver's timeouts.
 */
#ifndef MXG_OAUTH_PROVISION_H
#define MXG_OAUTH_PROVISION_H

#include <stdbool.h>

#include <jansson.h>

#include "core/error.h"

struct mxg_arena;
struct mxg_oauth;

/* Is provisioning on? */
bool mxg_oauth_provisioning(const struct mxg_oauth *p);

/*
 * A login of user_id ("@alice:example.org") with device_id (may be NULL):
 * the user provisioned, the device created.  0, or -1 with err (the
 * homeserver is down, or refused).  Nothing to do (0) when provisioning is
 * off.
 */
int mxg_oauth_provision_login(struct mxg_oauth *p, const char *user_id, const char *device_id,
			      const char *device_name, struct mxg_arena *arena,
			      struct mxg_error *err);

/* A session with device_id ended: the device goes.  0, or -1 with err. */
int mxg_oauth_provision_device_gone(struct mxg_oauth *p, const char *user_id,
				    const char *device_id, struct mxg_arena *arena,
				    struct mxg_error *err);

/* Forget at the homeserver the devices of sessions that ended: gone is
 * what the session-ending functions collected ([{user_id, device_id}]);
 * it is released.  A failure is logged, not returned: the sessions are
 * over here whatever the homeserver says. */
void mxg_oauth_devices_gone(struct mxg_oauth *p, json_t *gone, struct mxg_arena *arena);

#endif
