/* SPDX-License-Identifier: MIT */
#include "extract/read/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096 /* messages per consume call */

struct input {
	bt_message_iterator *it;   /* owned */
	bt_message_array_const msgs; /* the iterator's batch */
	uint64_t count, pos;       /* pos: the head; refs of [pos, count) are ours */
	int ended;
	int64_t ts;                /* head's time (or the last handed out) */
	int weight;                /* head's type, muxer's weight */
};

struct merge {
	const struct merge_callbacks *cb; /* weak */
	struct input *in;          /* owned */
	size_t nin;
	size_t *heap;              /* owned: inputs with a head, min first */
	size_t nheap;
	size_t nstarted;           /* inputs whose first head was fetched */
	size_t pending;            /* 1 + input to fetch again (it said "again"), or 0 */
	int have_last;
	int64_t last_ts;           /* time of the last message handed out */
	const bt_clock_class *clock; /* weak: the first stream's */
	int clock_known;
	bt_self_component *self;   /* weak */
};

static int type_weight(bt_message_type t)
{
	switch (t) {
	case BT_MESSAGE_TYPE_STREAM_BEGINNING: return 7;
	case BT_MESSAGE_TYPE_PACKET_BEGINNING: return 6;
	case BT_MESSAGE_TYPE_EVENT: return 5;
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS: return 4;
	case BT_MESSAGE_TYPE_PACKET_END: return 3;
	case BT_MESSAGE_TYPE_MESSAGE_ITERATOR_INACTIVITY: return 2;
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS: return 1;
	default: return 0;
	}
}

static const bt_stream *msg_stream(const bt_message *msg)
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
		return NULL;
	}
}

/* The message's default clock snapshot, as the muxer takes it, or NULL. */
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
	s = msg_stream(msg);
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

static int fail(struct merge *m, const char *what)
{
	bt_current_thread_error_append_cause_from_component(m->self, __FILE__,
							    __LINE__, "%s", what);
	return -1;
}

/* The muxer (2.0) needs every stream's clock to count from one origin. */
static int check_clock(struct merge *m, const bt_message *msg)
{
	const bt_stream *s = bt_message_stream_beginning_borrow_stream_const(msg);
	const bt_clock_class *cc = bt_stream_class_borrow_default_clock_class_const(
		bt_stream_borrow_class_const(s));
	const uint8_t *u1, *u2;

	if (!m->clock_known) {
		m->clock = cc;
		m->clock_known = 1;
		return 0;
	}
	if (!cc != !m->clock)
		return fail(m, "cannot order the streams: some have a clock, some do "
			    "not (the muxer's \"clock classes are not compatible\")");
	if (!cc || cc == m->clock)
		return 0;
	if (bt_clock_class_origin_is_unix_epoch(cc) !=
	    bt_clock_class_origin_is_unix_epoch(m->clock))
		return fail(m, "cannot order the streams: some clocks count from the "
			    "Unix epoch, some do not (the muxer's \"clock classes are "
			    "not compatible\")");
	if (bt_clock_class_origin_is_unix_epoch(cc))
		return 0;
	u1 = bt_clock_class_get_uuid(cc);
	u2 = bt_clock_class_get_uuid(m->clock);
	if (!u1 || !u2 || memcmp(u1, u2, 16) != 0)
		return fail(m, "cannot order the streams: their clocks have no common "
			    "origin (different clock UUIDs; the muxer's \"clock classes "
			    "are not compatible\")");
	return 0;
}

static int cmp_opt_str(const char *a, const char *b)
{
	if (a && b)
		return strcmp(a, b);
	return a ? -1 : b ? 1 : 0;
}

/* common_muxing_compare_messages() for two heads of the same time: trace
 * UUID, trace name, stream class id, stream id, message type, event class
 * id and name; still equal, the input of lower rank first (the muxer
 * keeps the first youngest of its inputs). */
static int tie_before(const struct merge *m, size_t a, size_t b)
{
	const bt_message *ma = m->in[a].msgs[m->in[a].pos];
	const bt_message *mb = m->in[b].msgs[m->in[b].pos];
	const bt_stream *sa = msg_stream(ma), *sb = msg_stream(mb);
	int c;

	if (sa && sb) {
		const bt_trace *ta = bt_stream_borrow_trace_const(sa);
		const bt_trace *tb = bt_stream_borrow_trace_const(sb);
		const uint8_t *ua = bt_trace_get_uuid(ta), *ub = bt_trace_get_uuid(tb);
		uint64_t x, y;

		if (ua && ub) {
			if ((c = memcmp(ua, ub, 16)) != 0)
				return c < 0;
		} else if (ua || ub) {
			return ua != NULL;
		}
		if ((c = cmp_opt_str(bt_trace_get_name(ta), bt_trace_get_name(tb))) != 0)
			return c < 0;
		x = bt_stream_class_get_id(bt_stream_borrow_class_const(sa));
		y = bt_stream_class_get_id(bt_stream_borrow_class_const(sb));
		if (x != y)
			return x < y;
		x = bt_stream_get_id(sa);
		y = bt_stream_get_id(sb);
		if (x != y)
			return x < y;
	} else if (sa || sb) {
		return sa != NULL;
	}
	if (m->in[a].weight != m->in[b].weight)
		return m->in[a].weight > m->in[b].weight;
	if (bt_message_get_type(ma) == BT_MESSAGE_TYPE_EVENT) {
		const bt_event_class *ca = bt_event_borrow_class_const(
			bt_message_event_borrow_event_const(ma));
		const bt_event_class *cb = bt_event_borrow_class_const(
			bt_message_event_borrow_event_const(mb));

		if (bt_event_class_get_id(ca) != bt_event_class_get_id(cb))
			return bt_event_class_get_id(ca) < bt_event_class_get_id(cb);
		if ((c = cmp_opt_str(bt_event_class_get_name(ca),
				     bt_event_class_get_name(cb))) != 0)
			return c < 0;
	}
	return a < b;
}

static int before(const struct merge *m, size_t a, size_t b)
{
	if (m->in[a].ts != m->in[b].ts)
		return m->in[a].ts < m->in[b].ts;
	return tie_before(m, a, b);
}

static void sift_down(struct merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i, t;

		if (l < m->nheap && before(m, m->heap[l], m->heap[min]))
			min = l;
		if (r < m->nheap && before(m, m->heap[r], m->heap[min]))
			min = r;
		if (min == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

static void sift_up(struct merge *m, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2, t;

		if (!before(m, m->heap[i], m->heap[p]))
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[p];
		m->heap[p] = t;
		i = p;
	}
}

/* Makes sure input k has a head (fetching its next batch) and keys it.
 * Returns 1 with a head, 0 at its end, -1 on error, -2 for "again". */
static int fetch(struct merge *m, size_t k)
{
	struct input *in = &m->in[k];
	const bt_message *msg;
	const bt_clock_snapshot *cs;

	if (in->pos >= in->count) {
		if (in->ended)
			return 0;
		switch (bt_message_iterator_next(in->it, &in->msgs, &in->count)) {
		case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
			in->pos = 0;
			break;
		case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
			in->ended = 1;
			in->count = in->pos = 0;
			return 0;
		case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
			in->count = in->pos = 0;
			return -2;
		default:
			in->count = in->pos = 0;
			return -1;
		}
	}
	if (m->nin == 1)
		return 1; /* a lone input is passed on as it comes: no key needed */
	msg = in->msgs[in->pos];
	in->weight = type_weight(bt_message_get_type(msg));
	cs = msg_clock(msg);
	if (cs) {
		int64_t ns;

		if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) !=
		    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
			return fail(m, "a message's time overflows 64-bit nanoseconds "
				    "from origin");
		in->ts = ns;
	} else {
		/* As the muxer: a message without time comes now. */
		in->ts = m->have_last ? m->last_ts : INT64_MIN;
	}
	return 1;
}

static bt_component_class_sink_consume_method_status
status_of(int rc)
{
	if (rc == -2)
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
	return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
}

/* One input (the muxer's output, or a lone stream) is handed on batch by
 * batch as it comes: there is no order to keep, so no heap and no keys. */
static bt_component_class_sink_consume_method_status
pass_through(struct merge *m)
{
	struct input *in = &m->in[0];
	uint64_t n = 0;

	while (n < CHUNK) {
		int rc = fetch(m, 0);

		if (rc <= 0)
			return rc == 0 ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END :
					 status_of(rc);
		n += in->count - in->pos;
		while (in->pos < in->count) {
			const bt_message *msg = in->msgs[in->pos++];

			rc = m->cb->on_message(m->cb->data, msg);
			bt_message_put_ref(msg);
			if (rc != 0)
				return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
		}
	}
	if (m->cb->on_chunk && m->cb->on_chunk(m->cb->data) != 0)
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
	return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}

static bt_component_class_sink_consume_method_status
merge_consume(bt_self_component_sink *self)
{
	struct merge *m = bt_self_component_get_data(
		bt_self_component_sink_as_self_component(self));
	int rc;

	if (m->nin == 1)
		return pass_through(m);
	while (m->nstarted < m->nin || m->pending) {
		size_t k = m->pending ? m->pending - 1 : m->nstarted;

		rc = fetch(m, k);
		if (rc < 0)
			return status_of(rc);
		if (m->pending)
			m->pending = 0;
		else
			m->nstarted++;
		if (rc == 1) {
			m->heap[m->nheap++] = k;
			sift_up(m, m->nheap - 1);
		}
	}
	for (int n = 0; n < CHUNK; n++) {
		size_t k;
		struct input *in;
		const bt_message *msg;

		if (m->nheap == 0)
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
		k = m->heap[0];
		in = &m->in[k];
		msg = in->msgs[in->pos];
		if (m->have_last && in->ts < m->last_ts) {
			fail(m, "a stream goes back in time: a message's timestamp is "
			     "less than muxer's last returned timestamp");
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
		}
		if (bt_message_get_type(msg) == BT_MESSAGE_TYPE_STREAM_BEGINNING &&
		    check_clock(m, msg) != 0)
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
		m->last_ts = in->ts;
		m->have_last = 1;
		in->pos++;
		rc = m->cb->on_message(m->cb->data, msg);
		bt_message_put_ref(msg);
		if (rc != 0)
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
		rc = fetch(m, k);
		if (rc <= 0) /* ended, or to be fetched again next call */
			m->heap[0] = m->heap[--m->nheap];
		if (m->nheap)
			sift_down(m, 0);
		if (rc == -2) {
			m->pending = k + 1;
			return status_of(rc);
		}
		if (rc == -1)
			return status_of(rc);
	}
	if (m->cb->on_chunk && m->cb->on_chunk(m->cb->data) != 0)
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
	return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}

static bt_component_class_initialize_method_status
merge_init(bt_self_component_sink *self, bt_self_component_sink_configuration *conf,
	   const bt_value *params, void *data)
{
	const struct merge_callbacks *cb = ((void **)data)[0];
	size_t nin = *(size_t *)((void **)data)[1];
	struct merge *m = calloc(1, sizeof(*m));

	(void)conf;
	(void)params;
	if (!m || !(m->in = calloc(nin ? nin : 1, sizeof(*m->in))) ||
	    !(m->heap = calloc(nin ? nin : 1, sizeof(*m->heap)))) {
		if (m)
			free(m->in);
		free(m);
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	m->cb = cb;
	m->nin = nin;
	m->self = bt_self_component_sink_as_self_component(self);
	for (size_t i = 0; i < nin; i++) {
		char name[32];

		snprintf(name, sizeof(name), "in%zu", i);
		if (bt_self_component_sink_add_input_port(self, name, NULL, NULL) !=
		    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
			free(m->heap);
			free(m->in);
			free(m);
			return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
		}
	}
	bt_self_component_set_data(m->self, m);
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static bt_component_class_sink_graph_is_configured_method_status
merge_configured(bt_self_component_sink *self)
{
	struct merge *m = bt_self_component_get_data(
		bt_self_component_sink_as_self_component(self));

	for (size_t i = 0; i < m->nin; i++)
		if (bt_message_iterator_create_from_sink_component(self,
			bt_self_component_sink_borrow_input_port_by_index(self, i),
			&m->in[i].it) != BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK)
			return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
	return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

static void merge_fini(bt_self_component_sink *self)
{
	struct merge *m = bt_self_component_get_data(
		bt_self_component_sink_as_self_component(self));
	size_t total;

	if (!m)
		return;
	total = m->nin;
	for (size_t i = 0; i < total; i++) {
		for (uint64_t p = m->in[i].pos; p < m->in[i].count; p++)
			bt_message_put_ref(m->in[i].msgs[p]);
		bt_message_iterator_put_ref(m->in[i].it);
	}
	free(m->heap);
	free(m->in);
	free(m);
}

int merge_sink_add(bt_graph *graph, const char *name, size_t ninputs,
		   const struct merge_callbacks *cb, const bt_component_sink **sink)
{
	bt_component_class_sink *cls = bt_component_class_sink_create("vmint-merge",
								     merge_consume);
	void *data[2] = { (void *)cb, &ninputs };
	int ret = -1;

	if (!cls)
		return -1;
	if (bt_component_class_sink_set_initialize_method(cls, merge_init) ==
		    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK &&
	    bt_component_class_sink_set_graph_is_configured_method(cls, merge_configured) ==
		    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK &&
	    bt_component_class_sink_set_finalize_method(cls, merge_fini) ==
		    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK &&
	    bt_graph_add_sink_component_with_initialize_method_data(graph, cls, name,
		    NULL, data, BT_LOGGING_LEVEL_NONE, sink) ==
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK)
		ret = 0;
	bt_component_class_sink_put_ref(cls);
	return ret;
}
