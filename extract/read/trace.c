/* SPDX-License-Identifier: MIT */
#include "extract/read/trace.h"
#include "extract/read/trace-internal.h"
#include "extract/read/chunks.h"
#include "extract/read/decode.h"
#include "extract/read/merge.h"
#include "common/err.h"
#include "common/outfile.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- finding traces --------------------------------------------------- */

static char **found_dirs;
static size_t nfound, capfound;

/* A CTF trace is a directory holding a `metadata` file (CTF 1.8 spec). */
static int visit(const char *path, const struct stat *sb, int type,
		 struct FTW *ftw)
{
	size_t len = strlen(path);
	char *dir;

	(void)sb;
	if (type != FTW_F || strcmp(path + ftw->base, "metadata") != 0)
		return 0;
	if (nfound == capfound) {
		size_t cap = capfound ? capfound * 2 : 8;
		char **n = realloc(found_dirs, cap * sizeof(*n));

		if (!n)
			return -1;
		found_dirs = n;
		capfound = cap;
	}
	dir = strndup(path, ftw->base > 1 ? (size_t)ftw->base - 1 : len);
	if (!dir)
		return -1;
	found_dirs[nfound++] = dir;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int trace_find_dirs(const char *path, char ***dirs)
{
	struct stat st;
	int ret;

	if (stat(path, &st) != 0) {
		err_fail(ERR_INPUT, "cannot read trace '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_fail(ERR_INPUT, "cannot read trace '%s': not a directory (give the "
			 "CTF trace directory, which holds a 'metadata' file)",
			 path);
		return -1;
	}
	found_dirs = NULL;
	nfound = capfound = 0;
	/* Follow symlinks (FTW_PHYS off): session folders are often links. */
	ret = nftw(path, visit, 32, 0);
	if (ret != 0) {
		for (size_t i = 0; i < nfound; i++)
			free(found_dirs[i]);
		free(found_dirs);
		err_fail(ret < 0 ? ERR_INPUT : ERR_RESOURCE,
			 "cannot search '%s' for traces: %s", path,
			 ret < 0 ? strerror(errno) : "out of memory");
		return -1;
	}
	if (nfound > 1)
		qsort(found_dirs, nfound, sizeof(*found_dirs), cmp_str);
	*dirs = found_dirs;
	return (int)nfound;
}

/* ---- the sink --------------------------------------------------------- */

static const char *env_string(const bt_trace *trace, const char *name)
{
	const bt_value *v =
		bt_trace_borrow_environment_entry_value_by_name_const(trace, name);

	return v && bt_value_is_string(v) ? bt_value_string_get(v) : NULL;
}

static int64_t env_int(const bt_trace *trace, const char *name)
{
	const bt_value *v =
		bt_trace_borrow_environment_entry_value_by_name_const(trace, name);

	return v && bt_value_is_signed_integer(v) ?
		bt_value_integer_signed_get(v) : -1;
}

/* LTTng names the host `hostname`; perf's CTF names it `host`. */
static const char *env_hostname(const bt_trace *trace)
{
	const char *h = env_string(trace, "hostname");

	return h ? h : env_string(trace, "host");
}

/* The clock of the trace's first stream (its streams share one). */
static const bt_clock_class *trace_clock(const bt_trace *trace)
{
	if (bt_trace_get_stream_count(trace) == 0)
		return NULL;
	return bt_stream_class_borrow_default_clock_class_const(bt_stream_borrow_class_const(
		bt_trace_borrow_stream_by_index_const(trace, 0)));
}

void reader_announce(struct reader *r, const bt_trace *trace)
{
	struct trace_info info;
	const char *name = bt_trace_get_name(trace);
	const bt_clock_class *cc = trace_clock(trace);

	for (size_t i = 0; i < r->nannounced; i++)
		if (r->announced[i] == trace ||
		    (name && r->announced_name[i] &&
		     strcmp(r->announced_name[i], name) == 0))
			return;
	if (r->nannounced < MAX_TRACES) {
		r->announced[r->nannounced] = trace;
		r->announced_name[r->nannounced++] = name;
	}
	info = (struct trace_info){
		.path = name ? name : "",
		.hostname = env_hostname(trace),
		.domain = env_string(trace, "domain"),
		.tracer_name = env_string(trace, "tracer_name"),
		.tracer_major = env_int(trace, "tracer_major"),
		.tracer_minor = env_int(trace, "tracer_minor"),
		.kernel_release = env_string(trace, "kernel_release"),
		.clock_name = cc ? bt_clock_class_get_name(cc) : NULL,
		.boot_clock = r->boot_chunks ||
			      (cc && !bt_clock_class_origin_is_unix_epoch(cc)),
	};
	/* Chunks and muxed traces are announced before their events, and a
	 * muxed group's clocks all count from one origin. */
	r->shift = info.boot_clock ? r->opts->clock_offset_ns : 0;
	if (info.hostname && !r->stats->hostname[0])
		snprintf(r->stats->hostname, sizeof(r->stats->hostname), "%s",
			 info.hostname);
	if (r->handler->on_trace)
		r->handler->on_trace(r->handler->ctx, &info);
}

/* Grows the per-type counters to hold every type id given so far (type
 * ids are below ev_type_count()). */
static int grow_type_counts(struct trace_stats *st)
{
	uint32_t n = ev_type_count() + 16;
	uint64_t *c;

	c = realloc(st->type_counts, n * sizeof(*c));
	if (!c)
		return -1;
	memset(c + st->ntypes, 0, (n - st->ntypes) * sizeof(*c));
	st->type_counts = c;
	st->ntypes = n;
	return 0;
}

static void show_progress(struct reader *r, uint64_t ts)
{
	struct timespec now;
	time_t secs;
	struct tm tm;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - r->last_progress.tv_sec < 1 && r->progress_shown)
		return;
	r->last_progress = now;
	r->progress_shown = 1;
	secs = (time_t)(ts / 1000000000u);
	gmtime_r(&secs, &tm);
	fprintf(stderr, "\rvmint: %.1f M events read, trace time %02d:%02d:%02d UTC ",
		(double)r->stats->events / 1e6, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void discarded_read(const bt_message *msg, uint64_t *count, int64_t *begin_ns,
		    int64_t *end_ns)
{
	const bt_stream *stream = bt_message_discarded_events_borrow_stream_const(msg);
	const bt_stream_class *sc = bt_stream_borrow_class_const(stream);

	*count = 0;
	*begin_ns = *end_ns = 0;
	if (bt_message_discarded_events_get_count(msg, count) !=
	    BT_PROPERTY_AVAILABILITY_AVAILABLE)
		*count = 1;
	if (bt_stream_class_discarded_events_have_default_clock_snapshots(sc)) {
		bt_clock_snapshot_get_ns_from_origin(
			bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg),
			begin_ns);
		bt_clock_snapshot_get_ns_from_origin(
			bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg),
			end_ns);
	}
}

static int on_discarded(struct reader *r, const bt_message *msg)
{
	const bt_stream *stream = bt_message_discarded_events_borrow_stream_const(msg);
	uint64_t count;
	int64_t begin, end;

	discarded_read(msg, &count, &begin, &end);
	reader_discarded(r, r->decoder ? decoder_stream_cpu(r->decoder, stream) : -1,
			 (uint64_t)begin, (uint64_t)end, count);
	return 0;
}

void reader_discarded(struct reader *r, int cpu, uint64_t begin_ns,
		      uint64_t end_ns, uint64_t count)
{
	begin_ns += (uint64_t)r->shift;
	end_ns += (uint64_t)r->shift;
	r->stats->discarded_events += count;
	if (r->handler->on_discarded)
		r->handler->on_discarded(r->handler->ctx, cpu, begin_ns, end_ns,
					 count);
}

int reader_deliver(struct reader *r, const struct ev *ev)
{
	struct trace_stats *st = r->stats;
	struct ev shifted;

	if (r->shift) { /* a boot clock made wall-clock (clock-offset.h) */
		shifted = *ev;
		shifted.ts += (uint64_t)r->shift;
		ev = &shifted;
	}

	if (st->events == 0)
		st->first_ns = ev->ts;
	st->last_ns = ev->ts;
	st->events++;
	if (ev->cpu >= st->ncpus)
		st->ncpus = ev->cpu + 1;
	if (ev->type_id >= st->ntypes && grow_type_counts(st) != 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	st->type_counts[ev->type_id]++;
	if ((st->events & 0xffff) == 0 && r->opts->progress)
		show_progress(r, ev->ts);
	return r->handler->on_event(r->handler->ctx, ev);
}

/* Every message but events: few (per stream and packet), kept out of the
 * event path. */
static __attribute__((noinline)) int on_other_message(struct reader *r,
						      const bt_message *msg)
{
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_STREAM_BEGINNING:
		reader_announce(r, bt_stream_borrow_trace_const(
			bt_message_stream_beginning_borrow_stream_const(msg)));
		return 0;
	case BT_MESSAGE_TYPE_PACKET_BEGINNING:
		decoder_on_packet(r->decoder,
				  bt_message_packet_beginning_borrow_packet_const(msg));
		return 0;
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
		return on_discarded(r, msg);
	default:
		return 0;
	}
}

static int on_message(void *data, const bt_message *msg)
{
	struct reader *r = data;
	struct ev ev;

	if (bt_message_get_type(msg) != BT_MESSAGE_TYPE_EVENT)
		return on_other_message(r, msg);
	if (decoder_decode(r->decoder, msg, &ev) != 0)
		return -1;
	return reader_deliver(r, &ev);
}

static int on_chunk(void *data)
{
	(void)data;
	if (outfile_interrupted()) {
		err_fail(ERR_INTERRUPTED, "interrupted by a signal");
		return -1;
	}
	return 0;
}

/* ---- the graph -------------------------------------------------------- */

static int find_plugin(const char *name, const bt_plugin **plugin)
{
	if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE,
			   plugin) != BT_PLUGIN_FIND_STATUS_OK) {
		err_take_bt();
		err_fail(ERR_INTERNAL, "cannot find babeltrace2's '%s' plugin (is the "
			 "babeltrace2 package installed?)", name);
		return -1;
	}
	return 0;
}

static int add_source(struct graph_parts *g, const bt_component_class_source *cls,
		      const char *dir, size_t index)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;
	char name[32];
	int ret = -1;

	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs",
							     &inputs) != BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
	    bt_value_array_append_string_element(inputs, dir) !=
		    BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK ||
	    /* The CLI's --clock-force-correlate: the chunks of one recording
	     * share one boot clock under UUIDs of their own (chunks.h). */
	    (g->correlate && bt_value_map_insert_bool_entry(params,
		"force-clock-class-origin-unix-epoch", BT_TRUE) !=
		BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK)) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	snprintf(name, sizeof(name), "src-%zu", index);
	outfile_abort_context(dir); /* cleared when the read ends */
	if (bt_graph_add_source_component(g->graph, cls, name, params,
					  BT_LOGGING_LEVEL_NONE,
					  &g->srcs[g->nsrcs]) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		err_take_bt();
		err_fail(ERR_INPUT, "cannot open CTF trace '%s'", dir);
		goto end;
	}
	g->nsrcs++;
	ret = 0;
end:
	bt_value_put_ref(params);
	return ret;
}

size_t graph_parts_nports(const struct graph_parts *g)
{
	size_t nports = 0;

	for (size_t i = 0; i < g->nsrcs; i++)
		nports += bt_component_source_get_output_port_count(g->srcs[i]);
	return nports;
}

/* Is the output port `index` (over all the sources) one of those
 * selected by (modulo, rest, per_source)? See graph_parts_connect(). */
static const bt_port_output *selected_port(const struct graph_parts *g, size_t index,
					   size_t modulo, size_t rest, int per_source)
{
	size_t global = index;

	for (size_t i = 0; i < g->nsrcs; i++) {
		uint64_t n = bt_component_source_get_output_port_count(g->srcs[i]);

		if (index < n) {
			if ((per_source ? index : global) % modulo != rest)
				return NULL;
			return bt_component_source_borrow_output_port_by_index_const(
				g->srcs[i], index);
		}
		index -= n;
	}
	return NULL;
}

int graph_parts_add_sink(struct graph_parts *g, const struct merge_callbacks *cb,
			 size_t modulo, size_t rest, int per_source)
{
	const bt_component_sink *sink;
	size_t nports = graph_parts_nports(g), mine = 0, i;

	for (i = 0; i < nports; i++)
		if (selected_port(g, i, modulo, rest, per_source))
			mine++;
	if (mine == 0) {
		err_fail(ERR_INPUT, "the traces hold no stream");
		return -1;
	}
	/* vmint's merging sink in place of filter.utils.muxer: the same
	 * order, a heap instead of a scan of every stream per message. */
	if (merge_sink_add(g->graph, "vmint", mine, cb, &sink) != 0) {
		err_take_bt();
		err_fail(ERR_INTERNAL, "cannot create vmint's sink component");
		return -1;
	}
	mine = 0;
	for (i = 0; i < nports; i++) {
		const bt_port_output *p = selected_port(g, i, modulo, rest, per_source);

		if (p && bt_graph_connect_ports(g->graph, p,
			bt_component_sink_borrow_input_port_by_index_const(sink, mine++),
			NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			err_take_bt();
			err_fail(ERR_INTERNAL, "cannot connect the trace graph");
			return -1;
		}
	}
	return 0;
}

int graph_parts_add_muxed_sink(struct graph_parts *g, const struct merge_callbacks *cb)
{
	const bt_component_class_filter *mux_cls;
	const bt_component_filter *muxer = NULL;
	const bt_component_sink *sink;
	size_t nports = graph_parts_nports(g);

	/* One stream is already in time order: no muxer, which also spares
	 * a lone stream whose packets overlap a little. */
	if (nports <= 1)
		return graph_parts_add_sink(g, cb, 1, 0, 0);
	mux_cls = bt_plugin_borrow_filter_component_class_by_name_const(g->utils, "muxer");
	if (!mux_cls ||
	    bt_graph_add_filter_component(g->graph, mux_cls, "muxer", NULL,
					  BT_LOGGING_LEVEL_NONE, &muxer) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		err_take_bt();
		err_fail(ERR_INTERNAL, "cannot create babeltrace2's filter.utils.muxer");
		return -1;
	}
	for (size_t i = 0; i < g->nsrcs; i++) {
		uint64_t n = bt_component_source_get_output_port_count(g->srcs[i]);

		for (uint64_t p = 0; p < n; p++) {
			/* The muxer always offers one more free input port. */
			uint64_t nin = bt_component_filter_get_input_port_count(muxer);

			if (bt_graph_connect_ports(g->graph,
				bt_component_source_borrow_output_port_by_index_const(g->srcs[i], p),
				bt_component_filter_borrow_input_port_by_index_const(muxer, nin - 1),
				NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
				goto error;
		}
	}
	/* The merging sink with a single input only passes messages on. */
	if (merge_sink_add(g->graph, "vmint", 1, cb, &sink) != 0 ||
	    bt_graph_connect_ports(g->graph,
		bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
		bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL) !=
		    BT_GRAPH_CONNECT_PORTS_STATUS_OK)
		goto error;
	return 0;
error:
	err_take_bt();
	err_fail(ERR_INTERNAL, "cannot connect the trace graph");
	return -1;
}

/* Output ports of the source that has the most. */
size_t graph_parts_max_source_ports(const struct graph_parts *g)
{
	size_t most = 0;

	for (size_t i = 0; i < g->nsrcs; i++) {
		size_t n = bt_component_source_get_output_port_count(g->srcs[i]);

		if (n > most)
			most = n;
	}
	return most;
}

int graph_parts_build(struct graph_parts *g, const struct trace_group *group)
{
	const bt_component_class_source *fs;

	memset(g, 0, sizeof(*g));
	g->graph = bt_graph_create(0);
	g->srcs = calloc(group->ndirs, sizeof(*g->srcs));
	if (!g->graph || !g->srcs) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	if (find_plugin("ctf", &g->ctf) != 0 || find_plugin("utils", &g->utils) != 0)
		return -1;
	g->correlate = group->chunks;
	fs = bt_plugin_borrow_source_component_class_by_name_const(g->ctf, "fs");
	for (size_t i = 0; i < group->ndirs; i++)
		if (add_source(g, fs, group->dirs[i], i) != 0)
			return -1;
	return 0;
}

void graph_parts_fini(struct graph_parts *g)
{
	bt_graph_put_ref(g->graph);
	bt_plugin_put_ref(g->ctf);
	bt_plugin_put_ref(g->utils);
	free(g->srcs);
	memset(g, 0, sizeof(*g));
}

/* Collects the trace directories of every path, without duplicates. */
static int collect_dirs(char *const *paths, size_t npaths, char ***out, size_t *nout)
{
	char **all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < npaths; i++) {
		char **dirs;
		int k = trace_find_dirs(paths[i], &dirs);
		char **grown;

		if (k < 0)
			goto error;
		if (k == 0) {
			free(dirs);
			err_fail(ERR_INPUT, "no CTF trace under '%s' (no 'metadata' file found)",
				 paths[i]);
			goto error;
		}
		grown = realloc(all, (n + (size_t)k) * sizeof(*all));
		if (!grown) {
			for (int j = 0; j < k; j++)
				free(dirs[j]);
			free(dirs);
			err_fail(ERR_RESOURCE, "out of memory");
			goto error;
		}
		all = grown;
		for (int j = 0; j < k; j++) {
			int dup = 0;

			for (size_t m = 0; m < n && !dup; m++)
				dup = strcmp(all[m], dirs[j]) == 0;
			if (dup)
				free(dirs[j]);
			else
				all[n++] = dirs[j];
		}
		free(dirs);
	}
	*out = all;
	*nout = n;
	return 0;
error:
	for (size_t m = 0; m < n; m++)
		free(all[m]);
	free(all);
	return -1;
}

int graph_run(bt_graph *graph)
{
	for (;;) {
		bt_graph_run_status st = bt_graph_run(graph);

		if (st == BT_GRAPH_RUN_STATUS_OK)
			return 0;
		if (st == BT_GRAPH_RUN_STATUS_AGAIN) {
			usleep(1000);
			continue;
		}
		return -1;
	}
}

/* Reads the `hostname` of a trace's environment and its clock with a graph
 * that stops at the first stream: only needed when several traces must
 * be grouped. */
struct peek {
	const char *dir; /* weak */
	char *hostname; /* owned */
	char clock[80]; /* chunks_clock_key() */
	int done;
};

static bt_graph_simple_sink_component_consume_func_status
peek_consume(bt_message_iterator *it, void *data)
{
	struct peek *p = data;
	bt_message_array_const msgs;
	uint64_t count;

	if (bt_message_iterator_next(it, &msgs, &count) !=
	    BT_MESSAGE_ITERATOR_NEXT_STATUS_OK)
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	for (uint64_t i = 0; i < count; i++) {
		if (!p->done && bt_message_get_type(msgs[i]) ==
				BT_MESSAGE_TYPE_STREAM_BEGINNING) {
			const bt_stream *s =
				bt_message_stream_beginning_borrow_stream_const(msgs[i]);
			const char *h = env_hostname(bt_stream_borrow_trace_const(s));

			p->hostname = h ? strdup(h) : NULL;
			chunks_clock_key(bt_stream_class_borrow_default_clock_class_const(
						 bt_stream_borrow_class_const(s)),
					 p->dir, p->clock, sizeof(p->clock));
			p->done = 1;
		}
		bt_message_put_ref(msgs[i]);
	}
	return p->done ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END :
			 BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

static int peek_hostname(const bt_plugin *ctf, const char *dir, char **hostname,
			 char *clock, size_t clock_size)
{
	struct graph_parts g = { 0 };
	struct peek p = { .dir = dir };
	const bt_component_sink *sink;
	int ret = -1;

	g.graph = bt_graph_create(0);
	g.srcs = calloc(1, sizeof(*g.srcs));
	if (!g.graph || !g.srcs) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	if (add_source(&g, bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
		       dir, 0) != 0)
		goto end;
	if (bt_graph_add_simple_sink_component(g.graph, "peek", NULL, peek_consume,
					       NULL, &p, &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_component_source_get_output_port_count(g.srcs[0]) == 0 ||
	    bt_graph_connect_ports(g.graph,
		bt_component_source_borrow_output_port_by_index_const(g.srcs[0], 0),
		bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL) !=
		    BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		err_take_bt();
		err_fail(ERR_INPUT, "cannot read CTF trace '%s'", dir);
		goto end;
	}
	if (graph_run(g.graph) != 0) {
		err_take_bt();
		err_fail(ERR_INPUT, "cannot read CTF trace '%s'", dir);
		goto end;
	}
	*hostname = p.hostname;
	p.hostname = NULL;
	snprintf(clock, clock_size, "%s", p.clock);
	ret = 0;
end:
	free(p.hostname);
	graph_parts_fini(&g);
	outfile_abort_context(NULL);
	return ret;
}

static int same_host(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Puts `dir` (taken) into the group of `hostname` (taken); a clock the
 * group's first does not match makes it a group of chunks. */
static int add_to_group(struct trace_group **groups, size_t *ngroups,
			char *hostname, char *dir, const char *clock)
{
	struct trace_group *g = NULL;
	char **dirs;

	for (size_t i = 0; i < *ngroups && !g; i++)
		if (same_host((*groups)[i].hostname, hostname))
			g = &(*groups)[i];
	if (!g) {
		struct trace_group *n = realloc(*groups, (*ngroups + 1) * sizeof(*n));

		if (!n)
			return -1;
		*groups = n;
		g = &n[(*ngroups)++];
		memset(g, 0, sizeof(*g));
		g->hostname = hostname;
		hostname = NULL;
		snprintf(g->clock, sizeof(g->clock), "%s", clock);
	}
	free(hostname);
	if (strcmp(g->clock, clock) != 0)
		g->chunks = 1; /* ordered and checked by chunks_order() */
	dirs = realloc(g->dirs, (g->ndirs + 1) * sizeof(*dirs));
	if (!dirs)
		return -1;
	g->dirs = dirs;
	g->dirs[g->ndirs++] = dir;
	return 0;
}

/* Chunks (traces of clocks the muxer cannot compare, such as perf's) of
 * several hosts given together: a recording mixed up with another's. */
static int check_chunk_hosts(const struct trace_group *groups, size_t ngroups)
{
	for (size_t i = 0; ngroups > 1 && i < ngroups; i++)
		if (groups[i].chunks) {
			const struct trace_group *o = &groups[i == 0 ? 1 : 0];

			err_append("'%s' (host '%s') is a chunk of a recording whose traces "
				   "babeltrace2 cannot mux, given with '%s' of another host "
				   "('%s'): give the chunks of one host's recording",
				   groups[i].dirs[0], groups[i].hostname ? groups[i].hostname : "?",
				   o->dirs[0], o->hostname ? o->hostname : "?");
			return -1;
		}
	return 0;
}

int trace_discover(char *const *paths, size_t npaths,
		   struct trace_group **groups, size_t *ngroups)
{
	const bt_plugin *ctf = NULL;
	char **dirs = NULL;
	size_t ndirs = 0, i;
	int ret = -1;

	*groups = NULL;
	*ngroups = 0;
	if (collect_dirs(paths, npaths, &dirs, &ndirs) != 0)
		return -1;
	if (ndirs == 1) {
		/* One trace: no need to read its environment twice. */
		if (add_to_group(groups, ngroups, NULL, dirs[0], "") != 0)
			goto oom;
		dirs[0] = NULL;
		ret = 0;
		goto end;
	}
	if (find_plugin("ctf", &ctf) != 0)
		goto end;
	for (i = 0; i < ndirs; i++) {
		char *hostname = NULL, clock[80];

		if (peek_hostname(ctf, dirs[i], &hostname, clock, sizeof(clock)) != 0)
			goto end;
		if (add_to_group(groups, ngroups, hostname, dirs[i], clock) != 0)
			goto oom;
		dirs[i] = NULL;
	}
	for (i = 0; i < *ngroups; i++)
		if ((*groups)[i].chunks && chunks_order(&(*groups)[i], ctf) != 0)
			goto end;
	if (check_chunk_hosts(*groups, *ngroups) != 0)
		goto end;
	ret = 0;
	goto end;
oom:
	err_fail(ERR_RESOURCE, "out of memory");
end:
	if (ret != 0) {
		trace_groups_free(*groups, *ngroups);
		*groups = NULL;
		*ngroups = 0;
	}
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	bt_plugin_put_ref(ctf);
	return ret;
}

void trace_groups_free(struct trace_group *groups, size_t ngroups)
{
	for (size_t i = 0; i < ngroups; i++) {
		for (size_t j = 0; j < groups[i].ndirs; j++)
			free(groups[i].dirs[j]);
		free(groups[i].dirs);
		free(groups[i].hostname);
	}
	free(groups);
}

void trace_explain_failure(const struct trace_group *group, enum merge_fault fault)
{
	err_take_bt();
	if (fault == MERGE_FAULT_BACK_IN_TIME)
		err_append("babeltrace2's muxer cannot order the events: in one "
			   "of the traces a packet begins before the previous "
			   "one ends (overlapping packets, a tracer bug); give "
			   "that trace alone, its single stream is then read "
			   "without the muxer");
	if (!outfile_interrupted())
		err_append("cannot read trace%s '%s'%s", group->ndirs > 1 ? "s" : "",
			   group->dirs[0], group->ndirs > 1 ? " and the others of its host" : "");
}

/* Reads the traces of `group` as one timeline (muxed) into `r`. */
static int read_muxed(const struct trace_group *group, struct reader *r)
{
	struct graph_parts g = { 0 };
	enum merge_fault fault = MERGE_FAULT_NONE;
	struct merge_callbacks cb = { .data = r, .fault = &fault,
				      .on_message = on_message, .on_chunk = on_chunk };
	int ret = -1;

	if (graph_parts_build(&g, group) != 0)
		goto end;
	/* vmint's merging sink cannot compare the chunks' clocks: chunks are
	 * muxed by babeltrace2's muxer, in this thread. */
	if (r->opts->jobs > 1 && graph_parts_nports(&g) > 1 && !group->chunks) {
		/* This graph only told how many streams there are. */
		graph_parts_fini(&g);
		ret = trace_read_parallel(group, r, (size_t)r->opts->jobs);
		goto end;
	}
	r->decoder = decoder_create();
	if (!r->decoder)
		goto end;
	decoder_set_trace_dir(r->decoder, group->ndirs == 1 ? group->dirs[0] : NULL);
	if (graph_parts_add_muxed_sink(&g, &cb) != 0)
		goto end;
	if (graph_run(g.graph) != 0) {
		trace_explain_failure(group, fault);
		goto end;
	}
	ret = 0;
end:
	graph_parts_fini(&g);
	outfile_abort_context(NULL);
	decoder_destroy(r->decoder);
	r->decoder = NULL;
	return ret;
}

int trace_read(const struct trace_group *group,
	       const struct trace_options *opts,
	       const struct trace_handler *handler, struct trace_stats *stats)
{
	static const struct trace_options no_opts;
	struct reader r = { .handler = handler, .stats = stats,
			    .opts = opts ? opts : &no_opts };
	int ret;

	memset(stats, 0, sizeof(*stats));
	stats->ntraces = group->ndirs;
	/* Chunks' clocks are read as counting from the Unix epoch (forced):
	 * they count from boot unless the first was really an epoch clock. */
	r.boot_chunks = group->chunks && strcmp(group->clock, "unix") != 0;
	ret = read_muxed(group, &r);
	if (r.progress_shown)
		fputs("\n", stderr);
	return ret;
}

void trace_stats_fini(struct trace_stats *stats)
{
	free(stats->type_counts);
	stats->type_counts = NULL;
	stats->ntypes = 0;
}
