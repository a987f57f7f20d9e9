/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_SQUEUE_H
#define VMINT_EXTRACT_SQUEUE_H

/*
 * A shared device queue (a disk's requests, a network device's packets),
 * each item owned by a VM or the host, in arrival order. An item is
 * either waiting (inserted, not yet issued / queued, not yet sent) or in
 * service. Time passes in segments between the device's events; in each
 * segment a waiting VM item is delayed by the other owners' share of the
 * items in service (formats.md: "queued behind other VMs' requests"):
 * the delay accrues on the item (charged to its VM when it completes)
 * and, split by owner, to the VM's culprit ledger of the open window.
 *
 * For a disk, the items in service are its issued requests. A network
 * device says only when a packet starts to be sent (net_dev_xmit), so
 * the packet sent last is taken to be in service until the next one.
 */

#include "extract/host.h"

#include <stddef.h>
#include <stdint.h>

#define SQ_NOBODY (-2)

struct sq_item {
	struct sq_item *prev, *next; /* weak */
	int owner;                   /* VM index or CULPRIT_HOST */
	int waiting;                 /* 1 waiting, 0 in service */
	uint64_t since;              /* arrival */
	double delay;                /* ns waited behind other owners */
};

struct squeue {
	struct sq_item *head, *tail; /* weak: oldest first */
	size_t n;
	uint64_t seg;       /* charged up to here */
	int last_served;    /* net: owner of the packet sent last, or SQ_NOBODY */
};

enum sq_kind { SQ_DISK, SQ_NET };

/* Per-owner counters used while charging; sized to the VMs. */
struct sq_scratch {
	uint32_t *serving, *total; /* owned: cap entries (owner + 1) */
	size_t cap;
};

void squeue_init(struct squeue *q);
void sq_scratch_fini(struct sq_scratch *s);

/* Charges the segment up to `now` to the items and the VMs of `h`. */
void squeue_advance(struct squeue *q, struct host *h, struct sq_scratch *s,
		    enum sq_kind kind, uint64_t now);

/* Appends a waiting item / removes an item (advance first). */
void squeue_push(struct squeue *q, struct sq_item *it, int owner, uint64_t now);
void squeue_remove(struct squeue *q, struct sq_item *it);

#endif
