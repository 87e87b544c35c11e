/*
 * jwt.c: minting login tokens for the homeserver with libjwt (see jwt.h).
 *
 * A token is single-purpose and short-lived (login.jwt.lifetime, 60 s by
 * default): the homeserver checks signature, exp and, when it is
 * configured with them, iss and aud.  A fresh jti makes each one unique so
 * that two logins in the same second do not carry identical tokens.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jwt.h>

#include "core/crypto.h"
#include "core/mxconfig.h"
#include "matrix/jwt.h"

#define MAX_KEY_FILE	(64 * 1024)

struct mxg_jwt_signer {
	jwt_alg_t alg;
	unsigned char *key;		/* the HS256 secret or the RS256 PEM */
	size_t key_len;
	const struct mxg_login_jwt_conf *conf;
};

static int read_key_file(const char *path, struct mxg_jwt_signer *s, struct mxg_error *err)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return mxg_error_set(err, errno, "login.jwt.key_file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > MAX_KEY_FILE) {
		close(fd);
		return mxg_error_set(err, EINVAL, "login.jwt.key_file %s: not a PEM key file "
				     "(a regular file of 1 byte to 64 KiB)", path);
	}
	s->key = malloc((size_t)st.st_size + 1);
	if (s->key == NULL) {
		close(fd);
		return mxg_error_set(err, ENOMEM, "out of memory");
	}
	n = read(fd, s->key, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size)
		return mxg_error_set(err, EIO, "login.jwt.key_file %s: short read", path);
	s->key[n] = '\0';
	s->key_len = (size_t)n;
	return 0;
}

int mxg_jwt_signer_create(const struct mxg_login_jwt_conf *conf,
			  struct mxg_jwt_signer **signer_r, struct mxg_error *err)
{
	struct mxg_jwt_signer *s = calloc(1, sizeof(*s));
	char *probe;

	*signer_r = NULL;
	if (s == NULL)
		return mxg_error_set(err, ENOMEM, "out of memory");
	s->conf = conf;
	if (conf->algorithm == MXG_JWT_RS256) {
		s->alg = JWT_ALG_RS256;
		if (conf->key_file == NULL) {
			free(s);
			return mxg_error_set(err, EINVAL, "login.jwt: RS256 needs key_file");
		}
		if (read_key_file(conf->key_file, s, err) < 0) {
			mxg_jwt_signer_destroy(&s);
			return -1;
		}
	} else {
		s->alg = JWT_ALG_HS256;
		if (conf->secret == NULL) {
			free(s);
			return mxg_error_set(err, EINVAL, "login.jwt: HS256 needs secret");
		}
		s->key_len = strlen(conf->secret);
		s->key = (unsigned char *)strdup(conf->secret);
		if (s->key == NULL) {
			free(s);
			return mxg_error_set(err, ENOMEM, "out of memory");
		}
	}
	probe = mxg_jwt_sign_login(s, "@probe:invalid", NULL, time(NULL), err);
	if (probe == NULL) {
		if (s->alg == JWT_ALG_RS256)
			mxg_error_set(err, EINVAL, "login.jwt.key_file %s: not an RSA private key "
				      "in PEM form", conf->key_file);
		mxg_jwt_signer_destroy(&s);
		return -1;
	}
	explicit_bzero(probe, strlen(probe));
	free(probe);
	*signer_r = s;
	return 0;
}

void mxg_jwt_signer_destroy(struct mxg_jwt_signer **signer)
{
	struct mxg_jwt_signer *s = *signer;

	if (s == NULL)
		return;
	if (s->key != NULL) {
		explicit_bzero(s->key, s->key_len);
		free(s->key);
	}
	free(s);
	*signer = NULL;
}

/* "@alice:example.org" -> "alice" (into buf), or NULL when not a user ID. */
static const char *localpart_of(const char *user_id, char *buf, size_t size)
{
	const char *colon = user_id[0] == '@' ? strchr(user_id, ':') : NULL;
	size_t n;

	if (colon == NULL)
		return NULL;
	n = (size_t)(colon - user_id - 1);
	if (n == 0 || n >= size)
		return NULL;
	memcpy(buf, user_id + 1, n);
	buf[n] = '\0';
	return buf;
}

char *mxg_jwt_sign_login(const struct mxg_jwt_signer *signer, const char *user_id,
			 const char *display_name, time_t now, struct mxg_error *err)
{
	const struct mxg_login_jwt_conf *c = signer->conf;
	char local[256], jti[24];
	const char *sub = user_id;
	jwt_t *jwt = NULL;
	char *token = NULL;

	if (c->subject == MXG_JWT_SUB_LOCALPART) {
		sub = localpart_of(user_id, local, sizeof(local));
		if (sub == NULL) {
			mxg_error_set(err, EINVAL, "cannot mint a login token: %s is not a user ID",
				      user_id);
			return NULL;
		}
	}
	if (mxg_random_token(jti, sizeof(jti) - 1) < 0) {
		mxg_error_set(err, EIO, "cannot mint a login token: no randomness");
		return NULL;
	}
	if (jwt_new(&jwt) != 0 ||
	    jwt_add_grant(jwt, "sub", sub) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "nbf", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)(now + c->lifetime_ms / 1000)) != 0 ||
	    (c->issuer != NULL && jwt_add_grant(jwt, "iss", c->issuer) != 0) ||
	    (c->audience != NULL && jwt_add_grant(jwt, "aud", c->audience) != 0) ||
	    (display_name != NULL && jwt_add_grant(jwt, "name", display_name) != 0) ||
	    jwt_set_alg(jwt, signer->alg, signer->key, (int)signer->key_len) != 0 ||
	    (token = jwt_encode_str(jwt)) == NULL)
		mxg_error_set(err, EINVAL, "cannot mint a login token (libjwt refused)");
	jwt_free(jwt);
	return token;
}
