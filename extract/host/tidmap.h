/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_TIDMAP_H
#define VMINT_EXTRACT_TIDMAP_H

/*
 * An int64 -> pointer hash map (open addressing, linear probing,
 * backward-shift deletion), for thread ids, sectors and skb addresses.
 * Owns its slot array, not the values (weak). INT64_MIN is not a valid key.
 * Grows by doubling; lookups and removals never allocate.
 */

#include <stddef.h>
#include <stdint.h>

struct tidmap_slot {
	int64_t key;
	void *value; /* weak */
};

struct tidmap {
	struct tidmap_slot *slots; /* owned: cap slots, cap a power of 2 */
	size_t cap, n;
};

/* Starts an empty map (no allocation until the first insertion). */
void tidmap_init(struct tidmap *m);
void tidmap_fini(struct tidmap *m);

/* The value of `key`, or NULL. */
void *tidmap_get(const struct tidmap *m, int64_t key);

/* Sets key -> value (replacing). Returns 0, or -1 when out of memory
 * (cause appended). */
int tidmap_put(struct tidmap *m, int64_t key, void *value);

/* Removes `key`; returns its value or NULL. */
void *tidmap_remove(struct tidmap *m, int64_t key);

/* Iteration: for (i = 0; tidmap_next(m, &i, &k, &v);) visits each entry
 * once; the map must not change meanwhile. */
int tidmap_next(const struct tidmap *m, size_t *pos, int64_t *key, void **value);

#endif
