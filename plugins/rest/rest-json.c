/*
 * rest-json.c: the ma1sd REST backend protocol as JSON: the request bodies
 * mxgate sends and the answers it accepts (shapes in ma1sd.md section 2,
 * plus mxgate's own enumerate endpoint).
 *
 * An IAM is a peer: its answers are data to check, not to trust.  Every
 * field read is type-checked and a string holding a NUL is refused (a user
 * ID "alice\u0000x" must not become "alice").  A wrong type or a missing
 * required field makes the whole answer unusable (UNAVAILABLE, the message
 * naming endpoint and field); a single entry with an unknown medium, a bad
 * address or an unusable user ID is skipped, so one bad record does not hide
 * a directory.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/sort.h"
#include "core/threepid.h"
#include "stores/util.h"
#include "rest.h"

/* --- requests ------------------------------------------------------------------ */

json_t *mxg_rest_auth_request(const char *mxid, const char *localpart, const char *domain,
			      const char *password, size_t password_len)
{
	json_t *pw = json_stringn(password, password_len);

	if (pw == NULL)
		return NULL;
	/* "o" steals pw: the object owns it from here on. */
	return json_pack("{s:{s:s, s:s, s:s, s:o}}", "auth", "mxid", mxid, "localpart", localpart,
			 "domain", domain, "password", pw);
}

json_t *mxg_rest_search_request(const char *by, const char *term)
{
	return json_pack("{s:s, s:s}", "by", by, "search_term", term);
}

json_t *mxg_rest_single_request(const struct mxg_3pid *tpid)
{
	return json_pack("{s:{s:s, s:s}}", "lookup", "medium", tpid->medium,
			 "address", tpid->address);
}

json_t *mxg_rest_bulk_request(const struct mxg_3pid *tpids, const size_t *which, size_t count)
{
	json_t *list = json_array();

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		const struct mxg_3pid *t = &tpids[which != NULL ? which[i] : i];

		if (json_array_append_new(list, json_pack("{s:s, s:s}", "medium", t->medium,
							  "address", t->address)) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return json_pack("{s:o}", "lookup", list);
}

json_t *mxg_rest_profile_request(const char *mxid, const char *localpart, const char *domain)
{
	return json_pack("{s:s, s:s, s:s}", "mxid", mxid, "localpart", localpart, "domain", domain);
}

json_t *mxg_rest_enumerate_request(const char *since, long long limit)
{
	return json_pack("{s:s?, s:I}", "since", since, "limit", (json_int_t)limit);
}

/* --- typed access ------------------------------------------------------------------ */

enum kind { K_STRING, K_BOOL, K_OBJECT, K_ARRAY };

static const char *const kind_names[] = { "a string", "a boolean", "an object", "an array" };

static bool is_kind(const json_t *v, enum kind k)
{
	switch (k) {
	case K_STRING:
		/* A NUL inside would silently cut the string in C. */
		return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
	case K_BOOL:
		return json_is_boolean(v);
	case K_OBJECT:
		return json_is_object(v);
	case K_ARRAY:
		return json_is_array(v);
	}
	return false;
}

/*
 * obj[key] as kind k: 1 with *v_r, 0 when absent or null (an error when
 * required), -1 + err when of another kind.  path names obj in messages.
 */
static int get(const json_t *obj, const char *key, enum kind k, bool required, const char *ep,
	       const char *path, const json_t **v_r, struct mxg_error *err)
{
	const json_t *v = json_object_get(obj, key);

	*v_r = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		mxg_error_set(err, EPROTO, "%s: %s%s%s is missing", ep, path, path[0] ? "." : "",
			      key);
		return -1;
	}
	if (!is_kind(v, k)) {
		mxg_error_set(err, EPROTO, "%s: %s%s%s %s %s", ep, path, path[0] ? "." : "", key,
			      k == K_STRING && json_is_string(v) ? "holds a NUL, it is not" : "is not",
			      kind_names[k]);
		return -1;
	}
	*v_r = v;
	return 1;
}

/* As get() for a string, copied to arena (NULL when absent). */
static int get_str(const json_t *obj, const char *key, bool required, const char *ep,
		   const char *path, struct mxg_arena *arena, const char **s_r,
		   struct mxg_error *err)
{
	const json_t *v;
	int rc = get(obj, key, K_STRING, required, ep, path, &v, err);

	*s_r = rc == 1 ? mxg_arena_strdup(arena, json_string_value(v)) : NULL;
	return rc;
}

/*
 * An {"type", "value"} user ID as a full Matrix ID: 1 with *user_id_r; 0 +
 * err when it names nobody usable (unknown type, bad value); -1 + err on a
 * wrong type.
 */
static int parse_id(const json_t *id, const struct mxg_store_env *env, struct mxg_arena *arena,
		    const char *ep, const char *path, const char **user_id_r,
		    struct mxg_error *err)
{
	const char *type, *value;
	bool mxid;

	*user_id_r = NULL;
	if (get_str(id, "type", true, ep, path, arena, &type, err) < 0 ||
	    get_str(id, "value", true, ep, path, arena, &value, err) < 0)
		return -1;
	if (strcmp(type, "localpart") == 0) {
		mxid = false;
	} else if (strcmp(type, "mxid") == 0) {
		mxid = true;
	} else {
		mxg_error_set(err, EPROTO, "%s: %s.type '%.40s' is neither \"localpart\" nor "
			      "\"mxid\"", ep, path, type);
		return 0;
	}
	*user_id_r = mxg_store_user_id(arena, env, value, mxid, !mxid);
	if (*user_id_r == NULL) {
		mxg_error_set(err, EPROTO, "%s: %s.value '%.80s' is not a valid %s", ep, path, value,
			      mxid ? "Matrix ID" : "localpart");
		return 0;
	}
	return 1;
}

/* A {"medium", "address"} entry, canonical: 1 with *out; 0 when its medium
 * or address is not usable; -1 + err on a wrong type. */
static int parse_3pid(const json_t *obj, struct mxg_arena *arena, const char *ep,
		      const char *path, struct mxg_3pid *out, struct mxg_error *err)
{
	const char *medium, *address;

	if (get_str(obj, "medium", true, ep, path, arena, &medium, err) < 0 ||
	    get_str(obj, "address", true, ep, path, arena, &address, err) < 0)
		return -1;
	if (!mxg_3pid_medium_valid(medium))
		return 0;
	out->medium = strcmp(medium, "email") == 0 ? "email" : "msisdn";
	out->address = mxg_3pid_canonicalize(arena, medium, address);
	return out->address != NULL ? 1 : 0;
}

/* A list of 3PIDs (auth's three_pids, profile's threepids). */
static int parse_3pid_list(const json_t *list, struct mxg_arena *arena, const char *ep,
			   const char *path, struct mxg_3pid **tpids_r, size_t *count_r,
			   struct mxg_error *err)
{
	size_t n = json_array_size(list), kept = 0;
	struct mxg_3pid *out = mxg_arena_alloc(arena, sizeof(*out) * (n + 1));
	char epath[128];

	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(list, i);

		snprintf(epath, sizeof(epath), "%s[%zu]", path, i);
		if (!json_is_object(e)) {
			mxg_error_set(err, EPROTO, "%s: %s is not an object", ep, epath);
			return -1;
		}
		switch (parse_3pid(e, arena, ep, epath, &out[kept], err)) {
		case -1:
			return -1;
		case 1:
			kept++;
			break;
		default:
			break;
		}
	}
	*tpids_r = kept > 0 ? out : NULL;
	*count_r = kept;
	return 0;
}

/* --- answers ------------------------------------------------------------------------ */

#define BAD MXG_STORE_UNAVAILABLE

enum mxg_store_result mxg_rest_parse_auth(const json_t *ans, const struct mxg_store_env *env,
					  const char *asked_user_id, struct mxg_arena *arena,
					  struct mxg_person *person_r, struct mxg_error *err)
{
	const char *ep = "auth";
	const json_t *auth, *success, *id, *profile, *tpids;
	struct mxg_person p = { 0 };

	if (get(ans, "auth", K_OBJECT, true, ep, "", &auth, err) < 0 ||
	    get(auth, "success", K_BOOL, true, ep, "auth", &success, err) < 0)
		return BAD;
	if (!json_is_true(success))
		return MXG_STORE_DENIED;
	if (get(auth, "id", K_OBJECT, false, ep, "auth", &id, err) < 0 ||
	    get(auth, "profile", K_OBJECT, false, ep, "auth", &profile, err) < 0)
		return BAD;
	if (id == NULL)
		p.user_id = asked_user_id;
	else if (parse_id(id, env, arena, ep, "auth.id", &p.user_id, err) < 1)
		return BAD;
	/* Only people of our server log in here. */
	if (mxg_store_localpart(arena, env, p.user_id, false) == NULL) {
		mxg_error_set(err, EPROTO, "%s: auth.id '%.80s' is not a user of %s", ep,
			      p.user_id, env->server_name);
		return BAD;
	}
	if (profile != NULL) {
		if (get_str(profile, "display_name", false, ep, "auth.profile", arena,
			    &p.display_name, err) < 0 ||
		    get(profile, "three_pids", K_ARRAY, false, ep, "auth.profile", &tpids, err) < 0)
			return BAD;
		if (tpids != NULL) {
			struct mxg_3pid *list;

			if (parse_3pid_list(tpids, arena, ep, "auth.profile.three_pids", &list,
					    &p.threepid_count, err) < 0)
				return BAD;
			p.threepids = list;
		}
	}
	*person_r = p;
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_rest_parse_single(const json_t *ans, const struct mxg_store_env *env,
					    struct mxg_arena *arena, const char **user_id_r,
					    struct mxg_error *err)
{
	const char *ep = "identity_single";
	const json_t *lookup, *id;

	if (get(ans, "lookup", K_OBJECT, false, ep, "", &lookup, err) < 0)
		return BAD;
	if (lookup == NULL || json_object_size(lookup) == 0)
		return MXG_STORE_NOT_FOUND;
	if (get(lookup, "id", K_OBJECT, true, ep, "lookup", &id, err) < 0 ||
	    parse_id(id, env, arena, ep, "lookup.id", user_id_r, err) < 1)
		return BAD;
	return MXG_STORE_OK;
}

struct bulk_index {
	const struct mxg_3pid *asked;
	size_t *order;		/* indices into asked, sorted by medium, address */
	size_t count;
};

static int tpid_cmp(const struct mxg_3pid *a, const struct mxg_3pid *b)
{
	int c = strcmp(a->medium, b->medium);

	return c != 0 ? c : strcmp(a->address, b->address);
}

static int order_cmp(const void *a, const void *b, void *ctx)
{
	const struct mxg_3pid *asked = ctx;

	return tpid_cmp(&asked[*(const size_t *)a], &asked[*(const size_t *)b]);
}

/* The first position in idx->order whose 3PID equals key, or count. */
static size_t bulk_find(const struct bulk_index *idx, const struct mxg_3pid *key)
{
	size_t lo = 0, hi = idx->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tpid_cmp(&idx->asked[idx->order[mid]], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < idx->count && tpid_cmp(&idx->asked[idx->order[lo]], key) == 0 ? lo :
	       idx->count;
}

enum mxg_store_result mxg_rest_parse_bulk(const json_t *ans, const struct mxg_store_env *env,
					  struct mxg_arena *arena, const struct mxg_3pid *asked,
					  size_t count, const char **user_ids_r,
					  struct mxg_error *err)
{
	const char *ep = "identity_bulk";
	struct bulk_index idx = { asked, mxg_arena_alloc(arena, sizeof(size_t) * (count + 1)),
				  count };
	const json_t *list;
	char path[64];
	size_t n;

	if (get(ans, "lookup", K_ARRAY, true, ep, "", &list, err) < 0)
		return BAD;
	for (size_t i = 0; i < count; i++)
		idx.order[i] = i;
	mxg_sort(idx.order, count, sizeof(*idx.order), order_cmp, (void *)asked);
	n = json_array_size(list);
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(list, i), *id;
		struct mxg_3pid t;
		const char *user_id;
		struct mxg_error skip;
		size_t pos;

		snprintf(path, sizeof(path), "lookup[%zu]", i);
		if (!json_is_object(e)) {
			mxg_error_set(err, EPROTO, "%s: %s is not an object", ep, path);
			return BAD;
		}
		switch (parse_3pid(e, arena, ep, path, &t, err)) {
		case -1:
			return BAD;
		case 0:
			continue;	/* nothing we asked for */
		}
		if (get(e, "id", K_OBJECT, true, ep, path, &id, err) < 0)
			return BAD;
		snprintf(path, sizeof(path), "lookup[%zu].id", i);
		switch (parse_id(id, env, arena, ep, path, &user_id, &skip)) {
		case -1:
			*err = skip;
			return BAD;
		case 0:
			mxg_info("%s", skip.msg);
			continue;
		}
		/* The same 3PID may have been asked twice: answer every copy. */
		for (pos = bulk_find(&idx, &t); pos < count &&
		     tpid_cmp(&asked[idx.order[pos]], &t) == 0; pos++)
			user_ids_r[idx.order[pos]] = user_id;
	}
	return MXG_STORE_OK;
}

static bool have_user(const struct mxg_person *people, size_t n, const char *user_id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(people[i].user_id, user_id) == 0)
			return true;
	return false;
}

enum mxg_store_result mxg_rest_parse_search(const json_t *ans, const struct mxg_store_env *env,
					    struct mxg_arena *arena, struct mxg_person *people,
					    size_t cap, size_t *count_io, struct mxg_error *err)
{
	const char *ep = "directory";
	const json_t *limited, *results;
	char path[64];
	size_t n;

	if (get(ans, "limited", K_BOOL, false, ep, "", &limited, err) < 0 ||
	    get(ans, "results", K_ARRAY, true, ep, "", &results, err) < 0)
		return BAD;
	n = json_array_size(results);
	/* Only as many as we keep are read: a huge answer costs no memory. */
	for (size_t i = 0; i < n && *count_io < cap; i++) {
		const json_t *e = json_array_get(results, i);
		struct mxg_person p = { 0 };
		const char *raw;

		snprintf(path, sizeof(path), "results[%zu]", i);
		if (!json_is_object(e)) {
			mxg_error_set(err, EPROTO, "%s: %s is not an object", ep, path);
			return BAD;
		}
		if (get_str(e, "user_id", true, ep, path, arena, &raw, err) < 0 ||
		    get_str(e, "display_name", false, ep, path, arena, &p.display_name, err) < 0 ||
		    get_str(e, "avatar_url", false, ep, path, arena, &p.avatar_url, err) < 0)
			return BAD;
		/* ma1sd allows a bare localpart here. */
		p.user_id = mxg_store_user_id(arena, env, raw, raw[0] == '@', raw[0] != '@');
		if (p.user_id == NULL) {
			mxg_info("%s: %s.user_id '%.80s' is not a user ID: skipped", ep, path, raw);
			continue;
		}
		if (!have_user(people, *count_io, p.user_id))
			people[(*count_io)++] = p;
	}
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_rest_parse_display_name(const json_t *ans, struct mxg_arena *arena,
						  const char **name_r, struct mxg_error *err)
{
	const char *ep = "profile_display_name";
	const json_t *profile;

	*name_r = NULL;
	if (get(ans, "profile", K_OBJECT, false, ep, "", &profile, err) < 0)
		return BAD;
	if (profile != NULL &&
	    get_str(profile, "display_name", false, ep, "profile", arena, name_r, err) < 0)
		return BAD;
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_rest_parse_threepids(const json_t *ans, struct mxg_arena *arena,
					       struct mxg_3pid **tpids_r, size_t *count_r,
					       struct mxg_error *err)
{
	const char *ep = "profile_threepids";
	const json_t *profile, *list = NULL;

	*tpids_r = NULL;
	*count_r = 0;
	if (get(ans, "profile", K_OBJECT, false, ep, "", &profile, err) < 0 ||
	    (profile != NULL &&
	     get(profile, "threepids", K_ARRAY, false, ep, "profile", &list, err) < 0))
		return BAD;
	if (list != NULL &&
	    parse_3pid_list(list, arena, ep, "profile.threepids", tpids_r, count_r, err) < 0)
		return BAD;
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_rest_parse_enumerate(const json_t *ans, const struct mxg_store_env *env,
					       struct mxg_arena *arena,
					       struct mxg_rest_enum_entry **entries_r,
					       size_t *count_r, const char **next_r,
					       struct mxg_error *err)
{
	const char *ep = "enumerate";
	const json_t *list;
	struct mxg_rest_enum_entry *out;
	char path[64];
	size_t n, kept = 0, skipped = 0;

	*entries_r = NULL;
	*count_r = 0;
	if (get(ans, "threepids", K_ARRAY, true, ep, "", &list, err) < 0 ||
	    get_str(ans, "next", false, ep, "", arena, next_r, err) < 0)
		return BAD;
	n = json_array_size(list);
	out = mxg_arena_alloc(arena, sizeof(*out) * (n + 1));
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(list, i), *id;
		struct mxg_error skip;
		int rc;

		snprintf(path, sizeof(path), "threepids[%zu]", i);
		if (!json_is_object(e)) {
			mxg_error_set(err, EPROTO, "%s: %s is not an object", ep, path);
			return BAD;
		}
		rc = parse_3pid(e, arena, ep, path, &out[kept].tpid, err);
		if (rc < 0 || get(e, "id", K_OBJECT, true, ep, path, &id, err) < 0)
			return BAD;
		snprintf(path, sizeof(path), "threepids[%zu].id", i);
		switch (parse_id(id, env, arena, ep, path, &out[kept].user_id, &skip)) {
		case -1:
			*err = skip;
			return BAD;
		case 0:
			rc = 0;
			break;
		}
		if (rc == 1)
			kept++;
		else
			skipped++;
	}
	if (skipped > 0)
		mxg_info("%s: %zu of %zu 3PIDs skipped (unknown medium, bad address or user ID)",
			 ep, skipped, n);
	*entries_r = out;
	*count_r = kept;
	return MXG_STORE_OK;
}
