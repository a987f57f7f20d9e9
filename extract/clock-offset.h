/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_CLOCK_OFFSET_H
#define VMINT_EXTRACT_CLOCK_OFFSET_H

/*
 * clock-offset.json (schema "vmint.clock-offset/1"): the wall-clock time
 * of a trace whose clock counts from boot. perf's clock has no wall-clock
 * origin (its CTF clock `perf_clock` has offset 0, `absolute = FALSE`),
 * and `perf data convert --tod` fails here, so the recorder
 * (scripts/record-host.sh --recorder perf, which records with
 * `perf record -k CLOCK_MONOTONIC`) measures the offset when it starts
 * and writes it beside the trace:
 *
 *   { "schema": "vmint.clock-offset/1",
 *     "offset_ns": 1764741234567890123,
 *     "clock": "CLOCK_MONOTONIC" }
 *
 * `offset_ns` (required, integer): CLOCK_REALTIME minus the trace clock,
 * in ns, read at one instant: a trace time plus offset_ns is ns since the
 * Unix epoch (UTC). `clock` (optional, informative): the trace clock the
 * offset was measured against. vmint adds the offset to the times of
 * traces whose clock does not count from the Unix epoch (LTTng's do, and
 * are left as they are). It is found like vms.json: beside the trace, in
 * its parent, or beside the folder that holds a recording's chunks.
 */

#include <stdint.h>

/* Reads and checks `path`. Returns 0 with *offset_ns set, or -1 with a
 * cause naming the file and the key. */
int clock_offset_load(const char *path, int64_t *offset_ns);

#endif
