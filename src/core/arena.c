/*
 * arena.c: chunked bump allocator.
 *
 * Chunks grow geometrically; an allocation larger than half a chunk gets a
 * chunk of its own so that a big body does not waste the current chunk.
 */
#include "config.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

struct chunk {
	struct chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

struct mxg_arena {
	struct chunk *head;
	size_t next_size;
	size_t total;
};

static void *xcalloc(size_t n)
{
	void *p = calloc(1, n);

	if (p == NULL) {
		fputs("mxgate: out of memory\n", stderr);
		abort();
	}
	return p;
}

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = xcalloc(sizeof(*c) + size);

	c->size = size;
	return c;
}

struct mxg_arena *mxg_arena_create(size_t initial_size)
{
	struct mxg_arena *a = xcalloc(sizeof(*a));

	if (initial_size < 256)
		initial_size = 256;
	a->head = chunk_new(initial_size);
	a->next_size = initial_size * 2;
	return a;
}

void mxg_arena_destroy(struct mxg_arena **arena)
{
	struct chunk *c, *next;

	if (arena == NULL || *arena == NULL)
		return;
	for (c = (*arena)->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(*arena);
	*arena = NULL;
}

/* Strings need no alignment: packing them saves a third of the memory of a
 * store holding many short names. */
static void *arena_alloc_aligned(struct mxg_arena *a, size_t size, size_t align)
{
	struct chunk *c = a->head;
	size_t off;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX / 2) {
		fputs("mxgate: arena allocation too large\n", stderr);
		abort();
	}
	off = (c->used + align - 1) & ~(align - 1);
	if (off + size > c->size) {
		if (size > a->next_size / 2) {
			/* Dedicated chunk behind the head keeps the head usable. */
			struct chunk *big = chunk_new(size);
			big->used = size;
			big->next = c->next;
			c->next = big;
			a->total += size;
			return big->data;
		}
		c = chunk_new(a->next_size);
		if (a->next_size < 1024 * 1024)
			a->next_size *= 2;
		c->next = a->head;
		a->head = c;
		off = 0;
	}
	c->used = off + size;
	a->total += size;
	/* Chunks are calloc'ed and never reused, so memory is already zero. */
	return c->data + off;
}

void *mxg_arena_alloc(struct mxg_arena *a, size_t size)
{
	return arena_alloc_aligned(a, size, alignof(max_align_t));
}

char *mxg_arena_strndup(struct mxg_arena *a, const char *s, size_t n)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = arena_alloc_aligned(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *mxg_arena_strdup(struct mxg_arena *a, const char *s)
{
	return s == NULL ? NULL : mxg_arena_strndup(a, s, strlen(s));
}

void *mxg_arena_memdup(struct mxg_arena *a, const void *p, size_t n)
{
	void *q;

	if (p == NULL)
		return NULL;
	q = mxg_arena_alloc(a, n);
	memcpy(q, p, n);
	return q;
}

char *mxg_arena_vprintf(struct mxg_arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return mxg_arena_strdup(a, "");
	p = arena_alloc_aligned(a, (size_t)n + 1, 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *mxg_arena_printf(struct mxg_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = mxg_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t mxg_arena_used(const struct mxg_arena *a)
{
	return a->total;
}
