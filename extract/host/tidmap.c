/* SPDX-License-Identifier: MIT */
#include "extract/host/tidmap.h"
#include "common/err.h"

#include <stdlib.h>

#define EMPTY INT64_MIN

/* EMPTY marks a free slot, so it cannot be a key: a corrupt trace may
 * still give it (a sector of 2^63 found by fuzz-trace-metadata was
 * stored as a free slot and its request leaked). It shares the slot of
 * its neighbour instead. */
static int64_t fold(int64_t key)
{
	return key == EMPTY ? EMPTY + 1 : key;
}

static size_t slot_of(const struct tidmap *m, int64_t key)
{
	/* Fibonacci hashing spreads sequential tids and aligned addresses. */
	return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 17) & (m->cap - 1);
}

void tidmap_init(struct tidmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->n = 0;
}

void tidmap_fini(struct tidmap *m)
{
	free(m->slots);
	tidmap_init(m);
}

void *tidmap_get(const struct tidmap *m, int64_t key)
{
	size_t i;

	key = fold(key);
	if (!m->cap)
		return NULL;
	for (i = slot_of(m, key); m->slots[i].key != EMPTY; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].key == key)
			return m->slots[i].value;
	return NULL;
}

static void place(struct tidmap *m, int64_t key, void *value)
{
	size_t i = slot_of(m, key);

	while (m->slots[i].key != EMPTY && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (m->slots[i].key == EMPTY)
		m->n++;
	m->slots[i].key = key;
	m->slots[i].value = value;
}

static int grow(struct tidmap *m)
{
	struct tidmap_slot *old = m->slots;
	size_t old_cap = m->cap, i;
	size_t cap = old_cap ? old_cap * 2 : 64;

	m->slots = malloc(cap * sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		err_fail(ERR_RESOURCE, "out of memory (hash map of %zu slots)", cap);
		return -1;
	}
	for (i = 0; i < cap; i++)
		m->slots[i].key = EMPTY;
	m->cap = cap;
	m->n = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i].key != EMPTY)
			place(m, old[i].key, old[i].value);
	free(old);
	return 0;
}

int tidmap_put(struct tidmap *m, int64_t key, void *value)
{
	key = fold(key);
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return -1;
	place(m, key, value);
	return 0;
}

void *tidmap_remove(struct tidmap *m, int64_t key)
{
	size_t i, j, home;
	void *value;

	key = fold(key);
	if (!m->cap)
		return NULL;
	for (i = slot_of(m, key); m->slots[i].key != key; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].key == EMPTY)
			return NULL;
	value = m->slots[i].value;
	/* Backward shift: pull later members of the probe run into the hole
	 * when their home slot does not lie cyclically in (hole, them]. */
	for (j = (i + 1) & (m->cap - 1); m->slots[j].key != EMPTY; j = (j + 1) & (m->cap - 1)) {
		home = slot_of(m, m->slots[j].key);
		if (((j - home) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = EMPTY;
	m->n--;
	return value;
}

int tidmap_next(const struct tidmap *m, size_t *pos, int64_t *key, void **value)
{
	while (*pos < m->cap) {
		size_t i = (*pos)++;

		if (m->slots[i].key != EMPTY) {
			*key = m->slots[i].key;
			*value = m->slots[i].value;
			return 1;
		}
	}
	return 0;
}
