/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_SQUEUE_H
#define VMINT_EXTRACT_SQUEUE_H

/*
 * A shared queue (a disk's requests, a network device's packets): items
 * in arrival order, each owned by a VM or the host. Time passes in
 * segments between the queue's events; in each segment every VM item is
 * "delayed" while older items of other owners are still in the queue,
 * the delay split among those owners by how many items each has ahead
 * (the culprit ledger), and counts the others' items in flight with it.
 * Items are embedded in their request/packet (intrusive list).
 */

#include "extract/host.h"

#include <stddef.h>
#include <stdint.h>

struct sq_item {
	struct sq_item *prev, *next; /* weak */
	int owner;                   /* VM index or CULPRIT_HOST */
	uint64_t since;              /* arrival */
};

struct squeue {
	struct sq_item *head, *tail; /* weak: oldest first */
	size_t n;
	uint64_t seg; /* charged up to here */
};

enum sq_kind { SQ_DISK, SQ_NET };

/* Per-owner counters used while charging; sized to the VMs. */
struct sq_scratch {
	uint32_t *ahead, *total; /* owned: cap entries (owner + 1) */
	size_t cap;
};

void squeue_init(struct squeue *q);
void sq_scratch_fini(struct sq_scratch *s);

/* Charges the segment up to `now` to the VMs of `h` (kind: which
 * accumulator fields and ledger column). */
void squeue_advance(struct squeue *q, struct host *h, struct sq_scratch *s,
		    enum sq_kind kind, uint64_t now);

/* Appends / removes an item (advance first). */
void squeue_push(struct squeue *q, struct sq_item *it, int owner, uint64_t now);
void squeue_remove(struct squeue *q, struct sq_item *it);

#endif
