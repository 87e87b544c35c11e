/*
 * login-identifier.c: who a client's m.login.password body names.
 *
 * Clients send the identifier in four shapes: m.id.user (a localpart or a
 * full Matrix ID), m.id.thirdparty (medium and address), m.id.phone
 * (country and the number as typed), and the deprecated top-level `user`,
 * or `medium` with `address`.  They all come down to a user name or a
 * canonical 3PID here, with the error a homeserver would give for a body
 * that is neither.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/arena.h"
#include "core/threepid.h"
#include "identity/msisdn.h"
#include "matrix/login.h"

/* A JSON string without an embedded NUL, or NULL. */
static const char *plain_string(const json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int fail(struct mxg_login_ident_error *e, const char *errcode, const char *msg)
{
	e->errcode = errcode;
	e->message = msg;
	return -1;
}

/* name's member of obj as a non-empty string; -1 with e when it is
 * missing or not one. */
static int member(const json_t *obj, const char *name, const char **out,
		  struct mxg_login_ident_error *e, const char *missing, const char *invalid)
{
	const json_t *v = json_object_get(obj, name);

	if (v == NULL || json_is_null(v))
		return fail(e, "M_MISSING_PARAM", missing);
	*out = plain_string(v);
	if (*out == NULL || (*out)[0] == '\0')
		return fail(e, "M_INVALID_PARAM", invalid);
	return 0;
}

/* Matrix user IDs are lower-case; people type "Alice" (as Synapse does,
 * a user name is matched without regard to case). */
static int user_name(const json_t *obj, const char *key, struct mxg_arena *arena,
		     struct mxg_login_ident *out, struct mxg_login_ident_error *e,
		     const char *missing, const char *invalid)
{
	const char *name;
	char *lower;

	out->type = MXG_LOGIN_ID_USER;
	if (member(obj, key, &name, e, missing, invalid) < 0)
		return -1;
	lower = mxg_arena_strdup(arena, name);
	for (char *p = lower; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	out->user = lower;
	return 0;
}

static int threepid(const char *medium, const char *address, struct mxg_arena *arena,
		    struct mxg_login_ident *out, struct mxg_login_ident_error *e)
{
	if (!mxg_3pid_medium_valid(medium))
		return fail(e, "M_INVALID_PARAM", "Unknown medium");
	out->medium = medium;
	out->address = mxg_3pid_canonicalize(arena, medium, address);
	if (out->address == NULL)
		return fail(e, "M_INVALID_PARAM", "Invalid third-party identifier");
	return 0;
}

static int phone(const json_t *id, struct mxg_arena *arena, struct mxg_login_ident *out,
		 struct mxg_login_ident_error *e)
{
	char e164[MXG_MSISDN_MAX + 1];
	const char *country, *number;
	struct mxg_error err;

	if (member(id, "country", &country, e, "identifier.country is required",
		   "identifier.country must be a country code") < 0 ||
	    member(id, "phone", &number, e, "identifier.phone is required",
		   "identifier.phone must be a string") < 0)
		return -1;
	mxg_error_clear(&err);
	if (mxg_msisdn_normalize(country, number, e164, &err) < 0)
		return fail(e, "M_INVALID_PARAM", "Invalid phone number");
	out->medium = "msisdn";
	out->address = mxg_arena_strdup(arena, e164);
	return 0;
}

int mxg_login_identifier_parse(const json_t *body, struct mxg_arena *arena,
			       struct mxg_login_ident *out, struct mxg_login_ident_error *e)
{
	const json_t *id = json_object_get(body, "identifier");
	const char *type, *medium, *address;

	memset(out, 0, sizeof(*out));
	if (id == NULL || json_is_null(id)) {
		/* The deprecated fields, from before identifier existed. */
		if (json_object_get(body, "user") != NULL)
			return user_name(body, "user", arena, out, e, "user is required",
					 "user must be a string");
		if (json_object_get(body, "medium") == NULL &&
		    json_object_get(body, "address") == NULL)
			return fail(e, "M_MISSING_PARAM", "identifier is required");
		out->type = MXG_LOGIN_ID_THIRDPARTY;
		if (member(body, "medium", &medium, e, "medium is required",
			   "medium must be a string") < 0 ||
		    member(body, "address", &address, e, "address is required",
			   "address must be a string") < 0)
			return -1;
		return threepid(medium, address, arena, out, e);
	}
	if (!json_is_object(id))
		return fail(e, "M_BAD_JSON", "identifier must be an object");
	if (member(id, "type", &type, e, "identifier.type is required",
		   "identifier.type must be a string") < 0)
		return -1;
	if (strcmp(type, "m.id.user") == 0)
		return user_name(id, "user", arena, out, e, "identifier.user is required",
				 "identifier.user must be a string");
	if (strcmp(type, "m.id.thirdparty") == 0) {
		out->type = MXG_LOGIN_ID_THIRDPARTY;
		if (member(id, "medium", &medium, e, "identifier.medium is required",
			   "identifier.medium must be a string") < 0 ||
		    member(id, "address", &address, e, "identifier.address is required",
			   "identifier.address must be a string") < 0)
			return -1;
		return threepid(medium, address, arena, out, e);
	}
	if (strcmp(type, "m.id.phone") == 0) {
		out->type = MXG_LOGIN_ID_PHONE;
		return phone(id, arena, out, e);
	}
	return fail(e, "M_UNKNOWN", "Unknown login identifier type");
}
