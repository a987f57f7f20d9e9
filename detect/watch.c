/* SPDX-License-Identifier: MIT */
/* `vmint watch`'s state across chunks, its JSON lines and its state file. */
#include "detect/watch.h"
#include "detect/watch-out.h"
#include "common/err.h"
#include "common/json-file.h"
#include "common/outfile.h"
#include "common/vocab.h"
#include "extract/host/host.h"
#include "extract/host/tidmap.h"
#include "extract/run.h"
#include "extract/read/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static json_t *culprits_json(const struct watch *w, const struct window_result *r)
{
	json_t *a = json_array();

	for (int i = 0; a && i < r->nculprits; i++)
		json_array_append_new(a, json_pack("{s:s, s:f}", "vm",
			analysis_culprit_name(w->a, r->culprits[i].vm),
			"share", r->culprits[i].share));
	return a;
}

/* One (VM, window) as report.json's windows[] says it, plus where it came
 * from and whether it is warm-up. */
static json_t *line_json(const struct watch *w, const struct window_row *row,
			 const struct window_result *r, int warm, int missing)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:b, s:f, s:b, s:{s:s, s:s}, s:s?, s:b}",
		"vm", row->vm->name, "pid", (json_int_t)row->vm->pid,
		"start_ns", (json_int_t)r->start_ns, "end_ns", (json_int_t)r->end_ns,
		"interference", r->interference, "probability", r->probability,
		"in_distribution", r->in_distribution,
		"workload", "class", workload_name(r->workload),
		"evidence", r->workload_by_rule ? "rule" : "model",
		"chunk", w->chunk, "warmup", warm);

	if (o && r->interference) {
		json_object_set_new(o, "resource", json_string(resource_name(r->resource)));
		json_object_set_new(o, "evidence", json_string(
			r->by_model && r->by_measurement ? "model+measurement" :
			r->by_model ? "model" : "measurement"));
		json_object_set_new(o, "culprits", culprits_json(w, r));
	}
	if (o && missing)
		json_object_set_new(o, "missing", json_true());
	if (o && r->discarded_events)
		json_object_set_new(o, "discarded_events", json_integer((json_int_t)r->discarded_events));
	return o;
}

/* Whether the window of `row` overlaps a chunk left unread: the windows
 * closed before any event after it was read lie in it (the window open
 * when it began among them), and so does the window of the first event
 * read after it (the analysis's resume_ts). A VM with no row there (not
 * known yet) has nothing marked. */
static int in_gap(struct watch *w, const struct window_row *row)
{
	uint64_t win = w->res.window_ns;

	if (!w->gap)
		return 0;
	if (!w->a->resume_ts || row->start_ns <= w->a->resume_ts / win * win)
		return 1;
	w->gap = 0;
	return 0;
}

/* analysis_row_fn: classify (collect_row), write the line, tell the
 * other outputs (watch-out.h), forget it. */
static int on_row(void *ctx, const struct window_row *row)
{
	struct watch *w = ctx;
	const struct window_result *r;
	const uint32_t *counts;
	json_t *o;
	char *text;
	int warm = 0, missing = in_gap(w, row);

	if (collect_row(&w->col, row) < 0)
		return -1;
	if (w->warmup) {
		/* after a restart the state of the chunks before is gone: the
		 * first window has lost what began before it */
		if (!w->warm_end_ns)
			w->warm_end_ns = row->end_ns;
		warm = row->end_ns <= w->warm_end_ns;
	}
	/* valid until the next row: the arrays are kept, only emptied */
	r = &w->res.windows[w->res.nwindows - 1];
	counts = w->col.counts[w->res.nwindows - 1];
	o = line_json(w, row, r, warm, missing);
	text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(o);
	w->res.nwindows = 0; /* streaming: nothing kept per window */
	if (!text) {
		err_fail(ERR_RESOURCE, "cannot build a JSON line: out of memory");
		return -1;
	}
	/* flushed line by line: a line is far shorter than the stdio buffer,
	 * so it goes out in one write and a stopped run leaves whole lines */
	if (fprintf(w->out, "%s\n", text) < 0 || fflush(w->out) != 0) {
		err_fail(ERR_RESOURCE, "cannot write a JSON line: %s", strerror(errno ? errno : EIO));
		free(text);
		return -1;
	}
	free(text);
	w->lines++;
	if (w->outs)
		return watch_out_window(w->outs, w, row, r, counts);
	return 0;
}

/* analysis_config.on_vm_retired: the outputs forget the VM that ended. */
static int on_vm_retired(void *ctx, int vm)
{
	struct watch *w = ctx;

	return w->outs ? watch_out_vm_retired(w->outs, w, vm) : 0;
}

/* analysis_config.vm_named: whether an output still names a retired slot. */
static int vm_named(void *ctx, int vm)
{
	struct watch *w = ctx;

	return w->outs && watch_out_names(w->outs, vm);
}

int watch_init(struct watch *w, const struct model_dir *model, const char *recording,
	       const char *vms_path, uint64_t window_ns, FILE *out)
{
	/* a line names its VMs when it is written: the slots of VMs that
	 * ended can go to the next ones (host.h) */
	struct analysis_config cfg = { .window_ns = window_ns, .on_row = on_row, .ctx = w,
				       .retire_vms = 1, .on_vm_retired = on_vm_retired,
				       .vm_named = vm_named };

	memset(w, 0, sizeof(*w));
	w->recording = recording;
	w->out = out;
	w->res.window_ns = window_ns;
	if (vms_path && vms_load(vms_path, &w->vms) < 0)
		return -1;
	cfg.vms = w->vms.n ? &w->vms : NULL;
	if (collect_init(&w->col, &w->res, model) < 0)
		return -1; /* its cause says what */
	collect_begin_group(&w->col);
	if (!(w->a = analysis_create(&cfg)))
		return -1;
	return 0;
}

void watch_fini(struct watch *w)
{
	if (w->a)
		analysis_destroy(w->a);
	collect_fini(&w->col);
	detect_result_fini(&w->res);
	vms_fini(&w->vms);
	for (size_t i = 0; i < w->ndone; i++)
		free(w->done[i]);
	free(w->done);
	memset(w, 0, sizeof(*w));
}

/* The place of `name` in the sorted list of chunks done: where it is,
 * or where it would go. */
static size_t done_pos(const struct watch *w, const char *name, int *found)
{
	size_t lo = 0, hi = w->ndone;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w->done[mid], name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Forgets the chunks done that are no longer in the recording, but the
 * last one: a chunk that sorts before it is late anyway (watch_last_done),
 * so what is kept is what is still there to be skipped, and the list and
 * the state file follow the chunks on disk, not the hours watched. */
static void prune_done(struct watch *w)
{
	size_t kept = 0;
	char path[4096];

	if (!w->recording)
		return;
	for (size_t i = 0; i < w->ndone; i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", w->recording, w->done[i]);

		if (i + 1 == w->ndone || n < 0 || (size_t)n >= sizeof(path) ||
		    access(path, F_OK) == 0 || errno != ENOENT)
			w->done[kept++] = w->done[i];
		else
			free(w->done[i]);
	}
	w->ndone = kept;
}

/* Records chunk `name` done, in its place; `prune`: and forgets those
 * no longer there (prune_done). */
static int add_done(struct watch *w, const char *name, int prune)
{
	int found;
	size_t pos = done_pos(w, name, &found);
	char **d, *copy;

	if (found)
		return 0;
	d = realloc(w->done, (w->ndone + 1) * sizeof(*d));
	if (d)
		w->done = d;
	if (!d || !(copy = strdup(name))) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	memmove(d + pos + 1, d + pos, (w->ndone - pos) * sizeof(*d));
	d[pos] = copy;
	w->ndone++;
	if (prune)
		prune_done(w);
	return 0;
}

/* What a chunk's read adds to the run's figures. */
static void count_read(struct watch_stats *s, const struct trace_stats *st, double secs,
		       int whole)
{
	s->chunks_read += whole;
	s->events += st->events;
	s->discarded_events += st->discarded_events;
	s->read_s += secs;
	s->last_events = st->events;
	s->last_discarded = st->discarded_events;
	s->last_read_s = secs;
	if (st->ncpus > s->cpus)
		s->cpus = st->ncpus;
	if (!s->hostname[0] && st->hostname[0])
		snprintf(s->hostname, sizeof(s->hostname), "%s", st->hostname);
}

/* `dir` and `next` as one group of consecutive chunks of one host, as
 * detect would read them; 0 when they are not (they are then read one
 * after the other). */
static int pair_group(const char *dir, const char *next, struct trace_group **groups,
		      size_t *n)
{
	char *paths[2] = { (char *)dir, (char *)next };

	if (trace_discover(paths, 2, groups, n) < 0) {
		err_clear();
		*groups = NULL;
		return 0;
	}
	if (*n != 1 || (*groups)[0].ndirs != 2) {
		trace_groups_free(*groups, *n);
		*groups = NULL;
		return 0;
	}
	return 1;
}

int watch_chunk(struct watch *w, const char *dir, const char *next, const char *name)
{
	char *dirs[1] = { (char *)dir };
	struct trace_group one = { .dirs = dirs, .ndirs = 1 }, *pair = NULL;
	struct trace_stats st;
	uint64_t late = w->a->late_events, hi = UINT64_MAX;
	struct timespec t0, t1;
	size_t npair = 0;
	int rc = 0;

	w->chunk = name;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* perf's chunks overlap by what its buffers held at the switch: the
	 * next chunk's events up to this one's last are read with it, muxed,
	 * and the next chunk is read from there on */
	if (next && pair_group(dir, next, &pair, &npair)) {
		rc = run_last_ts(&one, w->recording, &hi);
		if (rc == 0 && hi == 0)
			hi = UINT64_MAX; /* no event: nothing to read with it */
	}
	if (rc == 0) {
		rc = run_read_range(pair && hi != UINT64_MAX ? pair : &one, w->a, w->recording,
				    w->read_to_ns, hi, &st);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		count_read(&w->stats, &st, (double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, rc == 0);
		trace_stats_fini(&st);
	}
	if (pair)
		trace_groups_free(pair, npair);
	w->chunk = NULL;
	if (w->a->late_events > late)
		warn_msg("chunk '%s': %" PRIu64 " events older than the last one read before it were "
			 "dropped (perf's chunks overlap by what its buffers held at the switch; "
			 "read together, as detect does, they would count)", dir,
			 w->a->late_events - late);
	if (rc < 0 && err_kind() != ERR_INPUT) {
		err_append("chunk '%s'", dir);
		return -1;
	}
	if (rc < 0) {
		struct err_chain ch;

		err_chain_take(&ch);
		warn_msg("chunk '%s' cannot be read, skipped (the windows it covers are marked "
			 "missing): %s", dir, ch.n ? ch.cause[0] : "?");
		return watch_missing(w, name, 0);
	}
	w->read_to_ns = hi == UINT64_MAX ? 0 : hi;
	return add_done(w, name, 1);
}

int watch_missing(struct watch *w, const char *name, int behind)
{
	/* chunks skipped one after another make one gap */
	w->read_to_ns = 0;
	w->gap = 1;
	w->a->awaiting = 1;
	w->a->resume_ts = 0;
	if (behind)
		w->stats.chunks_behind++;
	else
		w->skipped++;
	return add_done(w, name, 1);
}

const char *watch_last_done(const struct watch *w)
{
	return w->ndone ? w->done[w->ndone - 1] : NULL;
}

int watch_skip(struct watch *w, const char *name)
{
	w->stats.chunks_late++;
	return add_done(w, name, 1);
}

int watch_finish(struct watch *w)
{
	w->chunk = "end";
	return analysis_finish(w->a, w->a->last_ts);
}

int watch_is_done(const struct watch *w, const char *name)
{
	int found;

	done_pos(w, name, &found);
	return found;
}

/* Which process each thread belongs to: an LTTng recording says it once,
 * in the statedump of its first chunk, and perf on each thread's own
 * events only; a restart would otherwise take every vCPU thread for a VM
 * of its own. */
static json_t *threads_json(const struct watch *w)
{
	const struct host *h = &w->a->host;
	json_t *a = json_array();
	size_t pos = 0;
	int64_t tid;
	void *v;

	while (a && tidmap_next(&h->threads, &pos, &tid, &v)) {
		const struct thread *t = v;

		if (t->pid > 0)
			json_array_append_new(a, json_pack("[I, I, s]", (json_int_t)t->tid,
							   (json_int_t)t->pid, t->comm));
	}
	return a;
}

static int restore_threads(struct watch *w, const char *path, const json_t *threads)
{
	struct host *h = &w->a->host;
	const json_t *e;
	size_t i;

	if (!threads)
		return 0;
	json_array_foreach(threads, i, e) {
		json_int_t tid, pid;
		const char *comm;
		struct thread *t;

		if (json_unpack((json_t *)e, "[I, I, s]", &tid, &pid, &comm) != 0 || tid <= 0 || pid <= 0) {
			err_fail(ERR_INPUT, "'%s': threads[%zu] must be [tid, pid, name]", path, i);
			return -1;
		}
		if (!(t = host_thread(h, tid)))
			return -1;
		host_set_comm(h, t, comm);
		host_set_pid(h, t, pid);
	}
	return 0;
}

int watch_state_load(struct watch *w, const char *path)
{
	json_t *j, *chunks, *c;
	size_t i;

	if (access(path, F_OK) != 0)
		return 0;
	if (!(j = json_file_load(path)))
		return -1;
	chunks = json_object_get(j, "chunks_done");
	if (!json_is_array(chunks)) {
		err_fail(ERR_INPUT, "'%s': key 'chunks_done' must be an array", path);
		json_decref(j);
		return -1;
	}
	json_array_foreach(chunks, i, c) {
		if (!json_is_string(c)) {
			err_fail(ERR_INPUT, "'%s': chunks_done[%zu] must be a string", path, i);
			json_decref(j);
			return -1;
		}
		if (add_done(w, json_string_value(c), 0) < 0) {
			json_decref(j);
			return -1;
		}
	}
	if (restore_threads(w, path, json_object_get(j, "threads")) < 0) {
		json_decref(j);
		return -1;
	}
	c = json_object_get(j, "next_read_to_ns");
	if (c && (!json_is_integer(c) || json_integer_value(c) < 0)) {
		err_fail(ERR_INPUT, "'%s': key 'next_read_to_ns' must be a time in ns", path);
		json_decref(j);
		return -1;
	}
	w->read_to_ns = c ? (uint64_t)json_integer_value(c) : 0;
	json_decref(j);
	w->warmup = w->ndone > 0;
	prune_done(w);
	return 0;
}

int watch_state_save(const struct watch *w, const char *path)
{
	json_t *j = json_pack("{s:s, s:[]}", "schema", "vmint.watch-state/1", "chunks_done");
	struct outfile of;

	for (size_t i = 0; j && i < w->ndone; i++)
		json_array_append_new(json_object_get(j, "chunks_done"), json_string(w->done[i]));
	if (j && (json_object_set_new(j, "threads", threads_json(w)) != 0 ||
		  json_object_set_new(j, "next_read_to_ns",
				      json_integer((json_int_t)w->read_to_ns)) != 0))
		json_decref(j), j = NULL;
	if (!j) {
		err_fail(ERR_RESOURCE, "cannot build '%s': out of memory", path);
		return -1;
	}
	if (outfile_open(&of, path) != 0) {
		json_decref(j);
		return -1;
	}
	if (json_dumpf(j, of.fp, JSON_INDENT(2)) != 0 || fputc('\n', of.fp) == EOF) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		outfile_abort(&of);
		json_decref(j);
		return -1;
	}
	json_decref(j);
	return outfile_commit(&of);
}
