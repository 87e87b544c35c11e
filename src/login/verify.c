/*
 * verify.c: a login attempt: the login name in any of its shapes turned
 * into a store credential, the lockout consulted, the store chain asked,
 * and the outcome counted.
 *
 * Refusals are paced: a wrong password and an unknown name take different
 * paths through a store (the LDAP store finds an entry and binds as it, or
 * finds none and makes a decoy bind; a chain of stores asks every store
 * about a name nobody has), and what is left of the difference after the
 * decoys would tell an attacker which names exist.  Each refusal is held
 * until it has taken as long as the slower kind of refusal takes on
 * average.
 */
#include "config.h"

#include <ctype.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "core/app.h"
#include "core/arena.h"
#include "core/mxconfig.h"
#include "core/threepid.h"
#include "login/lockout.h"
#include "login/login.h"
#include "stores/chain.h"

/* The medium a bare login name implies, or NULL for a user name. */
static const char *implied_medium(const char *id)
{
	if (id[0] != '@' && strchr(id, '@') != NULL)
		return "email";
	if (id[0] == '+')
		return "msisdn";
	return NULL;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A refusal is never held longer than this (a store that was slow for a
 * while must not make every refusal slow for long). */
#define PACE_MAX_NS	(500LL * 1000 * 1000)

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * A refusal of the given kind (0 denied, 1 not found) whose chain call
 * started at started_ns: its time goes into that kind's running average
 * (kind -1: no store was asked, nothing to learn), then it waits until it
 * has taken as long as the slower average.
 */
static void pace_refusal(struct mxg_login_pace *pace, int kind, long long started_ns)
{
	long long took = mono_ns() - started_ns, target;
	struct timespec ts;

	if (kind >= 0) {
		long long avg = atomic_load_explicit(&pace->refused_ns[kind], memory_order_relaxed);

		/* Racy read-modify-write: a lost sample does not matter. */
		avg = avg == 0 ? took : avg + (took - avg) / 8;
		atomic_store_explicit(&pace->refused_ns[kind], avg, memory_order_relaxed);
	}
	target = atomic_load_explicit(&pace->refused_ns[0], memory_order_relaxed);
	if (target < atomic_load_explicit(&pace->refused_ns[1], memory_order_relaxed))
		target = atomic_load_explicit(&pace->refused_ns[1], memory_order_relaxed);
	if (target > PACE_MAX_NS)
		target = PACE_MAX_NS;
	if (took >= target)
		return;
#ifdef PR_SET_TIMERSLACK
	/* The default 50 us of slack is the size of what is being hidden. */
	{
		static _Thread_local bool slack_set;

		if (!slack_set) {
			(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
			slack_set = true;
		}
	}
#endif
	ts.tv_sec = (time_t)((target - took) / 1000000000LL);
	ts.tv_nsec = (long)((target - took) % 1000000000LL);
	while (nanosleep(&ts, &ts) < 0)
		;
}

/*
 * Fill cred from the login name; *account_r (may be NULL) gets the name
 * the lockout counts: "medium:address" for a 3PID, else the lower-cased
 * localpart for our users and the lower-cased Matrix ID for others, so that
 * "Alice", "alice" and "@alice:example.org" are one account.  -1 when the
 * name cannot be anybody's.
 */
static int resolve(struct mxg_arena *arena, const char *server_name, const char *id,
		   const char *medium, struct mxg_cred *cred, const char **account_r)
{
	const char *colon;
	char *account;

	if (id[0] == '\0')
		return -1;
	cred->medium = medium != NULL ? medium : implied_medium(id);
	if (cred->medium != NULL) {
		if (!mxg_3pid_medium_valid(cred->medium))
			return -1;
		cred->user = mxg_3pid_canonicalize(arena, cred->medium, id);
		if (cred->user == NULL)
			return -1;
		if (account_r != NULL)
			*account_r = mxg_arena_printf(arena, "%s:%s", cred->medium, cred->user);
		return 0;
	}
	cred->user = id;
	if (account_r == NULL)
		return 0;
	colon = id[0] == '@' ? strchr(id, ':') : NULL;
	if (colon != NULL && strcmp(colon + 1, server_name) == 0)
		account = mxg_arena_strndup(arena, id + 1, (size_t)(colon - id - 1));
	else
		account = mxg_arena_strdup(arena, id);
	for (char *p = account; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	*account_r = account;
	return 0;
}

enum mxg_login_result mxg_login_attempt(struct mxg_app *app, const struct mxg_login_request *rq,
					struct mxg_arena *arena, struct mxg_login_outcome *out,
					struct mxg_error *err)
{
	const struct mxg_lockout_conf *lockout = &app->config->login.lockout;
	struct mxg_cred cred = { .password = rq->password, .password_len = rq->password_len };
	const char *account = NULL;
	struct mxg_lockout_state lock;
	enum mxg_store_result res;
	long long now = now_ms(), started;

	memset(out, 0, sizeof(*out));
	if (resolve(arena, app->config->server_name, rq->id, rq->medium, &cred, &account) < 0) {
		/* Not a name anybody can have: counted against the IP only. */
		account = "";
	}
	if (mxg_lockout_check(app->db, lockout, account, rq->client_ip, now, &lock, err) < 0)
		return MXG_LOGIN_UNAVAILABLE;
	out->retry_after_ms = lock.retry_after_ms;
	if (out->retry_after_ms > 0)
		return MXG_LOGIN_LOCKED;
	started = mono_ns();
	if (account[0] == '\0')
		res = MXG_STORE_NOT_FOUND;
	else
		res = mxg_store_chain_authenticate(app->stores, &cred, arena, &out->person,
						   &out->store, err);
	out->store_result = res;
	switch (res) {
	case MXG_STORE_OK:
		if (lock.account_counted && mxg_lockout_succeeded(app->db, account, err) < 0)
			return MXG_LOGIN_UNAVAILABLE;
		return MXG_LOGIN_OK;
	case MXG_STORE_NOT_FOUND:
	case MXG_STORE_DENIED:
	case MXG_STORE_DISABLED:
		pace_refusal(&app->login_pace, account[0] == '\0' ? -1 :
			     res == MXG_STORE_DENIED ? 0 : 1, started);
		if (mxg_lockout_failed(app->db, lockout, account, rq->client_ip, now, err) < 0)
			return MXG_LOGIN_UNAVAILABLE;
		return MXG_LOGIN_REFUSED;
	case MXG_STORE_UNAVAILABLE:
	case MXG_STORE_INTERNAL:
		break;
	}
	return MXG_LOGIN_UNAVAILABLE;
}
