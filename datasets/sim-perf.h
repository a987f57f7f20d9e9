/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_SIM_PERF_H
#define VMINT_DATASETS_SIM_PERF_H

/*
 * The perf layout of the simulated trace: what `perf data convert
 * --to-ctf` (perf 6.1) writes for the same kernel events, as seen in
 * ../shared/traces/perf618-* (doc/trace-events.md, "Traces recorded with
 * perf"). Event names carry the subsystem (`sched:sched_switch`), every
 * payload starts with perf's sample fields and the tracepoint's common
 * fields, then the tracepoint's own fields by the kernel's names, with
 * the types perf gives them (strings, s32/u32, s64/u64, u64 in hex for
 * pointers and longs). The formats are those of the 6.18 kernel perf was
 * tried on (/sys/kernel/tracing/events/ * /format), except kvm_exit before
 * 5.10, which lacks intr_info, error_code and vcpu_id as in the LTTng
 * layout. There is no statedump.
 *
 * The simulation produces LTTng-shaped records (sim-events.h); a tracker
 * follows them in emission order to know, for each record, the thread
 * current on its CPU and that thread's process (perf_tid, perf_pid), and
 * converts each record's values to the perf event's fields.
 */

#include "datasets/sim-events.h"

#include <stdint.h>

/* The most fields (and strings) of one perf event, prefix included. */
#define SIMPERF_MAX_INTS 24
#define SIMPERF_MAX_STRINGS 4

struct simperf;

struct simperf *simperf_create(int ncpus, int kver);
void simperf_destroy(struct simperf *p);

/* perf's name of a simulator event type, NULL when perf has none. */
const char *simperf_event_name(int type);

/* The perf event of a simulator event type: name and fields (perf's
 * prefix included). NULL for types perf has none of (the statedump). */
const struct simev_desc *simperf_desc(struct simperf *p, int type);

/*
 * Follows a record in emission order (the simulation's time order):
 * threads and their processes, the thread current on each CPU. Stores in
 * rec->ctx_tid / ctx_pid the thread in whose context the tracepoint fired.
 * Returns 0 when the record is written, 1 when perf has no such event.
 */
int simperf_track(struct simperf *p, struct simev_rec *rec);

/* The values of rec's perf event, in the order of simperf_desc()'s
 * fields: ints in v, strings in s (s may point into `scratch`, which
 * must outlive their use; 16 bytes). */
void simperf_values(const struct simperf *p, const struct simev_rec *rec,
		    int64_t *v, const char **s, char *scratch);

/* The kernel's rwbs letters (blk_fill_rwbs) of LTTng's rwbs bit mask
 * (extract/read/event.h, enum ev_rwbs); out holds at least 8 bytes. */
void simperf_rwbs_letters(uint32_t bits, char *out);

#endif
