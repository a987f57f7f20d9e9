/* SPDX-License-Identifier: MIT */
#include "datasets/sim-writer.h"
#include "datasets/sim-perf.h"
#include "common/err.h"

#include <babeltrace2/babeltrace.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* Less free space than this after a failed write: the disk is full. */
#define SIMW_FULL_DISK_BYTES (1u << 20)

/* Records of one CPU not yet written, in time order. */
struct cpubuf {
	struct simev_rec *recs; /* owned */
	size_t n, cap;
	uint64_t last_ts;       /* clamp: a stream's clock never goes back */
};

enum simw_state {
	SIMW_BEGIN,   /* stream beginning messages to send */
	SIMW_RUN,     /* producing and draining periods */
	SIMW_FINISH,  /* producer done: last period drained, streams to end */
	SIMW_ENDED,
};

/* Where the writing of the current period's packets stands. */
struct drain {
	int active;
	int cpu;
	int stage;        /* 0 packet beginning, 1 events, 2 packet end */
	size_t pos;       /* next record of the CPU's buffer */
	size_t count;     /* records of this packet */
	bt_packet *packet; /* owned while the packet is open */
};

struct simw {
	const struct simw_config *cfg; /* weak */
	simw_produce_fn produce;
	void *data;                    /* weak: producer's */
	uint64_t *counts;              /* weak: caller's, SIMEV__COUNT */

	bt_trace_class *tc;            /* owned */
	bt_clock_class *cc;            /* owned */
	bt_stream_class *sc;           /* weak: owned by tc */
	bt_event_class *ec[SIMEV__COUNT]; /* weak: owned by sc */
	bt_trace *trace;               /* owned */
	bt_stream **streams;           /* owned, ncpus */
	struct cpubuf *bufs;           /* owned, ncpus */
	struct simperf *perf;          /* owned: perf layout, else NULL */

	enum simw_state state;
	int next_stream;               /* stream begin/end messages sent */
	uint64_t period_start, period_end;
	int producer_done;
	struct drain drain;
	int failed;
};

static uint64_t clock_value(const struct simw *w, uint64_t ts)
{
	return ts - w->cfg->clock_offset_ns;
}

int simw_emit(struct simw *w, const struct simev_rec *rec)
{
	struct cpubuf *b = &w->bufs[rec->cpu];
	struct simev_rec r = *rec;

	r.ctx_tid = r.ctx_pid = 0;
	if (w->perf && simperf_track(w->perf, &r))
		return 0; /* no such event in perf (the statedump) */
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		struct simev_rec *r = realloc(b->recs, cap * sizeof(*r));

		if (!r) {
			err_fail(ERR_RESOURCE, "out of memory");
			return -1;
		}
		b->recs = r;
		b->cap = cap;
	}
	b->recs[b->n] = r;
	if (b->recs[b->n].ts < b->last_ts)
		b->recs[b->n].ts = b->last_ts;
	b->last_ts = b->recs[b->n].ts;
	b->n++;
	return 0;
}

static bt_field_class *field_class_of(bt_trace_class *tc,
				      enum simev_field_type type)
{
	bt_field_class *fc;
	int bits = 64;

	switch (type) {
	case SIMF_STR:
		return bt_field_class_string_create(tc);
	case SIMF_S32:
	case SIMF_S64:
		fc = bt_field_class_integer_signed_create(tc);
		bits = type == SIMF_S32 ? 32 : 64;
		break;
	default:
		fc = bt_field_class_integer_unsigned_create(tc);
		bits = type == SIMF_U8 ? 8 : type == SIMF_U16 ? 16 :
		       type == SIMF_U32 ? 32 : 64;
		break;
	}
	if (!fc)
		return NULL;
	bt_field_class_integer_set_field_value_range(fc, bits);
	if (type == SIMF_X64)
		bt_field_class_integer_set_preferred_display_base(fc,
			BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL);
	return fc;
}

static int add_event_class(struct simw *w, int type)
{
	const struct simev_desc *d = w->perf ? simperf_desc(w->perf, type) :
				     &w->cfg->table[type];
	bt_field_class *payload = NULL;
	bt_event_class *ec;

	if (!d)
		return 0; /* perf has no such event */
	ec = bt_event_class_create(w->sc);
	if (!ec)
		return -1;
	w->ec[type] = ec;
	bt_event_class_put_ref(ec); /* the stream class keeps it */
	if (bt_event_class_set_name(ec, d->name) != BT_EVENT_CLASS_SET_NAME_STATUS_OK)
		return -1;
	payload = bt_field_class_structure_create(w->tc);
	if (!payload)
		return -1;
	for (const struct simev_field *f = d->fields; f->type != SIMF_END; f++) {
		bt_field_class *fc = field_class_of(w->tc, f->type);

		if (!fc || bt_field_class_structure_append_member(payload,
				f->name, fc) !=
			    BT_FIELD_CLASS_STRUCTURE_APPEND_MEMBER_STATUS_OK) {
			bt_field_class_put_ref(fc);
			bt_field_class_put_ref(payload);
			return -1;
		}
		bt_field_class_put_ref(fc);
	}
	if (bt_event_class_set_payload_field_class(ec, payload) !=
	    BT_EVENT_CLASS_SET_FIELD_CLASS_STATUS_OK) {
		bt_field_class_put_ref(payload);
		return -1;
	}
	bt_field_class_put_ref(payload);
	return 0;
}

/* perf's environment (data-convert-bt.c): `host`, not `hostname`. */
static int set_perf_env(struct simw *w)
{
	const struct simw_config *c = w->cfg;

	return bt_trace_set_environment_entry_string(w->trace, "host", c->hostname) ||
	       bt_trace_set_environment_entry_string(w->trace, "sysname", "Linux") ||
	       bt_trace_set_environment_entry_string(w->trace, "release",
						     c->kernel_release) ||
	       bt_trace_set_environment_entry_string(w->trace, "version", "6.1.192") ||
	       bt_trace_set_environment_entry_string(w->trace, "machine", "x86_64") ||
	       bt_trace_set_environment_entry_string(w->trace, "domain", "kernel") ||
	       bt_trace_set_environment_entry_string(w->trace, "tracer_name", "perf") ?
		-1 : 0;
}

static int set_env(struct simw *w)
{
	const struct simw_config *c = w->cfg;

	if (w->perf)
		return set_perf_env(w);
	return bt_trace_set_environment_entry_string(w->trace, "hostname",
						     c->hostname) ||
	       bt_trace_set_environment_entry_string(w->trace, "domain",
						     "kernel") ||
	       bt_trace_set_environment_entry_string(w->trace, "sysname",
						     "Linux") ||
	       bt_trace_set_environment_entry_string(w->trace,
				"kernel_release", c->kernel_release) ||
	       bt_trace_set_environment_entry_string(w->trace,
				"kernel_version", "#1 SMP vmint-simulate") ||
	       bt_trace_set_environment_entry_string(w->trace, "tracer_name",
						     "lttng-modules") ||
	       bt_trace_set_environment_entry_integer(w->trace, "tracer_major",
						      2) ||
	       bt_trace_set_environment_entry_integer(w->trace, "tracer_minor",
						      13) ||
	       bt_trace_set_environment_entry_integer(w->trace,
						      "tracer_patchlevel", 0) ?
		-1 : 0;
}

/* Builds the trace IR: clock, stream class, event classes, streams. */
static int build_trace(struct simw *w, bt_self_component *self)
{
	const struct simw_config *c = w->cfg;
	bt_field_class *pctx = NULL, *cpu_fc = NULL;
	uint8_t clock_uuid[16];

	w->tc = bt_trace_class_create(self);
	w->cc = bt_clock_class_create(self);
	if (!w->tc || !w->cc)
		return -1;
	bt_trace_class_set_assigns_automatic_stream_class_id(w->tc, BT_TRUE);
	bt_clock_class_set_frequency(w->cc, 1000000000);
	if (w->perf) {
		/* perf_clock counts from boot: clock-offset.json says when. */
		bt_clock_class_set_precision(w->cc, 10);
		bt_clock_class_set_origin_is_unix_epoch(w->cc, BT_FALSE);
		if (bt_clock_class_set_name(w->cc, "perf_clock") ||
		    bt_clock_class_set_description(w->cc, "perf clock"))
			return -1;
	} else {
		bt_clock_class_set_offset(w->cc,
					  (int64_t)(c->clock_offset_ns / 1000000000),
					  c->clock_offset_ns % 1000000000);
		bt_clock_class_set_origin_is_unix_epoch(w->cc, BT_TRUE);
		if (bt_clock_class_set_name(w->cc, "monotonic") ||
		    bt_clock_class_set_description(w->cc, "Monotonic Clock"))
			return -1;
	}
	memcpy(clock_uuid, c->uuid, 16);
	clock_uuid[0] ^= 0x5a; /* a different UUID, derived from the trace's */
	bt_clock_class_set_uuid(w->cc, clock_uuid);

	w->sc = bt_stream_class_create(w->tc);
	if (!w->sc)
		return -1;
	bt_stream_class_put_ref(w->sc); /* the trace class keeps it */
	if (bt_stream_class_set_default_clock_class(w->sc, w->cc))
		return -1;
	bt_stream_class_set_supports_packets(w->sc, BT_TRUE, BT_TRUE, BT_TRUE);
	bt_stream_class_set_assigns_automatic_event_class_id(w->sc, BT_TRUE);
	bt_stream_class_set_assigns_automatic_stream_id(w->sc, BT_TRUE);
	pctx = bt_field_class_structure_create(w->tc);
	cpu_fc = bt_field_class_integer_unsigned_create(w->tc);
	if (!pctx || !cpu_fc)
		goto error;
	bt_field_class_integer_set_field_value_range(cpu_fc, 32);
	if (bt_field_class_structure_append_member(pctx, "cpu_id", cpu_fc) ||
	    bt_stream_class_set_packet_context_field_class(w->sc, pctx))
		goto error;
	bt_field_class_put_ref(cpu_fc);
	bt_field_class_put_ref(pctx);
	cpu_fc = pctx = NULL;

	for (int t = 0; t < SIMEV__COUNT; t++)
		if (add_event_class(w, t))
			return -1;

	w->trace = bt_trace_create(w->tc);
	if (!w->trace)
		return -1;
	bt_trace_set_uuid(w->trace, c->uuid);
	if (bt_trace_set_name(w->trace, "kernel") || set_env(w))
		return -1;
	w->streams = calloc(c->ncpus, sizeof(*w->streams));
	if (!w->streams)
		return -1;
	for (int cpu = 0; cpu < c->ncpus; cpu++) {
		char name[32];

		w->streams[cpu] = bt_stream_create(w->sc, w->trace);
		if (!w->streams[cpu])
			return -1;
		snprintf(name, sizeof(name), w->perf ? "perf_stream_%d" :
			 "channel0_%d", cpu);
		if (bt_stream_set_name(w->streams[cpu], name))
			return -1;
	}
	return 0;
error:
	bt_field_class_put_ref(cpu_fc);
	bt_field_class_put_ref(pctx);
	return -1;
}

static void release_trace(struct simw *w)
{
	if (w->streams)
		for (int cpu = 0; cpu < w->cfg->ncpus; cpu++)
			bt_stream_put_ref(w->streams[cpu]);
	free(w->streams);
	w->streams = NULL;
	bt_packet_put_ref(w->drain.packet);
	w->drain.packet = NULL;
	BT_TRACE_PUT_REF_AND_RESET(w->trace);
	BT_CLOCK_CLASS_PUT_REF_AND_RESET(w->cc);
	BT_TRACE_CLASS_PUT_REF_AND_RESET(w->tc);
}

/* Fills the payload of an event message from a record. */
static int fill_payload(struct simw *w, const bt_message *msg,
			const struct simev_rec *r)
{
	bt_event *ev = bt_message_event_borrow_event((bt_message *)msg);
	bt_field *payload = bt_event_borrow_payload_field(ev);
	const struct simev_field *f = w->cfg->table[r->type].fields;
	const int64_t *vals = r->v;
	const char *const *strs = r->s;
	int64_t pv[SIMPERF_MAX_INTS];
	const char *ps[SIMPERF_MAX_STRINGS];
	char scratch[16];
	int iv = 0, is = 0;

	if (w->perf) {
		f = simperf_desc(w->perf, r->type)->fields;
		simperf_values(w->perf, r, pv, ps, scratch);
		vals = pv;
		strs = ps;
	}

	for (uint64_t i = 0; f[i].type != SIMF_END; i++) {
		bt_field *fld = bt_field_structure_borrow_member_field_by_index(
			payload, i);

		switch (f[i].type) {
		case SIMF_STR:
			if (bt_field_string_set_value(fld, strs[is++] ?
						      strs[is - 1] : ""))
				return -1;
			break;
		case SIMF_S32:
		case SIMF_S64:
			bt_field_integer_signed_set_value(fld, vals[iv++]);
			break;
		default:
			bt_field_integer_unsigned_set_value(fld,
							    (uint64_t)vals[iv++]);
			break;
		}
	}
	return 0;
}

/* Records of `cpu` that belong to the current period. */
static size_t period_records(const struct simw *w, int cpu)
{
	const struct cpubuf *b = &w->bufs[cpu];
	size_t n = 0;

	while (n < b->n && b->recs[n].ts < w->period_end)
		n++;
	return n;
}

static void start_drain(struct simw *w)
{
	w->drain.active = 1;
	w->drain.cpu = 0;
	w->drain.stage = 0;
	w->drain.pos = 0;
}

/* Next message of the period being written, or NULL on error. Sets
 * `done` once every CPU's packet of the period is closed. */
static const bt_message *drain_next(struct simw *w, bt_self_message_iterator *it)
{
	struct drain *d = &w->drain;
	struct cpubuf *b = &w->bufs[d->cpu];
	const bt_message *msg = NULL;

	if (d->stage == 0) {
		bt_field *ctx;

		d->count = period_records(w, d->cpu);
		d->pos = 0;
		d->packet = bt_packet_create(w->streams[d->cpu]);
		if (!d->packet)
			return NULL;
		ctx = bt_packet_borrow_context_field(d->packet);
		bt_field_integer_unsigned_set_value(
			bt_field_structure_borrow_member_field_by_index(ctx, 0),
			(uint64_t)d->cpu);
		msg = bt_message_packet_beginning_create_with_default_clock_snapshot(
			it, d->packet, clock_value(w, w->period_start));
		d->stage = d->count ? 1 : 2;
		return msg;
	}
	if (d->stage == 1) {
		const struct simev_rec *r = &b->recs[d->pos];

		msg = bt_message_event_create_with_packet_and_default_clock_snapshot(
			it, w->ec[r->type], d->packet, clock_value(w, r->ts));
		if (!msg || fill_payload(w, msg, r)) {
			bt_message_put_ref(msg);
			return NULL;
		}
		w->counts[r->type]++;
		if (++d->pos == d->count)
			d->stage = 2;
		return msg;
	}
	msg = bt_message_packet_end_create_with_default_clock_snapshot(
		it, d->packet, clock_value(w, w->period_end));
	BT_PACKET_PUT_REF_AND_RESET(d->packet);
	/* Keep the records of later periods, in order. */
	memmove(b->recs, b->recs + d->count, (b->n - d->count) * sizeof(*b->recs));
	b->n -= d->count;
	d->stage = 0;
	if (++d->cpu == w->cfg->ncpus)
		d->active = 0;
	return msg;
}

/* Runs the producer until the current period is complete. */
static int produce_period(struct simw *w)
{
	uint64_t now = 0;

	for (;;) {
		int ret = w->produce(w->data, w, &now);

		if (ret < 0)
			return -1;
		if (ret == 1) {
			w->producer_done = 1;
			return 0;
		}
		if (now >= w->period_end)
			return 0;
	}
}

static void next_period(struct simw *w)
{
	w->period_start = w->period_end;
	w->period_end = w->period_start + w->cfg->packet_ns;
	if (w->period_end > w->cfg->end_ns)
		w->period_end = w->cfg->end_ns;
}

static bt_message_iterator_class_next_method_status
simw_next(bt_self_message_iterator *it, bt_message_array_const msgs,
	  uint64_t capacity, uint64_t *count)
{
	struct simw *w = bt_self_component_get_data(
		bt_self_message_iterator_borrow_component(it));
	uint64_t n = 0;

	while (n < capacity) {
		const bt_message *msg = NULL;

		if (w->state == SIMW_BEGIN) {
			msg = bt_message_stream_beginning_create(it,
					w->streams[w->next_stream]);
			if (++w->next_stream == w->cfg->ncpus) {
				w->state = SIMW_RUN;
				w->next_stream = 0;
			}
		} else if (w->drain.active) {
			msg = drain_next(w, it);
			if (msg && !w->drain.active && w->state == SIMW_RUN) {
				if (w->period_end >= w->cfg->end_ns)
					w->state = SIMW_FINISH;
				else
					next_period(w);
			}
		} else if (w->state == SIMW_RUN) {
			if (!w->producer_done && produce_period(w)) {
				/* End the streams cleanly rather than fail the
				 * graph: sink.ctf.fs 2.0 crashes when destroyed
				 * after an error. The caller discards the trace. */
				w->failed = 1;
				w->state = SIMW_FINISH;
				continue;
			}
			if (w->producer_done) {
				/* Everything left goes in the last period. */
				w->period_end = w->cfg->end_ns;
			}
			start_drain(w);
			continue;
		} else if (w->state == SIMW_FINISH) {
			msg = bt_message_stream_end_create(it,
					w->streams[w->next_stream]);
			if (++w->next_stream == w->cfg->ncpus)
				w->state = SIMW_ENDED;
		} else {
			break;
		}
		if (!msg)
			goto error;
		msgs[n++] = msg;
	}
	*count = n;
	if (n == 0 && w->state == SIMW_ENDED)
		return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_END;
	return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_OK;
error:
	for (uint64_t i = 0; i < n; i++)
		bt_message_put_ref(msgs[i]);
	w->failed = 1;
	return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_ERROR;
}

static bt_component_class_initialize_method_status
simw_init(bt_self_component_source *self,
	  bt_self_component_source_configuration *config,
	  const bt_value *params, void *init_data)
{
	struct simw *w = init_data;
	bt_self_component *comp = bt_self_component_source_as_self_component(self);

	(void)config;
	(void)params;
	bt_self_component_set_data(comp, w);
	if (bt_self_component_source_add_output_port(self, "out", NULL, NULL) !=
	    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK)
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	if (build_trace(w, comp)) {
		release_trace(w);
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	}
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static void simw_finalize(bt_self_component_source *self)
{
	struct simw *w = bt_self_component_get_data(
		bt_self_component_source_as_self_component(self));

	release_trace(w);
}

/* Creates the graph: our source, connected to sink.ctf.fs. */
static bt_graph *build_graph(struct simw *w)
{
	bt_message_iterator_class *mic = NULL;
	bt_component_class_source *cls = NULL;
	const bt_plugin *plugin = NULL;
	const bt_component_class_sink *sink_cls;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	bt_value *params = NULL;
	bt_graph *graph = bt_graph_create(0);

	if (!graph)
		goto error;
	mic = bt_message_iterator_class_create(simw_next);
	if (!mic)
		goto error;
	cls = bt_component_class_source_create("vmint-simulate", mic);
	if (!cls)
		goto error;
	bt_component_class_source_set_initialize_method(cls, simw_init);
	bt_component_class_source_set_finalize_method(cls, simw_finalize);
	if (bt_graph_add_source_component_with_initialize_method_data(graph,
			cls, "simulate", NULL, w, BT_LOGGING_LEVEL_WARNING,
			&src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		err_fail(ERR_INTERNAL, "cannot create the simulator's trace source");
		goto error;
	}
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE,
			   &plugin) != BT_PLUGIN_FIND_STATUS_OK) {
		err_fail(ERR_INTERNAL, "cannot find babeltrace2's \"ctf\" plugin");
		goto error;
	}
	sink_cls = bt_plugin_borrow_sink_component_class_by_name_const(plugin, "fs");
	if (!sink_cls) {
		err_fail(ERR_INTERNAL, "babeltrace2's \"ctf\" plugin has no sink.ctf.fs");
		goto error;
	}
	params = bt_value_map_create();
	if (!params ||
	    bt_value_map_insert_string_entry(params, "path", w->cfg->path) ||
	    bt_value_map_insert_bool_entry(params, "assume-single-trace", BT_TRUE) ||
	    bt_value_map_insert_bool_entry(params, "quiet", BT_TRUE))
		goto error;
	if (bt_graph_add_sink_component(graph, sink_cls, "ctf-fs", params,
			BT_LOGGING_LEVEL_WARNING, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		err_fail(ERR_INTERNAL, "cannot create sink.ctf.fs for '%s'", w->cfg->path);
		goto error;
	}
	if (bt_graph_connect_ports(graph,
			bt_component_source_borrow_output_port_by_index_const(src, 0),
			bt_component_sink_borrow_input_port_by_index_const(sink, 0),
			NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
		goto error;
	goto end;
error:
	BT_GRAPH_PUT_REF_AND_RESET(graph);
end:
	bt_value_put_ref(params);
	bt_plugin_put_ref(plugin);
	bt_component_class_source_put_ref(cls);
	bt_message_iterator_class_put_ref(mic);
	return graph;
}

/*
 * sink.ctf.fs of babeltrace2 2.0 draws a random trace UUID and ignores
 * bt_trace_set_uuid(), which would make two runs differ. The UUID sits in
 * the metadata text and in every packet header (after the 32-bit magic),
 * so it is replaced there by ours; packets are walked by their
 * packet_size, and a header that does not look as expected is an error.
 */
#define CTF_MAGIC 0xc1fc1fc1u
#define PKT_HEADER_SIZE 36 /* magic, uuid, stream_id, stream_instance_id */

static void uuid_string(const uint8_t *u, char *out)
{
	sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
		u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int fix_metadata_uuid(const char *path, const uint8_t *uuid)
{
	FILE *fp = fopen(path, "r+");
	char buf[4096], want[40];
	size_t n;
	char *p;

	if (!fp)
		goto error;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = 0;
	p = strstr(buf, "uuid = \"");
	if (!p) {
		fclose(fp);
		err_fail(ERR_INTERNAL, "no trace UUID in '%s'", path);
		return -1;
	}
	uuid_string(uuid, want);
	if (fseek(fp, (p - buf) + 8, SEEK_SET) || fwrite(want, 1, 36, fp) != 36 ||
	    fclose(fp))
		goto error;
	return 0;
error:
	err_fail(ERR_RESOURCE, "cannot rewrite '%s': %s", path, strerror(errno));
	return -1;
}

static int fix_stream_uuid(const char *path, const uint8_t *uuid)
{
	FILE *fp = fopen(path, "r+");
	long off = 0;
	uint8_t hdr[PKT_HEADER_SIZE + 8];

	if (!fp)
		goto error;
	while (fseek(fp, off, SEEK_SET) == 0 &&
	       fread(hdr, 1, sizeof(hdr), fp) == sizeof(hdr)) {
		uint32_t magic;
		uint64_t bits;

		memcpy(&magic, hdr, 4);
		memcpy(&bits, hdr + PKT_HEADER_SIZE, 8); /* packet_size */
		if (magic != CTF_MAGIC || bits < 8 * sizeof(hdr) || bits % 8) {
			fclose(fp);
			err_fail(ERR_INTERNAL, "unexpected packet header in '%s' at %ld",
				 path, off);
			return -1;
		}
		if (fseek(fp, off + 4, SEEK_SET) || fwrite(uuid, 1, 16, fp) != 16)
			goto error;
		off += (long)(bits / 8);
	}
	if (fseek(fp, 0, SEEK_END) || ftell(fp) != off) {
		fclose(fp);
		err_fail(ERR_INTERNAL, "packets of '%s' do not add up to its size", path);
		return -1;
	}
	if (fclose(fp))
		goto error;
	return 0;
error:
	err_fail(ERR_RESOURCE, "cannot rewrite '%s': %s", path, strerror(errno));
	if (fp)
		fclose(fp);
	return -1;
}

static int fix_trace_uuid(const char *dir, const uint8_t *uuid)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	int ret = 0;

	if (!d) {
		err_fail(ERR_RESOURCE, "cannot open '%s': %s", dir, strerror(errno));
		return -1;
	}
	while (ret == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (strcmp(de->d_name, "metadata") == 0)
			ret = fix_metadata_uuid(path, uuid);
		else if (strncmp(de->d_name, "channel", 7) == 0 ||
			 strncmp(de->d_name, "perf_stream", 11) == 0)
			ret = fix_stream_uuid(path, uuid);
	}
	closedir(d);
	return ret;
}

/* sink.ctf.fs reports a failed write without its errno: say when the
 * disk is full, the usual cause. */
static void note_full_disk(const char *path)
{
	struct statvfs vfs;

	if (statvfs(path, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < SIMW_FULL_DISK_BYTES)
		err_fail(ERR_RESOURCE, "No space left on device: %llu bytes free where "
			 "'%s' is", (unsigned long long)vfs.f_bavail * vfs.f_frsize,
			 path);
}

/* The graph of a run whose sink failed (see simw_run): never destroyed. */
static bt_graph *failed_graph;

int simw_run(const struct simw_config *cfg, simw_produce_fn produce,
	     void *data, uint64_t *counts)
{
	struct simw w = { 0 };
	bt_graph *graph = NULL;
	bt_graph_run_status st;
	int ret = -1;

	w.cfg = cfg;
	w.produce = produce;
	w.data = data;
	w.counts = counts;
	memset(counts, 0, SIMEV__COUNT * sizeof(*counts));
	w.period_start = cfg->start_ns;
	w.period_end = cfg->start_ns + cfg->packet_ns;
	if (w.period_end > cfg->end_ns)
		w.period_end = cfg->end_ns;
	w.bufs = calloc(cfg->ncpus, sizeof(*w.bufs));
	if (cfg->layout == SIMW_LAYOUT_PERF)
		w.perf = simperf_create(cfg->ncpus, cfg->kver);
	if (!w.bufs || (cfg->layout == SIMW_LAYOUT_PERF && !w.perf)) {
		free(w.bufs);
		simperf_destroy(w.perf);
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	graph = build_graph(&w);
	if (!graph)
		goto end;
	do {
		st = bt_graph_run(graph);
	} while (st == BT_GRAPH_RUN_STATUS_AGAIN);
	if (st == BT_GRAPH_RUN_STATUS_OK && w.failed)
		goto end; /* the producer appended its cause */
	if (st != BT_GRAPH_RUN_STATUS_OK) {
		if (!w.failed || err_count() == 0)
			err_take_bt();
		note_full_disk(cfg->path);
		err_append("cannot write the trace '%s'", cfg->path);
		/* babeltrace2 2.0.4's sink.ctf.fs crashes (SIGSEGV in its
		 * finalization) when destroyed after one of its writes failed,
		 * e.g. on a full disk: keep that graph, still referenced, for
		 * the rest of this short-lived process instead. */
		failed_graph = graph;
		graph = NULL;
		goto end;
	}
	BT_GRAPH_PUT_REF_AND_RESET(graph); /* closes the sink's files */
	ret = fix_trace_uuid(cfg->path, cfg->uuid);
end:
	bt_current_thread_clear_error();
	BT_GRAPH_PUT_REF_AND_RESET(graph);
	for (int cpu = 0; cpu < cfg->ncpus; cpu++)
		free(w.bufs[cpu].recs);
	free(w.bufs);
	simperf_destroy(w.perf);
	return ret;
}
