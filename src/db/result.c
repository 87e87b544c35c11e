/*
 * result.c: query results, one allocation each.
 *
 * Drivers feed cells into a builder while they read rows; finishing copies
 * everything into a single block (header, cell pointers, text) so that a
 * result outlives the driver's own buffers and is freed with one free().
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "db/db.h"
#include "db/driver.h"

struct mxg_db_result {
	size_t rows, cols;
	size_t affected;
	const char **cells;	/* rows * cols, row-major; NULL = SQL NULL */
};

void mxg_db_result_builder_init(struct mxg_db_result_builder *b, size_t cols)
{
	memset(b, 0, sizeof(*b));
	b->cols = cols;
}

void mxg_db_result_builder_deinit(struct mxg_db_result_builder *b)
{
	free(b->offsets);
	free(b->text);
	memset(b, 0, sizeof(*b));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap == 0 ? 16 : *cap;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -1;
		ncap *= 2;
	}
	np = realloc(*p, ncap * elem);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int mxg_db_result_builder_add(struct mxg_db_result_builder *b, const char *value, size_t len)
{
	if (grow((void **)&b->offsets, &b->cells_cap, b->ncells + 1, sizeof(size_t)) < 0)
		return -1;
	if (value == NULL) {
		b->offsets[b->ncells++] = SIZE_MAX;
		return 0;
	}
	if (len > SIZE_MAX - b->text_len - 1 ||
	    grow((void **)&b->text, &b->text_cap, b->text_len + len + 1, 1) < 0)
		return -1;
	memcpy(b->text + b->text_len, value, len);
	b->text[b->text_len + len] = '\0';
	b->offsets[b->ncells++] = b->text_len;
	b->text_len += len + 1;
	return 0;
}

struct mxg_db_result *mxg_db_result_builder_finish(struct mxg_db_result_builder *b,
						   size_t affected)
{
	struct mxg_db_result *res = NULL;
	size_t head = sizeof(*res), ptrs = b->ncells * sizeof(char *);
	char *text;

	if (b->ncells <= (SIZE_MAX - head - b->text_len) / sizeof(char *))
		res = malloc(head + ptrs + b->text_len);
	if (res != NULL) {
		res->cols = b->cols;
		res->rows = b->cols == 0 ? 0 : b->ncells / b->cols;
		res->affected = affected;
		res->cells = (const char **)(res + 1);
		text = (char *)res->cells + ptrs;
		if (b->text_len > 0)
			memcpy(text, b->text, b->text_len);
		for (size_t i = 0; i < b->ncells; i++)
			res->cells[i] = b->offsets[i] == SIZE_MAX ? NULL : text + b->offsets[i];
	}
	mxg_db_result_builder_deinit(b);
	return res;
}

size_t mxg_db_result_rows(const struct mxg_db_result *res)
{
	return res->rows;
}

size_t mxg_db_result_cols(const struct mxg_db_result *res)
{
	return res->cols;
}

const char *mxg_db_result_get(const struct mxg_db_result *res, size_t row, size_t col)
{
	if (row >= res->rows || col >= res->cols)
		return NULL;
	return res->cells[row * res->cols + col];
}

long long mxg_db_result_ll(const struct mxg_db_result *res, size_t row, size_t col)
{
	const char *v = mxg_db_result_get(res, row, col);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

const char *mxg_db_result_dup(const struct mxg_db_result *res, size_t row, size_t col,
			      struct mxg_arena *arena)
{
	const char *v = mxg_db_result_get(res, row, col);

	return v != NULL ? mxg_arena_strdup(arena, v) : NULL;
}

void mxg_db_num(char out[MXG_DB_NUM_SIZE], long long v)
{
	snprintf(out, MXG_DB_NUM_SIZE, "%lld", v);
}

size_t mxg_db_result_affected(const struct mxg_db_result *res)
{
	return res->affected;
}

void mxg_db_result_free(struct mxg_db_result **res)
{
	free(*res);
	*res = NULL;
}
