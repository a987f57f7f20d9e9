/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_WATCH_OUT_H
#define VMINT_DETECT_WATCH_OUT_H

/*
 * `vmint watch`'s outputs beyond its JSON lines, kept up to date as
 * windows close:
 *  - --prom F: node_exporter's textfile, rewritten atomically after each
 *    chunk read (and after a pass that changed what it says): per VM its
 *    latest window and its counts since the watch started, and the
 *    watch's own health (README.md, "Continuous mode", lists them);
 *  - --report F: report.json of the last --report-span of windows
 *    (watch-ring.h), rewritten atomically after the chunk in which a
 *    window ending at or past a multiple of --report-every (trace time)
 *    closed, on watch_out_snapshot (SIGHUP), and at the end of --once;
 *  - --watcher-actions F: a record per episode that becomes persistent
 *    and when it ends (watch-episodes.h).
 * Every call that writes is made with SIGINT/SIGTERM held back (the
 * caller's), so each file is whole when a signal stops the watch.
 *
 * Owns: the per-VM latest windows, the span, the episodes, the ctf plugin
 * reference used to read chunks' time ranges.
 */

#include "detect/prom.h"
#include "detect/result.h"
#include "detect/watch-episodes.h"
#include "detect/watch-ring.h"

#include <babeltrace2/babeltrace.h>
#include <stdint.h>

struct watch;
struct window_row;

struct watch_out_opts {
	const char *prom, *report, *actions; /* NULL: not written */
	uint64_t report_every_ns, report_span_ns;
	const char *model_path;              /* said in the report */
};

/* What the prom file says of one VM (by the analysis's VM index). */
struct vm_now {
	const struct vm *vm;          /* weak: the analysis's; NULL: no window yet */
	struct window_result last;    /* its latest window (culprits as VM indexes) */
	struct prom_vm_counts counts; /* since the watch started */
	struct report_totals prev;    /* its totals when its previous window closed */
	int retired;                  /* the VM ended: its slot may go to another */
	uint64_t retired_ns;          /* the newest window's end then */
};

struct watch_out {
	struct watch_out_opts o;
	struct vm_now *vm; size_t nvm;    /* owned */
	struct watch_ring ring;           /* owned: used with --report */
	struct watch_episodes eps;        /* owned: used with --watcher-actions */
	uint64_t last_end_ns;             /* the newest window's end, 0: none */
	uint64_t every_mark;              /* last_end_ns / every at the last snapshot */
	uint64_t snapshots;               /* report files written */
	int dirty;                        /* the prom file is behind */
	uint64_t late_seen;               /* chunks skipped (late, behind, unreadable) when last written */
	/* the lag (watch_out_newest): the end of the newest chunk in DIR and
	 * of the last chunk read, as babeltrace2's trace-infos query gives
	 * their time ranges */
	const bt_plugin *ctf;             /* owned reference, NULL until needed */
	char *read_dir;                   /* owned: the last chunk read */
	int64_t read_end, newest_end;
	int read_known, newest_known;
};

/* Opens the actions file. Returns 0 or -1 (cause appended). */
int watch_out_init(struct watch_out *o, const struct watch_out_opts *opts);
/* Closes everything. Returns 0 or -1 (cause appended: a write failed). */
int watch_out_fini(struct watch_out *o);

/* A window closed (watch.c's on_row, after its line): `counts` are the
 * collector's event counts for it. Returns 0 or -1. */
int watch_out_window(struct watch_out *o, const struct watch *w,
		     const struct window_row *row, const struct window_result *r,
		     const uint32_t *counts);

/* Chunk `dir` was read (or skipped as unreadable) and recorded: the span
 * learns its events, the prom file is rewritten, a report written when
 * one is due. Returns 0 or -1. */
int watch_out_chunk(struct watch_out *o, const struct watch *w, const char *dir);

/* A pass found the chunks `dirs` (sorted, n of them) in DIR: the newest
 * one's time range, for the lag. Never fails (a chunk being written may
 * not be readable yet: the one before it stands in). */
void watch_out_newest(struct watch_out *o, char *const *dirs, int n);

/* Between passes: rewrites the prom file if what it says changed.
 * Returns 0 or -1. */
int watch_out_idle(struct watch_out *o, const struct watch *w);

/* Writes report.json of the span now (`reason`: "every", "sighup",
 * "end"); nothing without --report. Returns 0 or -1. */
int watch_out_snapshot(struct watch_out *o, const struct watch *w, const char *reason);

/* VM `vm` ended and its slot is retired (analysis_config.on_vm_retired):
 * it leaves the prom file, its open episode ends. Returns 0 or -1. */
int watch_out_vm_retired(struct watch_out *o, const struct watch *w, int vm);

/* Whether an output still names the retired VM index `vm`: the span of
 * --report holds windows of it (it ended less than a span ago), a VM's
 * latest window in the prom file has it as a culprit, an open episode
 * names it. Its slot then waits (analysis_config.vm_named). */
int watch_out_names(const struct watch_out *o, int vm);

/* --once is done: the prom file and a last report. Returns 0 or -1. */
int watch_out_finish(struct watch_out *o, const struct watch *w);

#endif
