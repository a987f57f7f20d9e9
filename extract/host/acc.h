/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_ACC_H
#define VMINT_EXTRACT_ACC_H

/*
 * What one VM did in the open window: raw times (ns), counts and sample
 * buffers, filled by the host model as events arrive and turned into
 * features (extract/features.c) when the window closes. Times that span
 * a window border are split at the border (the model charges open
 * intervals at every border); durations kept as samples (waits,
 * latencies) belong to the window in which they end.
 *
 * The culprit ledger says who delayed the VM: for each other VM (by
 * index) or the host (CULPRIT_HOST), the vCPU wait while that one held
 * the pCPU, the disk time queued behind its requests, the packet time
 * queued behind its packets.
 */

#include "common/vocab.h"
#include "extract/host/exit-reason.h"
#include "extract/host/sample.h"

#include <stddef.h>
#include <stdint.h>

#define ACC_SUBINTERVALS 10

enum block_reason { BLK_TIMER, BLK_TASK, BLK_DISK, BLK_NET, BLK__COUNT };

struct culprit {
	int vm;           /* index of the other VM, or CULPRIT_HOST */
	uint64_t cpu_ns;  /* vCPU runnable wait while it held the pCPU */
	uint64_t disk_ns; /* request time queued behind its requests */
	uint64_t net_ns;  /* packet time queued behind its packets */
};

struct vm_acc {
	int active;              /* anything happened: the window gets a row */
	/* CPU */
	uint64_t cpu_ns;         /* pCPU time of all the VM's threads */
	uint64_t guest_ns, root_ns; /* vCPU threads in / out of guest mode */
	uint64_t emu_ns, vhost_ns;  /* emulation and vhost threads' CPU */
	uint64_t task_ns;        /* a process tenant's threads' CPU */
	unsigned vcpus_active;   /* vCPU threads that ran in the window */
	uint64_t exits[EXC__COUNT];
	uint64_t exits_total;
	uint32_t sub_exits[ACC_SUBINTERVALS][EXC__COUNT + 1]; /* last: total */
	/* runnable waits: of vCPUs, or of a process tenant's threads */
	uint64_t preemptions, preempted_ns;
	uint64_t wait_ns;        /* vCPUs runnable, not running */
	uint64_t wait_other_vm_ns, wait_host_ns, wait_self_ns, wait_idle_ns;
	struct sample wait;      /* each vCPU wait ending in the window */
	uint64_t blocked_ns;     /* vCPUs blocked (halted), split at borders */
	uint64_t blk_count[BLK__COUNT], blk_ns[BLK__COUNT]; /* ended here */
	uint64_t blk_io_disk_ns; /* blocks ended here during which its own disk
				  * requests were in flight or completed */
	uint64_t blk_io_net_ns;  /* blocks ended here during which it received */
	/* disk (requests of the VM's threads) */
	uint64_t disk_rd, disk_wr, disk_rd_bytes, disk_wr_bytes;
	struct sample disk_lat;  /* issue -> complete */
	struct sample disk_queue;/* insert -> issue */
	struct sample disk_iat;  /* submission inter-arrival */
	uint64_t disk_life_ns;   /* in-flight time of its requests (split) */
	double disk_delay_ns;    /* time requests completed here waited
				  * behind other owners' requests in service */
	uint64_t disk_done_ns;   /* insert->complete of requests completed here */
	double disk_other_inflight_ns; /* integral of others' in-flight count */
	uint64_t disk_busy_ns;   /* time it had requests in flight (per device) */
	double disk_svc_ns, disk_base_ns; /* issue->complete of requests with a
				  * learned baseline, and their baselines' medians */
	/* network (its tap device and vhost threads) */
	uint64_t net_tx_pkts, net_rx_pkts, net_tx_bytes, net_rx_bytes;
	struct sample net_queue; /* queue -> xmit */
	uint64_t net_life_ns;    /* queue time of its packets (split) */
	double net_delay_ns;     /* packets sent here: wait behind others' */
	double net_done_ns;      /* their queue->xmit + estimated send time */
	uint64_t vhost_wait_ns;
	/* who delayed it */
	struct culprit *ledger;  /* owned: nledger entries, capacity kept */
	size_t nledger, cap_ledger;
};

/* Zeroes the counters for a new window; keeps the ledger's memory. */
void vm_acc_reset(struct vm_acc *a);
void vm_acc_fini(struct vm_acc *a);

/* The ledger entry of `culprit` (created on first use). NULL only when
 * out of memory (the delay is then dropped, not the run). */
struct culprit *vm_acc_culprit(struct vm_acc *a, int culprit);

/* Sub-interval of `ts` within [start, start + window_ns). */
unsigned acc_subinterval(uint64_t ts, uint64_t start, uint64_t window_ns);

/* Host-wide figures of the open window (context of every VM's row). */
struct host_acc {
	uint64_t cpu_ns;      /* all threads but the idle ones */
	uint64_t host_cpu_ns; /* threads of no VM */
	uint64_t lost_events; /* LTTng discarded events reported here */
};

#endif
