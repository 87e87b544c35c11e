/*
 * sort.h: an in-place sort for large arrays.
 *
 * glibc's qsort() is a merge sort that allocates a copy of the whole array;
 * for the 100,000-person tables sorted at start-up that copy is the peak of
 * the process's memory.  This heapsort needs no memory at all; it is not
 * stable, which no caller needs.
 */
#ifndef MXG_SORT_H
#define MXG_SORT_H

#include <stddef.h>

/* cmp gets ctx as its third argument, as with glibc's qsort_r(). */
void mxg_sort(void *base, size_t count, size_t size,
	      int (*cmp)(const void *, const void *, void *), void *ctx);

#endif
