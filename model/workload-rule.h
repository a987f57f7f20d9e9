/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_WORKLOAD_RULE_H
#define VMINT_MODEL_WORKLOAD_RULE_H

/*
 * A transparent rule for the workload class of one (VM, window), as
 * shared/spec/formats.md defines it: the kind of work the guest does,
 * whatever its neighbours do. It reads only quantities normalized by the
 * VM's own capacity or counted per second of its own work, so that host
 * size, VM size, guest kernel and simulator constants do not move it:
 *
 *   busy        (guest + hypervisor run time + time preempted) per active
 *               vCPU-second: what the vCPUs wanted to compute. The wait of
 *               a vCPU switched out while running is in it, so a neighbour
 *               that delays a cpu VM does not make it look idle; the wait
 *               after a wakeup is not: an idle guest's timer tick that
 *               waits 3 ms for a busy pCPU is latency, not demand (counting
 *               it made idle VMs on overcommitted hosts look 10% busy).
 *   disk_wait   share of vCPU time blocked while the VM's own disk
 *               requests were in flight (vcpu_blk_disk_share where the
 *               extractor has it; else halts a disk completion woke);
 *   disk_inflight  its requests' issue->complete time per second (Little's
 *               law: the mean number outstanding), for when wakeups are not
 *               attributed (an unknown injection path);
 *   net_wait    the same for its own network traffic (vcpu_blk_net_share,
 *               else halts its network traffic woke);
 *   disk_iops, disk_Bps, net_pps, net_Bps, vhost_cpu: its own I/O rates
 *               and its vhost threads' CPU (s/s).
 *
 * The rule (workload_rule_classify):
 *   1. steady disk I/O: disk_iops >= WLR_DISK_IOPS or disk_Bps >=
 *      WLR_DISK_BPS; steady network I/O: net_pps >= WLR_NET_PPS or
 *      net_Bps >= WLR_NET_BPS;
 *   2. no steady I/O: cpu when busy >= WLR_IDLE_BUSY, else idle (vCPUs
 *      halted nearly all the time);
 *   3. steady I/O: the resource that bounds the guest's work is the one
 *      its vCPUs spend most time on: computing (busy) or waiting for the
 *      I/O kind (disk_wait, net_wait). An I/O kind whose waits are not
 *      attributed still counts as its in-flight share (disk) or its vhost
 *      CPU per vCPU (net), and a VM with steady I/O whose vCPUs are busy
 *      less than WLR_CPU_BOUND of the time is bound by that I/O.
 * Owns: nothing (feature indexes in struct workload_rule).
 */

#include "common/vocab.h"

#include <stddef.h>

/* Thresholds, each in the VM's own terms (no host or VM size). */
#define WLR_IDLE_BUSY 0.10    /* vCPUs halted >= 90% of the time: idle */
#define WLR_CPU_BOUND 0.5     /* busy at least half the time: may be cpu-bound */
#define WLR_DISK_IOPS 10.0    /* requests/s: steady storage I/O */
#define WLR_DISK_BPS 1e6      /* bytes/s */
#define WLR_NET_PPS 100.0     /* packets/s: steady traffic */
#define WLR_NET_BPS 1e6       /* bytes/s */

struct wl_inputs {
	double busy, disk_wait, disk_inflight, net_wait;
	double disk_iops, disk_Bps, net_pps, net_Bps, vhost_cpu;
	double vcpus;     /* active vCPUs (at least 1): the shares are per vCPU */
};

/* The extractor's feature columns the rule reads. The last three are
 * optional (-1 when the extractor lacks them): measured from the VM's own
 * I/O timeline rather than from which thread woke the vCPU, they replace
 * disk_wait, net_wait and disk_inflight where present. */
struct workload_rule {
	int vcpus, guest, root, preempted, blk_disk, blk_net;
	int rd, wr, rd_B, wr_B, lat_us, tx, rx, tx_B, rx_B, vhost;
	int blk_disk_share, blk_net_share, disk_busy; /* optional */
};

/*
 * Finds the columns in `names` (n feature names, the extractor's order).
 * Returns 0, or -1 with *missing the first feature not there (borrowed,
 * static; no cause appended: a caller may go on without the rule).
 */
int workload_rule_init(struct workload_rule *wr, const char *const *names, size_t n,
		       const char **missing);

/* The rule's inputs from one row of features. */
void workload_rule_inputs(const struct workload_rule *wr, const double *x,
			  struct wl_inputs *in);

/* The class the rule gives. */
enum workload workload_rule_classify(const struct wl_inputs *in);

/*
 * Is class `wl` possible at all given what was measured? The classes are
 * defined by measurable facts, so a classifier's answer that contradicts
 * them is a default, not knowledge: idle needs busy < WLR_IDLE_BUSY and no
 * steady I/O (a VM doing 300 requests/s is not idle), cpu needs busy >=
 * WLR_IDLE_BUSY, disk steady disk I/O, net steady network I/O.
 */
int workload_rule_plausible(const struct wl_inputs *in, enum workload wl);

#endif
