/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_TRACE_H
#define VMINT_EXTRACT_TRACE_H

/*
 * Reading CTF traces through libbabeltrace2. trace_read() finds every CTF
 * trace under the given paths (a directory holding a `metadata` file, as
 * `babeltrace2 DIR` finds them), builds one graph
 *     source.ctf.fs (one per trace) -> filter.utils.muxer -> vmint's sink
 * (no muxer for a single stream), runs it, and hands every event to the
 * handler in time order, decoded into a `struct ev`. With
 * trace_options.jobs > 1 the streams are decoded by that many threads,
 * each with its own graph (trace-par.c), and merged in the calling thread
 * in the muxer's order by vmint's merging sink (merge.h), since no
 * babeltrace2 component merges across graphs: the same events reach the
 * handler, in the caller's thread.
 */

#include "extract/read/event.h"

#include <stddef.h>
#include <stdint.h>

/* What the trace says of itself (environment of its metadata). */
struct trace_info {
	const char *path;           /* the trace directory */
	const char *hostname;       /* env `hostname` (perf: `host`), or NULL */
	const char *domain;         /* env `domain` ("kernel", "ust"), or NULL */
	const char *tracer_name;    /* env `tracer_name`, or NULL */
	int64_t tracer_major, tracer_minor; /* -1 when absent */
	const char *kernel_release; /* env `kernel_release`, or NULL */
	const char *clock_name;     /* its streams' clock, or NULL */
	int boot_clock;             /* that clock does not count from the Unix
				     * epoch (perf): times are boot-relative
				     * unless trace_options.clock_offset_ns */
};

struct trace_handler {
	void *ctx; /* weak: passed back to every callback */
	/* Called once per event, in time order. Returns 0, or -1 with a
	 * cause appended to stop the run. */
	int (*on_event)(void *ctx, const struct ev *ev);
	/* LTTng's discarded-events record: `count` events of `cpu` were lost
	 * in [begin_ns, end_ns]. May be NULL. */
	void (*on_discarded)(void *ctx, int cpu, uint64_t begin_ns,
			     uint64_t end_ns, uint64_t count);
	/* Called once per trace, before its first event. May be NULL. */
	void (*on_trace)(void *ctx, const struct trace_info *info);
};

/* Totals of one run. */
struct trace_stats {
	uint64_t events;           /* event messages read */
	uint64_t discarded_events; /* sum of discarded-events counts */
	uint64_t first_ns, last_ns;/* first and last event time */
	int ncpus;                 /* 1 + highest cpu_id seen */
	size_t ntraces;            /* CTF traces found */
	uint64_t *type_counts;     /* owned: events per ev type id */
	uint32_t ntypes;           /* length of type_counts */
	char hostname[256];        /* of the first trace that names one */
};

struct trace_options {
	int progress;              /* print a progress line on stderr */
	int jobs;                  /* > 1: decode the streams in this many
				    * threads (trace-par.c); 0 or 1: one */
	int64_t clock_offset_ns;   /* added to the times of traces with a
				    * boot_clock (clock-offset.h); 0: none */
};

/* The traces of one host: analysed together, their events muxed; or, when
 * babeltrace2's muxer cannot compare their clocks (perf: one clock UUID
 * per conversion), read as consecutive chunks (chunks.h). */
struct trace_group {
	char *hostname; /* owned: env `hostname` (perf: `host`), or NULL */
	char **dirs;    /* owned: trace directories, sorted (chunks: by time) */
	size_t ndirs;
	int chunks;     /* consecutive chunks of one recording (chunks.h) */
	char clock[80]; /* the first trace's clock as the muxer compares them */
};

/* Finds every CTF trace under `paths` and groups them by host (the
 * `hostname` of their environment): traces of different hosts must not
 * share one host model, their thread ids would collide. A host's traces
 * whose clocks the muxer cannot compare must be consecutive chunks of
 * one recording (chunks.h), and chunks are of one host only. Returns 0
 * and sets *groups and *ngroups (free with trace_groups_free), or -1 with
 * a cause appended (missing path, no CTF trace, corrupt metadata,
 * overlapping chunks, chunks of several hosts). */
int trace_discover(char *const *paths, size_t npaths,
		   struct trace_group **groups, size_t *ngroups);
void trace_groups_free(struct trace_group *groups, size_t ngroups);

/* Reads the traces of one group as one host, every event to `handler`
 * in time order. Returns 0, or -1 with a cause appended (corrupt stream,
 * handler error, interrupted). `stats` is filled either way; release it
 * with trace_stats_fini(). */
int trace_read(const struct trace_group *group,
	       const struct trace_options *opts,
	       const struct trace_handler *handler, struct trace_stats *stats);

void trace_stats_fini(struct trace_stats *stats);

/* Finds the CTF trace directories under `path` (itself included), sorted.
 * Returns the count (>= 0) and sets *dirs (owned by the caller, free each
 * and the array), or -1 with a cause appended when `path` is unreadable. */
int trace_find_dirs(const char *path, char ***dirs);

#endif
