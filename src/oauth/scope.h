/*
 * scope.h: OAuth scopes (RFC 6749 3.3) as the provider knows them: OpenID
 * Connect's, MSC2967's Matrix scopes in their stable and unstable forms,
 * and Synapse's admin scope; which a client may ask for; and the forms
 * introspection reports.
 */
#ifndef MXG_OAUTH_SCOPE_H
#define MXG_OAUTH_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct mxg_arena;
struct mxg_oauth_client;

#define MXG_SCOPE_API		"urn:matrix:client:api:*"
#define MXG_SCOPE_API_UNSTABLE	"urn:matrix:org.matrix.msc2967.client:api:*"
#define MXG_SCOPE_DEVICE	"urn:matrix:client:device:"
#define MXG_SCOPE_DEVICE_UNSTABLE "urn:matrix:org.matrix.msc2967.client:device:"
#define MXG_SCOPE_ADMIN		"urn:synapse:admin:*"

/*
 * Check scope (space-separated) for client: every token well-formed,
 * known, allowed to the client (its `scopes` patterns, or, without any,
 * every known scope but the admin one), at most one device, and with
 * user_scopes false (client credentials) none that needs a user.  Returns
 * the normalised scope (tokens once each, sorted) in arena, or NULL with
 * *why saying what is wrong.
 */
const char *mxg_oauth_scope_check(struct mxg_arena *arena, const struct mxg_oauth_client *client,
				  const char *scope, bool user_scopes, const char **why);

/* Does the space-separated scope hold tok? */
bool mxg_oauth_scope_has(const char *scope, const char *tok);

/* The device a scope names (either form), in arena, or NULL. */
const char *mxg_oauth_scope_device(struct mxg_arena *arena, const char *scope);

/* scope with each Matrix token also in its other form (stable and
 * unstable), as introspection reports it to homeservers of either age. */
const char *mxg_oauth_scope_both_forms(struct mxg_arena *arena, const char *scope);

/* The scopes as the pages list them: one object per scope with a flag
 * naming its kind (openid, profile, email, matrix, admin; device: its ID),
 * so that templates word each from their strings. */
json_t *mxg_oauth_scope_view(struct mxg_arena *arena, const char *scope);

#endif
