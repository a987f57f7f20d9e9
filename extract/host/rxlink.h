/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_RXLINK_H
#define VMINT_EXTRACT_RXLINK_H

/*
 * The receive side of a shared link (a physical NIC): frames for several
 * VMs come down one wire, one at a time, so a VM's answer can queue
 * behind frames for other VMs before the host sees it (doc/formats.md: net
 * delay on a shared link). The trace shows only when each frame arrived
 * (net_if_receive_skb on the NIC, then the tap of the VM it is for), so
 * the wait is reconstructed:
 *
 * - each frame held the wire for its length over the link rate (learned
 *   from back-to-back transmissions on the same device) just before it
 *   arrived, or after the frame before it when they arrived together
 *   (interrupt coalescing); frames whose wire times touch form a busy
 *   period;
 * - a VM's answer is expected one response time after its last request
 *   left (its uncontended response time: a running median, learned from
 *   answers before which no other VM's frame arrived; the device's, of
 *   every VM, until its own has enough);
 * - its first frame then waited for the part of the busy period after
 *   that time that other VMs' frames held, and every frame of the answer
 *   waited as long (they queued together), plus the other VMs' frames
 *   that came between its own.
 *
 * Per owner arrays grow with the VMs; nothing is allocated per frame.
 */

#include <stddef.h>
#include <stdint.h>

struct rx_owner {
	double wire;          /* cumulative wire time of its frames */
	double snap;          /* `wire` when the current busy period began */
	unsigned gen;         /* busy period of `snap` */
	double others_at_req; /* others' cumulative wire when it last sent */
	double others_at_rx;  /* others' cumulative wire at its last frame */
	unsigned rx_gen;      /* busy period of its last frame */
	uint64_t req_done;    /* its last request left the wire */
	int has_req;          /* a request awaits its answer */
	double t_answer;      /* expected arrival of its current answer, 0 none */
	double delay;         /* the wait of its current answer's first frame */
	double answer_wire;   /* wire time of its current answer's frames */
	struct rx_est *rtt;   /* owned: its uncontended response times */
};

struct rx_est;

struct rxlink {
	struct rx_owner *own; /* owned: slot owner + 1 (the host is 0) */
	size_t cap;
	double total;         /* cumulative wire time of all frames */
	double busy_start;    /* current busy period */
	double last_end;      /* when the last frame left the wire (virtual:
			       * frames delivered together are laid end to end) */
	unsigned gen;
	struct rx_est *rtt;   /* owned: uncontended response times, all owners */
};

/* What one received frame tells its VM. */
struct rx_frame {
	double delay;   /* ns it waited behind other VMs' frames */
	double latency; /* its wait plus the wire time of its answer's frames
			 * up to it (they queued together) */
};

void rxlink_init(struct rxlink *l);
void rxlink_fini(struct rxlink *l);

/* `owner` sent a request that left the wire at `done`. Returns 0 or -1
 * (out of memory). */
int rxlink_on_tx(struct rxlink *l, int owner, uint64_t done);

/* A frame for `owner` arrived at `t` after `wire` ns on the wire. Fills
 * `f`; `blame(ctx, other, ns)` receives its delay split over the other
 * owners by their part of the busy period. Returns 0 or -1. */
int rxlink_on_rx(struct rxlink *l, int owner, uint64_t t, double wire,
		 struct rx_frame *f, void (*blame)(void *ctx, int other, double ns),
		 void *ctx);

/* Forgets `owner` (its slot is then a new owner's): as if it had never
 * sent or received. */
void rxlink_forget(struct rxlink *l, int owner);

#endif
