/*
 * index.c: open-addressing hash tables of SHA-256 digests.
 *
 * An entry is the first 16 bytes of the digest and a 32-bit index into the
 * interned user IDs; a table is an array of 32-bit slots (0 = empty, else
 * entry + 1) at a load factor of at most 4/5: a few more probes than at
 * 1/2, for half the slots.  16 bytes suffice: a client would need a 128-bit
 * second preimage of SHA-256 to hit an entry it does not know.  The digest
 * is already uniformly distributed, so its first 8 bytes are the hash.  User IDs are packed in one buffer and found by 32-bit
 * offsets.  At 100,000 3PIDs with as many users the index takes about 5 MB.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "identity/index.h"

#define KEY_LEN 16

struct entry {
	unsigned char key[KEY_LEN];	/* digest prefix */
	uint32_t user;
};

struct table {
	struct entry *entries;
	size_t count, cap;
	uint32_t *slots;
	size_t mask;		/* slot count - 1 */
};

struct mxg_3pid_index {
	char *pepper;
	struct table peppered;	/* sha256("address medium pepper") */

	/* User IDs, NUL-terminated in pool, user i at pool + user_off[i].
	 * Stores hand out a person's 3PIDs one after the other (an LDAP entry,
	 * a SQL row group), so comparing with the previous user ID shares a
	 * string between them without a hash table. */
	char *pool;
	size_t pool_len, pool_cap;
	uint32_t *user_off;
	size_t user_count, user_cap;
	bool sealed;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fputs("mxgate: out of memory\n", stderr);
		abort();
	}
	return q;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

static uint64_t digest_hash(const unsigned char *d)
{
	uint64_t h;

	memcpy(&h, d, sizeof(h));
	return h;
}

static void table_rehash(struct table *t, size_t nslots)
{
	free(t->slots);
	t->slots = calloc(nslots, sizeof(*t->slots));
	if (t->slots == NULL) {
		fputs("mxgate: out of memory\n", stderr);
		abort();
	}
	t->mask = nslots - 1;
	for (size_t i = 0; i < t->count; i++) {
		size_t s = digest_hash(t->entries[i].key) & t->mask;
		while (t->slots[s] != 0)
			s = (s + 1) & t->mask;
		t->slots[s] = (uint32_t)(i + 1);
	}
}

static void table_init(struct table *t, size_t expected)
{
	t->cap = expected > 0 ? expected : 64;
	t->entries = xrealloc(NULL, t->cap * sizeof(*t->entries));
	t->count = 0;
	t->slots = NULL;
	table_rehash(t, pow2_at_least(t->cap + t->cap / 4 + 1));
}

static const struct entry *table_find(const struct table *t, const unsigned char *digest)
{
	size_t s = digest_hash(digest) & t->mask;

	for (; t->slots[s] != 0; s = (s + 1) & t->mask) {
		const struct entry *e = &t->entries[t->slots[s] - 1];
		if (memcmp(e->key, digest, KEY_LEN) == 0)
			return e;
	}
	return NULL;
}

static int table_add(struct table *t, const unsigned char *digest, uint32_t user)
{
	size_t s;

	if (table_find(t, digest) != NULL)
		return 0;
	if (t->count == t->cap) {
		t->cap *= 2;
		t->entries = xrealloc(t->entries, t->cap * sizeof(*t->entries));
	}
	if ((t->count + 1) * 5 > (t->mask + 1) * 4)
		table_rehash(t, (t->mask + 1) * 2);
	memcpy(t->entries[t->count].key, digest, KEY_LEN);
	t->entries[t->count].user = user;
	s = digest_hash(digest) & t->mask;
	while (t->slots[s] != 0)
		s = (s + 1) & t->mask;
	t->slots[s] = (uint32_t)(t->count + 1);
	t->count++;
	return 1;
}

static void table_free(struct table *t)
{
	free(t->entries);
	free(t->slots);
}

static uint32_t intern_user(struct mxg_3pid_index *ix, const char *user_id)
{
	size_t len = strlen(user_id) + 1;

	if (ix->user_count > 0 &&
	    strcmp(ix->pool + ix->user_off[ix->user_count - 1], user_id) == 0)
		return (uint32_t)(ix->user_count - 1);
	if (ix->user_count == ix->user_cap) {
		ix->user_cap *= 2;
		ix->user_off = xrealloc(ix->user_off, ix->user_cap * sizeof(*ix->user_off));
	}
	while (ix->pool_len + len > ix->pool_cap) {
		ix->pool_cap *= 2;
		ix->pool = xrealloc(ix->pool, ix->pool_cap);
	}
	memcpy(ix->pool + ix->pool_len, user_id, len);
	ix->user_off[ix->user_count] = (uint32_t)ix->pool_len;
	ix->pool_len += len;
	return (uint32_t)ix->user_count++;
}

struct mxg_3pid_index *mxg_3pid_index_create(const char *pepper, size_t expected)
{
	struct mxg_3pid_index *ix = xrealloc(NULL, sizeof(*ix));

	memset(ix, 0, sizeof(*ix));
	ix->pepper = xrealloc(NULL, strlen(pepper) + 1);
	memcpy(ix->pepper, pepper, strlen(pepper) + 1);
	table_init(&ix->peppered, expected);
	ix->user_cap = 64;
	ix->user_off = xrealloc(NULL, ix->user_cap * sizeof(*ix->user_off));
	ix->pool_cap = 4096;
	ix->pool = xrealloc(NULL, ix->pool_cap);
	return ix;
}

void mxg_3pid_index_destroy(struct mxg_3pid_index **index)
{
	struct mxg_3pid_index *ix;

	if (index == NULL || *index == NULL)
		return;
	ix = *index;
	table_free(&ix->peppered);
	free(ix->user_off);
	free(ix->pool);
	free(ix->pepper);
	free(ix);
	*index = NULL;
}

/* sha256 of "address medium pepper" without building the string on the heap. */
static void digest_of(const char *medium, const char *address, const char *pepper,
		      unsigned char out[MXG_SHA256_LEN])
{
	char stack[768];
	size_t la = strlen(address), lm = strlen(medium), lp = strlen(pepper);
	size_t n = la + 1 + lm + 1 + lp;
	char *buf = n <= sizeof(stack) ? stack : xrealloc(NULL, n);

	memcpy(buf, address, la);
	buf[la] = ' ';
	memcpy(buf + la + 1, medium, lm);
	buf[la + 1 + lm] = ' ';
	memcpy(buf + la + 2 + lm, pepper, lp);
	mxg_sha256(buf, n, out);
	if (buf != stack)
		free(buf);
}

int mxg_3pid_index_add(struct mxg_3pid_index *ix, const char *medium, const char *address,
		       const char *user_id)
{
	unsigned char d[MXG_SHA256_LEN];
	uint32_t user;

	if (ix->sealed)
		return 0;
	digest_of(medium, address, ix->pepper, d);
	if (table_find(&ix->peppered, d) != NULL)
		return 0;
	user = intern_user(ix, user_id);
	table_add(&ix->peppered, d, user);
	return 1;
}

void mxg_3pid_index_seal(struct mxg_3pid_index *ix)
{
	struct table *t = &ix->peppered;

	ix->sealed = true;
	t->cap = t->count > 0 ? t->count : 1;
	t->entries = xrealloc(t->entries, t->cap * sizeof(struct entry));
	if (ix->user_count > 0) {
		ix->user_cap = ix->user_count;
		ix->user_off = xrealloc(ix->user_off, ix->user_cap * sizeof(*ix->user_off));
	}
	ix->pool_cap = ix->pool_len > 0 ? ix->pool_len : 1;
	ix->pool = xrealloc(ix->pool, ix->pool_cap);
}

const char *mxg_3pid_index_pepper(const struct mxg_3pid_index *ix)
{
	return ix->pepper;
}

size_t mxg_3pid_index_size(const struct mxg_3pid_index *ix)
{
	return ix->peppered.count;
}

const char *mxg_3pid_index_lookup_hash(const struct mxg_3pid_index *ix, const char *hash_b64)
{
	unsigned char d[MXG_SHA256_LEN + 3];
	size_t len = strlen(hash_b64), n;
	const struct entry *e;

	/* 43 characters of unpadded base64 are exactly 32 bytes. */
	if (len != 43 || mxg_base64_decode(hash_b64, len, d, sizeof(d), &n) < 0 ||
	    n != MXG_SHA256_LEN)
		return NULL;
	e = table_find(&ix->peppered, d);
	return e != NULL ? ix->pool + ix->user_off[e->user] : NULL;
}

const char *mxg_3pid_index_lookup_plain(const struct mxg_3pid_index *ix, const char *medium,
					const char *address)
{
	unsigned char d[MXG_SHA256_LEN];
	const struct entry *e;

	digest_of(medium, address, ix->pepper, d);
	e = table_find(&ix->peppered, d);
	return e != NULL ? ix->pool + ix->user_off[e->user] : NULL;
}

size_t mxg_3pid_index_memory(const struct mxg_3pid_index *ix)
{
	const struct table *t = &ix->peppered;

	return ix->pool_cap + ix->user_cap * sizeof(*ix->user_off) + t->cap * sizeof(struct entry) + (t->mask + 1) * sizeof(uint32_t);
}
