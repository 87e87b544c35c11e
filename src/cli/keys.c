/*
 * keys.c: `mxgate keys`: make ed25519 signing keys in the Synapse key-file
 * format, so that a key can be created before the daemon first starts (or
 * copied from / to Synapse and Sydent).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/base64.h"
#include "core/ed25519.h"

#define GENERATE_NAME "mxgate keys generate"

static void keys_usage(FILE *out)
{
	fprintf(out, "usage: mxgate keys generate [-o FILE] [--key-id VERSION]\n"
		     "       mxgate keys --help\n\n"
		     "commands:\n"
		     "  generate  make a new ed25519 signing key\n\n"
		     "`mxgate keys generate --help` describes the options.\n");
}

/* On a usage error: the synopsis and where to read more. */
static void generate_hint(void)
{
	fputs("usage: " GENERATE_NAME " [-o FILE] [--key-id VERSION]\n"
	      "Try '" GENERATE_NAME " --help'.\n", stderr);
}

static void generate_usage(FILE *out)
{
	fprintf(out, "usage: " GENERATE_NAME " [-o FILE] [--key-id VERSION]\n\n"
		     "Make a new ed25519 signing key in the Synapse key-file format\n"
		     "(\"ed25519 <version> <unpadded base64 seed>\").\n\n"
		     "  -o, --output FILE     write the key to FILE, created with mode 0600;\n"
		     "                        an existing FILE is never overwritten\n"
		     "                        (default: print the key on standard output)\n"
		     "  -k, --key-id VERSION  the key version, 1 to %d of [A-Za-z0-9_], with\n"
		     "                        or without the \"ed25519:\" prefix (default: 0)\n"
		     "  -h, --help            show this help\n\n"
		     "The key id and public key are printed on standard error.\n"
		     "Exit status: 0 ok, 1 the key could not be written, 2 usage error or\n"
		     "FILE already exists.\n", MXG_ED25519_VERSION_MAX - 1);
}

/* Print the key line on stdout.  The seed passes through stdio's buffer,
 * which we cannot wipe; -o avoids that. */
static int print_key(const struct mxg_ed25519_key *key)
{
	char seed_b64[MXG_BASE64_ENCODED_SIZE(MXG_ED25519_SEED_LEN)];
	int failed;

	mxg_base64_encode(key->seed, MXG_ED25519_SEED_LEN, seed_b64, sizeof(seed_b64),
			  MXG_B64_NOPAD);
	failed = printf("ed25519 %s %s\n", key->version, seed_b64) < 0;
	OPENSSL_cleanse(seed_b64, sizeof(seed_b64));
	if (fflush(stdout) != 0 || ferror(stdout) || failed) {
		fprintf(stderr, GENERATE_NAME ": cannot write to standard output: %s\n",
			strerror(errno));
		return MXG_EXIT_FAILURE;
	}
	return MXG_EXIT_OK;
}

static int keys_generate(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "key-id", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *version = "0";
	struct mxg_ed25519_key key;
	struct mxg_error err;
	int opt, ret;

	mxg_error_clear(&err);
	/* getopt names the program after argv[0]: make it the full command. */
	argv[0] = (char *)GENERATE_NAME;
	optind = 0;	/* glibc: full reset, getopt may have run before */
	while ((opt = getopt_long(argc, argv, "ho:k:", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case 'k':
			version = optarg;
			if (strncmp(version, "ed25519:", 8) == 0)
				version += 8;
			break;
		case 'h':
			generate_usage(stdout);
			return MXG_EXIT_OK;
		default:	/* getopt said what was wrong */
			generate_hint();
			return MXG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, GENERATE_NAME ": unexpected argument '%s'\n", argv[optind]);
		generate_hint();
		return MXG_EXIT_USAGE;
	}
	if (output != NULL && output[0] == '\0') {
		fprintf(stderr, GENERATE_NAME ": empty file name\n");
		return MXG_EXIT_USAGE;
	}

	if (mxg_ed25519_generate(version, &key, &err) < 0) {
		fprintf(stderr, GENERATE_NAME ": %s\n", err.msg);
		return err.code == EINVAL ? MXG_EXIT_USAGE : MXG_EXIT_FAILURE;
	}
	if (output != NULL) {
		if (mxg_ed25519_save(output, &key, &err) < 0) {
			fprintf(stderr, GENERATE_NAME ": %s\n", err.msg);
			/* An existing key is the operator's to move away. */
			ret = err.code == EEXIST ? MXG_EXIT_USAGE : MXG_EXIT_FAILURE;
		} else {
			ret = MXG_EXIT_OK;
			fprintf(stderr, "wrote %s\n", output);
		}
	} else {
		ret = print_key(&key);
	}
	if (ret == MXG_EXIT_OK)
		fprintf(stderr, "key id: ed25519:%s\npublic key: %s\n", key.version, key.pub_b64);
	mxg_ed25519_clear(&key);
	return ret;
}

int mxg_cli_keys(int argc, char **argv)
{
	if (argc < 2) {
		keys_usage(stderr);
		return MXG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		keys_usage(stdout);
		return MXG_EXIT_OK;
	}
	if (strcmp(argv[1], "generate") == 0)
		return keys_generate(argc - 1, argv + 1);
	fprintf(stderr, "mxgate keys: unknown command '%s'\n\n", argv[1]);
	keys_usage(stderr);
	return MXG_EXIT_USAGE;
}
