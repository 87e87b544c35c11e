/*
 * entry.c: from a directory entry to a Matrix person: copying an entry out
 * of libldap's message, and mapping its attributes (localpart or Matrix ID,
 * display name, avatar, e-mail addresses and phone numbers) through the
 * module's attribute map.
 *
 * The mapping works on struct mxg_ldap_entry, not on libldap's messages,
 * so the unit tests can feed it entries without a server.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/threepid.h"
#include "ldap-private.h"
#include "stores/util.h"

/* Values of one attribute we copy at most: a person has a few addresses;
 * an entry with thousands of values is not a person. */
#define VALUES_MAX 64

struct mxg_ldap_entry *mxg_ldap_entry_read(LDAP *ld, LDAPMessage *msg, struct mxg_arena *arena)
{
	struct mxg_ldap_entry *e;
	BerElement *ber = NULL;
	size_t cap = 8;
	char *dn, *name;

	dn = ldap_get_dn(ld, msg);
	if (dn == NULL)
		return NULL;
	e = mxg_arena_alloc(arena, sizeof(*e));
	e->dn = mxg_arena_strdup(arena, dn);
	ldap_memfree(dn);
	e->attrs = mxg_arena_alloc(arena, cap * sizeof(*e->attrs));
	for (name = ldap_first_attribute(ld, msg, &ber); name != NULL;
	     name = ldap_next_attribute(ld, msg, ber)) {
		struct berval **vals = ldap_get_values_len(ld, msg, name);
		struct mxg_ldap_attr *a;
		size_t n = ldap_count_values_len(vals);

		if (n > VALUES_MAX)
			n = VALUES_MAX;
		if (e->count == cap) {
			struct mxg_ldap_attr *bigger = mxg_arena_alloc(arena, 2 * cap * sizeof(*bigger));

			memcpy(bigger, e->attrs, cap * sizeof(*bigger));
			e->attrs = bigger;
			cap *= 2;
		}
		a = &e->attrs[e->count++];
		a->name = mxg_arena_strdup(arena, name);
		a->values = mxg_arena_alloc(arena, (n + 1) * sizeof(*a->values));
		for (size_t i = 0; i < n; i++) {
			/* Network data: a value holding NUL would be cut short by
			 * every C string function, so it is not a value we use. */
			if (vals[i]->bv_len == 0 || memchr(vals[i]->bv_val, '\0', vals[i]->bv_len) != NULL)
				continue;
			a->values[a->count++] = mxg_arena_strndup(arena, vals[i]->bv_val,
								  vals[i]->bv_len);
		}
		ldap_value_free_len(vals);
		ldap_memfree(name);
	}
	if (ber != NULL)
		ber_free(ber, 0);
	return e;
}

const struct mxg_ldap_attr *mxg_ldap_entry_attr(const struct mxg_ldap_entry *e, const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < e->count; i++)
		if (strcasecmp(e->attrs[i].name, name) == 0 && e->attrs[i].count > 0)
			return &e->attrs[i];
	return NULL;
}

static const char *first_value(const struct mxg_ldap_entry *e, const char *name)
{
	const struct mxg_ldap_attr *a = mxg_ldap_entry_attr(e, name);

	return a != NULL ? a->values[0] : NULL;
}

const char *mxg_ldap_entry_user_id(const struct mxg_ldap_map *map, const struct mxg_ldap_entry *e,
				   struct mxg_arena *arena)
{
	const char *v = first_value(e, map->localpart_attribute);

	if (v == NULL)
		return NULL;
	if (map->is_mxid && map->lowercase) {
		/* Matrix localparts are lower case; the server name is left as
		 * the directory spells it. */
		char *id = mxg_arena_strdup(arena, v), *colon = strchr(id, ':');

		for (char *p = id; *p != '\0' && (colon == NULL || p < colon); p++)
			*p = (char)tolower((unsigned char)*p);
		v = id;
	}
	return mxg_store_user_id(arena, map->env, v, map->is_mxid, map->lowercase);
}

/* A phone number as E.164 digits.  "+44 (0)20 7946 0000", common in
 * European directories, writes the national trunk prefix in parentheses
 * after the country code: it is not dialled internationally, so drop it. */
static const char *phone_e164(const struct mxg_ldap_map *map, const char *value,
			      struct mxg_arena *arena)
{
	const char *trunk = strstr(value, "(0)");

	if (value[0] == '+' && trunk != NULL) {
		size_t before = (size_t)(trunk - value);

		value = mxg_arena_printf(arena, "%.*s%s", (int)before, value, trunk + 3);
	}
	return mxg_store_phone_e164(arena, map->default_region, value);
}

static bool seen(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

size_t mxg_ldap_entry_3pids(const struct mxg_ldap_map *map, const struct mxg_ldap_entry *e,
			    const char *medium, struct mxg_arena *arena, const char ***addrs_r)
{
	bool email = strcmp(medium, "email") == 0;
	const struct mxg_ldap_attrs *attrs = email ? &map->email : &map->msisdn;
	size_t total = 0, n = 0;
	const char **out;

	for (size_t i = 0; i < attrs->count; i++) {
		const struct mxg_ldap_attr *a = mxg_ldap_entry_attr(e, attrs->names[i]);

		total += a != NULL ? a->count : 0;
	}
	out = mxg_arena_alloc(arena, (total + 1) * sizeof(*out));
	for (size_t i = 0; i < attrs->count; i++) {
		const struct mxg_ldap_attr *a = mxg_ldap_entry_attr(e, attrs->names[i]);

		for (size_t j = 0; a != NULL && j < a->count; j++) {
			const char *addr = email ? mxg_3pid_canonicalize(arena, "email", a->values[j]) :
				phone_e164(map, a->values[j], arena);

			if (addr == NULL) {
				/* Directories hold free text: skip, never fail. */
				mxg_debug("entry '%s': %s '%s' is not a valid %s, skipped", e->dn,
					  a->name, a->values[j], medium);
				continue;
			}
			if (!seen(out, n, addr))
				out[n++] = addr;
		}
	}
	*addrs_r = out;
	return n;
}

int mxg_ldap_entry_person(const struct mxg_ldap_map *map, const struct mxg_ldap_entry *e,
			  struct mxg_arena *arena, struct mxg_person *person_r,
			  struct mxg_error *err)
{
	static const char *const media[] = { "email", "msisdn" };
	const struct mxg_ldap_attr *avatar;
	const char **addrs[2];
	size_t counts[2], k = 0;
	struct mxg_3pid *tp;

	memset(person_r, 0, sizeof(*person_r));
	person_r->user_id = mxg_ldap_entry_user_id(map, e, arena);
	if (person_r->user_id == NULL) {
		const char *v = first_value(e, map->localpart_attribute);

		if (v == NULL)
			return mxg_error_set(err, 0, "entry '%s' has no %s", e->dn,
					     map->localpart_attribute);
		return mxg_error_set(err, 0, "entry '%s': %s '%s' is not a %s", e->dn,
				     map->localpart_attribute, v,
				     map->is_mxid ? "Matrix ID" : "Matrix localpart");
	}
	person_r->display_name = mxg_arena_strdup(arena, first_value(e, map->display_name_attribute));
	if (person_r->display_name == NULL && map->display_fallback != NULL)
		person_r->display_name = mxg_arena_strdup(arena, first_value(e, map->display_fallback));
	avatar = mxg_ldap_entry_attr(e, map->avatar_attribute);
	for (size_t i = 0; avatar != NULL && i < avatar->count; i++) {
		/* Only Matrix content URIs: an http:// URL or a JPEG in
		 * jpegPhoto is not something a Matrix client can show. */
		if (strncmp(avatar->values[i], "mxc://", 6) == 0) {
			person_r->avatar_url = mxg_arena_strdup(arena, avatar->values[i]);
			break;
		}
	}
	for (int m = 0; m < 2; m++)
		counts[m] = mxg_ldap_entry_3pids(map, e, media[m], arena, &addrs[m]);
	tp = mxg_arena_alloc(arena, (counts[0] + counts[1] + 1) * sizeof(*tp));
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < counts[m]; i++) {
			tp[k].medium = media[m];
			tp[k].address = addrs[m][i];
			k++;
		}
	}
	person_r->threepids = tp;
	person_r->threepid_count = k;
	return 0;
}
