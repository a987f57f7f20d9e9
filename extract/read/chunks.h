/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_CHUNKS_H
#define VMINT_EXTRACT_CHUNKS_H

/*
 * Chunks of one recording. `perf record --switch-output` writes a
 * recording as consecutive files, and each `perf data convert --to-ctf`
 * gives its trace a clock of its own UUID, so babeltrace2's
 * filter.utils.muxer refuses to order them together ("Cannot find the
 * youngest upstream message iterator wrapper"). They need no muxing:
 * one host, one boot clock, consecutive in time. A group of traces whose
 * clocks the muxer cannot compare is therefore read as chunks: once
 * their time ranges (babeltrace2's own `babeltrace.trace-infos` query)
 * are checked to follow one another, they are muxed in one graph by
 * babeltrace2's muxer, their sources told to take every clock as counting
 * from the Unix epoch (source.ctf.fs's
 * `force-clock-class-origin-unix-epoch`, what the CLI's
 * --clock-force-correlate sets): consecutive chunks overlap a little
 * (what perf's per-CPU buffers held at the switch), which only a merge
 * orders. Their times stay boot-relative (clock-offset.h).
 *
 * Owns nothing beyond a call.
 */

#include "extract/read/trace.h"

#include <babeltrace2/babeltrace.h>

/* The identity of a trace's clock as the muxer compares them: "unix"
 * (origin is the Unix epoch), else its UUID, else the trace's own
 * directory (a clock without UUID matches only itself). Writes at most
 * `size` bytes to `key`. */
void chunks_clock_key(const bt_clock_class *cc, const char *dir, char *key,
		      size_t size);

/* Sorts the group's traces by the start of their time range and checks
 * that each follows the previous one (begins and ends later; they may
 * overlap: perf's buffers drain into the next chunk); `ctf` is
 * babeltrace2's ctf plugin. Returns 0, or -1 with a cause appended that
 * names the two traces out of order (or the one that cannot be queried). */
int chunks_order(struct trace_group *g, const bt_plugin *ctf);

/* The time range of the CTF trace in `dir`: the first and last packet
 * times of all its streams, ns from its clocks' origin (boot-relative for
 * perf), as that query gives them; `ctf` is babeltrace2's ctf plugin.
 * Returns 0, or -1 with a cause appended (not a trace, or one babeltrace2
 * cannot index yet). */
int chunks_range(const bt_plugin *ctf, const char *dir, int64_t *begin, int64_t *end);

#endif
