/*
 * ops.c: the `ldap` store's operations but enumeration (enumerate.c):
 * password checks (one search on a service-bound connection, one bind on a
 * connection of the bind pool), 3PID lookups single and bulk, the user
 * directory search and profiles.
 *
 * Result codes: no entry is NOT_FOUND; a wrong password, an entry outside
 * login_filter and an ambiguous login are DENIED (the caller cannot tell
 * them apart); a server that is down, slow or drops the connection is
 * UNAVAILABLE, and the dead connection is closed so the next operation
 * reconnects.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/threepid.h"
#include "identity/msisdn.h"
#include "ldap-private.h"
#include "stores/util.h"

/* The forms a directory may hold phone number e164 in, appended to values
 * (room for MXG_LDAP_PHONE_FORMS): "+447700900123", "447700900123" and,
 * when it is a number of default_region, the national "07700900123".  The
 * telephoneNumber matching rule ignores spaces and hyphens, so "07700
 * 900123" matches the last. */
#define MXG_LDAP_PHONE_FORMS 3

static size_t phone_forms(const struct mxg_ldap_map *map, const char *e164,
			  struct mxg_arena *arena, const char **values)
{
	char national[MXG_MSISDN_MAX + 3];
	size_t n = 0;

	values[n++] = mxg_arena_printf(arena, "+%s", e164);
	values[n++] = e164;
	if (map->default_region != NULL &&
	    mxg_msisdn_national(map->default_region, e164, national) == 0)
		values[n++] = mxg_arena_strdup(arena, national);
	return n;
}

/* A filter matching a 3PID address of medium: "(mail=a@b)" over the
 * e-mail attributes (login attributes too when logging in, attrs then
 * given), the forms of phone_forms() over the phone attributes.  NULL when
 * the address is not valid for the medium or nothing can hold it. */
static char *threepid_filter(struct mxg_ldap_ctx *ctx, const char *medium, const char *address,
			     const struct mxg_ldap_attrs *email_attrs, struct mxg_arena *arena)
{
	const char *canon, *value, *phones[MXG_LDAP_PHONE_FORMS];

	if (medium == NULL || !mxg_3pid_medium_valid(medium) || !mxg_ldap_input_ok(address))
		return NULL;
	canon = mxg_3pid_canonicalize(arena, medium, address);
	if (canon == NULL)
		return NULL;
	if (strcmp(medium, "email") == 0) {
		value = canon;
		return mxg_ldap_filter_any(arena, email_attrs, &value, 1, MXG_LDAP_MATCH_EQUAL);
	}
	return mxg_ldap_filter_any(arena, &ctx->map.msisdn, phones,
				   phone_forms(&ctx->map, canon, arena, phones), MXG_LDAP_MATCH_EQUAL);
}

/* The user's login name as a filter: a localpart or our Matrix ID over the
 * login attributes; with Matrix IDs in the directory, the full ID over the
 * login attributes and the localpart attribute as well. */
static char *login_name_filter(struct mxg_ldap_ctx *ctx, const char *user, struct mxg_arena *arena)
{
	const struct mxg_ldap_map *map = &ctx->map;
	const char *lp, *values[2], *parts[2] = { NULL, NULL };
	const char *lpnames[2] = { map->localpart_attribute, NULL };
	struct mxg_ldap_attrs lpattr = { lpnames, 1 };

	if (!mxg_ldap_input_ok(user))
		return NULL;
	lp = mxg_store_localpart(arena, map->env, user, map->lowercase);
	if (lp == NULL)
		return NULL;	/* another server's Matrix ID */
	values[0] = lp;
	if (!map->is_mxid)
		return mxg_ldap_filter_any(arena, &map->login, values, 1, MXG_LDAP_MATCH_EQUAL);
	values[1] = mxg_arena_printf(arena, "@%s:%s", lp, map->env->server_name);
	parts[0] = mxg_ldap_filter_any(arena, &map->login, values, 2, MXG_LDAP_MATCH_EQUAL);
	parts[1] = mxg_ldap_filter_any(arena, &lpattr, &values[1], 1, MXG_LDAP_MATCH_EQUAL);
	return mxg_arena_printf(arena, "(|%s%s)", parts[0], parts[1]);
}

static int search_bases(struct mxg_ldap_ctx *ctx, LDAP *ld, const char *filter,
			const struct mxg_ldap_attrs *attrs, size_t sizelimit,
			struct mxg_arena *arena, struct mxg_ldap_entry ***entries_r,
			size_t *count_r, bool *limited_r)
{
	const struct mxg_conf_strlist *bases = &ctx->set->base_dn;
	struct timeval tv = { .tv_sec = ctx->set->timeout_ms / 1000,
			      .tv_usec = (ctx->set->timeout_ms % 1000) * 1000 };
	size_t cap = 0;

	*count_r = 0;
	*entries_r = NULL;
	for (size_t b = 0; b < bases->count; b++) {
		LDAPMessage *res = NULL;
		int limit = 0, rc, n;

		if (sizelimit > 0) {
			if (*count_r >= sizelimit)
				break;
			limit = (int)(sizelimit - *count_r);
		}
		rc = ldap_search_ext_s(ld, bases->items[b], LDAP_SCOPE_SUBTREE, filter,
				       (char **)attrs->names, 0, NULL, NULL, &tv, limit, &res);
		if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED && rc != LDAP_NO_SUCH_OBJECT) {
			ldap_msgfree(res);
			return rc;
		}
		if (rc == LDAP_NO_SUCH_OBJECT)
			mxg_debug("ldap store '%s': base '%s' does not exist", ctx->name,
				  bases->items[b]);
		if (rc == LDAP_SIZELIMIT_EXCEEDED && limited_r != NULL)
			*limited_r = true;
		n = res != NULL ? ldap_count_entries(ld, res) : 0;
		if (n > 0 && *count_r + (size_t)n > cap) {
			struct mxg_ldap_entry **bigger;

			cap = *count_r + (size_t)n + 8;
			bigger = mxg_arena_alloc(arena, cap * sizeof(*bigger));
			if (*count_r > 0)
				memcpy(bigger, *entries_r, *count_r * sizeof(*bigger));
			*entries_r = bigger;
		}
		for (LDAPMessage *m = ldap_first_entry(ld, res); m != NULL;
		     m = ldap_next_entry(ld, m)) {
			struct mxg_ldap_entry *e = mxg_ldap_entry_read(ld, m, arena);

			if (e != NULL && *count_r < cap)
				(*entries_r)[(*count_r)++] = e;
		}
		ldap_msgfree(res);
	}
	return LDAP_SUCCESS;
}

enum mxg_store_result mxg_ldap_search_entries(struct mxg_ldap_ctx *ctx, const char *filter,
					      const struct mxg_ldap_attrs *attrs,
					      size_t sizelimit, struct mxg_arena *arena,
					      struct mxg_ldap_entry ***entries_r, size_t *count_r,
					      bool *limited_r, struct mxg_error *err)
{
	for (int attempt = 0;; attempt++) {
		struct mxg_ldap_conn *c;
		enum mxg_store_result res;
		const char *uri;
		char diag[160];
		bool fresh;
		int rc;

		if (limited_r != NULL)
			*limited_r = false;
		res = mxg_ldap_pool_get(ctx->search_pool, &c, err);
		if (res != MXG_STORE_OK)
			return res;
		rc = search_bases(ctx, c->ld, filter, attrs, sizelimit, arena, entries_r, count_r,
				  limited_r);
		if (rc == LDAP_SUCCESS) {
			mxg_ldap_pool_put(ctx->search_pool, c, false);
			return MXG_STORE_OK;
		}
		mxg_ldap_diag(c->ld, diag, sizeof(diag));
		uri = c->uri;
		fresh = c->fresh;
		mxg_ldap_pool_put(ctx->search_pool, c, mxg_ldap_rc_unavailable(rc));
		if (mxg_ldap_rc_conn_lost(rc) && !fresh && attempt == 0) {
			/* A pooled connection the server closed while idle
			 * (idle timeout, restart): one more try on a new one. */
			mxg_debug("ldap store '%s': %s: connection lost, reconnecting", ctx->name, uri);
			continue;
		}
		mxg_error_set(err, rc, "%s: search: %s%s%s", uri, ldap_err2string(rc),
			      diag[0] ? ": " : "", diag);
		return mxg_ldap_rc_unavailable(rc) ? MXG_STORE_UNAVAILABLE : MXG_STORE_INTERNAL;
	}
}

/* Bind as dn with the user's password on the bind pool. */
static enum mxg_store_result check_password(struct mxg_ldap_ctx *ctx, const char *dn,
					    const struct mxg_cred *cred, bool decoy,
					    struct mxg_error *err)
{
	for (int attempt = 0;; attempt++) {
		struct mxg_ldap_conn *c;
		enum mxg_store_result res;
		const char *uri;
		char diag[160];
		bool fresh;
		int rc;

		res = mxg_ldap_pool_get(ctx->bind_pool, &c, err);
		if (res != MXG_STORE_OK)
			return res;
		rc = mxg_ldap_simple_bind(c->ld, dn, cred->password, cred->password_len,
					  ctx->set->timeout_ms, diag, sizeof(diag));
		uri = c->uri;
		fresh = c->fresh;
		mxg_ldap_pool_put(ctx->bind_pool, c, mxg_ldap_rc_unavailable(rc));
		switch (rc) {
		case LDAP_SUCCESS:
			return MXG_STORE_OK;
		case LDAP_INVALID_CREDENTIALS:
		case LDAP_INAPPROPRIATE_AUTH:
		case LDAP_UNWILLING_TO_PERFORM:	/* e.g. password expired, account locked */
		case LDAP_CONSTRAINT_VIOLATION:	/* ppolicy lockout */
			/* The diagnostic says why (AD: "data 52e" wrong
			 * password, "data 533" disabled); it never holds the
			 * password. */
			if (!decoy)
				mxg_info("ldap store '%s': password check for '%s' refused: %s%s%s",
					 ctx->name, dn, ldap_err2string(rc), diag[0] ? ": " : "",
					 diag);
			return MXG_STORE_DENIED;
		default:
			break;
		}
		if (mxg_ldap_rc_conn_lost(rc) && !fresh && attempt == 0)
			continue;
		mxg_error_set(err, rc, "%s: bind as '%s': %s%s%s", uri, dn, ldap_err2string(rc),
			      diag[0] ? ": " : "", diag);
		return mxg_ldap_rc_unavailable(rc) ? MXG_STORE_UNAVAILABLE : MXG_STORE_INTERNAL;
	}
}

/* The bind a refusal without a bind makes anyway, so that "no such person"
 * takes as long as "wrong password" and the timing does not tell which
 * names exist (the stores with password hashes verify a decoy hash for the
 * same reason).  The DN is under the first base and names nobody; the
 * server refuses it as it refuses a wrong password.  Its answer is not
 * used, but a server that is down still makes the check UNAVAILABLE. */
static enum mxg_store_result decoy_bind(struct mxg_ldap_ctx *ctx, const struct mxg_cred *cred,
					struct mxg_arena *arena, struct mxg_error *err)
{
	const char *base = ctx->set->base_dn.count > 0 ? ctx->set->base_dn.items[0] : "";
	const char *dn = mxg_arena_printf(arena, "cn=mxgate-no-such-person%s%s",
					  base[0] != '\0' ? "," : "", base);
	enum mxg_store_result bound = check_password(ctx, dn, cred, true, err);

	return bound == MXG_STORE_UNAVAILABLE ? bound : MXG_STORE_NOT_FOUND;
}

enum mxg_store_result mxg_ldap_authenticate(struct mxg_store *s, const struct mxg_cred *cred,
					    struct mxg_arena *arena, struct mxg_person *person_r,
					    struct mxg_error *err)
{
	struct mxg_ldap_ctx *ctx = s->ctx;
	struct mxg_ldap_entry **found;
	enum mxg_store_result res;
	const char *match, *parts[3];
	size_t n;

	/* Before anything touches the network: an empty password is never a
	 * login, whatever the server would make of it. */
	if (cred->password == NULL || cred->password_len == 0 || cred->password[0] == '\0') {
		mxg_info("ldap store '%s': empty password for '%s' refused", ctx->name, cred->user);
		return MXG_STORE_DENIED;
	}
	if (cred->medium == NULL)
		match = login_name_filter(ctx, cred->user, arena);
	else
		match = threepid_filter(ctx, cred->medium, cred->user, &ctx->map.email_login, arena);
	if (match == NULL)
		return MXG_STORE_NOT_FOUND;
	parts[0] = match;
	parts[1] = ctx->filter;
	parts[2] = ctx->login_filter;
	/* Two are enough to know the login is ambiguous. */
	res = mxg_ldap_search_entries(ctx, mxg_ldap_filter_and(arena, parts, 3),
				      &ctx->map.person_attrs, 2, arena, &found, &n, NULL, err);
	if (res != MXG_STORE_OK)
		return res;
	/* No one, or someone outside login_filter: the store cannot tell
	 * the two apart without a second search, and must not, as that
	 * search would make an unknown name slower than a wrong password. */
	if (n == 0)
		return decoy_bind(ctx, cred, arena, err);
	if (n > 1) {
		mxg_warning("ldap store '%s': login '%s' is ambiguous ('%s', '%s', ...): refused",
			    ctx->name, cred->user, found[0]->dn, found[1]->dn);
		return MXG_STORE_DENIED;
	}
	res = check_password(ctx, found[0]->dn, cred, false, err);
	if (res != MXG_STORE_OK)
		return res;
	if (mxg_ldap_entry_person(&ctx->map, found[0], arena, person_r, err) < 0)
		return MXG_STORE_INTERNAL;
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_ldap_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
				      struct mxg_arena *arena, const char **user_id_r,
				      struct mxg_error *err)
{
	struct mxg_ldap_ctx *ctx = s->ctx;
	const char *parts[2];
	struct mxg_ldap_entry **found;
	enum mxg_store_result res;
	size_t n;

	parts[0] = threepid_filter(ctx, tpid->medium, tpid->address, &ctx->map.email, arena);
	if (parts[0] == NULL)
		return MXG_STORE_NOT_FOUND;
	parts[1] = ctx->filter;
	res = mxg_ldap_search_entries(ctx, mxg_ldap_filter_and(arena, parts, 2),
				      strcmp(tpid->medium, "email") == 0 ? &ctx->map.email_read :
				      &ctx->map.msisdn_read, 2, arena, &found, &n, NULL, err);
	if (res != MXG_STORE_OK)
		return res;
	if (n > 1)
		mxg_warning("ldap store '%s': %s '%s' belongs to several entries ('%s', '%s'); "
			    "the first is used", ctx->name, tpid->medium, tpid->address,
			    found[0]->dn, found[1]->dn);
	for (size_t i = 0; i < n; i++) {
		*user_id_r = mxg_ldap_entry_user_id(&ctx->map, found[i], arena);
		if (*user_id_r != NULL)
			return MXG_STORE_OK;
	}
	return MXG_STORE_NOT_FOUND;
}

/* One batch of one medium: indexes idx[0..n) of tpids. */
static enum mxg_store_result bulk_batch(struct mxg_ldap_ctx *ctx, const char *medium,
					const struct mxg_3pid *tpids, const size_t *idx, size_t n,
					struct mxg_arena *arena, const char **user_ids_r,
					struct mxg_error *err)
{
	bool email = strcmp(medium, "email") == 0;
	const char **values = mxg_arena_alloc(arena, (n * MXG_LDAP_PHONE_FORMS + 1) * sizeof(*values));
	const char **canon = mxg_arena_alloc(arena, (n + 1) * sizeof(*canon));
	const char *parts[2];
	struct mxg_ldap_entry **found;
	enum mxg_store_result res;
	size_t nvalues = 0, nfound;

	for (size_t i = 0; i < n; i++) {
		const char *addr = tpids[idx[i]].address;

		canon[i] = mxg_ldap_input_ok(addr) ? mxg_3pid_canonicalize(arena, medium, addr) : NULL;
		if (canon[i] == NULL)
			continue;
		if (email)
			values[nvalues++] = canon[i];
		else
			nvalues += phone_forms(&ctx->map, canon[i], arena, values + nvalues);
	}
	parts[0] = mxg_ldap_filter_any(arena, email ? &ctx->map.email : &ctx->map.msisdn, values,
				       nvalues, MXG_LDAP_MATCH_EQUAL);
	if (parts[0] == NULL)
		return MXG_STORE_OK;
	parts[1] = ctx->filter;
	res = mxg_ldap_search_entries(ctx, mxg_ldap_filter_and(arena, parts, 2),
				      email ? &ctx->map.email_read : &ctx->map.msisdn_read, 0,
				      arena, &found, &nfound, NULL, err);
	if (res != MXG_STORE_OK)
		return res;
	/* Map back: an entry may hold several of the addresses asked for. */
	for (size_t e = 0; e < nfound; e++) {
		const char *user_id = mxg_ldap_entry_user_id(&ctx->map, found[e], arena), **addrs;
		size_t naddrs;

		if (user_id == NULL)
			continue;
		naddrs = mxg_ldap_entry_3pids(&ctx->map, found[e], medium, arena, &addrs);
		for (size_t i = 0; i < n; i++)
			for (size_t a = 0; canon[i] != NULL && a < naddrs; a++)
				if (user_ids_r[idx[i]] == NULL && strcmp(canon[i], addrs[a]) == 0)
					user_ids_r[idx[i]] = user_id;
	}
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_ldap_lookup_bulk(struct mxg_store *s, const struct mxg_3pid *tpids,
					   size_t count, struct mxg_arena *arena,
					   const char **user_ids_r, struct mxg_error *err)
{
	static const char *const media[] = { "email", "msisdn" };
	struct mxg_ldap_ctx *ctx = s->ctx;
	size_t batch = (size_t)ctx->set->bulk_batch;
	size_t *idx = mxg_arena_alloc(arena, (batch + 1) * sizeof(*idx));

	for (int m = 0; m < 2; m++) {
		size_t n = 0;

		for (size_t i = 0; i <= count; i++) {
			enum mxg_store_result res;

			if (i < count && tpids[i].medium != NULL &&
			    strcmp(tpids[i].medium, media[m]) == 0)
				idx[n++] = i;
			if (n == 0 || (n < batch && i < count))
				continue;
			res = bulk_batch(ctx, media[m], tpids, idx, n, arena, user_ids_r, err);
			if (res != MXG_STORE_OK)
				return res;
			n = 0;
		}
	}
	return MXG_STORE_OK;
}

/* Trim the spaces mxg_store_term_ok() does not count. */
static const char *trimmed(struct mxg_arena *arena, const char *term)
{
	size_t len;

	while (*term == ' ')
		term++;
	len = strlen(term);
	while (len > 0 && term[len - 1] == ' ')
		len--;
	return mxg_arena_strndup(arena, term, len);
}

enum mxg_store_result mxg_ldap_search(struct mxg_store *s, const char *term, size_t limit,
				      struct mxg_arena *arena, struct mxg_person **people_r,
				      size_t *count_r, struct mxg_error *err)
{
	struct mxg_ldap_ctx *ctx = s->ctx;
	struct mxg_ldap_entry **found;
	struct mxg_person *out;
	enum mxg_store_result res;
	const char *parts[2];
	size_t n, kept = 0;

	*people_r = NULL;
	*count_r = 0;
	/* A short term would page through the whole directory; input that
	 * is too long or not UTF-8 matches nobody.  Neither reaches the
	 * server. */
	if (!mxg_store_term_ok(term) || !mxg_ldap_input_ok(term) || limit == 0)
		return MXG_STORE_OK;
	term = trimmed(arena, term);
	parts[0] = mxg_ldap_filter_any(arena, &ctx->map.search, &term, 1, MXG_LDAP_MATCH_SUBSTRING);
	if (parts[0] == NULL)
		return MXG_STORE_OK;
	parts[1] = ctx->filter;
	if (limit > 100000)
		limit = 100000;
	res = mxg_ldap_search_entries(ctx, mxg_ldap_filter_and(arena, parts, 2),
				      &ctx->map.person_attrs, limit, arena, &found, &n, NULL, err);
	if (res != MXG_STORE_OK)
		return res;
	out = mxg_arena_alloc(arena, (n + 1) * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct mxg_error e;
		bool dup = false;

		if (mxg_ldap_entry_person(&ctx->map, found[i], arena, &out[kept], &e) < 0) {
			mxg_debug("ldap store '%s': %s", ctx->name, e.msg);
			continue;
		}
		/* The same person under two bases (or aliases) counts once. */
		for (size_t j = 0; j < kept && !dup; j++)
			dup = strcmp(out[j].user_id, out[kept].user_id) == 0;
		if (!dup)
			kept++;
	}
	*people_r = out;
	*count_r = kept;
	return MXG_STORE_OK;
}

enum mxg_store_result mxg_ldap_profile(struct mxg_store *s, const char *user_id,
				       struct mxg_arena *arena, struct mxg_person *person_r,
				       struct mxg_error *err)
{
	struct mxg_ldap_ctx *ctx = s->ctx;
	const struct mxg_ldap_map *map = &ctx->map;
	const char *lpnames[2] = { map->localpart_attribute, NULL };
	struct mxg_ldap_attrs lpattr = { lpnames, 1 };
	struct mxg_ldap_entry **found;
	enum mxg_store_result res;
	const char *value, *parts[2];
	size_t n;

	if (user_id == NULL || user_id[0] != '@' || !mxg_ldap_input_ok(user_id))
		return MXG_STORE_NOT_FOUND;
	if (map->is_mxid) {
		value = user_id;
	} else {
		value = mxg_store_localpart(arena, map->env, user_id, map->lowercase);
		if (value == NULL)
			return MXG_STORE_NOT_FOUND;
	}
	parts[0] = mxg_ldap_filter_any(arena, &lpattr, &value, 1, MXG_LDAP_MATCH_EQUAL);
	parts[1] = ctx->filter;
	res = mxg_ldap_search_entries(ctx, mxg_ldap_filter_and(arena, parts, 2),
				      &map->person_attrs, 2, arena, &found, &n, NULL, err);
	if (res != MXG_STORE_OK)
		return res;
	for (size_t i = 0; i < n; i++) {
		struct mxg_error e;

		if (mxg_ldap_entry_person(map, found[i], arena, person_r, &e) < 0) {
			mxg_debug("ldap store '%s': %s", ctx->name, e.msg);
			continue;
		}
		/* The directory matched case-insensitively; the ID must be
		 * the one asked for. */
		if (strcasecmp(person_r->user_id, user_id) == 0)
			return MXG_STORE_OK;
	}
	memset(person_r, 0, sizeof(*person_r));
	return MXG_STORE_NOT_FOUND;
}
