/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_WATCH_RING_H
#define VMINT_DETECT_WATCH_RING_H

/*
 * The span of recent windows that `vmint watch --report` keeps for its
 * report.json snapshots: every (VM, window) that ends within `span_ns` of
 * trace time of the newest window's end, with what collect_settle needs
 * to settle them as detect would (their event counts) and the VM's
 * totals over the window; and the chunks read
 * in that span (their events). Older entries are dropped as newer ones
 * come: memory is bounded by span / window x VMs, about 460 bytes per
 * (VM, window) (a window_result without its top events, which are only
 * ranked when a snapshot settles the span).
 *
 * Owns: both rings.
 */

#include "detect/collect.h"
#include "detect/result.h"
#include "extract/analysis.h"

#include <stddef.h>
#include <stdint.h>

/* A first-in first-out ring of fixed-size elements that grows as needed. */
struct fifo {
	unsigned char *buf;
	size_t size, cap, head, n;
};

struct watch_ring {
	uint64_t span_ns;
	struct fifo win;    /* struct ring_window, in the order they closed */
	struct fifo chunk;  /* struct ring_chunk, in the order read */
	uint64_t newest_end_ns;
};

void ring_init(struct watch_ring *g, uint64_t span_ns);
void ring_fini(struct watch_ring *g);

/* A window as it closed (`counts`: its event counts, TK__COUNT of them;
 * `tot`: the VM's totals over it). Drops the windows that fell out of the
 * span. Returns 0 or -1 (cause appended). */
int ring_add_window(struct watch_ring *g, const struct window_result *r,
		    const uint32_t *counts, const struct report_totals *tot);

/* A chunk read, its last event at `end_ns`. Returns 0 or -1. */
int ring_add_chunk(struct watch_ring *g, uint64_t end_ns, uint64_t events,
		   uint64_t discarded);

/* Windows held now, and the i-th of them, oldest first (i < that count):
 * its fields before `top`, the rest zero. */
size_t ring_windows(const struct watch_ring *g);
void ring_window(const struct watch_ring *g, size_t i, struct window_result *out);

/* What a snapshot says of its trace beyond the windows. */
struct ring_meta {
	const char *recording;  /* trace.paths[0] */
	const char *hostname;   /* may be NULL */
	const char *model_path;
	int cpus;
	uint64_t window_ns;
};

/*
 * The span as detect would report the same windows: `r` (zeroed by the
 * caller, freed with detect_result_fini) gets the VMs that own a window
 * of the span or are named as a culprit in one (from the analysis `a`,
 * their totals summed over the span's windows), the windows, and what
 * collect_settle derives from them: workloads, top events, episodes,
 * recommendations. trace.start_ns/end_ns are the span's first window
 * start and last window end; trace.events and discarded_events those of
 * the chunks read whose last event lies in the span. Returns 0 or -1
 * (cause appended).
 */
int ring_report(const struct watch_ring *g, const struct analysis *a,
		const struct ring_meta *m, struct detect_result *r);

#endif
