/*
 * lookup-body.h: reading a POST /lookup body without building a JSON tree.
 *
 * A lookup carries up to thousands of short strings; parsing them into a
 * jansson tree and writing the answer back through one cost more than the
 * lookups themselves.  This scanner accepts only the plain, common shape:
 * one object whose keys are exactly algorithm, pepper and addresses (each
 * at most once, any order), with string values of printable ASCII without
 * escapes.  Anything else (escapes, non-ASCII, other keys, bad JSON) makes
 * it decline, and the caller takes the general jansson path, which also owns
 * every error reply.  Declining is always safe; accepting must never happen
 * for input that jansson would reject or read differently.
 */
#ifndef MXG_IDENTITY_LOOKUP_BODY_H
#define MXG_IDENTITY_LOOKUP_BODY_H

#include <stddef.h>

struct mxg_arena;

struct mxg_lookup_body {
	const char *algorithm;
	const char *pepper;
	const char **addresses;		/* NUL-terminated copies in the arena */
	size_t count;
};

/* 0 with *body filled (memory from arena), or -1 to decline.  At most
 * max_addresses entries are accepted (more: decline, the general path
 * answers M_TOO_LARGE). */
int mxg_lookup_body_scan(const char *buf, size_t len, size_t max_addresses,
			 struct mxg_arena *arena, struct mxg_lookup_body *body);

#endif
