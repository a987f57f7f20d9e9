/* SPDX-License-Identifier: MIT */
/* vmint's merges hand messages in the very order of babeltrace2's own
 * filter.utils.muxer, on traces written here (datasets/sim-writer.h, which
 * feeds babeltrace2's sink.ctf.fs) so that the times tie everywhere:
 * every CPU has events at the same instants, packets of every stream
 * begin and end at those instants too, two traces differ by UUID (in the
 * opposite order of their directories) and a third shares the first's
 * UUID and stream ids (ties the muxer breaks by message type, by event
 * class, then by stream name: source.ctf.fs names a stream after its
 * file, so the muxer's last resort, its input order, is never reached). The reference is a babeltrace2 graph with the muxer; the
 * tested are vmint's merging sink (merge.h) on the same ports, and the
 * -j merge (trace_read with 2 and 3 threads) against the serial read. */
#include "extract/read/merge.h"
#include "extract/read/trace.h"
#include "datasets/sim-writer.h"
#include "unit-util.h"

#include <babeltrace2/babeltrace.h>
#include <inttypes.h>

#define T0 1000000000000ull /* ns from the epoch of the first event */
#define STEP 1000           /* ns between instants */
#define NSTEPS 40
#define PACKET (4 * STEP)   /* packets end on an instant */

static char dir[] = "/tmp/vmint-test-mux.XXXXXX";
static char dirs[3][64];

/* ---- the traces ------------------------------------------------------- */

struct plan {
	int variant, ncpus;
	int k;    /* next instant */
	int done;
};

/* One instant per call (the writer cuts packets between calls): each CPU
 * gets a sched_switch or a sched_waking (which, depends on the trace),
 * and every third instant a second event on CPU 0; the tid tells the
 * trace, instant and CPU apart. */
static int produce(void *data, struct simw *w, uint64_t *now)
{
	struct plan *p = data;
	int k = p->k++;

	for (int cpu = 0; cpu < p->ncpus; cpu++) {
		int n = cpu == 0 && k % 3 == 0 ? 2 : 1;

		for (int i = 0; i < n; i++) {
			struct simev_rec r = { 0 };
			int64_t tid = p->variant * 100000 + k * 100 + cpu * 10 + i;

			r.ts = T0 + (uint64_t)k * STEP;
			r.cpu = (uint16_t)cpu;
			/* c differs from a on every other pair of instants */
			int flip = p->variant == 2 && k % 4 < 2;

			r.type = (k + cpu + i + (p->variant == 1) + flip) % 2 ?
				SIMEV_SCHED_SWITCH : SIMEV_SCHED_WAKING;
			r.s[0] = "t";
			r.s[1] = "u";
			r.v[0] = tid; /* prev_tid, or tid */
			r.v[3] = tid; /* next_tid */
			if (simw_emit(w, &r) != 0)
				return -1;
		}
	}
	*now = T0 + (uint64_t)p->k * STEP;
	if (p->k < NSTEPS)
		return 0;
	p->done = 1;
	return 1;
}

static void write_trace(const char *path, uint8_t uuid0, int variant, int ncpus)
{
	struct simw_config cfg = { 0 };
	struct plan p = { .variant = variant, .ncpus = ncpus };
	uint64_t counts[SIMEV__COUNT];

	cfg.path = path;
	cfg.table = simev_table(KVER(5, 15));
	cfg.ncpus = ncpus;
	cfg.hostname = "mux-host";
	cfg.kernel_release = "5.15.0";
	cfg.start_ns = T0;
	cfg.end_ns = T0 + NSTEPS * STEP;
	cfg.packet_ns = PACKET;
	memset(cfg.uuid, 0x11, sizeof(cfg.uuid));
	cfg.uuid[0] = uuid0;
	if (simw_run(&cfg, produce, &p, counts) != 0) {
		err_print(stderr);
		fail_msg("cannot write the test trace '%s'", path);
	}
	assert_true(p.done);
	assert_int_equal(counts[SIMEV_SCHED_SWITCH] + counts[SIMEV_SCHED_WAKING],
			 NSTEPS * ncpus + (NSTEPS + 2) / 3);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	for (int i = 0; i < 3; i++)
		snprintf(dirs[i], sizeof(dirs[i]), "%s/%c", dir, 'a' + i);
	write_trace(dirs[0], 0x90, 0, 3); /* a: the larger UUID */
	write_trace(dirs[1], 0x20, 1, 2); /* b: the smaller UUID, fewer CPUs */
	write_trace(dirs[2], 0x90, 2, 3); /* c: a's UUID and stream ids */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- message sequences ------------------------------------------------ */

struct seq {
	char (*sig)[96];
	size_t n, cap;
};

static void seq_add(struct seq *s, const char *text)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->sig = realloc(s->sig, s->cap * sizeof(*s->sig));
		assert_non_null(s->sig);
	}
	snprintf(s->sig[s->n++], sizeof(s->sig[0]), "%s", text);
}

static int64_t payload_tid(const bt_event *e)
{
	const bt_field *p = bt_event_borrow_payload_field_const(e);
	const bt_field *f = bt_field_structure_borrow_member_field_by_name_const(p, "prev_tid");

	if (!f)
		f = bt_field_structure_borrow_member_field_by_name_const(p, "tid");
	return f ? bt_field_integer_signed_get_value(f) : -1;
}

/* What sets a message apart: type, trace UUID, stream id, clock value,
 * and for an event its name and tid (which also tells the traces of one
 * UUID apart). */
static void sign(struct seq *s, const bt_message *msg)
{
	const bt_stream *st = NULL;
	const bt_clock_snapshot *cs = NULL;
	const char *name = "";
	int64_t tid = -1;
	char text[96];

	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT: {
		const bt_event *e = bt_message_event_borrow_event_const(msg);

		st = bt_event_borrow_stream_const(e);
		cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
		name = bt_event_class_get_name(bt_event_borrow_class_const(e));
		tid = payload_tid(e);
		break;
	}
	case BT_MESSAGE_TYPE_PACKET_BEGINNING:
		st = bt_packet_borrow_stream_const(bt_message_packet_beginning_borrow_packet_const(msg));
		cs = bt_message_packet_beginning_borrow_default_clock_snapshot_const(msg);
		break;
	case BT_MESSAGE_TYPE_PACKET_END:
		st = bt_packet_borrow_stream_const(bt_message_packet_end_borrow_packet_const(msg));
		cs = bt_message_packet_end_borrow_default_clock_snapshot_const(msg);
		break;
	case BT_MESSAGE_TYPE_STREAM_BEGINNING:
		st = bt_message_stream_beginning_borrow_stream_const(msg);
		break;
	case BT_MESSAGE_TYPE_STREAM_END:
		st = bt_message_stream_end_borrow_stream_const(msg);
		break;
	default:
		break;
	}
	snprintf(text, sizeof(text), "type %d uuid %02x stream %" PRIu64 " at %" PRIu64 " %s %" PRId64,
		 (int)bt_message_get_type(msg),
		 st ? bt_trace_get_uuid(bt_stream_borrow_trace_const(st))[0] : 0,
		 st ? bt_stream_get_id(st) : 0, cs ? bt_clock_snapshot_get_value(cs) : 0,
		 name, tid);
	seq_add(s, text);
}

static bt_graph_simple_sink_component_consume_func_status
muxer_consume(bt_message_iterator *it, void *data)
{
	bt_message_array_const msgs;
	uint64_t count;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		sign(data, msgs[i]);
		bt_message_put_ref(msgs[i]);
	}
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

static int vmint_message(void *data, const bt_message *msg)
{
	sign(data, msg);
	return 0;
}

/* Every output port of one source.ctf.fs per directory, in order, into
 * babeltrace2's muxer (then a sink that signs) or into vmint's merging
 * sink: the inputs in the same order either way. */
static void read_graph(int with_muxer, struct seq *out)
{
	const bt_plugin *ctf, *utils;
	const bt_component_source *src[3];
	const bt_component_filter *muxer = NULL;
	const bt_component_sink *sink;
	struct merge_callbacks cb = { .data = out, .on_message = vmint_message };
	bt_graph *g = bt_graph_create(0);
	size_t nports = 0, in = 0;
	bt_graph_run_status st;

	assert_non_null(g);
	assert_int_equal(bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE,
					BT_TRUE, &ctf), BT_PLUGIN_FIND_STATUS_OK);
	assert_int_equal(bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE,
					BT_TRUE, &utils), BT_PLUGIN_FIND_STATUS_OK);
	for (int i = 0; i < 3; i++) {
		bt_value *params = bt_value_map_create(), *inputs = NULL;
		char name[16];

		assert_int_equal(bt_value_map_insert_empty_array_entry(params, "inputs", &inputs),
				 BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK);
		assert_int_equal(bt_value_array_append_string_element(inputs, dirs[i]),
				 BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK);
		snprintf(name, sizeof(name), "src%d", i);
		assert_int_equal(bt_graph_add_source_component(g,
			bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
			name, params, BT_LOGGING_LEVEL_NONE, &src[i]),
			BT_GRAPH_ADD_COMPONENT_STATUS_OK);
		bt_value_put_ref(params);
		nports += bt_component_source_get_output_port_count(src[i]);
	}
	assert_int_equal(nports, 3 + 2 + 3); /* a stream per CPU */
	if (with_muxer) {
		assert_int_equal(bt_graph_add_filter_component(g,
			bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer"),
			"muxer", NULL, BT_LOGGING_LEVEL_NONE, &muxer),
			BT_GRAPH_ADD_COMPONENT_STATUS_OK);
		assert_int_equal(bt_graph_add_simple_sink_component(g, "sign", NULL,
			muxer_consume, NULL, out, &sink), BT_GRAPH_ADD_COMPONENT_STATUS_OK);
		assert_int_equal(bt_graph_connect_ports(g,
			bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
			bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL),
			BT_GRAPH_CONNECT_PORTS_STATUS_OK);
	} else {
		assert_int_equal(merge_sink_add(g, "vmint", nports, &cb, &sink), 0);
	}
	for (int i = 0; i < 3; i++) {
		for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src[i]); p++) {
			const bt_port_output *op =
				bt_component_source_borrow_output_port_by_index_const(src[i], p);
			const bt_port_input *ip = with_muxer ?
				bt_component_filter_borrow_input_port_by_index_const(muxer, in) :
				bt_component_sink_borrow_input_port_by_index_const(sink, in);

			assert_int_equal(bt_graph_connect_ports(g, op, ip, NULL),
					 BT_GRAPH_CONNECT_PORTS_STATUS_OK);
			in++;
		}
	}
	while ((st = bt_graph_run(g)) == BT_GRAPH_RUN_STATUS_AGAIN)
		;
	assert_int_equal(st, BT_GRAPH_RUN_STATUS_OK);
	bt_graph_put_ref(g);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
}

static void assert_same_order(const struct seq *want, const struct seq *got,
			      const char *what)
{
	for (size_t i = 0; i < want->n && i < got->n; i++)
		if (strcmp(want->sig[i], got->sig[i]) != 0)
			fail_msg("%s: message %zu of %zu: babeltrace2's muxer hands '%s', "
				 "vmint '%s'", what, i, want->n, want->sig[i], got->sig[i]);
	assert_int_equal(got->n, want->n);
}

/* How many neighbours in `s` have the same time (ties the order broke),
 * and how many of them are events of one UUID and stream id (ties past
 * the stream keys: event class, then the muxer's input order). */
static void count_ties(const struct seq *s, size_t *ties, size_t *deep)
{
	char event[16];

	snprintf(event, sizeof(event), "type %d ", (int)BT_MESSAGE_TYPE_EVENT);
	*ties = *deep = 0;
	for (size_t i = 1; i < s->n; i++) {
		const char *a = strstr(s->sig[i - 1], " at "), *b = strstr(s->sig[i], " at ");

		if (strncmp(a, b, 18) != 0 || strncmp(a, " at 0 ", 6) == 0)
			continue;
		(*ties)++;
		if ((size_t)(a - s->sig[i - 1]) == (size_t)(b - s->sig[i]) &&
		    strncmp(s->sig[i - 1], s->sig[i], (size_t)(a - s->sig[i - 1])) == 0 &&
		    strncmp(s->sig[i], event, strlen(event)) == 0)
			(*deep)++;
	}
}

static void merging_sink_orders_as_the_muxer(void **state)
{
	struct seq want = { 0 }, got = { 0 };
	size_t ties, deep;

	(void)state;
	read_graph(1, &want);
	read_graph(0, &got);
	/* 8 streams: their beginnings and ends, 10 packets each, the events */
	assert_int_equal(want.n, 8 * 2 + 8 * 10 * 2 + NSTEPS * 8 + 3 * ((NSTEPS + 2) / 3));
	count_ties(&want, &ties, &deep);
	print_message("ties %zu deep %zu\n", ties, deep);
	assert_true(ties > 8 * NSTEPS / 2); /* most messages tie */
	assert_true(deep >= NSTEPS);        /* a and c: same stream keys */
	assert_same_order(&want, &got, "merging sink");
	free(want.sig);
	free(got.sig);
}

/* ---- the -j merge ----------------------------------------------------- */

static int on_event(void *ctx, const struct ev *ev)
{
	char text[96];
	int64_t tid = ev->kind == EV_SCHED_SWITCH ? ev->u.sched_switch.prev_tid :
						    ev->u.wakeup.tid;

	snprintf(text, sizeof(text), "%" PRIu64 " cpu %d kind %d tid %" PRId64,
		 ev->ts, ev->cpu, (int)ev->kind, tid);
	seq_add(ctx, text);
	return 0;
}

static void read_jobs(const char *path, int jobs, struct seq *out)
{
	char *paths[1] = { (char *)path };
	struct trace_group *groups;
	size_t ngroups;
	struct trace_options opts = { .jobs = jobs };
	struct trace_handler h = { .ctx = out, .on_event = on_event };
	struct trace_stats st;

	assert_int_equal(trace_discover(paths, 1, &groups, &ngroups), 0);
	assert_int_equal(ngroups, 1);
	assert_int_equal(trace_read(&groups[0], &opts, &h, &st), 0);
	trace_stats_fini(&st);
	trace_groups_free(groups, ngroups);
}

/* One thread reads through babeltrace2's muxer; with 2 or 3 the streams
 * are merged by vmint's sinks, then across the workers. */
static void parallel_merge_orders_as_the_muxer(void **state)
{
	struct seq want = { 0 };

	(void)state;
	read_jobs(dir, 1, &want);
	assert_int_equal(want.n, NSTEPS * 8 + 3 * ((NSTEPS + 2) / 3));
	for (int jobs = 2; jobs <= 3; jobs++) {
		struct seq got = { 0 };
		char what[32];

		read_jobs(dir, jobs, &got);
		snprintf(what, sizeof(what), "-j %d merge", jobs);
		assert_same_order(&want, &got, what);
		free(got.sig);
	}
	free(want.sig);
}

/* Traces of one stream each are dealt over the workers trace by trace:
 * two of one UUID then tie on the stream keys across workers, and the
 * merge must go on as the muxer does (event class, then stream). */
static void one_stream_traces_across_workers(void **state)
{
	char one[80], path[96];
	struct seq want = { 0 }, got = { 0 };

	(void)state;
	snprintf(one, sizeof(one), "%s/one-stream", dir);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%c", one, 'a' + i);
		write_trace(path, 0x90, 2 * i, 1); /* types differ every other pair */
	}
	read_jobs(one, 1, &want);
	assert_int_equal(want.n, 2 * (NSTEPS + (NSTEPS + 2) / 3));
	read_jobs(one, 2, &got);
	assert_same_order(&want, &got, "-j 2 merge of one-stream traces");
	free(want.sig);
	free(got.sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merging_sink_orders_as_the_muxer),
		cmocka_unit_test(parallel_merge_orders_as_the_muxer),
		cmocka_unit_test(one_stream_traces_across_workers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
