/*
 * pgsql.c: the PostgreSQL driver (libpq, blocking, text parameters).
 *
 * The conninfo may hold a password, so it never appears in an error message
 * or a log line: libpq's own message is used only once the string is known
 * to parse (parse errors quote pieces of it), and only the primary message
 * of a server error is kept (its DETAIL quotes row values, e.g. a 3PID).
 */
#include "config.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/driver.h"

struct pg_conn {
	PGconn *pg;
	bool broken;
};

/* libpq messages end with a newline and may span lines: keep one line. */
static void set_pg_error(struct mxg_error *err, int code, const char *what, const char *msg)
{
	char line[MXG_ERROR_MSG_MAX];
	size_t i;

	snprintf(line, sizeof(line), "%s", msg != NULL && msg[0] != '\0' ? msg : "unknown error");
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] == '\n' || line[i] == '\r' || line[i] == '\t')
			line[i] = ' ';
	while (i > 0 && line[i - 1] == ' ')
		line[--i] = '\0';
	mxg_error_set(err, code, "%s: %s", what, line);
}

/* libpq prints NOTICEs ("relation already exists, skipping") on stderr by
 * default; they are expected chatter, at most worth a debug line. */
static void notice_to_log(void *arg, const char *msg)
{
	(void)arg;
	if (mxg_log_enabled(MXG_LOG_DEBUG))
		mxg_debug("postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

static int pgsql_connect(const struct mxg_db_settings *set, void **handle_r,
			 struct mxg_error *err)
{
	char timeout[32], stmt_timeout[32];
	/* With expand_dbname the user's string is parsed as given; keywords
	 * after it override it.  The application name is only a fallback so
	 * that an operator's own application_name wins. */
	const char *const keys[] = {
		"dbname", "connect_timeout", "fallback_application_name", NULL
	};
	const char *const vals[] = { set->conninfo, timeout, "mxgate", NULL };
	const char *const stmt_params[] = { stmt_timeout };
	PQconninfoOption *opts;
	struct pg_conn *c;
	char *perr = NULL;
	long long secs;
	PGresult *res;

	*handle_r = NULL;
	if (set->conninfo == NULL)
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "no PostgreSQL conninfo set");
	/* A string with neither "=" nor "://" is a bare database name, which
	 * expand_dbname accepts but PQconninfoParse() does not. */
	if (strchr(set->conninfo, '=') == NULL && strstr(set->conninfo, "://") == NULL)
		opts = PQconndefaults();
	else
		opts = PQconninfoParse(set->conninfo, &perr);
	if (opts == NULL) {
		if (perr != NULL)
			explicit_bzero(perr, strlen(perr));	/* may quote the password */
		PQfreemem(perr);
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE,
				     "invalid PostgreSQL conninfo (not shown: it may hold a password)");
	}
	PQconninfoFree(opts);

	/* libpq counts whole seconds (and raises 1 to 2); round up so that a
	 * sub-second setting does not become "wait forever" (0). */
	secs = set->connect_timeout_ms <= 0 ? 0 : (set->connect_timeout_ms + 999) / 1000;
	snprintf(timeout, sizeof(timeout), "%lld", secs);

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "out of memory");
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		set_pg_error(err, MXG_DB_ERR_UNAVAILABLE, "cannot connect to PostgreSQL",
			     c->pg != NULL ? PQerrorMessage(c->pg) : "out of memory");
		PQfinish(c->pg);
		free(c);
		return -1;
	}
	PQsetNoticeProcessor(c->pg, notice_to_log, NULL);
	/* A parameter, not a pasted string, even for a number of our own. */
	snprintf(stmt_timeout, sizeof(stmt_timeout), "%lld",
		 set->statement_timeout_ms < 0 ? 0 : set->statement_timeout_ms);
	res = PQexecParams(c->pg, "SELECT set_config('statement_timeout', $1, false)",
			   1, NULL, stmt_params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		set_pg_error(err, MXG_DB_ERR_UNAVAILABLE, "PostgreSQL statement_timeout",
			     PQerrorMessage(c->pg));
		PQclear(res);
		PQfinish(c->pg);
		free(c);
		return -1;
	}
	PQclear(res);
	if (set->read_only) {
		res = PQexec(c->pg, "SET default_transaction_read_only = on");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			set_pg_error(err, MXG_DB_ERR_UNAVAILABLE, "PostgreSQL read-only session",
				     PQerrorMessage(c->pg));
			PQclear(res);
			PQfinish(c->pg);
			free(c);
			return -1;
		}
		PQclear(res);
	}
	*handle_r = c;
	return 0;
}

static void pgsql_close(void *handle)
{
	struct pg_conn *c = handle;

	PQfinish(c->pg);
	free(c);
}

/* SQLSTATE (or the connection's state) to an error code; marks the
 * connection broken when it cannot be used again. */
static int classify(struct pg_conn *c, const char *state)
{
	if (PQstatus(c->pg) != CONNECTION_OK) {
		c->broken = true;
		return MXG_DB_ERR_UNAVAILABLE;
	}
	if (state == NULL)
		return MXG_DB_ERR_QUERY;
	if (strncmp(state, "23", 2) == 0)	/* integrity_constraint_violation */
		return MXG_DB_ERR_CONSTRAINT;
	/* protocol_violation: also what a parameter count that does not match
	 * the statement gets, on a connection that is fine. */
	if (strcmp(state, "08P01") == 0)
		return MXG_DB_ERR_QUERY;
	if (strncmp(state, "08", 2) == 0 ||	/* connection_exception */
	    strcmp(state, "57P01") == 0 ||	/* admin_shutdown */
	    strcmp(state, "57P02") == 0 ||	/* crash_shutdown */
	    strcmp(state, "57P03") == 0) {	/* cannot_connect_now */
		c->broken = true;
		return MXG_DB_ERR_UNAVAILABLE;
	}
	/* Timeouts and lock conflicts: the server is there but busy, the
	 * equivalent of SQLITE_BUSY; the caller may try again later. */
	if (strcmp(state, "57014") == 0 ||	/* query_canceled (statement_timeout) */
	    strcmp(state, "55P03") == 0 ||	/* lock_not_available */
	    strcmp(state, "40001") == 0 ||	/* serialization_failure */
	    strcmp(state, "40P01") == 0)	/* deadlock_detected */
		return MXG_DB_ERR_UNAVAILABLE;
	return MXG_DB_ERR_QUERY;
}

static int pgsql_exec(void *handle, const char *sql, size_t nparams,
		      const char *const *params, struct mxg_db_result **res_r,
		      struct mxg_error *err)
{
	struct pg_conn *c = handle;
	struct mxg_db_result_builder b;
	size_t affected = 0;
	PGresult *res;
	int rows, cols;

	*res_r = NULL;
	if (nparams > 65535)
		return mxg_error_set(err, MXG_DB_ERR_QUERY, "too many parameters");
	res = PQexecParams(c->pg, sql, (int)nparams, NULL, params, NULL, NULL, 0);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		break;
	default: {
		const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		int code = classify(c, state);

		set_pg_error(err, code, "postgresql", msg != NULL ? msg : PQerrorMessage(c->pg));
		PQclear(res);
		return -1;
	}
	}

	/* COMMIT of a transaction in which a statement failed "succeeds" as a
	 * ROLLBACK: a caller that asked to commit must hear that it did not. */
	if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		PQclear(res);
		return mxg_error_set(err, MXG_DB_ERR_QUERY,
				     "postgresql: transaction rolled back (a statement in it failed)");
	}
	/* Like sqlite3_changes(): rows written, not rows read. */
	if (strncmp(PQcmdStatus(res), "SELECT", 6) != 0)
		affected = strtoul(PQcmdTuples(res), NULL, 10);
	rows = PQntuples(res);
	cols = PQnfields(res);
	mxg_db_result_builder_init(&b, (size_t)cols);
	for (int r = 0; r < rows; r++) {
		for (int f = 0; f < cols; f++) {
			const char *v = PQgetisnull(res, r, f) ? NULL : PQgetvalue(res, r, f);

			if (mxg_db_result_builder_add(&b, v, (size_t)PQgetlength(res, r, f)) < 0) {
				mxg_db_result_builder_deinit(&b);
				PQclear(res);
				return mxg_error_set(err, MXG_DB_ERR_QUERY, "out of memory");
			}
		}
	}
	PQclear(res);
	*res_r = mxg_db_result_builder_finish(&b, affected);
	if (*res_r == NULL)
		return mxg_error_set(err, MXG_DB_ERR_QUERY, "out of memory");
	return 0;
}

static bool pgsql_is_broken(void *handle)
{
	struct pg_conn *c = handle;

	return c->broken || PQstatus(c->pg) != CONNECTION_OK;
}

static bool pgsql_in_transaction(void *handle)
{
	struct pg_conn *c = handle;

	switch (PQtransactionStatus(c->pg)) {
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
	case PQTRANS_ACTIVE:
		return true;
	default:
		return false;
	}
}

const struct mxg_db_driver mxg_db_driver_pgsql = {
	.name = "postgresql",
	.connect = pgsql_connect,
	.close = pgsql_close,
	.exec = pgsql_exec,
	.is_broken = pgsql_is_broken,
	.in_transaction = pgsql_in_transaction,
	.begin_sql = "BEGIN",
};
