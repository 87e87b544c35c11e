/*
 * man-keys.h: checks that a manual page documents every key of a config
 * table (the core's in mxgate.yaml(5), each store module's in its own page).
 * Header-only, like test.h: the test runner's counters are per program.
 */
#ifndef MXG_TEST_MAN_KEYS_H
#define MXG_TEST_MAN_KEYS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

/* The page at srcdir-relative path, NUL-terminated and malloc'ed, or NULL
 * (reported on stderr). */
static inline char *man_page_read(const char *rel_path)
{
	const char *srcdir = getenv("srcdir");
	char path[4096], *man;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", srcdir != NULL ? srcdir : ".", rel_path);
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "  cannot open %s\n", path);
		return NULL;
	}
	man = malloc(1 << 20);
	if (man == NULL) {
		fclose(f);
		return NULL;
	}
	len = fread(man, 1, (1 << 20) - 1, f);
	man[len] = '\0';
	fclose(f);
	return man;
}

/* word appears in text as a whole word (not inside a longer key). */
static inline bool man_has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(text, word); p != NULL; p = strstr(p + 1, word)) {
		char before = p > text ? p[-1] : ' ', after = p[n];

		if (!((before >= 'a' && before <= 'z') || before == '_') &&
		    !((after >= 'a' && after <= 'z') || after == '_'))
			return true;
	}
	return false;
}

/* How many keys of table (and of its sections and lists, and each secret's
 * <key>_file) man lacks; each is named on stderr with prefix. */
static inline int man_missing_keys(const char *man, const struct mxg_conf_def *table,
				   const char *prefix)
{
	int missing = 0;

	for (const struct mxg_conf_def *def = table; def != NULL && def->key != NULL; def++) {
		if (def->type == MXG_CONF_DYNAMIC)
			continue;	/* not a YAML key: the module's keys sit beside */
		if (!man_has_word(man, def->key)) {
			fprintf(stderr, "  man page lacks %s%s\n", prefix, def->key);
			missing++;
		}
		if (def->type == MXG_CONF_SECRET) {
			char file_key[128];

			snprintf(file_key, sizeof(file_key), "%s_file", def->key);
			if (!man_has_word(man, file_key)) {
				fprintf(stderr, "  man page lacks %s%s\n", prefix, file_key);
				missing++;
			}
		}
		if (def->type == MXG_CONF_SECTION || def->type == MXG_CONF_LIST) {
			char sub[128];

			snprintf(sub, sizeof(sub), "%s%s.", prefix, def->key);
			missing += man_missing_keys(man, def->sub, sub);
		}
	}
	return missing;
}

#endif
