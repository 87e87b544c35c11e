/*
 * store.h: the identity store plugin ABI.
 *
 * An identity store answers questions about people: does this password fit,
 * which Matrix ID owns this e-mail address, who matches "ali" in the
 * directory.  Each store driver (built in, or a module under plugins/) exports
 * one const struct mxg_store_driver named mxg_store_<name>; the loader checks
 * its ABI version, the config engine fills its settings struct from its
 * table, and the chain calls its operations in priority order.
 *
 * Threading: operations are called from worker threads, concurrently, never
 * from the HTTP event thread; a driver protects its own shared state.  A
 * driver whose library blocks (libldap, libpq, libcurl) may block, but every
 * outbound call has a timeout: an operation always returns.
 *
 * Memory: results are allocated from the arena passed in (the request's),
 * never freed by the caller; a driver keeps nothing pointing into it.
 *
 * Compatibility: new operations are only ever appended, with a minor bump.  A
 * module built for another major, or a newer minor, is refused at load.
 */
#ifndef MXG_STORE_H
#define MXG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "core/error.h"

struct mxg_arena;

#define MXG_STORE_ABI_MAJOR 1u
#define MXG_STORE_ABI_MINOR 1u
#define MXG_STORE_ABI ((MXG_STORE_ABI_MAJOR << 16) | MXG_STORE_ABI_MINOR)

enum mxg_store_result {
	MXG_STORE_OK = 0,
	MXG_STORE_NOT_FOUND,	/* no such person / 3PID here: ask the next store */
	MXG_STORE_DENIED,	/* person exists, credentials wrong */
	MXG_STORE_DISABLED,	/* person exists but may not log in */
	MXG_STORE_UNAVAILABLE,	/* back-end down or timed out: HTTP 503, never "denied" */
	MXG_STORE_INTERNAL,	/* bug or bad data in the back-end */
};

struct mxg_3pid {
	const char *medium;	/* "email" or "msisdn" */
	const char *address;	/* canonical form: see mxg_3pid_canonicalize() */
};

struct mxg_person {
	const char *user_id;	/* full Matrix ID, "@alice:example.org" */
	const char *display_name;	/* or NULL */
	const char *avatar_url;		/* mxc:// or NULL */
	const struct mxg_3pid *threepids;
	size_t threepid_count;
};

struct mxg_cred {
	const char *user;	/* localpart, full Matrix ID, or 3PID address */
	const char *medium;	/* NULL when user is a localpart or Matrix ID */
	const char *password;	/* NUL-terminated; never logged */
	size_t password_len;
};

/* Process-wide facts a driver may need. */
struct mxg_store_env {
	const char *server_name;	/* our Matrix server name, for building IDs */
	/* Since ABI 1.1: mxgate's own database (the local store keeps its
	 * accounts there). */
	const struct mxg_db_settings *database;
};

struct mxg_db_settings;
struct mxg_store_driver;

/* One configured store (a driver may back several). */
struct mxg_store {
	const struct mxg_store_driver *driver;
	const char *name;		/* the config's store name */
	long long priority;		/* lower is asked first */
	const struct mxg_store_env *env;
	void *settings;			/* driver->settings, filled by the core */
	void *ctx;			/* the driver's own state, set by init */
};

/* enumerate_3pids calls this once per 3PID; a non-zero return stops. */
typedef int mxg_store_3pid_fn(void *cb_ctx, const char *medium, const char *address,
			      const char *user_id);

struct mxg_store_driver {
	uint32_t abi_version;		/* MXG_STORE_ABI */
	const char *name;		/* the module name in config */
	const struct mxg_conf_def *settings;	/* NULL-keyed table, may be NULL */
	size_t settings_size;

	/* Called once at start with settings filled; -1 + err refuses the
	 * configuration.  Must not require the back-end to be up.  deinit is
	 * called after a failed init too, so it must cope with half a state. */
	int (*init)(struct mxg_store *s, struct mxg_error *err);
	void (*deinit)(struct mxg_store *s);

	/* Every operation below is optional (NULL). */

	/* OK fills person; NOT_FOUND, DENIED, DISABLED, UNAVAILABLE. */
	enum mxg_store_result (*authenticate)(struct mxg_store *s, const struct mxg_cred *cred,
					      struct mxg_arena *arena, struct mxg_person *person_r,
					      struct mxg_error *err);

	/* OK sets *user_id_r. */
	enum mxg_store_result (*lookup)(struct mxg_store *s, const struct mxg_3pid *tpid,
					struct mxg_arena *arena, const char **user_id_r,
					struct mxg_error *err);

	/* user_ids_r has count slots, pre-set to NULL; fill the ones found.
	 * OK even when none is found. */
	enum mxg_store_result (*lookup_bulk)(struct mxg_store *s, const struct mxg_3pid *tpids,
					     size_t count, struct mxg_arena *arena,
					     const char **user_ids_r, struct mxg_error *err);

	/* Every 3PID the store knows, for the hashed-lookup index; a person's
	 * 3PIDs one after the other (the index then stores the ID once). */
	enum mxg_store_result (*enumerate_3pids)(struct mxg_store *s, mxg_store_3pid_fn *cb,
						 void *cb_ctx, struct mxg_error *err);

	/* At most limit people matching term; *count_r may be 0 with OK. */
	enum mxg_store_result (*directory_search)(struct mxg_store *s, const char *term,
						  size_t limit, struct mxg_arena *arena,
						  struct mxg_person **people_r, size_t *count_r,
						  struct mxg_error *err);

	/* The person with this full Matrix ID. */
	enum mxg_store_result (*profile)(struct mxg_store *s, const char *user_id,
					 struct mxg_arena *arena, struct mxg_person *person_r,
					 struct mxg_error *err);
};

/* "ok", "not found", ...: for logs and CLI output. */
const char *mxg_store_result_str(enum mxg_store_result res);

#endif
