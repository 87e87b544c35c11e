/*
 * ed25519.c: ed25519 signing keys over OpenSSL 3 (raw 32-byte seeds), and
 * the Synapse/signedjson signing-key file: one key per line,
 * "ed25519 <version> <unpadded standard base64 seed>".
 *
 * Seeds are secrets: every buffer that held one, or its base64 form, is
 * wiped before it goes out of scope, and no error message quotes a line of
 * a key file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/base64.h"
#include "core/crypto.h"
#include "core/ed25519.h"

/* A key file holds a few lines; anything bigger is not one. */
#define KEY_FILE_MAX (64 * 1024)

static bool version_valid(const char *v, size_t len)
{
	if (len == 0 || len >= MXG_ED25519_VERSION_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '_')
			return false;
	}
	return true;
}

int mxg_ed25519_from_seed(const unsigned char seed[MXG_ED25519_SEED_LEN], const char *version,
			  struct mxg_ed25519_key *key_r, struct mxg_error *err)
{
	size_t pub_len = MXG_ED25519_PUB_LEN, version_len;
	EVP_PKEY *pkey;

	version_len = version != NULL ? strlen(version) : 0;
	if (!version_valid(version, version_len))
		return mxg_error_set(err, EINVAL, "bad key version (want 1 to %d of [A-Za-z0-9_])",
				     MXG_ED25519_VERSION_MAX - 1);
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, MXG_ED25519_SEED_LEN);
	if (pkey == NULL)
		return mxg_error_set(err, EIO, "OpenSSL refused the ed25519 seed");
	if (EVP_PKEY_get_raw_public_key(pkey, key_r->pub, &pub_len) != 1 ||
	    pub_len != MXG_ED25519_PUB_LEN) {
		EVP_PKEY_free(pkey);
		return mxg_error_set(err, EIO, "OpenSSL cannot derive the ed25519 public key");
	}
	EVP_PKEY_free(pkey);
	/* memmove: the caller may pass key_r->seed or key_r->version itself. */
	memmove(key_r->seed, seed, MXG_ED25519_SEED_LEN);
	memmove(key_r->version, version, version_len + 1);
	mxg_base64_encode(key_r->pub, MXG_ED25519_PUB_LEN, key_r->pub_b64,
			  sizeof(key_r->pub_b64), MXG_B64_NOPAD);
	return 0;
}

int mxg_ed25519_generate(const char *version, struct mxg_ed25519_key *key_r,
			 struct mxg_error *err)
{
	unsigned char seed[MXG_ED25519_SEED_LEN];
	int ret;

	if (mxg_random_bytes(seed, sizeof(seed)) < 0)
		return mxg_error_set(err, EIO, "no entropy for a new ed25519 key");
	ret = mxg_ed25519_from_seed(seed, version, key_r, err);
	OPENSSL_cleanse(seed, sizeof(seed));
	return ret;
}

int mxg_ed25519_sign(const struct mxg_ed25519_key *key, const void *msg, size_t len,
		     unsigned char sig[MXG_ED25519_SIG_LEN])
{
	size_t sig_len = MXG_ED25519_SIG_LEN;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *pkey;
	int ret = -1;

	/* OpenSSL copies the seed into its own (cleansed on free) storage. */
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key->seed,
					    MXG_ED25519_SEED_LEN);
	if (pkey == NULL)
		return -1;
	ctx = EVP_MD_CTX_new();
	/* ed25519 is "pure": no separate digest, hence the NULL md. */
	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &sig_len, msg, len) == 1 && sig_len == MXG_ED25519_SIG_LEN)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}

int mxg_ed25519_verify(const unsigned char pub[MXG_ED25519_PUB_LEN], const void *msg,
		       size_t len, const unsigned char sig[MXG_ED25519_SIG_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *pkey;
	int ret = -1;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, MXG_ED25519_PUB_LEN);
	if (pkey == NULL)
		return -1;	/* not a point on the curve */
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, MXG_ED25519_SIG_LEN, msg, len) == 1)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}

/* Read all of path into buf (KEY_FILE_MAX bytes).  err->code = errno. */
static int read_key_file(const char *path, char *buf, size_t *len_r, struct mxg_error *err)
{
	size_t len = 0;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		return mxg_error_set(err, e, "%s: %s", path, strerror(e));
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, KEY_FILE_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			return mxg_error_set(err, e, "%s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == KEY_FILE_MAX) {
			close(fd);
			return mxg_error_set(err, EINVAL, "%s: too big for a key file", path);
		}
	}
	close(fd);
	*len_r = len;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Check one line (no '\n'); when it is the first key, fill *key_r.
 * Returns 1 for a key line, 0 for a blank one, -1 for garbage.
 */
static int parse_line(const char *line, size_t len, const char *path, int lineno,
		      struct mxg_ed25519_key *key_r, bool want, struct mxg_error *err)
{
	const char *field[3];
	size_t field_len[3], nfields = 0, i = 0;
	unsigned char seed[MXG_ED25519_SEED_LEN + 3];
	char version[MXG_ED25519_VERSION_MAX];
	size_t seed_len = 0;
	int ret;

	while (i < len) {
		size_t start;

		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !is_blank(line[i]))
			i++;
		if (nfields == 3)
			return mxg_error_set(err, EINVAL,
					     "%s:%d: expected \"ed25519 <version> <base64 seed>\"",
					     path, lineno);
		field[nfields] = line + start;
		field_len[nfields++] = i - start;
	}
	if (nfields == 0)
		return 0;
	/* The messages below never quote the line: it may hold a seed. */
	if (nfields != 3)
		return mxg_error_set(err, EINVAL,
				     "%s:%d: expected \"ed25519 <version> <base64 seed>\"",
				     path, lineno);
	if (field_len[0] != 7 || memcmp(field[0], "ed25519", 7) != 0)
		return mxg_error_set(err, EINVAL, "%s:%d: not an ed25519 key", path, lineno);
	if (!version_valid(field[1], field_len[1]))
		return mxg_error_set(err, EINVAL,
				     "%s:%d: bad key version (want 1 to %d of [A-Za-z0-9_])",
				     path, lineno, MXG_ED25519_VERSION_MAX - 1);
	if (mxg_base64_decode(field[2], field_len[2], seed, sizeof(seed), &seed_len) < 0 ||
	    seed_len != MXG_ED25519_SEED_LEN) {
		OPENSSL_cleanse(seed, sizeof(seed));
		return mxg_error_set(err, EINVAL, "%s:%d: the seed is not 32 bytes of base64",
				     path, lineno);
	}
	ret = 1;
	if (want) {
		memcpy(version, field[1], field_len[1]);
		version[field_len[1]] = '\0';
		if (mxg_ed25519_from_seed(seed, version, key_r, err) < 0) {
			mxg_error_prefix(err, "%s:%d: ", path, lineno);
			ret = -1;
		}
	}
	OPENSSL_cleanse(seed, sizeof(seed));
	return ret;
}

int mxg_ed25519_load(const char *path, struct mxg_ed25519_key *key_r, struct mxg_error *err)
{
	size_t len = 0, pos = 0;
	bool found = false;
	int lineno = 0, ret = 0;
	char *buf;

	buf = malloc(KEY_FILE_MAX);
	if (buf == NULL)
		return mxg_error_set(err, ENOMEM, "%s: out of memory", path);
	if (read_key_file(path, buf, &len, err) < 0) {
		ret = -1;
		goto out;
	}
	/* Every line is checked, as signedjson's read_signing_keys() does;
	 * the first key is the one we sign with. */
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t line_len = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		int r;

		lineno++;
		r = parse_line(buf + pos, line_len, path, lineno, key_r, !found, err);
		if (r < 0) {
			ret = -1;
			goto out;
		}
		if (r == 1)
			found = true;
		pos += line_len + 1;
	}
	if (!found)
		ret = mxg_error_set(err, EINVAL, "%s: no ed25519 key in the file", path);
out:
	OPENSSL_cleanse(buf, KEY_FILE_MAX);
	free(buf);
	if (ret < 0)
		mxg_ed25519_clear(key_r);
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Best effort: make the new directory entry durable too. */
static void sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int mxg_ed25519_save(const char *path, const struct mxg_ed25519_key *key, struct mxg_error *err)
{
	char seed_b64[MXG_BASE64_ENCODED_SIZE(MXG_ED25519_SEED_LEN)];
	char line[sizeof(seed_b64) + MXG_ED25519_VERSION_MAX + 16];
	int fd, n, e;

	if (!version_valid(key->version, strnlen(key->version, sizeof(key->version))))
		return mxg_error_set(err, EINVAL, "%s: bad key version", path);
	mxg_base64_encode(key->seed, MXG_ED25519_SEED_LEN, seed_b64, sizeof(seed_b64),
			  MXG_B64_NOPAD);
	n = snprintf(line, sizeof(line), "ed25519 %s %s\n", key->version, seed_b64);
	OPENSSL_cleanse(seed_b64, sizeof(seed_b64));

	/* O_EXCL: an existing key is never replaced (nor a symlink followed);
	 * 0600 from the start, so no window where others could read it. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) {
		e = errno;
		OPENSSL_cleanse(line, sizeof(line));
		if (e == EEXIST)
			return mxg_error_set(err, e, "%s: already exists, refusing to overwrite it",
					     path);
		return mxg_error_set(err, e, "%s: %s", path, strerror(e));
	}
	if (write_all(fd, line, (size_t)n) < 0 || fsync(fd) < 0) {
		e = errno;
		OPENSSL_cleanse(line, sizeof(line));
		close(fd);
		unlink(path);
		return mxg_error_set(err, e, "%s: %s", path, strerror(e));
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (close(fd) < 0) {
		e = errno;
		unlink(path);
		return mxg_error_set(err, e, "%s: %s", path, strerror(e));
	}
	sync_parent_dir(path);
	return 0;
}

int mxg_ed25519_load_or_create(const char *path, struct mxg_ed25519_key *key_r,
			       int *created_r, struct mxg_error *err)
{
	struct mxg_error my_err;	/* err may be NULL, we need the code */
	int ret;

	mxg_error_clear(&my_err);
	if (created_r != NULL)
		*created_r = 0;
	ret = mxg_ed25519_load(path, key_r, &my_err);
	if (ret < 0 && my_err.code == ENOENT) {
		ret = mxg_ed25519_generate("0", key_r, &my_err);
		if (ret == 0)
			ret = mxg_ed25519_save(path, key_r, &my_err);
		if (ret == 0 && created_r != NULL)
			*created_r = 1;
		if (ret < 0)
			mxg_ed25519_clear(key_r);
		/* Someone else created it between our load and save: use theirs. */
		if (ret < 0 && my_err.code == EEXIST)
			ret = mxg_ed25519_load(path, key_r, &my_err);
	}
	if (ret < 0 && err != NULL)
		*err = my_err;
	return ret;
}

void mxg_ed25519_clear(struct mxg_ed25519_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}
