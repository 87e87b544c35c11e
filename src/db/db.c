/* db.c: placeholder, replaced by the database pool and drivers. */
#include "config.h"
#include "db/db.h"

int mxg_db_open(const struct mxg_db_settings *settings, struct mxg_db **db_r,
		struct mxg_error *err)
{
	(void)settings;
	*db_r = NULL;
	return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "database not implemented");
}
void mxg_db_close(struct mxg_db **db) { *db = NULL; }
enum mxg_db_driver_kind mxg_db_driver(const struct mxg_db *db) { (void)db; return MXG_DB_SQLITE; }
const char *mxg_db_driver_name(const struct mxg_db *db) { (void)db; return "none"; }
struct mxg_db_conn *mxg_db_acquire(struct mxg_db *db, struct mxg_error *err)
{ (void)db; mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "database not implemented"); return NULL; }
void mxg_db_release(struct mxg_db *db, struct mxg_db_conn **conn) { (void)db; *conn = NULL; }
int mxg_db_conn_query(struct mxg_db_conn *conn, const char *sql, size_t nparams,
		      const char *const *params, struct mxg_db_result **res_r, struct mxg_error *err)
{ (void)conn; (void)sql; (void)nparams; (void)params; (void)res_r;
  return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "database not implemented"); }
int mxg_db_begin(struct mxg_db_conn *conn, struct mxg_error *err) { (void)conn; return mxg_error_set(err, 1, "x"); }
int mxg_db_commit(struct mxg_db_conn *conn, struct mxg_error *err) { (void)conn; return mxg_error_set(err, 1, "x"); }
int mxg_db_rollback(struct mxg_db_conn *conn, struct mxg_error *err) { (void)conn; return mxg_error_set(err, 1, "x"); }
int mxg_db_query(struct mxg_db *db, const char *sql, size_t nparams,
		 const char *const *params, struct mxg_db_result **res_r, struct mxg_error *err)
{ (void)db; (void)sql; (void)nparams; (void)params; (void)res_r;
  return mxg_error_set(err, MXG_DB_ERR_UNAVAILABLE, "database not implemented"); }
int mxg_db_ping(struct mxg_db *db, struct mxg_error *err) { (void)db; return mxg_error_set(err, 1, "x"); }
size_t mxg_db_result_rows(const struct mxg_db_result *res) { (void)res; return 0; }
size_t mxg_db_result_cols(const struct mxg_db_result *res) { (void)res; return 0; }
const char *mxg_db_result_get(const struct mxg_db_result *res, size_t row, size_t col)
{ (void)res; (void)row; (void)col; return NULL; }
size_t mxg_db_result_affected(const struct mxg_db_result *res) { (void)res; return 0; }
void mxg_db_result_free(struct mxg_db_result **res) { *res = NULL; }
int mxg_db_schema_latest(void) { return 0; }
int mxg_db_schema_version(struct mxg_db *db, int *version_r, struct mxg_error *err)
{ (void)db; (void)version_r; return mxg_error_set(err, 1, "x"); }
int mxg_db_migrate(struct mxg_db *db, struct mxg_error *err) { (void)db; return mxg_error_set(err, 1, "x"); }
