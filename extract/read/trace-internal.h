/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_TRACE_INTERNAL_H
#define VMINT_EXTRACT_TRACE_INTERNAL_H

/*
 * What trace.c (one graph, one thread) and trace-par.c (the streams
 * decoded by several graphs in worker threads, merged in the calling
 * thread) share: building graphs and handing events to the handler.
 */

#include "extract/read/trace.h"
#include "extract/read/merge.h"

#include <babeltrace2/babeltrace.h>
#include <time.h>

#define MAX_TRACES 64

/* The delivering side: stats, progress, the handler. Calling thread only. */
struct reader {
	const struct trace_handler *handler; /* weak */
	const struct trace_options *opts;    /* weak */
	struct trace_stats *stats;           /* weak */
	struct decoder *decoder;             /* owned (serial reading) */
	int64_t shift;                       /* clock offset of the trace being read */
	int boot_chunks;                     /* chunks of a boot clock (forced to
					      * read as an epoch one) */
	const bt_trace *announced[MAX_TRACES]; /* weak: traces passed to on_trace */
	const char *announced_name[MAX_TRACES]; /* weak: their names */
	size_t nannounced;
	struct timespec last_progress;
	int progress_shown;
};

/* Calls on_trace once per trace (by object, and by name across graphs). */
void reader_announce(struct reader *r, const bt_trace *trace);
/* Counts the event and hands it to the handler. Returns 0 or -1. */
int reader_deliver(struct reader *r, const struct ev *ev);
/* What a discarded-events message says: how many events were lost (1 when
 * the tracer does not say: "some" is never zero) and over what time range
 * (0, 0 when its stream class has no clock snapshots for it). */
void discarded_read(const bt_message *msg, uint64_t *count, int64_t *begin_ns,
		    int64_t *end_ns);
/* Counts the loss and hands it to the handler. */
void reader_discarded(struct reader *r, int cpu, uint64_t begin_ns,
		      uint64_t end_ns, uint64_t count);

struct graph_parts {
	bt_graph *graph;                    /* owned */
	const bt_plugin *ctf, *utils;       /* owned */
	const bt_component_source **srcs;   /* weak (owned by graph) */
	size_t nsrcs;
	int correlate; /* chunks (chunks.h): every clock forced to count
			* from one origin, so that the muxer compares them */
};

/* A graph with one source.ctf.fs per directory of the group (no sink).
 * Returns 0, or -1 with a cause appended. */
int graph_parts_build(struct graph_parts *g, const struct trace_group *group);
void graph_parts_fini(struct graph_parts *g);
/* Output ports of every source. */
size_t graph_parts_nports(const struct graph_parts *g);
/* Output ports of the source that has the most. */
size_t graph_parts_max_source_ports(const struct graph_parts *g);
/* Adds vmint's merging sink (merge.h) calling `cb`, its inputs connected
 * to the output ports i for which i % modulo == rest; i counts over all
 * the sources in order, or with per_source within each source. Returns
 * 0, or -1 with a cause appended. */
int graph_parts_add_sink(struct graph_parts *g, const struct merge_callbacks *cb,
			 size_t modulo, size_t rest, int per_source);
/* The serial graph: every output port into babeltrace2's
 * filter.utils.muxer, then vmint's sink (one stream: no muxer). Returns 0,
 * or -1 with a cause appended. */
int graph_parts_add_muxed_sink(struct graph_parts *g, const struct merge_callbacks *cb);
/* Runs the graph to its end: 0, or -1 (babeltrace2's error is current). */
int graph_run(bt_graph *graph);
/* Appends the causes of a failed run of the group's graph, and what to
 * do when the merge refused the order (`fault`, from merge.h). */
void trace_explain_failure(const struct trace_group *group, enum merge_fault fault);

/* Parallel reading (trace-par.c): `jobs` graphs, each decoding a share of
 * the streams in its thread, merged here in the muxer's order. */
int trace_read_parallel(const struct trace_group *group, struct reader *r,
			size_t jobs);

#endif
