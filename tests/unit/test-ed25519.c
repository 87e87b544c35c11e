/*
 * test-ed25519.c: RFC 8032 vectors, the Matrix signing vector, key versions,
 * and the Synapse key file: round trip, no overwrite, mode 0600, garbage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/ed25519.h"
#include "test.h"

#define MATRIX_SEED "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"

static char tmpdir[64];

static void from_hex(const char *hex, unsigned char *out)
{
	for (size_t i = 0; hex[2 * i] != '\0'; i++) {
		unsigned int b;

		sscanf(hex + 2 * i, "%2x", &b);
		out[i] = (unsigned char)b;
	}
}

static void test_rfc8032(void)
{
	/* RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (0x72). */
	static const struct {
		const char *secret, *pub, *msg, *sig;
	} cases[] = {
		{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
		  "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
		{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
		  "72",
		  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	};

	test_begin("RFC 8032 test vectors 1 and 2");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char seed[32], pub[32], msg[8], want[64], sig[64];
		size_t msg_len = strlen(cases[i].msg) / 2;
		struct mxg_ed25519_key key;
		struct mxg_error err;

		from_hex(cases[i].secret, seed);
		from_hex(cases[i].pub, pub);
		from_hex(cases[i].msg, msg);
		from_hex(cases[i].sig, want);
		test_assert_idx(mxg_ed25519_from_seed(seed, "0", &key, &err) == 0, i);
		test_assert_idx(memcmp(key.pub, pub, 32) == 0, i);
		test_assert_idx(memcmp(key.seed, seed, 32) == 0, i);
		test_assert_idx(mxg_ed25519_sign(&key, msg, msg_len, sig) == 0, i);
		test_assert_idx(memcmp(sig, want, 64) == 0, i);
		test_assert_idx(mxg_ed25519_verify(pub, msg, msg_len, sig) == 0, i);
		/* a flipped bit in the signature, or another message */
		sig[10] ^= 1;
		test_assert_idx(mxg_ed25519_verify(pub, msg, msg_len, sig) < 0, i);
		sig[10] ^= 1;
		test_assert_idx(mxg_ed25519_verify(pub, "x", 1, sig) < 0, i);
		mxg_ed25519_clear(&key);
	}
	test_end();
}

static void test_matrix_vector(void)
{
	unsigned char seed[32];
	unsigned char sig[64];
	char b64[MXG_BASE64_ENCODED_SIZE(64)];
	struct mxg_ed25519_key key;
	struct mxg_error err;
	size_t len = 0;

	test_begin("Matrix signing vector: sign \"{}\"");
	test_assert(mxg_base64_decode(MATRIX_SEED, strlen(MATRIX_SEED), seed, sizeof(seed),
				      &len) == 0 && len == 32);
	test_assert(mxg_ed25519_from_seed(seed, "1", &key, &err) == 0);
	test_assert_streq(key.version, "1");
	test_assert(strlen(key.pub_b64) == 43);
	test_assert(mxg_ed25519_sign(&key, "{}", 2, sig) == 0);
	mxg_base64_encode(sig, 64, b64, sizeof(b64), MXG_B64_NOPAD);
	test_assert_streq(b64, "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV"
			       "/7Xg4ahLwYGYZzuHGZKM5ZAQ");
	test_assert(mxg_ed25519_verify(key.pub, "{}", 2, sig) == 0);
	test_end();
}

static void test_versions(void)
{
	static const struct {
		const char *version;
		int ok;
	} cases[] = {
		{ "0", 1 }, { "a_1", 1 }, { "AbC_09", 1 },
		{ "", 0 }, { "a:b", 0 }, { "a b", 0 }, { "a-b", 0 }, { "é", 0 },
		{ "ed25519:0", 0 },
		{ "123456789012345678901234567890123456789012345678901234567890123", 1 },
		{ "1234567890123456789012345678901234567890123456789012345678901234", 0 },
	};
	struct mxg_ed25519_key key;
	struct mxg_error err;

	test_begin("key versions: [A-Za-z0-9_]+, at most 63");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mxg_error_clear(&err);
		int r = mxg_ed25519_generate(cases[i].version, &key, &err);

		test_assert_idx((r == 0) == cases[i].ok, i);
		if (!cases[i].ok)
			test_assert_idx(err.code == EINVAL, i);
		mxg_ed25519_clear(&key);
	}
	test_end();
}

static void test_generate(void)
{
	struct mxg_ed25519_key a, b;
	struct mxg_error err;
	unsigned char zero[32] = { 0 };
	unsigned char sig[64];

	test_begin("generate: distinct keys that sign; clear wipes");
	test_assert(mxg_ed25519_generate("0", &a, &err) == 0);
	test_assert(mxg_ed25519_generate("0", &b, &err) == 0);
	test_assert(memcmp(a.seed, b.seed, 32) != 0);
	test_assert(memcmp(a.pub, b.pub, 32) != 0);
	test_assert(mxg_ed25519_sign(&a, "msg", 3, sig) == 0);
	test_assert(mxg_ed25519_verify(a.pub, "msg", 3, sig) == 0);
	test_assert(mxg_ed25519_verify(b.pub, "msg", 3, sig) < 0);
	/* re-deriving a key from itself (aliased arguments) changes nothing */
	memcpy(b.pub, a.pub, 32);
	test_assert(mxg_ed25519_from_seed(a.seed, a.version, &a, &err) == 0);
	test_assert(memcmp(a.pub, b.pub, 32) == 0 && strcmp(a.version, "0") == 0);
	test_assert(mxg_ed25519_from_seed(a.seed, NULL, &b, &err) < 0 && err.code == EINVAL);
	mxg_ed25519_clear(&a);
	test_assert(memcmp(a.seed, zero, 32) == 0);
	mxg_ed25519_clear(&b);
	test_end();
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_file_round_trip(void)
{
	struct mxg_ed25519_key key, back;
	struct mxg_error err;
	struct stat st;
	char path[128], text[256];
	int fd;

	snprintf(path, sizeof(path), "%s/signing.key", tmpdir);
	test_begin("key file: save, mode 0600, load back");
	test_assert(mxg_ed25519_generate("a_1", &key, &err) == 0);
	test_assert(mxg_ed25519_save(path, &key, &err) == 0);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	test_assert(mxg_ed25519_load(path, &back, &err) == 0);
	test_assert(memcmp(key.seed, back.seed, 32) == 0);
	test_assert(memcmp(key.pub, back.pub, 32) == 0);
	test_assert_streq(back.version, "a_1");
	test_assert_streq(back.pub_b64, key.pub_b64);
	/* The Synapse format: "ed25519 <version> <unpadded base64>\n" */
	fd = open(path, O_RDONLY);
	memset(text, 0, sizeof(text));
	test_assert(fd >= 0 && read(fd, text, sizeof(text) - 1) == 8 + 4 + 43 + 1);
	if (fd >= 0)
		close(fd);
	test_assert(strncmp(text, "ed25519 a_1 ", 12) == 0 && text[55] == '\n');
	test_end();

	test_begin("key file: never overwritten");
	test_assert(mxg_ed25519_generate("0", &back, &err) == 0);
	test_assert(mxg_ed25519_save(path, &back, &err) < 0);
	test_assert(err.code == EEXIST);
	test_assert(strstr(err.msg, "signing.key") != NULL);
	test_assert(mxg_ed25519_load(path, &back, &err) == 0);
	test_assert(memcmp(key.seed, back.seed, 32) == 0);
	test_end();
	unlink(path);
	mxg_ed25519_clear(&key);
	mxg_ed25519_clear(&back);
}

static void test_synapse_file(void)
{
	unsigned char seed[32];
	struct mxg_ed25519_key key, want;
	struct mxg_error err;
	char path[128];
	size_t len;

	snprintf(path, sizeof(path), "%s/synapse.key", tmpdir);
	mxg_base64_decode(MATRIX_SEED, strlen(MATRIX_SEED), seed, sizeof(seed), &len);
	mxg_ed25519_from_seed(seed, "a_1", &want, &err);

	test_begin("key file: Synapse's, with blank lines, CRLF and a second key");
	write_file(path, "\n  \r\ned25519 a_1 " MATRIX_SEED "\r\n"
			 "ed25519 old AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n");
	test_assert(mxg_ed25519_load(path, &key, &err) == 0);
	test_assert_streq(key.version, "a_1");
	test_assert(memcmp(key.pub, want.pub, 32) == 0);
	test_assert(memcmp(key.seed, seed, 32) == 0);
	test_end();

	test_begin("key file: no final newline, padded seed");
	write_file(path, "ed25519 0 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	test_assert(mxg_ed25519_load(path, &key, &err) == 0);
	test_assert_streq(key.version, "0");
	test_end();
	unlink(path);
	mxg_ed25519_clear(&key);
	mxg_ed25519_clear(&want);
}

static void test_garbage(void)
{
	static const struct {
		const char *text, *where;
	} cases[] = {
		{ "hello\n", ":1:" },
		{ "\n\ned25519 0\n", ":3:" },
		{ "ed25519 0 " MATRIX_SEED " extra\n", ":1:" },
		{ "curve448 0 " MATRIX_SEED "\n", ":1:" },
		{ MATRIX_SEED " ed25519 0\n", ":1:" },
		{ "ed25519 bad:version " MATRIX_SEED "\n", ":1:" },
		{ "ed25519 0 Zm9vYmFy\n", ":1:" },			/* 6 bytes */
		{ "ed25519 0 " MATRIX_SEED "AAAA\n", ":1:" },	/* 35 bytes */
		{ "ed25519 0 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1!\n", ":1:" },
		{ "ed25519 0 " MATRIX_SEED "\ngarbage\n", ":2:" },
		{ "", "no ed25519 key" },
		{ "\n \n", "no ed25519 key" },
	};
	struct mxg_ed25519_key key;
	struct mxg_error err;
	char path[128];

	snprintf(path, sizeof(path), "%s/garbage.key", tmpdir);
	test_begin("key file: garbage refused, file and line named, seed never shown");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unlink(path);
		write_file(path, cases[i].text);
		mxg_error_clear(&err);
		test_assert_idx(mxg_ed25519_load(path, &key, &err) < 0, i);
		test_assert_idx(err.code == EINVAL, i);
		test_assert_idx(strstr(err.msg, "garbage.key") != NULL, i);
		test_assert_idx(strstr(err.msg, cases[i].where) != NULL, i);
		test_assert_idx(strstr(err.msg, "YJDBA9") == NULL, i);
		test_assert_idx(strstr(err.msg, "Zm9v") == NULL, i);
	}
	unlink(path);
	test_end();

	test_begin("key file: missing");
	snprintf(path, sizeof(path), "%s/missing.key", tmpdir);
	test_assert(mxg_ed25519_load(path, &key, &err) < 0);
	test_assert(err.code == ENOENT);
	test_assert(strstr(err.msg, "missing.key") != NULL);
	test_end();
}

static void test_load_or_create(void)
{
	struct mxg_ed25519_key first, again;
	struct mxg_error err;
	struct stat st;
	char path[128];
	int created = -1;

	snprintf(path, sizeof(path), "%s/auto.key", tmpdir);
	test_begin("load_or_create: creates version 0 once, then loads it");
	test_assert(mxg_ed25519_load_or_create(path, &first, &created, &err) == 0);
	test_assert(created == 1);
	test_assert_streq(first.version, "0");
	test_assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	test_assert(mxg_ed25519_load_or_create(path, &again, &created, &err) == 0);
	test_assert(created == 0);
	test_assert(memcmp(first.seed, again.seed, 32) == 0);
	test_assert(mxg_ed25519_load_or_create(path, &again, NULL, NULL) == 0);
	test_end();

	test_begin("load_or_create: a broken file is not replaced");
	unlink(path);
	write_file(path, "garbage\n");
	test_assert(mxg_ed25519_load_or_create(path, &again, &created, &err) < 0);
	test_assert(created == 0 && err.code == EINVAL);
	test_end();
	unlink(path);

	test_begin("load_or_create: missing directory");
	snprintf(path, sizeof(path), "%s/no/such/dir.key", tmpdir);
	test_assert(mxg_ed25519_load_or_create(path, &again, &created, &err) < 0);
	test_assert(err.code == ENOENT && created == 0);
	test_end();
	mxg_ed25519_clear(&first);
	mxg_ed25519_clear(&again);
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/mxg-ed25519-XXXXXX",
		 base != NULL && strlen(base) < 32 ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_rfc8032();
	test_matrix_vector();
	test_versions();
	test_generate();
	test_file_round_trip();
	test_synapse_file();
	test_garbage();
	test_load_or_create();
	rmdir(tmpdir);
	return test_done("test-ed25519");
}
