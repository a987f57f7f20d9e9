/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_ANALYSIS_H
#define VMINT_EXTRACT_ANALYSIS_H

/*
 * The analysis of one host's trace: events in time order go into the host
 * model (host, sched, vcpu, io); at every window border the open windows
 * are charged up to the border and each VM that did anything gets a row
 * (its features and culprit ledger) passed to the row callback.
 *
 * Windows are aligned to multiples of window_ns since the epoch. The
 * first and last windows are only partly covered by the trace: their
 * per-second features are normalized by the covered time, not by W.
 *
 *   a = analysis_create(&cfg); for each ev: analysis_on_event(a, ev);
 *   analysis_finish(a, last_ts); ... analysis_destroy(a);
 */

#include "extract/host/acc.h"
#include "extract/read/event.h"
#include "extract/host/host.h"
#include "extract/host/io.h"

#include <stddef.h>
#include <stdint.h>

struct vms_file;

/* One (VM, window): valid during the callback only. */
struct window_row {
	const struct vm *vm;        /* weak: name, pid, uuid */
	int vm_index;
	uint64_t start_ns, end_ns;  /* [k*W, (k+1)*W) */
	uint64_t covered_ns;        /* part of it the trace covers */
	uint64_t present_ns;        /* part of that the VM lived (host.h) */
	const double *features;     /* nr_features values, features[] order */
	const struct culprit *ledger; /* who delayed the VM (vm index or
				       * CULPRIT_HOST; see analysis_vm_name) */
	size_t nledger;
	const struct vm_acc *acc;   /* the raw accumulator */
};

/* Returns 0, or -1 with a cause appended to stop the run. */
typedef int (*analysis_row_fn)(void *ctx, const struct window_row *row);

struct analysis_config {
	uint64_t window_ns;           /* > 0 */
	const struct vms_file *vms;   /* weak, may be NULL */
	int keep_dead_threads;        /* for `stats` */
	int retire_vms;               /* reuse ended VMs' indices (host.h; `watch`) */
	/* retire_vms, may be NULL: told when VM `vm` is retired, after its
	 * last row (returns 0, or -1 with a cause to stop the run); asked
	 * whether a retired slot is still named (1: not reused yet) */
	int (*on_vm_retired)(void *ctx, int vm);
	int (*vm_named)(void *ctx, int vm);
	analysis_row_fn on_row;       /* may be NULL */
	void *ctx;
};

#define ANALYSIS_LOST_RANGES 32

struct analysis {
	struct analysis_config cfg;
	struct host host;
	struct io io;
	int started;
	uint64_t last_ts;
	uint64_t lost_events;   /* whole trace */
	uint64_t late_events;   /* older than the event before, dropped: only
				 * traces read one after another (watch's chunks,
				 * which overlap) give such events */
	/* After a gap in the input (a chunk unread): the caller sets
	 * `awaiting`, and the next event taken sets resume_ts, before any
	 * window is closed for it. */
	int awaiting;
	uint64_t resume_ts;
	/* Discarded-events records not yet fully charged to windows: each
	 * `count` events lost somewhere in [from, to], spread over the
	 * windows of that range (the last slot absorbs any overflow). */
	struct lost_range {
		uint64_t count, from, to;
	} lost[ANALYSIS_LOST_RANGES];
	size_t nlost;
	uint64_t rows;          /* rows emitted */
	double *row;            /* owned: nr_features scratch */
};

/* Returns a new analysis, or NULL (cause appended). */
struct analysis *analysis_create(const struct analysis_config *cfg);
void analysis_destroy(struct analysis *a);

/* One event (time order). Returns 0, or -1 (cause appended). */
int analysis_on_event(struct analysis *a, const struct ev *ev);

/* LTTng's discarded events, lost in [begin_ns, end_ns]: spread over the
 * windows of that range in proportion to their overlap, at least one in
 * each (so every window concerned has lost_events = 1). */
void analysis_on_discarded(struct analysis *a, int cpu, uint64_t begin_ns,
			   uint64_t end_ns, uint64_t count);

/* Closes the last window at `last_ts`. Returns 0 or -1. */
int analysis_finish(struct analysis *a, uint64_t last_ts);

/* Name of a ledger entry's culprit: a VM's name or "host". */
const char *analysis_culprit_name(const struct analysis *a, int culprit);

/* A trace_handler-compatible event callback (ctx: struct analysis *). */
int analysis_event_cb(void *ctx, const struct ev *ev);
void analysis_discarded_cb(void *ctx, int cpu, uint64_t begin_ns,
			   uint64_t end_ns, uint64_t count);

#endif
