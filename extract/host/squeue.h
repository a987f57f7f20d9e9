/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_SQUEUE_H
#define VMINT_EXTRACT_SQUEUE_H

/*
 * A shared device queue (a disk's requests, a network device's packets),
 * each item owned by a VM or the host, in arrival order. An item is
 * either waiting (inserted, not yet issued / queued, not yet sent) or in
 * service. Time passes in segments between the device's events; in each
 * segment a waiting VM item is delayed by the other owners' share of the
 * items in service (doc/formats.md: "queued behind other VMs' requests"):
 * the delay accrues on the item (charged to its VM when it completes)
 * and, split by owner, to the VM's culprit ledger of the open window.
 *
 * For a disk, the items in service are its issued requests, and a
 * waiting request is delayed only while the device is full: as many
 * requests in service as the most it was seen to hold, at least
 * SQ_CONC_SEEN times (its observed concurrency: a lone excursion, such
 * as a request whose completion was lost, does not count). A device with internal parallelism (NVMe) below that
 * takes more requests as they come, so a request waiting then waits for
 * the block layer, not behind others. Requests in service also record
 * how long another owner had requests in service meanwhile (the overlap:
 * io.c weighs latency inflation by it), and each owner's share of the
 * device in the open window (busy) says whom to blame for it.
 * A network device says only when a packet starts to be sent
 * (net_dev_xmit), so the packet sent last is taken to be in service
 * until the next one.
 *
 * Every waiting item of one owner is delayed alike, so the queue keeps
 * per-owner counts and a per-owner running delay: charging a segment
 * costs owners x owners, not items x owners (queues of a busy NIC hold
 * hundreds of packets). An item's delay is the owner's running delay
 * now minus its value when the item arrived.
 *
 * Owns: the per-owner arrays (squeue_fini). Items are the caller's.
 */

#include "extract/host/host.h"

#include <stddef.h>
#include <stdint.h>

#define SQ_NOBODY (-2)
/* In-service counts are tallied up to this; a level counts as the
 * device's concurrency once this many issues reached it. */
#define SQ_CONC_LEVELS 256
#define SQ_CONC_SEEN 8

struct sq_item {
	struct sq_item *prev, *next; /* weak */
	int owner;                   /* VM index or CULPRIT_HOST */
	int waiting;                 /* 1 waiting, 0 in service (squeue_serve) */
	uint64_t since;              /* arrival */
	double delay;                /* in service: ns waited behind other owners */
	double mark;                 /* waiting: owner's running delay at arrival */
	double ovl_mark;             /* in service: owner's overlap at issue */
};

/* Per owner (index owner + 1: the host is 0). */
struct sq_owner {
	uint32_t total;   /* items in the queue */
	uint32_t serving; /* of which in service */
	uint32_t waiting; /* of which waiting */
	double delay;     /* running delay of a waiting item (reset when none) */
	double overlap;   /* time its items in service had others' beside them */
	double busy;      /* its share of the items in service, integrated over
			   * the open window (squeue_new_window resets) */
};

struct squeue {
	struct sq_item *head, *tail; /* weak: oldest first */
	size_t n;
	uint64_t seg;       /* charged up to here */
	int last_served;    /* net: owner of the packet sent last, or SQ_NOBODY */
	uint32_t nserving;  /* items in service */
	uint32_t concurrency; /* the device's observed concurrency */
	uint32_t conc_max;    /* most items ever in service at once */
	uint32_t conc_est;    /* highest level reached SQ_CONC_SEEN times, 0 none */
	uint32_t conc_seen[SQ_CONC_LEVELS]; /* issues that reached each level */
	struct sq_owner *owners; /* owned: cap entries */
	size_t cap;
};

enum sq_kind { SQ_DISK, SQ_NET };

void squeue_init(struct squeue *q);
void squeue_fini(struct squeue *q);

/* Charges the segment up to `now` to the items and the VMs of `h`. */
void squeue_advance(struct squeue *q, struct host *h, enum sq_kind kind,
		    uint64_t now);

/* Appends a waiting item (advance first). Returns 0, or -1 when out of
 * memory (the item is then not queued). */
int squeue_push(struct squeue *q, struct sq_item *it, int owner, uint64_t now);
/* A waiting item goes into service (advance first). */
void squeue_serve(struct squeue *q, struct sq_item *it);
/* Removes an item (advance first). */
void squeue_remove(struct squeue *q, struct sq_item *it);
/* ns the item waited behind other owners so far. */
double squeue_delay(const struct squeue *q, const struct sq_item *it);
/* ns an item in service had other owners' items in service beside it. */
double squeue_overlap(const struct squeue *q, const struct sq_item *it);
/* Starts a new window of the per-owner busy shares. */
void squeue_new_window(struct squeue *q);
/* Whether `owner` has items in the queue. */
int squeue_holds(const struct squeue *q, int owner);
/* Forgets what the queue learned of `owner`, which holds no item (its
 * slot is then a new owner's: host_vm_retire). */
void squeue_forget(struct squeue *q, int owner);

#endif
