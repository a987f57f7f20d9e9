/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_WATCH_H
#define VMINT_DETECT_WATCH_H

/*
 * `vmint watch`: one analysis fed chunk after chunk of a recording. The
 * host model (threads and their VMs, vCPU states, in-flight requests, the
 * open window) lives across chunks; each (VM, window) is classified as it
 * closes (collect_row) and written at once as one JSON line, then
 * forgotten: memory follows threads and VMs, not hours watched (threads
 * are freed when they end, and the slots of VMs whose process ended go
 * to the next VMs: analysis_config.retire_vms).
 *
 * Owns: the analysis, the collector and its result (emptied after each
 * line), the vms.json, the list of chunks done (for the state file).
 */

#include "common/vms.h"
#include "detect/collect.h"
#include "detect/result.h"
#include "extract/analysis.h"

#include <stdint.h>
#include <stdio.h>

struct watch_out;

/* What the run has read so far (this process: a restart counts anew). */
struct watch_stats {
	uint64_t chunks_read;       /* read whole (unreadable ones: skipped) */
	uint64_t chunks_late;       /* skipped: came after a later one */
	uint64_t chunks_behind;     /* skipped: the watch fell behind (--max-behind) */
	uint64_t events;            /* events read (of unreadable chunks too) */
	uint64_t discarded_events;  /* LTTng's discarded-events counts */
	double read_s;              /* wall-clock seconds spent reading chunks */
	uint64_t last_events;       /* of the last chunk read */
	uint64_t last_discarded;
	double last_read_s;
	int cpus;                   /* 1 + the highest CPU seen */
	char hostname[256];         /* the first chunk's that names one */
};

struct watch {
	struct analysis *a;         /* owned */
	struct collector col;       /* owned */
	struct detect_result res;   /* owned: holds at most one window */
	struct vms_file vms;        /* owned */
	const char *recording;      /* weak: DIR, where clock-offset.json may be */
	FILE *out;                  /* weak: the JSON lines */
	const char *chunk;          /* weak: the chunk being read */
	int warmup;                 /* resumed: the first window of each VM is warm-up */
	uint64_t warm_end_ns;       /* windows ending by then are warm-up */
	uint64_t lines;             /* JSON lines written */
	/* after a chunk left unread: the windows up to that of the first
	 * event read after it (the analysis's resume_ts) are marked missing */
	int gap;                    /* 1: in the gap */
	uint64_t read_to_ns;        /* the next chunk's events up to then were
				     * read with the last chunk done (0: none) */
	size_t skipped;             /* unreadable chunks skipped, their windows missing */
	char **done; size_t ndone;  /* owned: chunks done, by name, sorted (state
				     * file); those no longer in the recording
				     * are forgotten, but the last */
	struct watch_stats stats;
	/* weak, may be NULL: told of each window as it closes, after its
	 * line (watch-out.h) */
	struct watch_out *outs;
};

/* Prepares a watch of the recording in folder `recording` writing lines
 * to `out`; `vms_path` may be NULL (no names); `model` is loaded by the
 * caller; both outlive the watch. Returns 0 or -1 (cause appended). */
int watch_init(struct watch *w, const struct model_dir *model, const char *recording,
	       const char *vms_path, uint64_t window_ns, FILE *out);
void watch_fini(struct watch *w);

/* Reads one complete chunk (a CTF trace directory) into the analysis;
 * windows it closes are written. `next`, the chunk that follows it, may
 * be given for chunks of perf record --switch-output, which overlap: the
 * events of `next` up to the last of `dir` are read with it, muxed in
 * time order as detect reads them, and the rest of `next` when its turn
 * comes (read_to_ns). Without `next`, those of its events that are older
 * than the last one read are dropped, counted (late_events) and said. A
 * chunk that cannot be read (bad input) is skipped with a warning naming
 * it, counted done, and the windows it covered are marked missing.
 * Returns 0, or -1 (cause appended) when the run must end (interrupted,
 * out of memory, cannot write): the chunk is then not done. */
int watch_chunk(struct watch *w, const char *dir, const char *next, const char *name);

/* Counts chunk `name` done without reading it, and marks missing the
 * windows it may cover: from the analysis's last event to the window of
 * the first event read after it (the same as for a chunk that cannot be
 * read). For a chunk that cannot be converted (counted in `skipped`), or
 * one skipped when the watch falls behind (`behind`: counted in
 * stats.chunks_behind); the caller warns. Returns 0 or -1 (cause appended). */
int watch_missing(struct watch *w, const char *name, int behind);

/* The chunk done whose name sorts last, or NULL: a chunk not done whose
 * name sorts before it came late (watch_skip). */
const char *watch_last_done(const struct watch *w);

/* Counts `name` done without reading it. Returns 0 or -1 (cause appended). */
int watch_skip(struct watch *w, const char *name);

/* Closes the open window (--once: the recording ends here). */
int watch_finish(struct watch *w);

/* The state file (vmint.watch-state/1): the chunks done, each thread's
 * process and name (what a later chunk cannot tell again), and how far
 * the next chunk was read (next_read_to_ns).
 * Loading a missing file is no error (a first run); load after
 * watch_init. Returns 0 or -1 (cause appended). */
int watch_state_load(struct watch *w, const char *path);
int watch_state_save(const struct watch *w, const char *path);
int watch_is_done(const struct watch *w, const char *name);

#endif
