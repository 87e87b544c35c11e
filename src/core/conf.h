/*
 * conf.h: declarative configuration tables, shared by the core and by store
 * modules.
 *
 * A module describes its settings as a table of struct mxg_conf_def (key,
 * type, offset into its settings struct, default written as YAML text,
 * bounds); the core parses the YAML file, applies defaults, checks types and
 * bounds, and hands the module a filled struct.  Modules never parse text.
 * Every error names the file, line and full key ("stores[1].url") and every
 * error in a file is reported, not only the first.
 *
 * Keys are applied in table order, whatever their order in the file.
 *
 * All memory (strings, lists, nested sections) comes from the arena passed to
 * mxg_conf_load_*(); it lives as long as the configuration.
 */
#ifndef MXG_CONF_H
#define MXG_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct mxg_arena;

enum mxg_conf_type {
	MXG_CONF_STRING,	/* char *; NULL when absent without default */
	MXG_CONF_SECRET,	/* char *; "<key>: value" or "<key>_file: path"
				 * (file content, trailing newline removed) */
	MXG_CONF_INT,		/* long long, bounded by min/max when min < max */
	MXG_CONF_BOOL,		/* bool; YAML true/false/yes/no/on/off */
	MXG_CONF_DURATION,	/* long long milliseconds; "250ms", "30s", "5m",
				 * "24h", "7d", or a bare integer of seconds */
	MXG_CONF_SIZE,		/* size_t bytes; "512", "64k", "1M", "1G" */
	MXG_CONF_ENUM,		/* int: index into enum_values */
	MXG_CONF_STRLIST,	/* struct mxg_conf_strlist; a scalar is a list of one */
	MXG_CONF_SECTION,	/* nested struct at offset, described by sub */
	MXG_CONF_LIST,		/* struct mxg_conf_list of elem_size structs, each
				 * described by sub */
	MXG_CONF_DYNAMIC,	/* the remaining keys of this mapping are described
				 * by a table that resolve() picks from the keys
				 * already parsed (store modules); stored as a
				 * pointer to an arena struct of the size it gives */
};

#define MXG_CONF_REQUIRED	(1u << 0)

struct mxg_conf_strlist {
	char **items;
	size_t count;
};

struct mxg_conf_list {
	void *items;		/* count * elem_size bytes */
	size_t count;
};

struct mxg_conf_def;

/* Field-level check, run after the value is parsed.  value points at the
 * field.  Return 0, or -1 with a message (the core adds file:line: key). */
typedef int mxg_conf_check_fn(const void *value, struct mxg_error *err);

/* LIST check, run after every element is parsed: on failure set *bad_index_r
 * to the element at fault so the error points at its line. */
typedef int mxg_conf_list_check_fn(const struct mxg_conf_list *list,
				   size_t *bad_index_r, struct mxg_error *err);

/* DYNAMIC: given the top-level struct (filled in table order, so keys listed
 * earlier in the root table are set) and the struct holding the keys of this
 * mapping parsed so far, return the table and struct size for the remaining
 * keys, or -1 with a message. */
typedef int mxg_conf_resolve_fn(const void *root, const void *parent,
				const struct mxg_conf_def **table_r, size_t *size_r,
				struct mxg_error *err);

struct mxg_conf_def {
	const char *key;		/* NULL ends a table */
	enum mxg_conf_type type;
	size_t offset;
	const char *dflt;		/* YAML text of the default, or NULL */
	unsigned int flags;		/* MXG_CONF_REQUIRED */
	long long min, max;		/* INT, DURATION (ms), SIZE when min < max */
	const char *const *enum_values;	/* ENUM: NULL-terminated names */
	const struct mxg_conf_def *sub;	/* SECTION, LIST */
	size_t elem_size;		/* LIST */
	mxg_conf_check_fn *check;
	mxg_conf_list_check_fn *list_check;
	mxg_conf_resolve_fn *resolve;	/* DYNAMIC */
	const char *doc;		/* one line, for humans */
};

/* Called once per problem found.  key is the full dotted path. */
typedef void mxg_conf_report_fn(void *ctx, const char *file, int line,
				const char *key, const char *msg);

/*
 * Parse a YAML file into out (a zeroed struct described by table).  Every
 * problem is passed to report; returns the number of problems (0 = success),
 * or -1 if the file cannot be read or is not YAML (also reported).  Unknown
 * keys, wrong types, out-of-range values, missing required keys and failed
 * checks are problems.
 */
int mxg_conf_load_file(const char *path, const struct mxg_conf_def *table, void *out,
		       struct mxg_arena *arena, mxg_conf_report_fn *report, void *report_ctx);

/* The same from a string; name is used in messages in place of a file. */
int mxg_conf_load_string(const char *name, const char *yaml, size_t len,
			 const struct mxg_conf_def *table, void *out, struct mxg_arena *arena,
			 mxg_conf_report_fn *report, void *report_ctx);

/* explicit_bzero() every SECRET reachable from out (before the arena goes). */
void mxg_conf_wipe_secrets(const struct mxg_conf_def *table, void *out);

/* Parsers used by the engine, public for the CLI and tests.  Return 0 or -1. */
int mxg_conf_parse_duration(const char *text, long long *ms_r);
int mxg_conf_parse_size(const char *text, size_t *bytes_r);

#endif
