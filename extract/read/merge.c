/* SPDX-License-Identifier: MIT */
#include "extract/read/merge.h"
#include "extract/read/mux-order.h"

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
	size_t slot;               /* place in the muxer's scan (see drop_slot) */
	const bt_stream *kstream;  /* weak: the stream `key` is of, or NULL */
	struct mux_stream_key key; /* kept from one tie to the next */
};

struct merge {
	const struct merge_callbacks *cb; /* weak */
	struct input *in;          /* owned */
	size_t nin;
	size_t *heap;              /* owned: inputs with a head, min first */
	size_t nheap;
	size_t *scan;              /* owned: live inputs in the muxer's scan order */
	size_t nscan;
	size_t nstarted;           /* inputs whose first head was fetched */
	size_t pending;            /* 1 + input to fetch again (it said "again"), or 0 */
	int have_last;
	int64_t last_ts;           /* time of the last message handed out */
	const bt_clock_class *clock; /* weak: the first stream's */
	int clock_known;
	bt_self_component *self;   /* weak */
};

static int fail(struct merge *m, const char *what)
{
	bt_current_thread_error_append_cause_from_component(m->self, __FILE__,
							    __LINE__, "%s", what);
	return -1;
}

static int refuse(struct merge *m, enum merge_fault fault, const char *what)
{
	if (m->cb->fault)
		*m->cb->fault = fault;
	return fail(m, what);
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
		return refuse(m, MERGE_FAULT_CLOCKS, "cannot order the streams: some have a clock, some do "
			    "not (the muxer's \"clock classes are not compatible\")");
	if (!cc || cc == m->clock)
		return 0;
	if (bt_clock_class_origin_is_unix_epoch(cc) !=
	    bt_clock_class_origin_is_unix_epoch(m->clock))
		return refuse(m, MERGE_FAULT_CLOCKS, "cannot order the streams: some clocks count from the "
			    "Unix epoch, some do not (the muxer's \"clock classes are "
			    "not compatible\")");
	if (bt_clock_class_origin_is_unix_epoch(cc))
		return 0;
	u1 = bt_clock_class_get_uuid(cc);
	u2 = bt_clock_class_get_uuid(m->clock);
	if (!u1 || !u2 || memcmp(u1, u2, 16) != 0)
		return refuse(m, MERGE_FAULT_CLOCKS, "cannot order the streams: their clocks have no common "
			    "origin (different clock UUIDs; the muxer's \"clock classes "
			    "are not compatible\")");
	return 0;
}

/* The muxer scans its inputs in an array, in connection order, and on a
 * complete tie keeps the one met first; an input that ends is replaced
 * by the last one (g_ptr_array_remove_index_fast), so that order is
 * kept here as it changes. */
static void drop_slot(struct merge *m, size_t k)
{
	size_t moved = m->scan[--m->nscan];

	m->scan[m->in[k].slot] = moved;
	m->in[moved].slot = m->in[k].slot;
}

static struct mux_head head_of(struct merge *m, size_t k)
{
	struct input *in = &m->in[k];
	struct mux_head h = { in->msgs[in->pos], NULL, NULL };

	h.stream = mux_message_stream(h.msg);
	if (h.stream && h.stream != in->kstream) {
		mux_stream_key_init(&in->key, h.stream);
		in->kstream = h.stream;
	}
	if (h.stream)
		h.key = &in->key;
	return h;
}

/* Two heads of the same time, in the muxer's order. Out of the heap's
 * path, so that the time comparison stays inline. */
static __attribute__((noinline)) int tie_before(struct merge *m, size_t a, size_t b)
{
	struct mux_head ha = head_of(m, a), hb = head_of(m, b);
	int c = mux_compare_heads(&ha, &hb);

	if (c)
		return c < 0;
	return m->in[a].slot < m->in[b].slot;
}

static inline int before(struct merge *m, size_t a, size_t b)
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
	switch (mux_message_time(in->msgs[in->pos], &in->ts)) {
	case 1:
		break;
	case 0: /* as the muxer: a message without time comes now */
		in->ts = m->have_last ? m->last_ts : INT64_MIN;
		break;
	default:
		return fail(m, "a message's time overflows 64-bit nanoseconds "
			    "from origin");
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

/* Is the root cause of the thread's error babeltrace2's muxer's own
 * (not an upstream failure it passes on)? The error stays current. */
static int muxer_is_root_cause(void)
{
	const bt_error *err = bt_current_thread_take_error();
	const bt_error_cause *root;
	const char *cls = NULL;
	uint64_t n;

	if (!err)
		return 0;
	n = bt_error_get_cause_count(err);
	root = n ? bt_error_borrow_cause_by_index(err, 0) : NULL; /* 0: the root */
	if (root && bt_error_cause_get_actor_type(root) == BT_ERROR_CAUSE_ACTOR_TYPE_COMPONENT)
		cls = bt_error_cause_component_actor_get_component_class_name(root);
	else if (root && bt_error_cause_get_actor_type(root) ==
			 BT_ERROR_CAUSE_ACTOR_TYPE_MESSAGE_ITERATOR)
		cls = bt_error_cause_message_iterator_actor_get_component_class_name(root);
	bt_current_thread_move_error(err);
	return cls && strcmp(cls, "muxer") == 0;
}

/* babeltrace2 2.0's muxer refuses an order for two reasons only: streams
 * whose clocks cannot be compared, found while it scans the first heads
 * (before it hands anything out), and a head older than the last message
 * it handed out (overlapping packets), which needs one handed out. */
static void note_muxer_refusal(struct merge *m)
{
	if (m->cb->fault && muxer_is_root_cause())
		*m->cb->fault = m->have_last ? MERGE_FAULT_BACK_IN_TIME :
					       MERGE_FAULT_CLOCKS;
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

		if (rc == -1)
			note_muxer_refusal(m);
		if (rc <= 0)
			return rc == 0 ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END :
					 status_of(rc);
		m->have_last = 1; /* something was handed out */
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
		if (rc == 0)
			drop_slot(m, k);
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
			refuse(m, MERGE_FAULT_BACK_IN_TIME,
			       "a stream goes back in time: a message's timestamp is "
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
		if (rc == 0)
			drop_slot(m, k);
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
	    !(m->heap = calloc(nin ? nin : 1, sizeof(*m->heap))) ||
	    !(m->scan = calloc(nin ? nin : 1, sizeof(*m->scan)))) {
		if (m) {
			free(m->in);
			free(m->heap);
		}
		free(m);
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	m->cb = cb;
	m->nin = nin;
	m->self = bt_self_component_sink_as_self_component(self);
	m->nscan = nin;
	for (size_t i = 0; i < nin; i++) {
		char name[32];

		m->scan[i] = m->in[i].slot = i;

		snprintf(name, sizeof(name), "in%zu", i);
		if (bt_self_component_sink_add_input_port(self, name, NULL, NULL) !=
		    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
			free(m->scan);
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
	free(m->scan);
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
