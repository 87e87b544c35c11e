/*
 * static.c: the built-in `static` store: people listed in the config or in
 * a users_file.
 *
 * init() copies the people into one compact sorted array (24 bytes a
 * person, its strings packed in one block) and indexes their 3PIDs in a
 * second sorted array (8 bytes a 3PID), so every operation is a binary
 * search and 100,000 people with an e-mail each fit in about 9 MB.  User IDs
 * are built when asked for, not stored.  After init the store is read-only
 * and needs no lock.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/password.h"
#include "core/sort.h"
#include "core/threepid.h"
#include "stores/static.h"

/* A person's strings, NUL-terminated one after the other in one block:
 * four pointers would cost more than the strings of a typical person. */
enum person_field { F_LOCALPART, F_DISPLAY_NAME, F_PASSWORD_HASH, F_AVATAR_URL, F_COUNT };

struct static_person {
	const char *strings;		/* F_COUNT strings, "" = absent */
	struct mxg_3pid *threepids;	/* canonical addresses */
	uint32_t threepid_count;
	bool disabled;
};

/* A 3PID in the lookup table: people[person].threepids[index]. */
struct static_3pid {
	uint32_t person;
	uint32_t index;
};

static const char *const media[] = { "email", "msisdn" };

struct static_ctx {
	struct mxg_arena *arena;
	const char *server_name;
	struct static_person *people;	/* sorted by localpart */
	size_t people_count, people_cap;
	struct static_3pid *tpids;	/* sorted by medium, address */
	size_t tpid_count;
	/* A password hash of this store, checked in vain for an unknown user
	 * so that the answer takes as long as a wrong password (NULL: none). */
	const char *decoy_hash;
};

static const struct mxg_conf_def threepid_table[] = {
	{ .key = "medium", .type = MXG_CONF_STRING, .flags = MXG_CONF_REQUIRED,
	  .offset = offsetof(struct mxg_static_threepid_conf, medium),
	  .doc = "\"email\" or \"msisdn\"" },
	{ .key = "address", .type = MXG_CONF_STRING, .flags = MXG_CONF_REQUIRED,
	  .offset = offsetof(struct mxg_static_threepid_conf, address),
	  .doc = "the address; e-mail lower-cased, msisdn as E.164 digits" },
	{ .key = NULL },
};

static const struct mxg_conf_def user_table[] = {
	{ .key = "localpart", .type = MXG_CONF_STRING, .flags = MXG_CONF_REQUIRED,
	  .offset = offsetof(struct mxg_static_user_conf, localpart),
	  .doc = "Matrix localpart (the user ID is @localpart:server_name)" },
	{ .key = "display_name", .type = MXG_CONF_STRING,
	  .offset = offsetof(struct mxg_static_user_conf, display_name),
	  .doc = "display name" },
	{ .key = "avatar_url", .type = MXG_CONF_STRING,
	  .offset = offsetof(struct mxg_static_user_conf, avatar_url),
	  .doc = "mxc:// avatar URL" },
	{ .key = "password_hash", .type = MXG_CONF_SECRET,
	  .offset = offsetof(struct mxg_static_user_conf, password_hash),
	  .doc = "crypt(3) ($2b$, $6$, $y$...) or $argon2id$ hash; absent: no password login" },
	{ .key = "disabled", .type = MXG_CONF_BOOL, .dflt = "false",
	  .offset = offsetof(struct mxg_static_user_conf, disabled),
	  .doc = "refuse logins for this person" },
	{ .key = "threepids", .type = MXG_CONF_LIST, .sub = threepid_table,
	  .elem_size = sizeof(struct mxg_static_threepid_conf),
	  .offset = offsetof(struct mxg_static_user_conf, threepids),
	  .doc = "e-mail addresses and phone numbers" },
	{ .key = NULL },
};

static const struct mxg_conf_def static_table[] = {
	{ .key = "users", .type = MXG_CONF_LIST, .sub = user_table,
	  .elem_size = sizeof(struct mxg_static_user_conf),
	  .offset = offsetof(struct mxg_static_settings, users),
	  .doc = "the people of this store" },
	{ .key = "users_file", .type = MXG_CONF_STRING,
	  .offset = offsetof(struct mxg_static_settings, users_file),
	  .doc = "file of more people, one per line: localpart, display name, password hash, "
		 "3PIDs (medium:address,...), tab-separated" },
	{ .key = NULL },
};

static const char *field(const struct static_person *p, enum person_field f)
{
	const char *s = p->strings;

	for (int i = 0; i < (int)f; i++)
		s += strlen(s) + 1;
	return s[0] != '\0' || f == F_LOCALPART ? s : NULL;
}

#define LOCALPART(p) ((p)->strings)

/* Matrix localparts: a-z 0-9 . _ = - / + (the spec's historical set). */
static bool localpart_valid(const char *lp)
{
	if (lp[0] == '\0' || strlen(lp) > 255)
		return false;
	for (const char *p = lp; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      strchr("._=-/+", *p) != NULL))
			return false;
	return true;
}

static const char *medium_name(const char *medium)
{
	for (size_t i = 0; i < sizeof(media) / sizeof(media[0]); i++)
		if (strcmp(medium, media[i]) == 0)
			return media[i];
	return NULL;
}

static int person_cmp(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return strcmp(LOCALPART((const struct static_person *)a),
		      LOCALPART((const struct static_person *)b));
}

static const struct mxg_3pid *tpid_of(const struct static_ctx *ctx, const struct static_3pid *t)
{
	return &ctx->people[t->person].threepids[t->index];
}

static int tpid_key_cmp(const struct mxg_3pid *x, const struct mxg_3pid *y)
{
	/* Media are interned (media[]): equal pointers are equal media. */
	int c = x->medium == y->medium ? 0 : strcmp(x->medium, y->medium);

	return c != 0 ? c : strcmp(x->address, y->address);
}

static int tpid_cmp(const void *a, const void *b, void *ctx)
{
	return tpid_key_cmp(tpid_of(ctx, a), tpid_of(ctx, b));
}

/* Pack the person's strings into one arena block. */
static const char *pack_strings(struct mxg_arena *arena, const struct mxg_static_user_conf *u)
{
	const char *f[F_COUNT] = { u->localpart, u->display_name, u->password_hash, u->avatar_url };
	size_t len[F_COUNT], total = 0, off = 0;
	char block[2048], *big = NULL, *buf = block;
	const char *out;

	for (int i = 0; i < F_COUNT; i++) {
		len[i] = f[i] != NULL ? strlen(f[i]) : 0;
		total += len[i] + 1;
	}
	if (total > sizeof(block) && (buf = big = malloc(total)) == NULL)
		return NULL;
	for (int i = 0; i < F_COUNT; i++) {
		memcpy(buf + off, f[i] != NULL ? f[i] : "", len[i] + 1);
		off += len[i] + 1;
	}
	/* strndup copies embedded NULs too and adds one more. */
	out = mxg_arena_strndup(arena, buf, total - 1);
	explicit_bzero(buf, total);
	free(big);
	return out;
}

/* Copy one person (inline or from the users_file) into the store. */
static int add_person(void *vctx, const struct mxg_static_user_conf *u, struct mxg_error *err)
{
	const struct mxg_static_threepid_conf *tc = u->threepids.items;
	struct static_ctx *ctx = vctx;
	struct static_person *p;

	if (ctx->people_count == ctx->people_cap)
		return mxg_error_set(err, EAGAIN, "users_file changed while it was read");
	if (!localpart_valid(u->localpart))
		return mxg_error_set(err, EINVAL, "user '%s': invalid localpart (use a-z 0-9 . _ = - / +)",
				     u->localpart);
	if (u->password_hash != NULL && !mxg_password_hash_supported(u->password_hash))
		return mxg_error_set(err, EINVAL,
				     "user '%s': password_hash is not a crypt(3) or argon2id hash",
				     u->localpart);
	p = &ctx->people[ctx->people_count];
	p->strings = pack_strings(ctx->arena, u);
	if (p->strings == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	p->disabled = u->disabled;
	p->threepid_count = (uint32_t)u->threepids.count;
	p->threepids = u->threepids.count == 0 ? NULL :
		       mxg_arena_alloc(ctx->arena, sizeof(*p->threepids) * u->threepids.count);
	for (size_t i = 0; i < u->threepids.count; i++) {
		const char *m = medium_name(tc[i].medium);
		char *addr;

		if (m == NULL)
			return mxg_error_set(err, EINVAL, "user '%s': unknown medium '%s' (email, msisdn)",
					     u->localpart, tc[i].medium);
		addr = mxg_3pid_canonicalize(ctx->arena, tc[i].medium, tc[i].address);
		if (addr == NULL)
			return mxg_error_set(err, EINVAL, "user '%s': invalid %s address '%s'",
					     u->localpart, tc[i].medium, tc[i].address);
		p->threepids[i].medium = m;
		p->threepids[i].address = addr;
		ctx->tpid_count++;
	}
	ctx->people_count++;
	return 0;
}

static int build_tables(struct static_ctx *ctx, struct mxg_error *err)
{
	size_t fill = 0;

	/* Sort people first: the 3PID table refers to their final positions. */
	mxg_sort(ctx->people, ctx->people_count, sizeof(*ctx->people), person_cmp, NULL);
	for (size_t i = 1; i < ctx->people_count; i++)
		if (person_cmp(&ctx->people[i - 1], &ctx->people[i], NULL) == 0)
			return mxg_error_set(err, EEXIST, "user '%s' listed twice",
					     LOCALPART(&ctx->people[i]));
	ctx->tpids = mxg_arena_alloc(ctx->arena, sizeof(*ctx->tpids) * (ctx->tpid_count + 1));
	for (size_t i = 0; i < ctx->people_count; i++)
		for (size_t j = 0; j < ctx->people[i].threepid_count; j++)
			ctx->tpids[fill++] = (struct static_3pid){ (uint32_t)i, (uint32_t)j };
	mxg_sort(ctx->tpids, ctx->tpid_count, sizeof(*ctx->tpids), tpid_cmp, ctx);
	for (size_t i = 1; i < ctx->tpid_count; i++)
		if (tpid_cmp(&ctx->tpids[i - 1], &ctx->tpids[i], ctx) == 0)
			return mxg_error_set(err, EEXIST, "%s '%s' belongs to both '%s' and '%s'",
					     tpid_of(ctx, &ctx->tpids[i])->medium,
					     tpid_of(ctx, &ctx->tpids[i])->address,
					     LOCALPART(&ctx->people[ctx->tpids[i - 1].person]),
					     LOCALPART(&ctx->people[ctx->tpids[i].person]));
	return 0;
}

static int static_init(struct mxg_store *s, struct mxg_error *err)
{
	const struct mxg_static_settings *set = s->settings;
	const struct mxg_static_user_conf *users = set->users.items;
	struct static_ctx *ctx = calloc(1, sizeof(*ctx));
	size_t from_file = 0;

	if (ctx == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	s->ctx = ctx;
	ctx->arena = mxg_arena_create(65536);
	ctx->server_name = s->env->server_name;
	if (set->users_file != NULL &&
	    mxg_static_users_file_count(set->users_file, &from_file, err) < 0)
		return -1;
	ctx->people_cap = set->users.count + from_file;
	ctx->people = calloc(ctx->people_cap + 1, sizeof(*ctx->people));
	if (ctx->people == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory for %zu people", ctx->people_cap);
	for (size_t i = 0; i < set->users.count; i++)
		if (add_person(ctx, &users[i], err) < 0)
			return -1;
	if (set->users_file != NULL &&
	    mxg_static_users_file_read(set->users_file, add_person, ctx, err) < 0)
		return -1;
	for (size_t i = 0; i < ctx->people_count && ctx->decoy_hash == NULL; i++)
		ctx->decoy_hash = field(&ctx->people[i], F_PASSWORD_HASH);
	return build_tables(ctx, err);
}

static void static_deinit(struct mxg_store *s)
{
	struct static_ctx *ctx = s->ctx;

	if (ctx == NULL)
		return;
	mxg_arena_destroy(&ctx->arena);
	free(ctx->people);
	free(ctx);
	s->ctx = NULL;
}

static const struct static_person *find_localpart(const struct static_ctx *ctx, const char *lp)
{
	size_t lo = 0, hi = ctx->people_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(lp, LOCALPART(&ctx->people[mid]));

		if (c == 0)
			return &ctx->people[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* A full Matrix ID of our server, or a bare localpart. */
static const struct static_person *find_user(const struct static_ctx *ctx, const char *user)
{
	if (user[0] == '@') {
		const char *colon = strchr(user, ':');
		char lp[256];
		size_t n;

		if (colon == NULL || strcmp(colon + 1, ctx->server_name) != 0)
			return NULL;
		n = (size_t)(colon - user - 1);
		if (n == 0 || n >= sizeof(lp))
			return NULL;
		memcpy(lp, user + 1, n);
		lp[n] = '\0';
		return find_localpart(ctx, lp);
	}
	return find_localpart(ctx, user);
}

static const struct static_person *find_3pid(const struct static_ctx *ctx,
					     const struct mxg_3pid *q, struct mxg_arena *arena)
{
	struct mxg_3pid key = { medium_name(q->medium), NULL };
	size_t lo = 0, hi = ctx->tpid_count;

	if (key.medium == NULL)
		return NULL;
	key.address = mxg_3pid_canonicalize(arena, q->medium, q->address);
	if (key.address == NULL)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = tpid_key_cmp(&key, tpid_of(ctx, &ctx->tpids[mid]));

		if (c == 0)
			return &ctx->people[ctx->tpids[mid].person];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const char *user_id_of(const struct static_ctx *ctx, const struct static_person *p,
			      struct mxg_arena *arena)
{
	return mxg_arena_printf(arena, "@%s:%s", LOCALPART(p), ctx->server_name);
}

static void fill_person(const struct static_ctx *ctx, const struct static_person *p,
			struct mxg_arena *arena, struct mxg_person *out)
{
	out->user_id = user_id_of(ctx, p, arena);
	out->display_name = field(p, F_DISPLAY_NAME);
	out->avatar_url = field(p, F_AVATAR_URL);
	out->threepids = p->threepids;
	out->threepid_count = p->threepid_count;
}

static enum mxg_store_result static_authenticate(struct mxg_store *s, const struct mxg_cred *cred,
						 struct mxg_arena *arena, struct mxg_person *person_r,
						 struct mxg_error *err)
{
	const struct static_ctx *ctx = s->ctx;
	const struct static_person *p;
	const char *hash;

	if (cred->medium != NULL) {
		struct mxg_3pid q = { cred->medium, cred->user };
		p = find_3pid(ctx, &q, arena);
	} else {
		p = find_user(ctx, cred->user);
	}
	hash = p != NULL ? field(p, F_PASSWORD_HASH) : NULL;
	if (hash == NULL) {
		/* Unknown, or without a password: as slow as a wrong password. */
		if (ctx->decoy_hash != NULL)
			(void)mxg_password_verify(cred->password, cred->password_len,
						  ctx->decoy_hash);
		return p == NULL ? MXG_STORE_NOT_FOUND : MXG_STORE_DENIED;
	}
	switch (mxg_password_verify(cred->password, cred->password_len, hash)) {
	case MXG_PASSWORD_MATCH:
		break;
	case MXG_PASSWORD_MISMATCH:
		return MXG_STORE_DENIED;
	case MXG_PASSWORD_BAD_HASH:
		mxg_error_set(err, EINVAL, "user '%s': unusable password hash", LOCALPART(p));
		return MXG_STORE_INTERNAL;
	}
	/* Disabled is told only to someone who knows the password. */
	if (p->disabled)
		return MXG_STORE_DISABLED;
	fill_person(ctx, p, arena, person_r);
	return MXG_STORE_OK;
}

static enum mxg_store_result static_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
					   struct mxg_arena *arena, const char **user_id_r,
					   struct mxg_error *err)
{
	const struct static_person *p = find_3pid(s->ctx, tpid, arena);

	(void)err;
	if (p == NULL)
		return MXG_STORE_NOT_FOUND;
	*user_id_r = user_id_of(s->ctx, p, arena);
	return MXG_STORE_OK;
}

static enum mxg_store_result static_lookup_bulk(struct mxg_store *s, const struct mxg_3pid *tpids,
						size_t count, struct mxg_arena *arena,
						const char **user_ids_r, struct mxg_error *err)
{
	(void)err;
	for (size_t i = 0; i < count; i++) {
		const struct static_person *p = find_3pid(s->ctx, &tpids[i], arena);
		if (p != NULL)
			user_ids_r[i] = user_id_of(s->ctx, p, arena);
	}
	return MXG_STORE_OK;
}

static enum mxg_store_result static_enumerate(struct mxg_store *s, mxg_store_3pid_fn *cb,
					      void *cb_ctx, struct mxg_error *err)
{
	const struct static_ctx *ctx = s->ctx;
	char user_id[512];

	(void)err;
	/* Person by person, so that a consumer sees one user's 3PIDs together. */
	for (size_t i = 0; i < ctx->people_count; i++) {
		const struct static_person *p = &ctx->people[i];

		snprintf(user_id, sizeof(user_id), "@%s:%s", LOCALPART(p), ctx->server_name);
		for (uint32_t j = 0; j < p->threepid_count; j++)
			if (cb(cb_ctx, p->threepids[j].medium, p->threepids[j].address, user_id) != 0)
				return MXG_STORE_OK;
	}
	return MXG_STORE_OK;
}

static enum mxg_store_result static_search(struct mxg_store *s, const char *term, size_t limit,
					   struct mxg_arena *arena, struct mxg_person **people_r,
					   size_t *count_r, struct mxg_error *err)
{
	const struct static_ctx *ctx = s->ctx;
	struct mxg_person *out;
	size_t n = 0;

	(void)err;
	out = mxg_arena_alloc(arena, sizeof(*out) * (limit + 1));
	for (size_t i = 0; i < ctx->people_count && n < limit; i++) {
		const struct static_person *p = &ctx->people[i];
		const char *display = field(p, F_DISPLAY_NAME);

		if (strcasestr(LOCALPART(p), term) != NULL ||
		    (display != NULL && strcasestr(display, term) != NULL))
			fill_person(ctx, p, arena, &out[n++]);
	}
	*people_r = out;
	*count_r = n;
	return MXG_STORE_OK;
}

static enum mxg_store_result static_profile(struct mxg_store *s, const char *user_id,
					    struct mxg_arena *arena, struct mxg_person *person_r,
					    struct mxg_error *err)
{
	const struct static_person *p;

	(void)err;
	if (user_id[0] != '@')
		return MXG_STORE_NOT_FOUND;
	p = find_user(s->ctx, user_id);
	if (p == NULL)
		return MXG_STORE_NOT_FOUND;
	fill_person(s->ctx, p, arena, person_r);
	return MXG_STORE_OK;
}

const struct mxg_store_driver mxg_store_static = {
	.abi_version = MXG_STORE_ABI,
	.name = "static",
	.settings = static_table,
	.settings_size = sizeof(struct mxg_static_settings),
	.init = static_init,
	.deinit = static_deinit,
	.authenticate = static_authenticate,
	.lookup = static_lookup,
	.lookup_bulk = static_lookup_bulk,
	.enumerate_3pids = static_enumerate,
	.directory_search = static_search,
	.profile = static_profile,
};
