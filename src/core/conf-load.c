/*
 * conf-load.c: the configuration engine's first half: reading YAML text and
 * handing the document to conf.c, which applies it to the struct
 * mxg_conf_def tables (see conf.h).  Also the list of problems, and
 * mxg_conf_wipe_secrets().
 *
 * Loading has three steps.  A scan of the event stream refuses what the
 * walker must never see: aliases (libyaml's document loader turns them into
 * shared nodes, so "billion laughs" would make a walk exponential, and a
 * self-referencing anchor would make it endless), absurd nesting and extra
 * documents.  Then the document is loaded and walked along the tables
 * (mxg_conf_apply_mapping() in conf.c).  Problems are collected, not
 * printed, and handed to the caller's report function sorted by line so
 * that they read like the file.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/conf.h"
#include "core/conf-internal.h"
#include "core/config-text.h"

#define MAX_CONF_SIZE	(4u << 20)	/* a config file is never this big */
#define MAX_DEPTH	32		/* far beyond any table */
#define MAX_NODES	1000000		/* ~100 MB of libyaml nodes; 100k people fit */

struct mxg_conf_problem {
	int line;
	size_t seq;
	char *key;
	char *msg;
};

void mxg_conf_problem(struct mxg_conf_ctx *c, int line, const char *key, const char *fmt, ...)
{
	char msg[512];
	struct mxg_conf_problem *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->count == c->cap) {
		c->cap = c->cap == 0 ? 8 : c->cap * 2;
		c->problems = xrealloc(c->problems, c->cap * sizeof(*c->problems));
	}
	p = &c->problems[c->count];
	p->line = c->force_line > 0 ? c->force_line : line;
	p->seq = c->count++;
	p->key = mxg_conf_escape(key);
	p->msg = mxg_conf_escape(msg);
}

static int problem_cmp(const void *a, const void *b)
{
	const struct mxg_conf_problem *pa = a, *pb = b;

	if (pa->line != pb->line)
		return pa->line < pb->line ? -1 : 1;
	return pa->seq < pb->seq ? -1 : pa->seq > pb->seq;
}

/* Report every problem in line order, free them; returns their number. */
static int flush_problems(struct mxg_conf_ctx *c, mxg_conf_report_fn *report, void *report_ctx)
{
	int n = (int)c->count;

	if (c->count > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(c->problems, c->count, sizeof(*c->problems), problem_cmp);
	for (size_t i = 0; i < c->count; i++) {
		report(report_ctx, c->name, c->problems[i].line, c->problems[i].key,
		       c->problems[i].msg);
		free(c->problems[i].key);
		free(c->problems[i].msg);
	}
	free(c->problems);
	c->problems = NULL;
	c->count = c->cap = 0;
	return n;
}

/* --- loading ------------------------------------------------------------------ */

static void syntax_problem(struct mxg_conf_ctx *c, const yaml_parser_t *p)
{
	const yaml_mark_t *mark = p->problem != NULL ? &p->problem_mark : &p->context_mark;

	if (p->context != NULL)
		mxg_conf_problem(c, (int)mark->line + 1, "", "YAML syntax error: %s %s",
			p->problem != NULL ? p->problem : "", p->context);
	else
		mxg_conf_problem(c, (int)mark->line + 1, "", "YAML syntax error: %s",
			p->problem != NULL ? p->problem : "unknown");
}

/* The event scan: returns -1 on a syntax error, else the number of problems. */
static int prescan(struct mxg_conf_ctx *c, const char *yaml, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, docs = 0, ret = 0;
	size_t nodes = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_problem(c, &parser);
			ret = -1;
			break;
		}
		if ((ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
		     ev.type == YAML_MAPPING_START_EVENT) && ++nodes > MAX_NODES) {
			mxg_conf_problem(c, (int)ev.start_mark.line + 1, "",
					 "more than %d YAML nodes", MAX_NODES);
			ret++;
			done = true;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs == 2) {
				mxg_conf_problem(c, (int)ev.start_mark.line + 1, "",
					"only one YAML document is allowed");
				ret++;
			}
			break;
		case YAML_ALIAS_EVENT:
			mxg_conf_problem(c, (int)ev.start_mark.line + 1, "",
				"YAML aliases (*%s) are not supported",
				(const char *)ev.data.alias.anchor);
			ret++;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MAX_DEPTH) {
				mxg_conf_problem(c, (int)ev.start_mark.line + 1, "",
					"nested deeper than %d levels", MAX_DEPTH);
				ret++;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ret;
}

static int load(struct mxg_conf_ctx *c, const char *yaml, size_t len,
		const struct mxg_conf_def *table, void *out)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret;

	if (len > MAX_CONF_SIZE) {
		mxg_conf_problem(c, 0, "", "larger than %u MiB: not a configuration file",
			MAX_CONF_SIZE >> 20);
		return -1;
	}
	ret = prescan(c, yaml, len);
	if (ret != 0)
		return ret;
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_problem(c, &parser);
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && is_null(root))
		root = NULL;	/* an empty file: every key absent */
	if (root != NULL && root->type != YAML_MAPPING_NODE)
		mxg_conf_problem(c, node_line(root), "", "expected a mapping at the top, got %s",
			node_kind(root));
	else
		mxg_conf_apply_mapping(c, &doc, root, table, out, "",
				       root != NULL ? node_line(root) : 1);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return 0;
}

int mxg_conf_load_string(const char *name, const char *yaml, size_t len,
			 const struct mxg_conf_def *table, void *out, struct mxg_arena *arena,
			 mxg_conf_report_fn *report, void *report_ctx)
{
	struct mxg_conf_ctx c = { .name = name, .arena = arena, .root = out };
	int ret = load(&c, yaml, len, table, out);
	int n = flush_problems(&c, report, report_ctx);

	return ret < 0 ? -1 : n;
}

int mxg_conf_load_file(const char *path, const struct mxg_conf_def *table, void *out,
		       struct mxg_arena *arena, mxg_conf_report_fn *report, void *report_ctx)
{
	char *buf;
	size_t len;
	int err, ret;

	if (mxg_conf_read_file(path, MAX_CONF_SIZE, &buf, &len, &err) < 0) {
		struct mxg_conf_ctx c = { .name = path };

		mxg_conf_problem(&c, 0, "", "cannot read: %s", err == EFBIG ?
			"larger than 4 MiB, not a configuration file" : strerror(err));
		flush_problems(&c, report, report_ctx);
		return -1;
	}
	ret = mxg_conf_load_string(path, buf, len, table, out, arena, report, report_ctx);
	/* The file may hold secrets inline. */
	explicit_bzero(buf, len);
	free(buf);
	return ret;
}

void mxg_conf_wipe_secrets(const struct mxg_conf_def *table, void *out)
{
	if (table == NULL || out == NULL)
		return;
	for (const struct mxg_conf_def *def = table; def->key != NULL; def++) {
		void *field = (char *)out + def->offset;

		switch (def->type) {
		case MXG_CONF_SECRET:
			if (*(char **)field != NULL)
				explicit_bzero(*(char **)field, strlen(*(char **)field));
			break;
		case MXG_CONF_SECTION:
			mxg_conf_wipe_secrets(def->sub, field);
			break;
		case MXG_CONF_LIST: {
			struct mxg_conf_list *list = field;

			for (size_t i = 0; i < list->count; i++)
				mxg_conf_wipe_secrets(def->sub,
						      (char *)list->items + i * def->elem_size);
			break;
		}
		default:
			/* DYNAMIC: the owner wipes it with the table it resolved. */
			break;
		}
	}
}
