/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_SIM_WRITER_H
#define VMINT_DATASETS_SIM_WRITER_H

/*
 * Writes simulated kernel events as an LTTng-like CTF trace through
 * libbabeltrace2: an in-process source component (this module) feeds
 * babeltrace2's own sink.ctf.fs, so the CTF encoding is babeltrace2's.
 *
 * One stream per CPU (packet context `cpu_id`), packets cut at fixed
 * periods of the simulated clock so that every stream's packets have
 * beginning and end clock snapshots that line up across CPUs. The
 * producer (the simulation) is pulled from the source's `next` method:
 * it appends records with simw_emit() and says how far its clock got.
 */

#include "datasets/sim-events.h"

#include <stdint.h>

struct simw;

/* LTTng 2.13's layout, or perf 6.1's (`perf data convert --to-ctf`, see
 * sim-perf.h): boot-relative clock, perf's names and fields. */
enum simw_layout { SIMW_LAYOUT_LTTNG, SIMW_LAYOUT_PERF };

struct simw_config {
	enum simw_layout layout;
	const char *path;            /* weak: output directory of the trace */
	const struct simev_desc *table; /* weak: simev_table(kernel) */
	int ncpus;
	const char *hostname;        /* weak */
	const char *kernel_release;  /* weak */
	int kver;                    /* KVER(): the perf layout's formats */
	uint64_t start_ns;           /* first packet begins here */
	uint64_t end_ns;             /* last packet ends here */
	uint64_t clock_offset_ns;    /* clock origin: Unix epoch + this (perf:
					 boot, which began this long after it) */
	uint64_t packet_ns;          /* packet period */
	uint8_t uuid[16];            /* trace UUID (deterministic) */
};

/*
 * Advances the simulation. Emits records with simw_emit() and stores in
 * *now a time such that every later record has ts >= *now. Returns 0 to
 * be called again, 1 when the simulation is over, -1 on error (cause
 * appended).
 */
typedef int (*simw_produce_fn)(void *data, struct simw *w, uint64_t *now);

/* Runs the graph until the producer is done and the trace is written.
 * `counts` (SIMEV__COUNT entries) receives the events written per type.
 * Returns 0, or -1 with a cause appended. */
int simw_run(const struct simw_config *cfg, simw_produce_fn produce,
	     void *data, uint64_t *counts);

/* Appends one record (copied). Returns 0, or -1 when out of memory. */
int simw_emit(struct simw *w, const struct simev_rec *rec);

#endif
