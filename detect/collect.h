/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_COLLECT_H
#define VMINT_DETECT_COLLECT_H

/*
 * From the extractor's rows to a detect_result: each (VM, window) row is
 * classified as it closes (features -> model), its culprits are read off
 * the ledger, and a small count of the VM's events of the window is kept
 * for top_events. After the last trace, collect_finish() settles each
 * VM's workload, ranks top events against the VM's clean windows, and
 * finds episodes and recommendations.
 *
 * Memory: one window_result (+ event counts) per (VM, window), which the
 * report lists anyway; nothing per event.
 */

#include "detect/result.h"
#include "extract/analysis.h"
#include "model/classify.h"
#include "model/workload-rule.h"

/* Each window: the evidence of detect/evidence.h decides interference;
 * the workload is the classifier's where the window is in distribution and
 * the measurement allows that class (workload_rule_plausible: a VM doing
 * 300 requests/s is not idle), the transparent rule's
 * (model/workload-rule.h) elsewhere; per VM, the class of most of its
 * windows. */

/* Event kinds counted per window for top_events: kvm exits by reason
 * class, then other events. */
enum top_kind {
	TK_EXIT_FIRST = 0, /* + exit class (EXC_*) */
	TK_PREEMPT = TK_EXIT_FIRST + EXC__COUNT,
	TK_WAKE_TIMER, TK_WAKE_TASK, TK_WAKE_DISK, TK_WAKE_NET,
	TK_DISK_READ, TK_DISK_WRITE, TK_NET_TX, TK_NET_RX,
	TK__COUNT
};

struct collector {
	struct detect_result *res;     /* weak: filled */
	struct classify_ctx cls;       /* owned */
	struct workload_rule wrule;    /* feature columns of the workload rule */
	const struct model_dir *model; /* weak */
	uint32_t (*counts)[TK__COUNT]; /* owned: one per window */
	size_t cap;
	int vm_base;                   /* index of this group's first VM */
	int lost_index, share_index[RES__COUNT]; /* feature columns, or -1 */
	double *filled;                /* owned: a process tenant's features,
					* absent ones as zero, for the classifier */
};

/* Checks that `m` (loaded from `path`) was trained on the features this
 * extractor writes, in its order. Returns 0 or -1 (cause appended). */
int collect_check_model(const struct model_dir *m, const char *path);

int collect_init(struct collector *c, struct detect_result *res,
		 const struct model_dir *model);
void collect_fini(struct collector *c);

/* Starts a host's group: its VMs are appended after the previous ones. */
void collect_begin_group(struct collector *c);

/* analysis_row_fn: ctx is the collector. */
int collect_row(void *ctx, const struct window_row *row);

/* Copies the VMs of the finished analysis of this group (names, pids,
 * vCPUs, totals). Returns 0 or -1. */
int collect_end_group(struct collector *c, const struct analysis *a);

/* The same for a result of one host not grown by collect_begin_group:
 * appends a VM entry per VM of `a`, index for index. */
int collect_copy_vms(struct detect_result *r, const struct analysis *a);

/* A VM's totals so far, as report.json's `totals` says them. */
struct report_totals collect_totals(const struct vm *v);

/* Workloads, top events, episodes, recommendations. Returns 0 or -1. */
int collect_finish(struct collector *c);

/* What collect_finish does, for windows gathered elsewhere (watch's span,
 * watch-ring.h): `counts` holds each window's event counts (sorted with
 * the windows). Returns 0 or -1 (cause appended). */
int collect_settle(struct detect_result *r, uint32_t (*counts)[TK__COUNT]);

#endif
