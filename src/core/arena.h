/*
 * arena.h: a bump allocator with one lifetime (a request, a config load, a
 * scratch computation).
 *
 * Memory from an arena is never freed one piece at a time; mxg_arena_destroy()
 * frees it all.  An arena is not thread-safe: one owner at a time.  Allocation
 * failure aborts (as glibc's malloc effectively does under overcommit), so
 * callers need not check for NULL.
 */
#ifndef MXG_ARENA_H
#define MXG_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct mxg_arena;

/* Create an arena whose first chunk holds about initial_size bytes. */
struct mxg_arena *mxg_arena_create(size_t initial_size);

/* Free every allocation and the arena; sets *arena to NULL. */
void mxg_arena_destroy(struct mxg_arena **arena);

/* Zero-filled, aligned for any type. */
void *mxg_arena_alloc(struct mxg_arena *arena, size_t size);

/* Copies; NULL in gives NULL out. */
char *mxg_arena_strdup(struct mxg_arena *arena, const char *s);
char *mxg_arena_strndup(struct mxg_arena *arena, const char *s, size_t n);
void *mxg_arena_memdup(struct mxg_arena *arena, const void *p, size_t n);

char *mxg_arena_printf(struct mxg_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *mxg_arena_vprintf(struct mxg_arena *arena, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Bytes handed out so far (for tests and metrics). */
size_t mxg_arena_used(const struct mxg_arena *arena);

#endif
