/*
 * conf.c: the configuration engine's second half: a loaded YAML document
 * into the structs described by struct mxg_conf_def tables (see conf.h):
 * scalars, secrets, lists, sections, DYNAMIC parts, defaults and the hints
 * for unknown keys.  Reading the YAML, its limits and the public entry
 * points are in conf-load.c.
 *
 * The walk follows the tables, not the input, so its recursion depth is
 * bounded by ours (conf-load.c has already refused aliases, absurd nesting
 * and extra documents).
 *
 * Conventions beyond conf.h:
 *  - a null value ("key:", "key: ~") counts as absent: the default applies;
 *  - a REQUIRED LIST or STRLIST must also be non-empty;
 *  - a DYNAMIC def's key names it for humans only, it never matches a YAML
 *    key; a resolve() failing with an empty message reports nothing (the
 *    cause, say a missing required key, has already been reported) and the
 *    remaining keys of that mapping are then left unchecked.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/conf-internal.h"
#include "core/config-text.h"

#define MAX_SECRET_SIZE	(64u << 10)
#define MAX_KEYS	1024		/* per mapping; keeps duplicate checks cheap */
#define MAX_TABLES	4		/* one mapping: its table + DYNAMIC ones */
#define PATH_LEN	256

struct pair {
	const char *key;
	yaml_node_t *key_node, *value;
	bool used, dup;
};

struct mapping {
	yaml_document_t *doc;
	struct pair *pairs;
	size_t count;
	int line;
	const struct mxg_conf_def *tables[MAX_TABLES];
	size_t ntables;
	bool unchecked;			/* a resolve failed: don't call leftovers unknown */
};


/* A scalar as a C string: -1 when it holds a NUL ("\0" escape) or is not a
 * scalar; the problem is reported. */
static int scalar_or_report(struct mxg_conf_ctx *c, const yaml_node_t *n, const char *path,
			    const char *want, const char **s_r)
{
	if (n->type != YAML_SCALAR_NODE) {
		mxg_conf_problem(c, node_line(n), path, "expected %s, got %s", want, node_kind(n));
		return -1;
	}
	if (strlen(scalar(n)) != n->data.scalar.length) {
		mxg_conf_problem(c, node_line(n), path, "contains a NUL byte");
		return -1;
	}
	*s_r = scalar(n);
	return 0;
}

/* --- applying values --------------------------------------------------------- */

static void join_path(char *buf, const char *path, const char *key)
{
	snprintf(buf, PATH_LEN, "%s%s%s", path, path[0] != '\0' ? "." : "", key);
}

static bool bounded(const struct mxg_conf_def *def)
{
	return def->min < def->max;
}

static int apply_strlist(struct mxg_conf_ctx *c, yaml_document_t *doc, yaml_node_t *n,
			 struct mxg_conf_strlist *list, const char *path)
{
	yaml_node_item_t *it;
	size_t count, j = 0;

	if (n->type == YAML_SCALAR_NODE) {
		const char *s;

		if (scalar_or_report(c, n, path, "a string or a list of strings", &s) < 0)
			return -1;
		list->items = mxg_arena_alloc(c->arena, sizeof(char *));
		list->items[0] = mxg_arena_strdup(c->arena, s);
		list->count = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		mxg_conf_problem(c, node_line(n), path, "expected a list of strings, got %s",
				 node_kind(n));
		return -1;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	list->items = mxg_arena_alloc(c->arena, (count + 1) * sizeof(char *));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(doc, *it);
		char epath[PATH_LEN];
		const char *s;

		snprintf(epath, sizeof(epath), "%s[%zu]", path,
			 (size_t)(it - n->data.sequence.items.start));
		if (e != NULL && scalar_or_report(c, e, epath, "a string", &s) == 0)
			list->items[j++] = mxg_arena_strdup(c->arena, s);
	}
	list->count = j;
	return 0;
}

static int apply_list(struct mxg_conf_ctx *c, yaml_document_t *doc, yaml_node_t *n,
		      const struct mxg_conf_def *def, struct mxg_conf_list *list,
		      const char *path)
{
	size_t count, bad = 0;
	struct mxg_error err;

	if (n->type != YAML_SEQUENCE_NODE) {
		mxg_conf_problem(c, node_line(n), path, "expected a list, got %s", node_kind(n));
		return -1;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	list->items = count > 0 ? mxg_arena_alloc(c->arena, count * def->elem_size) : NULL;
	list->count = count;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *e = yaml_document_get_node(doc, n->data.sequence.items.start[i]);
		char epath[PATH_LEN];

		snprintf(epath, sizeof(epath), "%s[%zu]", path, i);
		if (e == NULL)
			continue;
		if (e->type != YAML_MAPPING_NODE) {
			mxg_conf_problem(c, node_line(e), epath, "expected a mapping, got %s",
					 node_kind(e));
			continue;
		}
		mxg_conf_apply_mapping(c, doc, e, def->sub,
				       (char *)list->items + i * def->elem_size, epath,
				       node_line(e));
	}
	mxg_error_clear(&err);
	if (def->list_check != NULL && def->list_check(list, &bad, &err) < 0) {
		yaml_node_t *e = NULL;
		char epath[PATH_LEN];

		if (bad < count)
			e = yaml_document_get_node(doc, n->data.sequence.items.start[bad]);
		snprintf(epath, sizeof(epath), "%s[%zu]", path, bad);
		mxg_conf_problem(c, e != NULL ? node_line(e) : node_line(n),
				 bad < count ? epath : path, "%s", err.msg);
	}
	return 0;
}

static void fmt_bound(const struct mxg_conf_def *def, long long v, char *buf, size_t size)
{
	static const struct { const char *unit; long long n; } dur[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	}, sz[] = {
		{ "G", 1 << 30 }, { "M", 1 << 20 }, { "k", 1 << 10 }, { "", 1 },
	};
	const __typeof__(dur[0]) *u = def->type == MXG_CONF_DURATION ? dur :
				      def->type == MXG_CONF_SIZE ? sz : NULL;

	for (; u != NULL && v != 0; u++) {
		if (v % u->n == 0) {
			snprintf(buf, size, "%lld%s", v / u->n, u->unit);
			return;
		}
	}
	snprintf(buf, size, "%lld", v);
}

/* Parse a scalar-typed value into field.  Returns 0 when the field was set. */
static int apply_scalar(struct mxg_conf_ctx *c, yaml_node_t *n, const struct mxg_conf_def *def,
			void *field, const char *path)
{
	const char *s;
	long long v = 0;
	char lo[32], hi[32];

	if (scalar_or_report(c, n, path, def->type == MXG_CONF_BOOL ? "true or false" :
			     def->type == MXG_CONF_STRING || def->type == MXG_CONF_SECRET ?
			     "a string" : "a scalar", &s) < 0)
		return -1;
	switch (def->type) {
	case MXG_CONF_STRING:
	case MXG_CONF_SECRET:
		*(char **)field = mxg_arena_strdup(c->arena, s);
		return 0;
	case MXG_CONF_BOOL:
		if (mxg_conf_parse_bool(s, field) < 0) {
			mxg_conf_problem(c, node_line(n), path,
				"'%s' is not a boolean (true/false, yes/no, on/off)", s);
			return -1;
		}
		return 0;
	case MXG_CONF_ENUM:
		for (int i = 0; def->enum_values[i] != NULL; i++) {
			if (strcmp(s, def->enum_values[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		{
			char list[256] = "";

			for (int i = 0; def->enum_values[i] != NULL; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i > 0 ? ", " : "", def->enum_values[i]);
			mxg_conf_problem(c, node_line(n), path, "'%s' is not one of: %s", s, list);
		}
		return -1;
	case MXG_CONF_INT:
		if (mxg_conf_parse_int(s, &v) < 0) {
			mxg_conf_problem(c, node_line(n), path, "'%s' is not an integer", s);
			return -1;
		}
		break;
	case MXG_CONF_DURATION:
		if (mxg_conf_parse_duration(s, &v) < 0) {
			mxg_conf_problem(c, node_line(n), path, "'%s' is not a duration (e.g. "
					 "250ms, 30s, 5m, 24h, 7d; a bare number is seconds)", s);
			return -1;
		}
		break;
	case MXG_CONF_SIZE: {
		size_t b;

		if (mxg_conf_parse_size(s, &b) < 0 || b > (size_t)LLONG_MAX) {
			mxg_conf_problem(c, node_line(n), path,
					 "'%s' is not a size (e.g. 512, 64k, 1M, 1G)", s);
			return -1;
		}
		v = (long long)b;
		break;
	}
	default:
		return -1;
	}
	if (bounded(def) && (v < def->min || v > def->max)) {
		fmt_bound(def, def->min, lo, sizeof(lo));
		fmt_bound(def, def->max, hi, sizeof(hi));
		mxg_conf_problem(c, node_line(n), path, "%s is out of range (%s..%s)", s, lo, hi);
		return -1;
	}
	if (def->type == MXG_CONF_SIZE)
		*(size_t *)field = (size_t)v;
	else
		*(long long *)field = v;
	return 0;
}

/* Apply a (non-null) node to the field of def.  Returns 0 when set. */
static int apply_value(struct mxg_conf_ctx *c, yaml_document_t *doc, yaml_node_t *n,
		       const struct mxg_conf_def *def, void *field, const char *path)
{
	switch (def->type) {
	case MXG_CONF_STRLIST:
		return apply_strlist(c, doc, n, field, path);
	case MXG_CONF_SECTION:
		if (n->type != YAML_MAPPING_NODE) {
			mxg_conf_problem(c, node_line(n), path, "expected a mapping, got %s",
					 node_kind(n));
			/* Still fill the defaults: later checks read the section. */
			mxg_conf_apply_mapping(c, doc, NULL, def->sub, field, path, node_line(n));
			return -1;
		}
		mxg_conf_apply_mapping(c, doc, n, def->sub, field, path, node_line(n));
		break;
	case MXG_CONF_LIST:
		return apply_list(c, doc, n, def, field, path);
	case MXG_CONF_DYNAMIC:
		return -1;
	default:
		return apply_scalar(c, n, def, field, path);
	}
	/* A container with a broken part still counts as set: its check runs. */
	return 0;
}

/* A default is YAML text too: parse it and apply it with the same rules. */
static int apply_default(struct mxg_conf_ctx *c, const struct mxg_conf_def *def, void *field,
			 const char *path, int line)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret = -1, saved = c->force_line;

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)def->dflt, strlen(def->dflt));
	if (!yaml_parser_load(&parser, &doc)) {
		mxg_conf_problem(c, line, path, "internal error: bad default '%s'", def->dflt);
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	c->force_line = line > 0 ? line : 1;
	if (root != NULL)
		ret = apply_value(c, &doc, root, def, field, path);
	c->force_line = saved;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}

static char *read_secret_file(struct mxg_conf_ctx *c, const char *file, int line, const char *path)
{
	char *buf, *s;
	size_t len;
	int err;

	if (mxg_conf_read_file(file, MAX_SECRET_SIZE, &buf, &len, &err) < 0) {
		mxg_conf_problem(c, line, path, "cannot read %s: %s", file,
			err == EFBIG ? "file too large" : strerror(err));
		return NULL;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (memchr(buf, '\0', len) != NULL) {
		mxg_conf_problem(c, line, path, "%s contains a NUL byte", file);
		s = NULL;
	} else {
		s = mxg_arena_strndup(c->arena, buf, len);
	}
	explicit_bzero(buf, len);
	free(buf);
	return s;
}

static struct pair *find_pair(struct mapping *m, const char *key)
{
	for (size_t i = 0; i < m->count; i++)
		if (!m->pairs[i].dup && strcmp(m->pairs[i].key, key) == 0)
			return &m->pairs[i];
	return NULL;
}

/* A SECRET: "key: value" or "key_file: path", never both. */
static int apply_secret(struct mxg_conf_ctx *c, struct mapping *m, const struct mxg_conf_def *def,
			void *field, const char *path, bool *present_r, int *line_r)
{
	char fkey[128], fpath[PATH_LEN];
	struct pair *pv = find_pair(m, def->key), *pf;
	const char *file;

	snprintf(fkey, sizeof(fkey), "%s_file", def->key);
	pf = find_pair(m, fkey);
	join_path(fpath, path, fkey);
	if (pv != NULL) {
		pv->used = true;
		*line_r = node_line(pv->key_node);
	}
	if (pf != NULL) {
		pf->used = true;
		*line_r = node_line(pf->key_node);
	}
	if (pv != NULL && is_null(pv->value))
		pv = NULL;
	if (pf != NULL && is_null(pf->value))
		pf = NULL;
	*present_r = pv != NULL || pf != NULL;
	if (pv != NULL && pf != NULL) {
		struct pair *later = node_line(pv->key_node) > node_line(pf->key_node) ? pv : pf;

		mxg_conf_problem(c, node_line(later->key_node), later == pv ? path : fpath,
			"give either %s or %s, not both", def->key, fkey);
		return -1;
	}
	if (pv != NULL) {
		char vpath[PATH_LEN];

		join_path(vpath, path, def->key);
		return apply_scalar(c, pv->value, def, field, vpath);
	}
	if (pf == NULL)
		return -1;
	if (scalar_or_report(c, pf->value, fpath, "a file name", &file) < 0)
		return -1;
	*(char **)field = read_secret_file(c, file, node_line(pf->value), fpath);
	return *(char **)field != NULL ? 0 : -1;
}

static void apply_def(struct mxg_conf_ctx *c, struct mapping *m, const struct mxg_conf_def *def,
		      void *out, const char *path)
{
	char kpath[PATH_LEN];
	void *field = (char *)out + def->offset;
	struct pair *p = NULL;
	bool present;
	int line = m->line, ret;
	struct mxg_error err;

	join_path(kpath, path, def->key);
	if (def->type == MXG_CONF_SECRET) {
		ret = apply_secret(c, m, def, field, path, &present, &line);
	} else {
		p = find_pair(m, def->key);
		if (p != NULL) {
			p->used = true;
			/* Containers start on the next line: point at their key. */
			line = p->value->type == YAML_SCALAR_NODE ? node_line(p->value) :
			       node_line(p->key_node);
		}
		present = p != NULL && !is_null(p->value);
		ret = present ? apply_value(c, m->doc, p->value, def, field, kpath) : -1;
	}
	if (!present) {
		if (def->dflt != NULL)
			ret = apply_default(c, def, field, kpath, line);
		else if (def->type == MXG_CONF_SECTION)
			mxg_conf_apply_mapping(c, m->doc, NULL, def->sub, field, kpath, line),
			ret = 0;
		if (def->flags & MXG_CONF_REQUIRED && def->dflt == NULL) {
			mxg_conf_problem(c, line, kpath, def->type == MXG_CONF_SECRET ?
				"missing required key (or %s_file)" : "missing required key%s",
				def->type == MXG_CONF_SECRET ? def->key : "");
			return;
		}
	}
	if (ret < 0)
		return;
	if (def->flags & MXG_CONF_REQUIRED &&
	    ((def->type == MXG_CONF_LIST && ((struct mxg_conf_list *)field)->count == 0) ||
	     (def->type == MXG_CONF_STRLIST && ((struct mxg_conf_strlist *)field)->count == 0))) {
		mxg_conf_problem(c, line, kpath, "must have at least one element");
		return;
	}
	mxg_error_clear(&err);
	if (def->check != NULL && def->check(field, &err) < 0)
		mxg_conf_problem(c, line, kpath, "%s", err.msg);
}

/* Apply table to the unused pairs of m, DYNAMIC parts last. */
static void apply_table(struct mxg_conf_ctx *c, struct mapping *m, const struct mxg_conf_def *table,
			void *out, const char *path)
{
	if (m->ntables < MAX_TABLES)
		m->tables[m->ntables++] = table;
	for (const struct mxg_conf_def *def = table; def->key != NULL; def++)
		if (def->type != MXG_CONF_DYNAMIC)
			apply_def(c, m, def, out, path);
	for (const struct mxg_conf_def *def = table; def->key != NULL; def++) {
		const struct mxg_conf_def *sub = NULL;
		size_t size = 0;
		struct mxg_error err;
		void *dyn = NULL;

		if (def->type != MXG_CONF_DYNAMIC)
			continue;
		mxg_error_clear(&err);
		if (def->resolve(c->root, out, &sub, &size, &err) < 0) {
			if (err.msg[0] != '\0')
				mxg_conf_problem(c, m->line, path, "%s", err.msg);
			m->unchecked = true;
			continue;
		}
		if (size > 0)
			dyn = mxg_arena_alloc(c->arena, size);
		*(void **)((char *)out + def->offset) = dyn;
		if (sub != NULL && dyn != NULL)
			apply_table(c, m, sub, dyn, path);
	}
}

static void consider(const char *key, const char *cand, char *best, size_t size, size_t *best_d)
{
	size_t d = mxg_conf_distance(key, cand);

	if (d < *best_d) {
		*best_d = d;
		snprintf(best, size, "%s", cand);
	}
}

static void report_unknown(struct mxg_conf_ctx *c, const struct mapping *m, const struct pair *p,
			   const char *path)
{
	char kpath[PATH_LEN], best[128] = "", fkey[128];
	size_t best_d = SIZE_MAX;

	for (size_t t = 0; t < m->ntables; t++) {
		for (const struct mxg_conf_def *def = m->tables[t]; def->key != NULL; def++) {
			if (def->type == MXG_CONF_DYNAMIC)
				continue;
			consider(p->key, def->key, best, sizeof(best), &best_d);
			if (def->type == MXG_CONF_SECRET) {
				snprintf(fkey, sizeof(fkey), "%s_file", def->key);
				consider(p->key, fkey, best, sizeof(best), &best_d);
			}
		}
	}
	join_path(kpath, path, p->key);
	/* Close: a typo or two, and not most of a short word. */
	if (best_d > 0 && best_d <= 2 &&
	    best_d * 3 <= (strlen(best) > strlen(p->key) ? strlen(best) : strlen(p->key)) + 1)
		mxg_conf_problem(c, node_line(p->key_node), kpath,
				 "unknown key (did you mean '%s'?)", best);
	else
		mxg_conf_problem(c, node_line(p->key_node), kpath, "unknown key");
}

/*
 * Fill out from a mapping node (NULL: the mapping is absent, apply defaults
 * and report missing required keys at parent_line).
 */
void mxg_conf_apply_mapping(struct mxg_conf_ctx *c, yaml_document_t *doc, yaml_node_t *node,
			    const struct mxg_conf_def *table, void *out, const char *path,
			    int parent_line)
{
	struct mapping m = { .doc = doc, .line = parent_line };
	yaml_node_pair_t *yp;
	size_t n = 0;

	if (node != NULL) {
		n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
		m.line = node_line(node);
	}
	if (n > MAX_KEYS) {
		mxg_conf_problem(c, m.line, path, "more than %d keys", MAX_KEYS);
		return;
	}
	m.pairs = n > 0 ? xrealloc(NULL, n * sizeof(*m.pairs)) : NULL;
	for (yp = node != NULL ? node->data.mapping.pairs.start : NULL;
	     node != NULL && yp < node->data.mapping.pairs.top; yp++) {
		yaml_node_t *k = yaml_document_get_node(doc, yp->key);
		yaml_node_t *v = yaml_document_get_node(doc, yp->value);
		struct pair *p;

		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE || strlen(scalar(k)) != k->data.scalar.length) {
			mxg_conf_problem(c, node_line(k), path, "keys must be plain strings");
			continue;
		}
		p = &m.pairs[m.count++];
		*p = (struct pair){ .key = scalar(k), .key_node = k, .value = v };
		for (size_t i = 0; i + 1 < m.count; i++) {
			if (!m.pairs[i].dup && strcmp(m.pairs[i].key, p->key) == 0) {
				char kpath[PATH_LEN];

				join_path(kpath, path, p->key);
				mxg_conf_problem(c, node_line(k), kpath,
						 "duplicate key (first at line %d)",
						 node_line(m.pairs[i].key_node));
				p->dup = true;
				break;
			}
		}
	}
	apply_table(c, &m, table, out, path);
	for (size_t i = 0; i < m.count && !m.unchecked; i++)
		if (!m.pairs[i].used && !m.pairs[i].dup)
			report_unknown(c, &m, &m.pairs[i], path);
	free(m.pairs);
}
