/*
 * static-file.c: reading a static store's users_file, one person per line:
 *   localpart <TAB> display name <TAB> password hash <TAB> medium:address,...
 *
 * Read line by line, so that a list of 100,000 people costs what it holds
 * and not a YAML document tree.  Values are checked by the store's init,
 * like the people listed inline.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "stores/static.h"

/* Next tab-separated field (NULL when empty or absent), advancing *p. */
static char *next_field(struct mxg_arena *arena, char **p)
{
	char *start = *p, *tab;
	size_t n;

	if (start == NULL)
		return NULL;
	tab = strchr(start, '\t');
	n = tab != NULL ? (size_t)(tab - start) : strlen(start);
	*p = tab != NULL ? tab + 1 : NULL;
	return n > 0 ? mxg_arena_strndup(arena, start, n) : NULL;
}

static int parse_threepids(struct mxg_arena *arena, char *list, struct mxg_conf_list *out,
			   const char *path, size_t lineno, struct mxg_error *err)
{
	struct mxg_static_threepid_conf *t;
	size_t n = 1, i = 0;
	char *save = NULL, *item;

	for (const char *c = list; *c != '\0'; c++)
		n += *c == ',';
	t = mxg_arena_alloc(arena, sizeof(*t) * n);
	for (item = strtok_r(list, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');

		if (colon == NULL || colon == item)
			return mxg_error_set(err, EINVAL,
					     "%s:%zu: 3PID '%s' is not medium:address", path,
					     lineno, item);
		*colon = '\0';
		t[i].medium = item;
		t[i].address = colon + 1;
		i++;
	}
	out->items = t;
	out->count = i;
	return 0;
}

int mxg_static_read_users_file(const char *path, struct mxg_arena *arena,
			       struct mxg_static_user_conf **users_r, size_t *count_r,
			       struct mxg_error *err)
{
	FILE *f = fopen(path, "re");
	struct mxg_static_user_conf *users = *users_r, *u;
	size_t cap = *count_r, lineno = 0, len;
	char *line = NULL, *p, *tpids;
	size_t linecap = 0;
	ssize_t got;
	int ret = 0;

	if (f == NULL)
		return mxg_error_set(err, errno, "cannot open users_file %s: %s", path,
				     strerror(errno));
	while ((got = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		len = (size_t)got;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (*count_r == cap) {
			cap = cap < 64 ? 64 : cap * 2;
			users = realloc(users, cap * sizeof(*users));
			if (users == NULL) {
				ret = mxg_error_set(err, ENOMEM, "out of memory reading %s", path);
				break;
			}
			*users_r = users;
		}
		u = &users[*count_r];
		memset(u, 0, sizeof(*u));
		p = line;
		u->localpart = next_field(arena, &p);
		u->display_name = next_field(arena, &p);
		u->password_hash = next_field(arena, &p);
		tpids = next_field(arena, &p);
		if (u->localpart == NULL) {
			ret = mxg_error_set(err, EINVAL, "%s:%zu: no localpart", path, lineno);
			break;
		}
		if (p != NULL) {
			ret = mxg_error_set(err, EINVAL, "%s:%zu: more than 4 fields", path, lineno);
			break;
		}
		if (tpids != NULL &&
		    (ret = parse_threepids(arena, tpids, &u->threepids, path, lineno, err)) < 0)
			break;
		(*count_r)++;
	}
	if (ret == 0 && ferror(f))
		ret = mxg_error_set(err, EIO, "cannot read users_file %s", path);
	/* The line may hold a password hash. */
	if (line != NULL)
		explicit_bzero(line, linecap);
	free(line);
	fclose(f);
	return ret;
}
