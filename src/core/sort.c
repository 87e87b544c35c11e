/*
 * sort.c: in-place heapsort (see sort.h for why not qsort).
 */
#include "config.h"

#include <string.h>

#include "core/sort.h"

static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	unsigned char tmp[64];

	while (size > 0) {
		size_t n = size < sizeof(tmp) ? size : sizeof(tmp);

		memcpy(tmp, a, n);
		memcpy(a, b, n);
		memcpy(b, tmp, n);
		a += n;
		b += n;
		size -= n;
	}
}

static void sift_down(unsigned char *base, size_t root, size_t end, size_t size,
		      int (*cmp)(const void *, const void *, void *), void *ctx)
{
	for (;;) {
		size_t child = 2 * root + 1, max = root;

		if (child < end && cmp(base + child * size, base + max * size, ctx) > 0)
			max = child;
		if (child + 1 < end && cmp(base + (child + 1) * size, base + max * size, ctx) > 0)
			max = child + 1;
		if (max == root)
			return;
		swap(base + root * size, base + max * size, size);
		root = max;
	}
}

void mxg_sort(void *base, size_t count, size_t size,
	      int (*cmp)(const void *, const void *, void *), void *ctx)
{
	unsigned char *b = base;

	if (count < 2)
		return;
	for (size_t i = count / 2; i-- > 0;)
		sift_down(b, i, count, size, cmp, ctx);
	for (size_t end = count - 1; end > 0; end--) {
		swap(b, b + end * size, size);
		sift_down(b, 0, end, size, cmp, ctx);
	}
}
