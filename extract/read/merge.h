/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_MERGE_H
#define VMINT_EXTRACT_MERGE_H

/*
 * vmint's merging sink: a babeltrace2 sink component with one input port
 * per stream, which hands every message to a callback in the order of
 * filter.utils.muxer (mux-order.h), with a binary heap instead of the
 * muxer's scan of every input per message, and its own checks: a message
 * older than the last one handed out (overlapping packets) and streams
 * whose clocks cannot be compared are errors, as with the muxer. With one
 * input there is no ordering to keep, so neither is checked (as a lone
 * stream read without the muxer, or the output of babeltrace2's muxer,
 * whose refusals the sink then recognizes).
 */

#include <babeltrace2/babeltrace.h>
#include <stddef.h>
#include <stdint.h>

/* Why a graph stopped when the order itself was refused. */
enum merge_fault {
	MERGE_FAULT_NONE = 0,
	MERGE_FAULT_BACK_IN_TIME, /* a stream goes back in time (overlapping packets) */
	MERGE_FAULT_CLOCKS,       /* the streams' clocks cannot be compared */
};

struct merge_callbacks {
	void *data;
	/* Optional: set when the sink, or babeltrace2's muxer before it,
	 * refuses the order (left alone otherwise). */
	enum merge_fault *fault;
	/* Every message, in order. Returns 0, or -1 to stop the graph with
	 * an error. The message is the sink's (put after the call). */
	int (*on_message)(void *data, const bt_message *msg);
	/* After each run of messages: returns 0, or -1 to stop (interrupt). */
	int (*on_chunk)(void *data);
};

/* Adds the sink with `ninputs` input ports (connect them in the order of
 * the muxer's inputs). `cb` must outlive the graph. Returns 0, or -1 with
 * babeltrace2's error current. */
int merge_sink_add(bt_graph *graph, const char *name, size_t ninputs,
		   const struct merge_callbacks *cb, const bt_component_sink **sink);

#endif
