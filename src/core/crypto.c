/* crypto.c: placeholder, replaced by the crypto primitives. */
#include "config.h"
#include <string.h>
#include "core/base64.h"
#include "core/crypto.h"
#include "core/ed25519.h"
#include "core/json.h"
#include "core/password.h"

int mxg_random_bytes(void *buf, size_t len) { (void)buf; (void)len; return -1; }
int mxg_random_token(char *out, size_t len) { (void)out; (void)len; return -1; }
void mxg_sha256(const void *data, size_t len, unsigned char out[MXG_SHA256_LEN])
{ (void)data; (void)len; memset(out, 0, MXG_SHA256_LEN); }
bool mxg_const_eq(const void *a, const void *b, size_t n) { return memcmp(a, b, n) == 0; }
bool mxg_const_streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
size_t mxg_base64_encode(const void *in, size_t len, char *out, size_t cap, unsigned int flags)
{ (void)in; (void)len; (void)out; (void)cap; (void)flags; return (size_t)-1; }
int mxg_base64_decode(const char *in, size_t len, void *out, size_t cap, size_t *len_r)
{ (void)in; (void)len; (void)out; (void)cap; (void)len_r; return -1; }
int mxg_ed25519_from_seed(const unsigned char seed[MXG_ED25519_SEED_LEN], const char *version,
			  struct mxg_ed25519_key *key_r, struct mxg_error *err)
{ (void)seed; (void)version; (void)key_r; return mxg_error_set(err, 1, "not implemented"); }
int mxg_ed25519_generate(const char *version, struct mxg_ed25519_key *key_r, struct mxg_error *err)
{ (void)version; (void)key_r; return mxg_error_set(err, 1, "not implemented"); }
int mxg_ed25519_sign(const struct mxg_ed25519_key *key, const void *msg, size_t len,
		     unsigned char sig[MXG_ED25519_SIG_LEN])
{ (void)key; (void)msg; (void)len; (void)sig; return -1; }
int mxg_ed25519_verify(const unsigned char pub[MXG_ED25519_PUB_LEN], const void *msg,
		       size_t len, const unsigned char sig[MXG_ED25519_SIG_LEN])
{ (void)pub; (void)msg; (void)len; (void)sig; return -1; }
int mxg_ed25519_load(const char *path, struct mxg_ed25519_key *key_r, struct mxg_error *err)
{ (void)path; (void)key_r; return mxg_error_set(err, 1, "not implemented"); }
int mxg_ed25519_save(const char *path, const struct mxg_ed25519_key *key, struct mxg_error *err)
{ (void)path; (void)key; return mxg_error_set(err, 1, "not implemented"); }
int mxg_ed25519_load_or_create(const char *path, struct mxg_ed25519_key *key_r,
			       int *created_r, struct mxg_error *err)
{ (void)path; (void)key_r; (void)created_r; return mxg_error_set(err, 1, "not implemented"); }
void mxg_ed25519_clear(struct mxg_ed25519_key *key) { memset(key, 0, sizeof(*key)); }
enum mxg_password_result mxg_password_verify(const char *password, size_t password_len,
					     const char *hash)
{ (void)password; (void)password_len; (void)hash; return MXG_PASSWORD_BAD_HASH; }
char *mxg_password_hash_argon2id(const char *password, size_t password_len)
{ (void)password; (void)password_len; return NULL; }
int mxg_password_hash_supported(const char *hash) { (void)hash; return 0; }
json_t *mxg_json_parse_object(const char *buf, size_t len, struct mxg_error *err)
{ (void)buf; (void)len; mxg_error_set(err, MXG_JSON_NOT_JSON, "not implemented"); return NULL; }
const char *mxg_json_string(const json_t *obj, const char *key)
{ return json_string_value(json_object_get(obj, key)); }
char *mxg_json_canonical(const json_t *value, struct mxg_error *err)
{ (void)value; mxg_error_set(err, 1, "not implemented"); return NULL; }
