/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_MUX_ORDER_H
#define VMINT_EXTRACT_MUX_ORDER_H

/*
 * The order of babeltrace2 2.0's filter.utils.muxer, written once for
 * vmint's two merges: the merging sink (merge.c, messages at hand) and
 * the merge of the -j workers (trace-par.c, decoded records that keep
 * only their stream's key).
 *
 * The order was read in babeltrace2's source (plugins/utils/muxer/muxer.c
 * and plugins/common/muxing/muxing.c, as of 2.0) and is checked against
 * the installed muxer by tests/unit/test-mux-order.c.
 *
 * The muxer hands out the youngest head of its inputs: the message's
 * default clock snapshot in ns from origin, or, without one, the last
 * time it handed out ("now"). On the same time it calls
 * common_muxing_compare_messages() (plugins/common/muxing/muxing.c):
 * trace UUID, trace name, stream class id, stream id, then the message
 * type (stream beginning first, stream end last), then for two messages
 * of one type their properties (event class, stream and stream class
 * names and flags, discarded counts and clocks). When that says equal,
 * the input met first in its scan wins (see merge.c for the scan order).
 * Each step below returns <0 when `a` goes first, >0 when `b` does, 0
 * when it cannot tell them apart.
 */

#include <babeltrace2/babeltrace.h>
#include <stdint.h>
#include <string.h>

/* What tells the streams apart, kept per stream: the muxer's first four
 * criteria. The strings and UUID are the trace's (weak). */
struct mux_stream_key {
	const uint8_t *trace_uuid; /* or NULL */
	const char *trace_name;    /* or NULL */
	uint64_t class_id, id;
};

void mux_stream_key_init(struct mux_stream_key *k, const bt_stream *stream);

/* The muxer's type weight: the heavier message goes first on a tie. */
int mux_type_weight(bt_message_type type);

/* mux_message_time() of a message other than an event. */
int mux_other_message_time(const bt_message *msg, int64_t *ns);

/* The message's time as the muxer takes it: 1 with *ns set, 0 when the
 * message has none (it is due at the muxer's last time), -1 when it does
 * not fit in 64-bit ns from origin. Inline for events: per-event path. */
static inline int mux_message_time(const bt_message *msg, int64_t *ns)
{
	if (bt_message_get_type(msg) != BT_MESSAGE_TYPE_EVENT)
		return mux_other_message_time(msg, ns);
	if (!bt_message_event_borrow_stream_class_default_clock_class_const(msg))
		return 0;
	return bt_clock_snapshot_get_ns_from_origin(
		bt_message_event_borrow_default_clock_snapshot_const(msg), ns) ==
		BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK ? 1 : -1;
}

/* The stream of the message, or NULL (iterator inactivity). */
const bt_stream *mux_message_stream(const bt_message *msg);

/* A message with its stream and that stream's key (both NULL for a
 * message of no stream): a merge keeps keys per input, not per message. */
struct mux_head {
	const bt_message *msg;             /* weak */
	const bt_stream *stream;           /* weak */
	const struct mux_stream_key *key;  /* weak */
};

/* Past equal stream keys and types, for a merge that keeps no message:
 * two events (event class, then stream), two streams (names, flags). */
int mux_compare_tied_events(const bt_event_class *a, const bt_stream *sa,
			    const bt_event_class *b, const bt_stream *sb);
int mux_compare_tied_streams(const bt_stream *a, const bt_stream *b);

/* common_muxing_compare_messages() for two messages of the same time. */
int mux_compare_heads(const struct mux_head *a, const struct mux_head *b);
int mux_compare_messages(const bt_message *a, const bt_message *b);

/* A NULL string (or UUID) goes before any other. */
static inline int mux_compare_opt_str(const char *a, const char *b)
{
	if (a && b)
		return strcmp(a, b);
	return a ? -1 : b ? 1 : 0;
}

/* The first four criteria of common_muxing_compare_messages() on two
 * streams' keys: what decides nearly every tie, kept per stream. */
static inline int mux_stream_key_compare(const struct mux_stream_key *a,
					 const struct mux_stream_key *b)
{
	int c;

	if (a->trace_uuid && b->trace_uuid) {
		if ((c = memcmp(a->trace_uuid, b->trace_uuid, 16)) != 0)
			return c;
	} else if (a->trace_uuid || b->trace_uuid) {
		return a->trace_uuid ? -1 : 1;
	}
	if ((c = mux_compare_opt_str(a->trace_name, b->trace_name)) != 0)
		return c;
	if (a->class_id != b->class_id)
		return a->class_id < b->class_id ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

#endif
