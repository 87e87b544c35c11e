/*
 * static-file.c: reading a static store's users_file, one person per line:
 *   localpart <TAB> display name <TAB> password hash <TAB> medium:address,...
 *
 * Streamed line by line and handed to the store without copies, so that a
 * list of 100,000 people costs what the store keeps and not a YAML document
 * tree.  Values are checked by the store, like the people listed inline.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stores/static.h"

#define MAX_3PIDS_PER_LINE 64

struct line_reader {
	const char *path;
	FILE *f;
	char *line;
	size_t cap, lineno;
};

static int reader_open(struct line_reader *lr, const char *path, struct mxg_error *err)
{
	memset(lr, 0, sizeof(*lr));
	lr->path = path;
	lr->f = fopen(path, "re");
	if (lr->f == NULL)
		return mxg_error_set(err, errno, "cannot open users_file %s: %s", path,
				     strerror(errno));
	return 0;
}

/* The next person line without its newline; NULL at the end. */
static char *reader_next(struct line_reader *lr)
{
	ssize_t got;

	while ((got = getline(&lr->line, &lr->cap, lr->f)) >= 0) {
		size_t len = (size_t)got;

		lr->lineno++;
		while (len > 0 && (lr->line[len - 1] == '\n' || lr->line[len - 1] == '\r'))
			lr->line[--len] = '\0';
		if (len > 0 && lr->line[0] != '#')
			return lr->line;
	}
	return NULL;
}

static int reader_close(struct line_reader *lr, int ret, struct mxg_error *err)
{
	if (ret == 0 && ferror(lr->f))
		ret = mxg_error_set(err, EIO, "cannot read users_file %s", lr->path);
	/* Lines hold password hashes. */
	if (lr->line != NULL)
		explicit_bzero(lr->line, lr->cap);
	free(lr->line);
	fclose(lr->f);
	return ret;
}

/* Cut the next tab-separated field in place; NULL when empty or absent. */
static char *next_field(char **p)
{
	char *start = *p, *tab;

	if (start == NULL)
		return NULL;
	tab = strchr(start, '\t');
	if (tab != NULL)
		*tab = '\0';
	*p = tab != NULL ? tab + 1 : NULL;
	return start[0] != '\0' ? start : NULL;
}

static int parse_threepids(char *list, struct mxg_static_threepid_conf *t, size_t *n_r,
			   const struct line_reader *lr, struct mxg_error *err)
{
	char *save = NULL, *item;
	size_t n = 0;

	for (item = strtok_r(list, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');

		if (colon == NULL || colon == item)
			return mxg_error_set(err, EINVAL, "%s:%zu: 3PID '%s' is not medium:address",
					     lr->path, lr->lineno, item);
		if (n == MAX_3PIDS_PER_LINE)
			return mxg_error_set(err, EINVAL, "%s:%zu: more than %d 3PIDs", lr->path,
					     lr->lineno, MAX_3PIDS_PER_LINE);
		*colon = '\0';
		t[n].medium = item;
		t[n].address = colon + 1;
		n++;
	}
	*n_r = n;
	return 0;
}

int mxg_static_users_file_count(const char *path, size_t *count_r, struct mxg_error *err)
{
	struct line_reader lr;

	*count_r = 0;
	if (reader_open(&lr, path, err) < 0)
		return -1;
	while (reader_next(&lr) != NULL)
		(*count_r)++;
	return reader_close(&lr, 0, err);
}

int mxg_static_users_file_read(const char *path, mxg_static_user_fn *fn, void *ctx,
			       struct mxg_error *err)
{
	struct mxg_static_threepid_conf tpids[MAX_3PIDS_PER_LINE];
	struct line_reader lr;
	char *line, *p, *list;
	int ret = 0;

	if (reader_open(&lr, path, err) < 0)
		return -1;
	while (ret == 0 && (line = reader_next(&lr)) != NULL) {
		struct mxg_static_user_conf u = { 0 };
		size_t n = 0;

		p = line;
		u.localpart = next_field(&p);
		u.display_name = next_field(&p);
		u.password_hash = next_field(&p);
		list = next_field(&p);
		if (u.localpart == NULL)
			ret = mxg_error_set(err, EINVAL, "%s:%zu: no localpart", path, lr.lineno);
		else if (p != NULL)
			ret = mxg_error_set(err, EINVAL, "%s:%zu: more than 4 fields", path, lr.lineno);
		else if (list != NULL)
			ret = parse_threepids(list, tpids, &n, &lr, err);
		if (ret == 0) {
			u.threepids.items = tpids;
			u.threepids.count = n;
			ret = fn(ctx, &u, err);
			if (ret < 0)
				mxg_error_prefix(err, "%s:%zu: ", path, lr.lineno);
		}
	}
	return reader_close(&lr, ret, err);
}
