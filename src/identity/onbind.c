/*
 * onbind.c: the onbind queue (table onbind_queue, migration 6) and the
 * thread that delivers it to homeservers.  The rules are in onbind.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "db/db.h"
#include "http/client.h"
#include "identity/hs-resolve.h"
#include "identity/onbind.h"

#define JOB_ID_LEN 32
#define TIMEOUT_MS 10000
#define MAX_BACKOFF_MS (3600LL * 1000)
/* Looked at on its own this often at most, whatever the queue says. */
#define IDLE_WAKE_MS 5000
/* Jobs taken per pass: a long queue is worked through pass after pass. */
#define BATCH "50"

struct mxg_onbind {
	struct mxg_db *db;
	const struct mxg_config *cfg;

	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* wakes the thread: stop, or a new job */
	bool stopping;
	bool wake;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long to_ll(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* --- building and queueing ------------------------------------------------ */

int mxg_onbind_invites(struct mxg_db *db, const char *server_name,
		       const struct mxg_ed25519_key *key, const char *medium,
		       const char *address, const char *mxid, json_t **invites_r,
		       struct mxg_error *err)
{
	const char *params[2] = { medium, address };
	struct mxg_db_result *res;
	json_t *arr;
	size_t n;

	*invites_r = NULL;
	if (mxg_db_query(db, "SELECT token, room_id, sender FROM invites WHERE medium = $1"
			 " AND address = $2 AND delivered_at IS NULL ORDER BY created_at, token",
			 2, params, &res, err) < 0)
		return -1;
	arr = json_array();
	n = mxg_db_result_rows(res);
	for (size_t i = 0; arr != NULL && i < n; i++) {
		const char *token = mxg_db_result_get(res, i, 0);
		const char *room = mxg_db_result_get(res, i, 1);
		const char *sender = mxg_db_result_get(res, i, 2);
		json_t *signed_, *inv;

		if (token == NULL || room == NULL || sender == NULL)
			continue;
		signed_ = json_pack("{s:s,s:s}", "mxid", mxid, "token", token);
		if (signed_ == NULL || mxg_json_sign(signed_, server_name, key, err) < 0) {
			if (signed_ == NULL)
				mxg_error_set(err, ENOMEM, "out of memory");
			json_decref(signed_);
			json_decref(arr);
			mxg_db_result_free(&res);
			return -1;
		}
		inv = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "medium", medium, "address", address,
				"mxid", mxid, "room_id", room, "sender", sender, "signed", signed_);
		if (inv == NULL || json_array_append_new(arr, inv) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	mxg_db_result_free(&res);
	if (arr == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	*invites_r = arr;
	return 0;
}

static void wake(struct mxg_onbind *ob)
{
	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->wake = true;
	pthread_cond_signal(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
}

int mxg_onbind_queue(struct mxg_onbind *ob, struct mxg_db *db, const char *medium,
		     const char *address, const char *mxid, json_t *invites,
		     struct mxg_error *err)
{
	char id[JOB_ID_LEN + 1], now[24];
	const char *params[4] = { id, mxid, NULL, now };
	json_t *body;
	char *text;
	int rc;

	body = json_pack("{s:s,s:s,s:s,s:O}", "medium", medium, "address", address, "mxid", mxid,
			 "invites", invites);
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	if (mxg_random_token(id, JOB_ID_LEN) < 0) {
		free(text);
		return mxg_error_set(err, EIO, "no randomness for an onbind job id");
	}
	snprintf(now, sizeof(now), "%lld", now_ms());
	params[2] = text;
	rc = mxg_db_query(db, "INSERT INTO onbind_queue (id, mxid, body, attempts,"
			  " next_attempt_at, created_at) VALUES ($1, $2, $3, 0, $4, $4)",
			  4, params, NULL, err);
	free(text);
	if (rc == 0)
		wake(ob);
	return rc;
}

/* --- delivery ----------------------------------------------------------------- */

/* POST body to the homeserver of mxid.  Returns the HTTP status, 0 when no
 * answer came, -1 when the mxid's server name is not one (never deliverable). */
static long post_onbind(struct mxg_onbind *ob, const char *mxid, const char *body)
{
	struct mxg_arena *arena = mxg_arena_create(1024);
	struct mxg_http_client_resp resp;
	struct mxg_http_client_req req;
	struct mxg_hs_target target;
	struct mxg_error err;
	const char *colon = strchr(mxid, ':');
	char *server;
	long status = 0;

	if (arena == NULL)
		return 0;
	if (colon == NULL) {
		mxg_arena_destroy(&arena);
		return -1;
	}
	server = mxg_arena_strdup(arena, colon + 1);
	for (char *p = server; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	mxg_error_clear(&err);
	if (mxg_hs_resolve(ob->cfg, arena, server, &target, &err) < 0) {
		mxg_warning("onbind: cannot resolve %s: %s", server, err.msg);
		mxg_arena_destroy(&arena);
		return err.code == MXG_HS_ERR_INVALID_NAME ? -1 : 0;
	}
	req = (struct mxg_http_client_req){
		.method = "POST",
		.url = mxg_http_client_url(arena, target.base_url,
					   "/_matrix/federation/v1/3pid/onbind", NULL),
		.body = body, .body_len = strlen(body),
		.connect_to = target.connect_to,
		.timeout_ms = TIMEOUT_MS,
		.max_response = 64 * 1024,
	};
	if (mxg_http_client_request(&req, &resp, &err) == 0) {
		status = resp.status;
		mxg_http_client_resp_free(&resp);
	} else {
		mxg_info("onbind: %s: %s", server, err.msg);
	}
	mxg_arena_destroy(&arena);
	return status;
}

/* Mark the invites a delivered body carried. */
static void mark_delivered(struct mxg_db *db, const char *body, long long now)
{
	char when[24];
	const char *params[2] = { when, NULL };
	struct mxg_error err;
	json_t *j, *inv;
	size_t i;

	mxg_error_clear(&err);
	if ((j = mxg_json_parse_object(body, strlen(body), &err)) == NULL)
		return;
	snprintf(when, sizeof(when), "%lld", now);
	json_array_foreach(json_object_get(j, "invites"), i, inv) {
		params[1] = mxg_json_string(json_object_get(inv, "signed"), "token");
		if (params[1] != NULL &&
		    mxg_db_query(db, "UPDATE invites SET delivered_at = $1 WHERE token = $2", 2,
				 params, NULL, &err) < 0)
			mxg_error("onbind: cannot mark an invite delivered: %s", err.msg);
	}
	json_decref(j);
}

static void deliver(struct mxg_onbind *ob, const char *id, const char *mxid, const char *body,
		    long long attempts, long long created)
{
	char next[24], att[24];
	const char *del[1] = { id }, *upd[3] = { att, next, id };
	struct mxg_error err;
	long long now, backoff;
	long status = post_onbind(ob, mxid, body);

	now = now_ms();
	mxg_error_clear(&err);
	if (status >= 200 && status < 300) {
		mark_delivered(ob->db, body, now);
		if (mxg_db_query(ob->db, "DELETE FROM onbind_queue WHERE id = $1", 1, del, NULL,
				 &err) < 0)
			mxg_error("onbind: cannot remove a delivered job: %s", err.msg);
		else
			mxg_info("onbind: delivered to the homeserver of %s", mxid);
		return;
	}
	attempts++;
	if (status < 0 || now - created >= MXG_ONBIND_GIVE_UP_MS) {
		mxg_warning("onbind: giving up on the job for %s after %lld attempts (%s)", mxid,
			    attempts, status < 0 ? "invalid server name" : "48 h");
		if (mxg_db_query(ob->db, "DELETE FROM onbind_queue WHERE id = $1", 1, del, NULL,
				 &err) < 0)
			mxg_error("onbind: cannot remove a job: %s", err.msg);
		return;
	}
	backoff = attempts >= 12 ? MAX_BACKOFF_MS : (1LL << attempts) * 1000;
	if (backoff > MAX_BACKOFF_MS)
		backoff = MAX_BACKOFF_MS;
	snprintf(att, sizeof(att), "%lld", attempts);
	snprintf(next, sizeof(next), "%lld", now + backoff);
	mxg_info("onbind: homeserver of %s answered %ld, attempt %lld, retry in %lld s", mxid,
		 status, attempts, backoff / 1000);
	if (mxg_db_query(ob->db, "UPDATE onbind_queue SET attempts = $1, next_attempt_at = $2"
			 " WHERE id = $3", 3, upd, NULL, &err) < 0)
		mxg_error("onbind: cannot reschedule a job: %s", err.msg);
}

int mxg_onbind_run_due(struct mxg_onbind *ob, struct mxg_error *err)
{
	char now[24];
	const char *params[1] = { now };
	struct mxg_db_result *res;
	size_t n;

	snprintf(now, sizeof(now), "%lld", now_ms());
	if (mxg_db_query(ob->db, "SELECT id, mxid, body, attempts, created_at FROM onbind_queue"
			 " WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT " BATCH,
			 1, params, &res, err) < 0)
		return -1;
	n = mxg_db_result_rows(res);
	for (size_t i = 0; i < n; i++) {
		const char *id = mxg_db_result_get(res, i, 0), *mxid = mxg_db_result_get(res, i, 1);
		const char *body = mxg_db_result_get(res, i, 2);

		if (id != NULL && mxid != NULL && body != NULL)
			deliver(ob, id, mxid, body, to_ll(mxg_db_result_get(res, i, 3)),
				to_ll(mxg_db_result_get(res, i, 4)));
	}
	mxg_db_result_free(&res);
	return 0;
}

/* How long to sleep: until the next job is due, IDLE_WAKE_MS at most. */
static long long wait_ms(struct mxg_onbind *ob)
{
	struct mxg_db_result *res;
	struct mxg_error err;
	const char *v;
	long long w = IDLE_WAKE_MS;

	mxg_error_clear(&err);
	if (mxg_db_query(ob->db, "SELECT MIN(next_attempt_at) FROM onbind_queue", 0, NULL, &res,
			 &err) < 0)
		return w;
	if (mxg_db_result_rows(res) > 0 && (v = mxg_db_result_get(res, 0, 0)) != NULL) {
		long long d = to_ll(v) - now_ms();

		w = d < 50 ? 50 : d < w ? d : w;
	}
	mxg_db_result_free(&res);
	return w;
}

static void *delivery_thread(void *arg)
{
	struct mxg_onbind *ob = arg;
	struct timespec deadline;
	struct mxg_error err;
	long long w;

	mxg_log_set_context("onbind");
	pthread_mutex_lock(&ob->lock);
	while (!ob->stopping) {
		ob->wake = false;
		pthread_mutex_unlock(&ob->lock);
		mxg_error_clear(&err);
		if (mxg_onbind_run_due(ob, &err) < 0)
			mxg_error("onbind: cannot read the queue: %s", err.msg);
		w = wait_ms(ob);
		pthread_mutex_lock(&ob->lock);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += w / 1000;
		deadline.tv_nsec += (w % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		while (!ob->stopping && !ob->wake &&
		       pthread_cond_timedwait(&ob->cond, &ob->lock, &deadline) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&ob->lock);
	return NULL;
}

int mxg_onbind_create(struct mxg_db *db, const struct mxg_config *cfg,
		      struct mxg_onbind **ob_r, struct mxg_error *err)
{
	struct mxg_onbind *ob = calloc(1, sizeof(*ob));
	pthread_condattr_t cattr;

	*ob_r = NULL;
	if (ob == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	ob->db = db;
	ob->cfg = cfg;
	pthread_mutex_init(&ob->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&ob->cond, &cattr);
	pthread_condattr_destroy(&cattr);
	*ob_r = ob;
	return 0;
}

int mxg_onbind_start(struct mxg_onbind *ob, struct mxg_error *err)
{
	int e = pthread_create(&ob->thread, NULL, delivery_thread, ob);

	if (e != 0)
		return mxg_error_set(err, e, "cannot start the onbind thread: %s", strerror(e));
	ob->thread_running = true;
	return 0;
}

void mxg_onbind_destroy(struct mxg_onbind **obp)
{
	struct mxg_onbind *ob;

	if (obp == NULL || *obp == NULL)
		return;
	ob = *obp;
	if (ob->thread_running) {
		pthread_mutex_lock(&ob->lock);
		ob->stopping = true;
		pthread_cond_signal(&ob->cond);
		pthread_mutex_unlock(&ob->lock);
		pthread_join(ob->thread, NULL);
	}
	pthread_mutex_destroy(&ob->lock);
	pthread_cond_destroy(&ob->cond);
	free(ob);
	*obp = NULL;
}
