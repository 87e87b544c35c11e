/*
 * local.c: the built-in `local` store (see local.h).
 *
 * The store opens mxgate's own database (the env's settings) on first use,
 * not at init, so that `mxgate config check` creates nothing.  Unknown
 * names cost a decoy hash check, as a wrong password costs a real one.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/config-internal.h"
#include "core/log.h"
#include "core/password.h"
#include "core/threepid.h"
#include "db/db.h"
#include "stores/local.h"

#define SEARCH_MAX 100

struct local_ctx {
	const struct mxg_local_settings *set;
	pthread_mutex_t lock;
	struct mxg_db *db;		/* opened on first use */
	char *decoy_hash;		/* made at first need */
};

static const struct mxg_conf_def local_settings[] = {
	{ .key = "hash_version", .type = MXG_CONF_INT,
	  .offset = F(mxg_local_settings, hash_version), .dflt = "2", .min = 1,
	  .max = MXG_PASSWORD_SCHEME_LATEST, .doc = "the password scheme new hashes use" },
	{ .key = "password_min_length", .type = MXG_CONF_INT,
	  .offset = F(mxg_local_settings, min_length), .dflt = "10", .min = 6, .max = 128,
	  .doc = "shortest password accepted (characters)" },
	{ .key = "password_min_classes", .type = MXG_CONF_INT,
	  .offset = F(mxg_local_settings, min_classes), .dflt = "2", .min = 1, .max = 4,
	  .doc = "kinds of character a password needs: lower, upper, digit, other" },
	{ .key = NULL },
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *mxg_local_password_policy(const struct mxg_local_settings *set, const char *localpart,
				      const char *password)
{
	int classes[4] = { 0 }, n = 0;
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)password; *p != '\0'; p++) {
		if ((*p & 0xc0) != 0x80)
			chars++;	/* a UTF-8 character starts here */
		if (islower(*p))
			classes[0] = 1;
		else if (isupper(*p))
			classes[1] = 1;
		else if (isdigit(*p))
			classes[2] = 1;
		else
			classes[3] = 1;
	}
	for (int i = 0; i < 4; i++)
		n += classes[i];
	if ((long long)chars < set->min_length)
		return "the password is too short";
	if (n < set->min_classes)
		return "the password needs more kinds of character (lower case, upper case, "
		       "digits, others)";
	if (localpart != NULL && strcasecmp(password, localpart) == 0)
		return "the password may not be the user name";
	return NULL;
}

static struct mxg_db *db_of(struct mxg_store *s, struct mxg_error *err)
{
	struct local_ctx *ctx = s->ctx;
	struct mxg_db *db;

	pthread_mutex_lock(&ctx->lock);
	if (ctx->db == NULL && mxg_db_open(s->env->database, &ctx->db, err) < 0)
		ctx->db = NULL;
	db = ctx->db;
	pthread_mutex_unlock(&ctx->lock);
	return db;
}

static int local_init(struct mxg_store *s, struct mxg_error *err)
{
	struct local_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	if (s->env->database == NULL) {
		free(ctx);
		return mxg_error_set(err, EINVAL, "local store: no database to keep accounts in");
	}
	ctx->set = s->settings;
	pthread_mutex_init(&ctx->lock, NULL);
	s->ctx = ctx;
	return 0;
}

static void local_deinit(struct mxg_store *s)
{
	struct local_ctx *ctx = s->ctx;

	if (ctx == NULL)
		return;
	mxg_db_close(&ctx->db);
	free(ctx->decoy_hash);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
	s->ctx = NULL;
}

/* "@alice:our.server" or "alice" -> "alice"; NULL for another server's. */
static const char *localpart_of(struct mxg_store *s, const char *user, struct mxg_arena *a)
{
	const char *colon;
	char *lp;

	if (user[0] != '@') {
		lp = mxg_arena_strdup(a, user);
	} else {
		colon = strchr(user, ':');
		if (colon == NULL || strcmp(colon + 1, s->env->server_name) != 0)
			return NULL;
		lp = mxg_arena_strndup(a, user + 1, (size_t)(colon - user - 1));
	}
	for (char *p = lp; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return lp;
}

#define ACCOUNT_COLS "localpart, display_name, email, email_verified_at, password_hash," \
		     " hash_version, locked_at, deactivated_at"

static void person_from(struct mxg_store *s, const struct mxg_db_result *res, size_t row,
			struct mxg_arena *a, struct mxg_person *p)
{
	const char *email = mxg_db_result_get(res, row, 2);
	struct mxg_3pid *t;

	memset(p, 0, sizeof(*p));
	p->user_id = mxg_arena_printf(a, "@%s:%s", mxg_db_result_get(res, row, 0),
				      s->env->server_name);
	if (mxg_db_result_get(res, row, 1) != NULL)
		p->display_name = mxg_arena_strdup(a, mxg_db_result_get(res, row, 1));
	if (email != NULL && mxg_db_result_get(res, row, 3) != NULL) {
		t = mxg_arena_alloc(a, sizeof(*t));
		t->medium = "email";
		t->address = mxg_arena_strdup(a, email);
		p->threepids = t;
		p->threepid_count = 1;
	}
}

/* The account a login name or verified address names: 1 with *res, 0, -1. */
static int find(struct mxg_store *s, struct mxg_db *db, const char *user, const char *medium,
		struct mxg_arena *a, struct mxg_db_result **res, struct mxg_error *err)
{
	const char *key;
	const char *const params[1] = { NULL };
	int found;

	if (medium != NULL) {
		if (strcmp(medium, "email") != 0)
			return 0;
		key = user;
	} else {
		key = localpart_of(s, user, a);
		if (key == NULL)
			return 0;
	}
	((const char **)params)[0] = key;
	if (mxg_db_query(db, medium != NULL ?
			 "SELECT " ACCOUNT_COLS " FROM local_accounts WHERE email = $1 AND"
			 " email_verified_at IS NOT NULL" :
			 "SELECT " ACCOUNT_COLS " FROM local_accounts WHERE localpart = $1", 1,
			 params, res, err) < 0)
		return -1;
	found = mxg_db_result_rows(*res) == 1;
	if (!found)
		mxg_db_result_free(res);
	return found;
}

/* Another scheme than the current: hash again now that the password is
 * known (a failure only postpones it to the next login). */
static void rehash(struct mxg_store *s, struct mxg_db *db, const char *localpart,
		   const char *password, size_t len, long long from)
{
	struct local_ctx *ctx = s->ctx;
	char *hash = mxg_password_hash_scheme((int)ctx->set->hash_version, password, len);
	char version[24];
	const char *const params[] = { localpart, hash, version };
	struct mxg_error err;

	if (hash == NULL)
		return;
	mxg_db_num(version, ctx->set->hash_version);
	mxg_error_clear(&err);
	if (mxg_db_query(db, "UPDATE local_accounts SET password_hash = $2, hash_version = $3"
			 " WHERE localpart = $1", 3, params, NULL, &err) < 0)
		mxg_warning("local store '%s': re-hashing %s's password: %s", s->name, localpart,
			    err.msg);
	else
		mxg_info("local store '%s': %s's password re-hashed (scheme %lld -> %lld)",
			 s->name, localpart, from, ctx->set->hash_version);
	explicit_bzero(hash, strlen(hash));
	free(hash);
}

static enum mxg_store_result local_authenticate(struct mxg_store *s, const struct mxg_cred *cred,
						struct mxg_arena *a, struct mxg_person *person_r,
						struct mxg_error *err)
{
	struct local_ctx *ctx = s->ctx;
	struct mxg_db *db = db_of(s, err);
	struct mxg_db_result *res = NULL;
	enum mxg_store_result out;
	const char *hash;
	long long version;
	int found;

	if (db == NULL)
		return MXG_STORE_UNAVAILABLE;
	if (cred->password == NULL || cred->password_len == 0)
		return MXG_STORE_DENIED;
	found = find(s, db, cred->user, cred->medium, a, &res, err);
	if (found < 0)
		return MXG_STORE_UNAVAILABLE;
	if (found == 0) {
		/* The same work as a wrong password. */
		pthread_mutex_lock(&ctx->lock);
		if (ctx->decoy_hash == NULL)
			ctx->decoy_hash = mxg_password_hash_scheme((int)ctx->set->hash_version,
								   "decoy password", 14);
		pthread_mutex_unlock(&ctx->lock);
		if (ctx->decoy_hash != NULL)
			(void)mxg_password_verify(cred->password, cred->password_len,
						  ctx->decoy_hash);
		return MXG_STORE_NOT_FOUND;
	}
	hash = mxg_db_result_get(res, 0, 4);
	version = mxg_db_result_ll(res, 0, 5);
	if (hash == NULL || mxg_password_verify(cred->password, cred->password_len, hash) !=
	    MXG_PASSWORD_MATCH) {
		out = MXG_STORE_DENIED;
	} else if (mxg_db_result_get(res, 0, 6) != NULL || mxg_db_result_get(res, 0, 7) != NULL) {
		out = MXG_STORE_DISABLED;	/* locked or deactivated */
	} else {
		if (version != ctx->set->hash_version)
			rehash(s, db, mxg_db_result_get(res, 0, 0), cred->password,
			       cred->password_len, version);
		person_from(s, res, 0, a, person_r);
		out = MXG_STORE_OK;
	}
	mxg_db_result_free(&res);
	return out;
}

static enum mxg_store_result local_lookup(struct mxg_store *s, const struct mxg_3pid *tpid,
					  struct mxg_arena *a, const char **user_id_r,
					  struct mxg_error *err)
{
	struct mxg_db *db = db_of(s, err);
	struct mxg_db_result *res = NULL;
	int found;

	if (db == NULL)
		return MXG_STORE_UNAVAILABLE;
	found = find(s, db, tpid->address, tpid->medium, a, &res, err);
	if (found <= 0)
		return found < 0 ? MXG_STORE_UNAVAILABLE : MXG_STORE_NOT_FOUND;
	*user_id_r = mxg_arena_printf(a, "@%s:%s", mxg_db_result_get(res, 0, 0),
				      s->env->server_name);
	mxg_db_result_free(&res);
	return MXG_STORE_OK;
}

static enum mxg_store_result local_profile(struct mxg_store *s, const char *user_id,
					   struct mxg_arena *a, struct mxg_person *person_r,
					   struct mxg_error *err)
{
	struct mxg_db *db = db_of(s, err);
	struct mxg_db_result *res = NULL;
	int found;

	if (db == NULL)
		return MXG_STORE_UNAVAILABLE;
	found = find(s, db, user_id, NULL, a, &res, err);
	if (found <= 0)
		return found < 0 ? MXG_STORE_UNAVAILABLE : MXG_STORE_NOT_FOUND;
	person_from(s, res, 0, a, person_r);
	mxg_db_result_free(&res);
	return MXG_STORE_OK;
}

static enum mxg_store_result local_enumerate(struct mxg_store *s, mxg_store_3pid_fn *cb,
					     void *cb_ctx, struct mxg_error *err)
{
	struct mxg_db *db = db_of(s, err);
	struct mxg_db_result *res = NULL;

	if (db == NULL)
		return MXG_STORE_UNAVAILABLE;
	if (mxg_db_query(db, "SELECT localpart, email FROM local_accounts WHERE email IS NOT NULL"
			 " AND email_verified_at IS NOT NULL AND deactivated_at IS NULL", 0, NULL,
			 &res, err) < 0)
		return MXG_STORE_UNAVAILABLE;
	for (size_t i = 0; i < mxg_db_result_rows(res); i++) {
		char user_id[512];

		snprintf(user_id, sizeof(user_id), "@%s:%s", mxg_db_result_get(res, i, 0),
			 s->env->server_name);
		if (cb(cb_ctx, "email", mxg_db_result_get(res, i, 1), user_id) != 0)
			break;
	}
	mxg_db_result_free(&res);
	return MXG_STORE_OK;
}

static enum mxg_store_result local_search(struct mxg_store *s, const char *term, size_t limit,
					  struct mxg_arena *a, struct mxg_person **people_r,
					  size_t *count_r, struct mxg_error *err)
{
	struct mxg_db *db = db_of(s, err);
	struct mxg_db_result *res = NULL;
	char lim[24], *pattern, *o;
	const char *const params[] = { NULL, lim };
	size_t n;

	*count_r = 0;
	if (db == NULL)
		return MXG_STORE_UNAVAILABLE;
	/* LIKE with its wildcards in the term escaped. */
	pattern = o = mxg_arena_alloc(a, 2 * strlen(term) + 3);
	*o++ = '%';
	for (const char *p = term; *p != '\0'; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = (char)tolower((unsigned char)*p);
	}
	*o++ = '%';
	*o = '\0';
	((const char **)params)[0] = pattern;
	snprintf(lim, sizeof(lim), "%zu", limit < SEARCH_MAX ? limit : SEARCH_MAX);
	if (mxg_db_query(db, "SELECT " ACCOUNT_COLS " FROM local_accounts WHERE"
			 " deactivated_at IS NULL AND (localpart LIKE $1 ESCAPE '\\' OR"
			 " LOWER(display_name) LIKE $1 ESCAPE '\\') ORDER BY localpart LIMIT $2",
			 2, params, &res, err) < 0)
		return MXG_STORE_UNAVAILABLE;
	n = mxg_db_result_rows(res);
	*people_r = mxg_arena_alloc(a, (n > 0 ? n : 1) * sizeof(**people_r));
	for (size_t i = 0; i < n; i++)
		person_from(s, res, i, a, &(*people_r)[i]);
	*count_r = n;
	mxg_db_result_free(&res);
	return MXG_STORE_OK;
}

const struct mxg_store_driver mxg_store_local = {
	.abi_version = MXG_STORE_ABI,
	.name = "local",
	.settings = local_settings,
	.settings_size = sizeof(struct mxg_local_settings),
	.init = local_init,
	.deinit = local_deinit,
	.authenticate = local_authenticate,
	.lookup = local_lookup,
	.enumerate_3pids = local_enumerate,
	.directory_search = local_search,
	.profile = local_profile,
};

int mxg_local_account_insert(struct mxg_db *db, const char *localpart, const char *display_name,
			     const char *email, const char *hash, int version,
			     struct mxg_error *err)
{
	char v[24], now[24];
	const char *const params[] = { localpart, display_name, email, email != NULL ? now : NULL,
				       hash, v, now };
	struct mxg_db_result *res = NULL;
	int rc;

	snprintf(v, sizeof(v), "%d", version);
	mxg_db_num(now, now_ms());
	if (mxg_db_query(db, "INSERT INTO local_accounts (localpart, display_name, email,"
			 " email_verified_at, password_hash, hash_version, created_at)"
			 " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING", 7, params,
			 &res, err) < 0)
		return -1;
	rc = mxg_db_result_affected(res) == 1 ? 0 : 1;
	mxg_db_result_free(&res);
	return rc;
}

int mxg_local_account_create(struct mxg_db *db, const struct mxg_local_settings *set,
			     const char *localpart, const char *display_name, const char *email,
			     const char *password, struct mxg_error *err)
{
	char *hash = mxg_password_hash_scheme((int)set->hash_version, password, strlen(password));
	int rc;

	if (hash == NULL)
		return mxg_error_set(err, EINVAL, "cannot hash that password");
	rc = mxg_local_account_insert(db, localpart, display_name, email, hash,
				      (int)set->hash_version, err);
	explicit_bzero(hash, strlen(hash));
	free(hash);
	return rc;
}

int mxg_local_account_taken(struct mxg_db *db, const char *localpart, const char *email,
			    struct mxg_error *err)
{
	const char *const params[] = { localpart, email };
	struct mxg_db_result *res = NULL;
	int taken;

	if (mxg_db_query(db, "SELECT 1 FROM local_accounts WHERE localpart = $1 OR email = $2", 2,
			 params, &res, err) < 0)
		return -1;
	taken = mxg_db_result_rows(res) > 0;
	mxg_db_result_free(&res);
	return taken;
}

int mxg_local_account_by_email(struct mxg_db *db, const char *email, struct mxg_arena *a,
			       const char **localpart_r, struct mxg_error *err)
{
	const char *const params[] = { email };
	struct mxg_db_result *res = NULL;
	int found;

	if (mxg_db_query(db, "SELECT localpart FROM local_accounts WHERE email = $1 AND"
			 " email_verified_at IS NOT NULL AND deactivated_at IS NULL", 1, params,
			 &res, err) < 0)
		return -1;
	found = mxg_db_result_rows(res) == 1;
	if (found)
		*localpart_r = mxg_arena_strdup(a, mxg_db_result_get(res, 0, 0));
	mxg_db_result_free(&res);
	return found;
}

int mxg_local_account_set_password(struct mxg_db *db, const struct mxg_local_settings *set,
				   const char *localpart, const char *password,
				   struct mxg_error *err)
{
	char *hash = mxg_password_hash_scheme((int)set->hash_version, password, strlen(password));
	char version[24];
	const char *const params[] = { localpart, hash, version };
	struct mxg_db_result *res = NULL;
	int rc;

	if (hash == NULL)
		return mxg_error_set(err, EINVAL, "cannot hash that password");
	mxg_db_num(version, set->hash_version);
	rc = mxg_db_query(db, "UPDATE local_accounts SET password_hash = $2, hash_version = $3"
			  " WHERE localpart = $1", 3, params, &res, err);
	explicit_bzero(hash, strlen(hash));
	free(hash);
	if (rc < 0)
		return -1;
	rc = mxg_db_result_affected(res) == 1;
	mxg_db_result_free(&res);
	return rc;
}

int mxg_local_account_lock(struct mxg_db *db, const char *localpart, bool lock,
			   struct mxg_error *err)
{
	char now[24];
	const char *const params[] = { localpart, lock ? now : NULL };
	struct mxg_db_result *res = NULL;
	int rc;

	mxg_db_num(now, now_ms());
	if (mxg_db_query(db, "UPDATE local_accounts SET locked_at = $2 WHERE localpart = $1", 2,
			 params, &res, err) < 0)
		return -1;
	rc = mxg_db_result_affected(res) == 1;
	mxg_db_result_free(&res);
	return rc;
}
