/*
 * enumerate.c: every 3PID of the directory, for the hashed-lookup index,
 * read with RFC 2696 paged results so that a directory larger than the
 * server's size limit (AD: 1000, slapd: 500 by default) is read whole.
 *
 * One pooled connection holds the paged search (its cookie belongs to that
 * connection).  Each page's entries live in a scratch arena of their own,
 * freed before the next page: memory stays at one page whatever the size of
 * the directory.  A person's 3PIDs reach the callback one after the other.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "ldap-private.h"

struct paged {
	struct mxg_ldap_ctx *ctx;
	LDAP *ld;
	const char *filter;
	const struct mxg_ldap_attrs *attrs;
	mxg_store_3pid_fn *cb;
	void *cb_ctx;
	size_t emitted;		/* 3PIDs handed to cb so far */
	size_t entries;
	bool stopped;		/* cb asked to stop */
};

/* Hand the 3PIDs of a page's entries to the callback. */
static void emit_page(struct paged *pg, LDAPMessage *res, struct mxg_arena *arena)
{
	static const char *const media[] = { "email", "msisdn" };

	for (LDAPMessage *m = ldap_first_entry(pg->ld, res); m != NULL && !pg->stopped;
	     m = ldap_next_entry(pg->ld, m)) {
		struct mxg_ldap_entry *e = mxg_ldap_entry_read(pg->ld, m, arena);
		const char *user_id;

		if (e == NULL)
			continue;
		pg->entries++;
		user_id = mxg_ldap_entry_user_id(&pg->ctx->map, e, arena);
		if (user_id == NULL) {
			mxg_debug("ldap store '%s': entry '%s' has no usable %s, skipped",
				  pg->ctx->name, e->dn, pg->ctx->map.localpart_attribute);
			continue;
		}
		for (int k = 0; k < 2 && !pg->stopped; k++) {
			const char **addrs;
			size_t n = mxg_ldap_entry_3pids(&pg->ctx->map, e, media[k], arena, &addrs);

			for (size_t i = 0; i < n && !pg->stopped; i++) {
				pg->emitted++;
				if (pg->cb(pg->cb_ctx, media[k], addrs[i], user_id) != 0)
					pg->stopped = true;
			}
		}
	}
}

/* The cookie of the paged-results response control of res, or NULL when
 * the search is complete (or the server ignored the control). */
static struct berval *next_cookie(LDAP *ld, LDAPMessage *res)
{
	LDAPControl **ctrls = NULL, *pr;
	struct berval cookie = { 0, NULL }, *out = NULL;
	ber_int_t estimate;
	int code;

	if (ldap_parse_result(ld, res, &code, NULL, NULL, NULL, &ctrls, 0) != LDAP_SUCCESS)
		return NULL;
	pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL);
	if (pr != NULL && ldap_parse_pageresponse_control(ld, pr, &estimate, &cookie) ==
	    LDAP_SUCCESS && cookie.bv_len > 0)
		out = ber_bvdup(&cookie);
	if (cookie.bv_val != NULL)
		ber_memfree(cookie.bv_val);
	ldap_controls_free(ctrls);
	return out;
}

static int paged_search(struct paged *pg, const char *base, struct berval *cookie,
			ber_int_t size, LDAPMessage **res_r)
{
	long long ms = pg->ctx->set->timeout_ms;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL };
	int rc;

	*res_r = NULL;
	/* Not critical: a server without paging answers the plain search,
	 * up to its size limit (reported below). */
	rc = ldap_create_page_control(pg->ld, size, cookie, 0, &page);
	if (rc != LDAP_SUCCESS)
		return rc;
	ctrls[0] = page;
	rc = ldap_search_ext_s(pg->ld, base, LDAP_SCOPE_SUBTREE, pg->filter,
			       (char **)pg->attrs->names, 0, ctrls, NULL, &tv, 0, res_r);
	ldap_control_free(page);
	return rc;
}

/* Read one base page by page.  Returns an LDAP result code. */
static int enumerate_base(struct paged *pg, const char *base)
{
	struct berval *cookie = NULL;
	int rc;

	do {
		struct mxg_arena *arena;
		LDAPMessage *res;

		rc = paged_search(pg, base, cookie, (ber_int_t)pg->ctx->set->page_size, &res);
		if (rc == LDAP_NO_SUCH_OBJECT) {
			mxg_debug("ldap store '%s': base '%s' does not exist", pg->ctx->name, base);
			ldap_msgfree(res);
			rc = LDAP_SUCCESS;
			break;
		}
		if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
			ldap_msgfree(res);
			break;
		}
		arena = mxg_arena_create(65536);
		emit_page(pg, res, arena);
		mxg_arena_destroy(&arena);
		if (cookie != NULL)
			ber_bvfree(cookie);
		cookie = next_cookie(pg->ld, res);
		ldap_msgfree(res);
		if (rc == LDAP_SIZELIMIT_EXCEEDED) {
			mxg_warning("ldap store '%s': base '%s': the server's size limit stopped the "
				    "3PID enumeration after %zu entries (slapd: size.prtotal; "
				    "does the server support paged results?)", pg->ctx->name, base,
				    pg->entries);
			rc = LDAP_SUCCESS;
			break;
		}
		if (pg->stopped && cookie != NULL) {
			/* RFC 2696 3: a size of 0 with the cookie abandons the
			 * paged search, freeing the server's state for it. */
			rc = paged_search(pg, base, cookie, 0, &res);
			ldap_msgfree(res);
			if (rc != LDAP_SUCCESS && !mxg_ldap_rc_unavailable(rc))
				rc = LDAP_SUCCESS;	/* the server's business */
			break;
		}
	} while (cookie != NULL && !pg->stopped);
	if (cookie != NULL)
		ber_bvfree(cookie);
	return rc;
}

enum mxg_store_result mxg_ldap_enumerate(struct mxg_store *s, mxg_store_3pid_fn *cb,
					 void *cb_ctx, struct mxg_error *err)
{
	struct mxg_ldap_ctx *ctx = s->ctx;
	const struct mxg_ldap_attrs *lists[2] = { &ctx->map.email, &ctx->map.msisdn };
	struct paged pg = { .ctx = ctx, .attrs = &ctx->map.enum_read, .cb = cb, .cb_ctx = cb_ctx };
	struct mxg_arena *arena = mxg_arena_create(4096);
	enum mxg_store_result res = MXG_STORE_OK;
	struct mxg_ldap_attrs any = { NULL, 0 };
	const char *parts[2];

	any.names = mxg_arena_alloc(arena, (lists[0]->count + lists[1]->count + 1) *
				    sizeof(*any.names));
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->count; i++)
			any.names[any.count++] = lists[l]->names[i];
	/* (&filter(|(mail=*)(telephoneNumber=*)...)): only entries with a 3PID. */
	parts[0] = mxg_ldap_filter_any(arena, &any, NULL, 0, MXG_LDAP_MATCH_PRESENT);
	parts[1] = ctx->filter;
	pg.filter = mxg_ldap_filter_and(arena, parts, 2);
	if (parts[0] == NULL)
		goto out;	/* no 3PID attribute configured */

	for (int attempt = 0;; attempt++) {
		struct mxg_ldap_conn *c;
		char diag[160];
		int rc = LDAP_SUCCESS;

		res = mxg_ldap_pool_get(ctx->search_pool, &c, err);
		if (res != MXG_STORE_OK)
			break;
		pg.ld = c->ld;
		for (size_t b = 0; b < ctx->set->base_dn.count && rc == LDAP_SUCCESS && !pg.stopped;
		     b++)
			rc = enumerate_base(&pg, ctx->set->base_dn.items[b]);
		if (rc == LDAP_SUCCESS) {
			mxg_ldap_pool_put(ctx->search_pool, c, false);
			mxg_debug("ldap store '%s': enumerated %zu 3PIDs of %zu entries%s", ctx->name,
				  pg.emitted, pg.entries, pg.stopped ? " (stopped by the caller)" : "");
			res = MXG_STORE_OK;
			break;
		}
		mxg_ldap_diag(c->ld, diag, sizeof(diag));
		mxg_error_set(err, rc, "%s: paged search: %s%s%s (after %zu entries)", c->uri,
			      ldap_err2string(rc), diag[0] ? ": " : "", diag, pg.entries);
		/* Retry only when nothing reached the callback: a second
		 * pass would hand it the same 3PIDs twice. */
		if (mxg_ldap_rc_conn_lost(rc) && !c->fresh && attempt == 0 && pg.emitted == 0 &&
		    pg.entries == 0) {
			mxg_ldap_pool_put(ctx->search_pool, c, true);
			continue;
		}
		mxg_ldap_pool_put(ctx->search_pool, c, mxg_ldap_rc_unavailable(rc));
		res = mxg_ldap_rc_unavailable(rc) ? MXG_STORE_UNAVAILABLE : MXG_STORE_INTERNAL;
		break;
	}
out:
	mxg_arena_destroy(&arena);
	return res;
}
