/* SPDX-License-Identifier: MIT */
#include "extract/read/mux-order.h"

void mux_stream_key_init(struct mux_stream_key *k, const bt_stream *stream)
{
	const bt_trace *t = bt_stream_borrow_trace_const(stream);

	k->trace_uuid = bt_trace_get_uuid(t);
	k->trace_name = bt_trace_get_name(t);
	k->class_id = bt_stream_class_get_id(bt_stream_borrow_class_const(stream));
	k->id = bt_stream_get_id(stream);
}

int mux_type_weight(bt_message_type type)
{
	switch (type) {
	case BT_MESSAGE_TYPE_STREAM_BEGINNING: return 7;
	case BT_MESSAGE_TYPE_PACKET_BEGINNING: return 6;
	case BT_MESSAGE_TYPE_EVENT: return 5;
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS: return 4;
	case BT_MESSAGE_TYPE_PACKET_END: return 3;
	case BT_MESSAGE_TYPE_MESSAGE_ITERATOR_INACTIVITY: return 2;
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS: return 1;
	default: return 0; /* stream end */
	}
}

const bt_stream *mux_message_stream(const bt_message *msg)
{
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT:
		return bt_event_borrow_stream_const(bt_message_event_borrow_event_const(msg));
	case BT_MESSAGE_TYPE_STREAM_BEGINNING:
		return bt_message_stream_beginning_borrow_stream_const(msg);
	case BT_MESSAGE_TYPE_STREAM_END:
		return bt_message_stream_end_borrow_stream_const(msg);
	case BT_MESSAGE_TYPE_PACKET_BEGINNING:
		return bt_packet_borrow_stream_const(
			bt_message_packet_beginning_borrow_packet_const(msg));
	case BT_MESSAGE_TYPE_PACKET_END:
		return bt_packet_borrow_stream_const(
			bt_message_packet_end_borrow_packet_const(msg));
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
		return bt_message_discarded_events_borrow_stream_const(msg);
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
		return bt_message_discarded_packets_borrow_stream_const(msg);
	default:
		return NULL; /* iterator inactivity */
	}
}

/* The default clock snapshot the muxer takes the time from, or NULL. */
static const bt_clock_snapshot *msg_clock(const bt_message *msg)
{
	const bt_stream *s;
	const bt_stream_class *sc;
	const bt_clock_snapshot *cs = NULL;

	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT:
		if (!bt_message_event_borrow_stream_class_default_clock_class_const(msg))
			return NULL;
		return bt_message_event_borrow_default_clock_snapshot_const(msg);
	case BT_MESSAGE_TYPE_MESSAGE_ITERATOR_INACTIVITY:
		return bt_message_message_iterator_inactivity_borrow_clock_snapshot_const(msg);
	default:
		break;
	}
	s = mux_message_stream(msg);
	sc = s ? bt_stream_borrow_class_const(s) : NULL;
	if (!sc || !bt_stream_class_borrow_default_clock_class_const(sc))
		return NULL;
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_STREAM_BEGINNING:
		return bt_message_stream_beginning_borrow_default_clock_snapshot_const(msg, &cs) ==
			BT_MESSAGE_STREAM_CLOCK_SNAPSHOT_STATE_KNOWN ? cs : NULL;
	case BT_MESSAGE_TYPE_STREAM_END:
		return bt_message_stream_end_borrow_default_clock_snapshot_const(msg, &cs) ==
			BT_MESSAGE_STREAM_CLOCK_SNAPSHOT_STATE_KNOWN ? cs : NULL;
	case BT_MESSAGE_TYPE_PACKET_BEGINNING:
		return bt_stream_class_packets_have_beginning_default_clock_snapshot(sc) ?
			bt_message_packet_beginning_borrow_default_clock_snapshot_const(msg) : NULL;
	case BT_MESSAGE_TYPE_PACKET_END:
		return bt_stream_class_packets_have_end_default_clock_snapshot(sc) ?
			bt_message_packet_end_borrow_default_clock_snapshot_const(msg) : NULL;
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
		return bt_stream_class_discarded_events_have_default_clock_snapshots(sc) ?
			bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg) : NULL;
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
		return bt_stream_class_discarded_packets_have_default_clock_snapshots(sc) ?
			bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(msg) : NULL;
	default:
		return NULL;
	}
}

int mux_other_message_time(const bt_message *msg, int64_t *ns)
{
	const bt_clock_snapshot *cs = msg_clock(msg);

	if (!cs)
		return 0;
	return bt_clock_snapshot_get_ns_from_origin(cs, ns) ==
		BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK ? 1 : -1;
}

/* -1 when only `a` has the property, 1 when only `b` has it. */
static int cmp_flag(bt_bool a, bt_bool b)
{
	return a == b ? 0 : a ? 1 : -1;
}

/* The muxer puts a stream (class) that has a property after one that
 * has not; names as strings, a missing one first. */
static int cmp_streams(const bt_stream *a, const bt_stream *b)
{
	const bt_stream_class *x = bt_stream_borrow_class_const(a);
	const bt_stream_class *y = bt_stream_borrow_class_const(b);
	int c;

	if ((c = mux_compare_opt_str(bt_stream_get_name(a), bt_stream_get_name(b))) ||
	    (c = mux_compare_opt_str(bt_stream_class_get_name(x),
				     bt_stream_class_get_name(y))) ||
	    (c = cmp_flag(bt_stream_class_assigns_automatic_event_class_id(x),
			  bt_stream_class_assigns_automatic_event_class_id(y))) ||
	    (c = cmp_flag(bt_stream_class_assigns_automatic_stream_id(x),
			  bt_stream_class_assigns_automatic_stream_id(y))) ||
	    (c = cmp_flag(bt_stream_class_supports_discarded_events(x),
			  bt_stream_class_supports_discarded_events(y))) ||
	    (c = cmp_flag(bt_stream_class_discarded_events_have_default_clock_snapshots(x),
			  bt_stream_class_discarded_events_have_default_clock_snapshots(y))) ||
	    (c = cmp_flag(bt_stream_class_supports_packets(x),
			  bt_stream_class_supports_packets(y))))
		return c;
	if (!bt_stream_class_supports_packets(x))
		return 0;
	if ((c = cmp_flag(bt_stream_class_packets_have_beginning_default_clock_snapshot(x),
			  bt_stream_class_packets_have_beginning_default_clock_snapshot(y))) ||
	    (c = cmp_flag(bt_stream_class_packets_have_end_default_clock_snapshot(x),
			  bt_stream_class_packets_have_end_default_clock_snapshot(y))) ||
	    (c = cmp_flag(bt_stream_class_supports_discarded_packets(x),
			  bt_stream_class_supports_discarded_packets(y))))
		return c;
	return cmp_flag(bt_stream_class_discarded_packets_have_default_clock_snapshots(x),
			bt_stream_class_discarded_packets_have_default_clock_snapshots(y));
}

/* Present before absent; both present: `diff`. */
static int cmp_avail(bt_property_availability a, bt_property_availability b,
		     int diff)
{
	if (a == BT_PROPERTY_AVAILABILITY_AVAILABLE &&
	    b == BT_PROPERTY_AVAILABILITY_AVAILABLE)
		return diff;
	if (a == b)
		return 0;
	return a == BT_PROPERTY_AVAILABILITY_AVAILABLE ? -1 : 1;
}

static int cmp_event_classes(const bt_event_class *a, const bt_event_class *b)
{
	uint64_t x = bt_event_class_get_id(a), y = bt_event_class_get_id(b);
	bt_event_class_log_level la = 0, lb = 0;
	bt_property_availability pa, pb;
	int c;

	if (x != y)
		return x < y ? -1 : 1;
	if ((c = mux_compare_opt_str(bt_event_class_get_name(a), bt_event_class_get_name(b))))
		return c;
	pa = bt_event_class_get_log_level(a, &la);
	pb = bt_event_class_get_log_level(b, &lb);
	if ((c = cmp_avail(pa, pb, (int)la - (int)lb)))
		return c;
	return mux_compare_opt_str(bt_event_class_get_emf_uri(a), bt_event_class_get_emf_uri(b));
}

/* Clock snapshots of discarded-item and inactivity messages: raw value
 * (the muxer truncates the difference to int, kept as it does), clock
 * UUID, name, then frequency and precision (higher first). */
static int cmp_snapshots(const bt_clock_snapshot *a, const bt_clock_snapshot *b)
{
	const bt_clock_class *x = bt_clock_snapshot_borrow_clock_class_const(a);
	const bt_clock_class *y = bt_clock_snapshot_borrow_clock_class_const(b);
	const uint8_t *ux = bt_clock_class_get_uuid(x), *uy = bt_clock_class_get_uuid(y);
	int c = (int)(bt_clock_snapshot_get_value(a) - bt_clock_snapshot_get_value(b));

	if (c)
		return c;
	if (ux && uy) {
		if ((c = memcmp(ux, uy, 16)))
			return c;
	} else if (ux || uy) {
		return ux ? -1 : 1;
	}
	if ((c = mux_compare_opt_str(bt_clock_class_get_name(x), bt_clock_class_get_name(y))))
		return c;
	if ((c = (int)(bt_clock_class_get_frequency(y) - bt_clock_class_get_frequency(x))))
		return c;
	return (int)(bt_clock_class_get_precision(y) - bt_clock_class_get_precision(x));
}

/* Two discarded-events (or -packets) messages of equal streams. */
static int cmp_discarded(const bt_message *a, const bt_message *b, int events)
{
	const bt_stream_class *sc = bt_stream_borrow_class_const(mux_message_stream(a));
	uint64_t na = 0, nb = 0;
	bt_property_availability pa, pb;
	int c;

	if (events ? bt_stream_class_discarded_events_have_default_clock_snapshots(sc) :
		     bt_stream_class_discarded_packets_have_default_clock_snapshots(sc)) {
		if (events &&
		    ((c = cmp_snapshots(bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(a),
					bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(b))) ||
		     (c = cmp_snapshots(bt_message_discarded_events_borrow_end_default_clock_snapshot_const(a),
					bt_message_discarded_events_borrow_end_default_clock_snapshot_const(b)))))
			return c;
		if (!events &&
		    ((c = cmp_snapshots(bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(a),
					bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(b))) ||
		     (c = cmp_snapshots(bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(a),
					bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(b)))))
			return c;
	}
	pa = events ? bt_message_discarded_events_get_count(a, &na) :
		      bt_message_discarded_packets_get_count(a, &na);
	pb = events ? bt_message_discarded_events_get_count(b, &nb) :
		      bt_message_discarded_packets_get_count(b, &nb);
	return cmp_avail(pa, pb, (int)(na - nb));
}

int mux_compare_tied_events(const bt_event_class *a, const bt_stream *sa,
			    const bt_event_class *b, const bt_stream *sb)
{
	int c = cmp_event_classes(a, b);

	return c ? c : cmp_streams(sa, sb);
}

int mux_compare_tied_streams(const bt_stream *a, const bt_stream *b)
{
	return cmp_streams(a, b);
}

/* Two messages of one type and equal stream keys. */
static int cmp_same_type(const bt_message *a, const bt_message *b,
			 const bt_stream *sa, const bt_stream *sb)
{
	int c;

	switch (bt_message_get_type(a)) {
	case BT_MESSAGE_TYPE_EVENT:
		return mux_compare_tied_events(
			bt_event_borrow_class_const(bt_message_event_borrow_event_const(a)), sa,
			bt_event_borrow_class_const(bt_message_event_borrow_event_const(b)), sb);
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
		if ((c = cmp_streams(sa, sb)))
			return c;
		return cmp_discarded(a, b, bt_message_get_type(a) ==
				     BT_MESSAGE_TYPE_DISCARDED_EVENTS);
	case BT_MESSAGE_TYPE_MESSAGE_ITERATOR_INACTIVITY:
		return cmp_snapshots(
			bt_message_message_iterator_inactivity_borrow_clock_snapshot_const(a),
			bt_message_message_iterator_inactivity_borrow_clock_snapshot_const(b));
	default: /* stream and packet beginnings and ends */
		return cmp_streams(sa, sb);
	}
}

int mux_compare_heads(const struct mux_head *a, const struct mux_head *b)
{
	bt_message_type ta = bt_message_get_type(a->msg);
	bt_message_type tb = bt_message_get_type(b->msg);
	int c;

	if (a->key && b->key) {
		if ((c = mux_stream_key_compare(a->key, b->key)))
			return c;
	} else if (a->key || b->key) {
		return a->key ? -1 : 1; /* a message of no stream (inactivity) last */
	}
	if (ta != tb)
		return mux_type_weight(tb) - mux_type_weight(ta);
	return cmp_same_type(a->msg, b->msg, a->stream, b->stream);
}

int mux_compare_messages(const bt_message *a, const bt_message *b)
{
	struct mux_stream_key ka, kb;
	struct mux_head ha = { a, mux_message_stream(a), NULL };
	struct mux_head hb = { b, mux_message_stream(b), NULL };

	if (ha.stream) {
		mux_stream_key_init(&ka, ha.stream);
		ha.key = &ka;
	}
	if (hb.stream) {
		mux_stream_key_init(&kb, hb.stream);
		hb.key = &kb;
	}
	return mux_compare_heads(&ha, &hb);
}
