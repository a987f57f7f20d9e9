/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_RUN_H
#define VMINT_EXTRACT_RUN_H

/*
 * What `extract`, `stats` and `detect` share: finding vms.json for a group
 * of traces, and running one host's traces through an analysis. (Their
 * options, -j and --window among them, are common/cli.h's.)
 */

#include "extract/analysis.h"
#include "extract/read/trace.h"

#include <stdint.h>

struct vms_file;

/*
 * Loads the vms.json for group `g`: `explicit_path` if given, else the
 * first vms.json found beside one of the group's trace directories or in
 * its parent (the session directory), or for chunks of one recording
 * beside the folder that holds them, else in one of the `paths` given
 * on the command line. Returns 1 when loaded, 0 when there is none, -1
 * when a file exists but is bad (cause appended).
 */
int run_load_vms(const char *explicit_path, const struct trace_group *g,
		 char *const *paths, size_t npaths, struct vms_file *out);

/* What a command keeps of a host's finished analysis (its VMs, totals),
 * called before the analysis is destroyed. Returns 0 or -1 (cause
 * appended). */
typedef int (*run_done_fn)(void *ctx, const struct analysis *a,
			   const struct trace_stats *stats);

/*
 * Analyses one host's traces, as extract and detect do: loads its vms.json
 * (run_load_vms), creates the analysis from `cfg` (cfg.vms is set here),
 * reads the traces (in `jobs` threads, as run_analysis), warns when the
 * host shows no VM or lost events, then calls `done` (may be NULL).
 * Returns an exit code: 0, VMINT_EXIT_INPUT (bad trace or vms.json) or
 * VMINT_EXIT_INTERNAL (memory, `done`).
 */
int run_group(const char *vms_path, const struct trace_group *g,
	      char **paths, size_t npaths, struct analysis_config cfg, int jobs,
	      run_done_fn done, void *ctx);

/* Reads the group's traces into `a`, as run_analysis() but leaving the
 * last window open: `watch` feeds one analysis chunk after chunk. The
 * clock-offset.json is looked for as run_analysis() does, then in
 * `recording` (the folder a chunk was found in, however deep; may be
 * NULL). Returns 0 or -1 (cause appended); `stats` is filled either way. */
int run_read(const struct trace_group *g, struct analysis *a, int jobs,
	     const char *recording, struct trace_stats *stats);

/* As run_read() in one thread, but only the events of time `ts` with
 * lo < ts <= hi (on the clock the analysis sees: clock-offset.json
 * applied) reach `a`, and the discarded-events records that begin there:
 * `watch` reads a perf chunk together with the head of the next one, whose
 * events before the chunk's end belong with it (perf's chunks overlap),
 * then that next chunk from there on. Returns 0 or -1 (cause appended);
 * `stats` (of every event read) is filled either way. */
int run_read_range(const struct trace_group *g, struct analysis *a, const char *recording,
		   uint64_t lo, uint64_t hi, struct trace_stats *stats);

/* The time of the group's last event, on the clock run_read_range()
 * compares (0 when it has none), read through without an analysis.
 * Returns 0 or -1 (cause appended). */
int run_last_ts(const struct trace_group *g, const char *recording, uint64_t *last);

/* Reads the group's traces into `a` and closes its last window; `jobs`
 * threads decode the host's streams (trace-par.c), 1 reads them in this
 * thread (chunks of one recording are always read in one). A trace
 * whose clock counts from boot (perf) gets the offset of the
 * clock-offset.json found beside it (clock-offset.h), else a warning,
 * once, that times are boot-relative. Returns 0 or -1 (cause appended);
 * `stats` is filled either way. */
int run_analysis(const struct trace_group *g, struct analysis *a, int jobs,
		 struct trace_stats *stats);

#endif
