/*
 * conf-internal.h: what the two halves of the configuration engine share,
 * not installed and not for other modules (they use conf.h).
 *
 * conf-load.c reads the YAML (limits, the alias prescan, syntax errors, the
 * public entry points) and owns the list of problems; conf.c applies the
 * loaded document to the struct mxg_conf_def tables.  Both report through
 * mxg_conf_problem() into one struct mxg_conf_ctx, and both look at libyaml
 * nodes through the small static inline helpers below (static, so their
 * short names stay private to each file).
 */
#ifndef MXG_CONF_INTERNAL_H
#define MXG_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/conf.h"

struct mxg_conf_problem;

/* One load: where problems go and where values are allocated. */
struct mxg_conf_ctx {
	const char *name;		/* file name, or the name given to _load_string */
	struct mxg_arena *arena;
	void *root;			/* the top-level struct, for DYNAMIC resolve() */
	int force_line;			/* > 0 while applying a default */
	struct mxg_conf_problem *problems;
	size_t count, cap;
};

/* Record a problem at line (or at c->force_line while applying a default);
 * key and message are escaped and copied.  Never fails: aborts on ENOMEM,
 * as the arena does. */
void __attribute__((format(printf, 4, 5)))
mxg_conf_problem(struct mxg_conf_ctx *c, int line, const char *key, const char *fmt, ...);

/*
 * Fill out from a mapping node of doc along table; node NULL means the
 * mapping is absent: apply defaults and report missing required keys at
 * parent_line.  path is the dotted key of the mapping ("" at the top).
 * Problems go to c; values are allocated from c->arena.
 */
void mxg_conf_apply_mapping(struct mxg_conf_ctx *c, yaml_document_t *doc, yaml_node_t *node,
			    const struct mxg_conf_def *table, void *out, const char *path,
			    int parent_line);

static inline void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (p == NULL)
		abort();	/* as the arena does */
	return p;
}

/* --- libyaml nodes ------------------------------------------------------- */

static inline int node_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static inline const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static inline const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A null value ("key:", "key: ~", "key: null") counts as absent. */
static inline bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (n == NULL)
		return true;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = scalar(n);
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

#endif
