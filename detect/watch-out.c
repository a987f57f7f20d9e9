/* SPDX-License-Identifier: MIT */
/* watch's Prometheus file, report.json snapshots and episode records. */
#include "detect/watch-out.h"
#include "common/err.h"
#include "common/outfile.h"
#include "detect/collect.h"
#include "detect/report.h"
#include "detect/watch.h"
#include "extract/read/chunks.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int watch_out_init(struct watch_out *o, const struct watch_out_opts *opts)
{
	memset(o, 0, sizeof(*o));
	o->o = *opts;
	o->dirty = 1; /* the first prom file says the watch is up */
	ring_init(&o->ring, opts->report_span_ns);
	if (opts->actions && episodes_open(&o->eps, opts->actions) < 0)
		return -1;
	return 0;
}

int watch_out_fini(struct watch_out *o)
{
	int ret = o->o.actions ? episodes_close(&o->eps) : 0;

	ring_fini(&o->ring);
	free(o->vm);
	free(o->read_dir);
	if (o->ctf)
		bt_plugin_put_ref(o->ctf);
	memset(o, 0, sizeof(*o));
	return ret;
}

static struct vm_now *vm_slot(struct watch_out *o, int vm)
{
	if ((size_t)vm >= o->nvm) {
		size_t n = (size_t)vm + 1;
		struct vm_now *g = realloc(o->vm, n * sizeof(*g));

		if (!g) {
			err_fail(ERR_RESOURCE, "out of memory");
			return NULL;
		}
		memset(g + o->nvm, 0, (n - o->nvm) * sizeof(*g));
		o->vm = g;
		o->nvm = n;
	}
	return &o->vm[vm];
}

static struct report_totals minus(const struct report_totals *a, const struct report_totals *b)
{
	return (struct report_totals){
		.cpu_ns = a->cpu_ns - b->cpu_ns, .guest_ns = a->guest_ns - b->guest_ns,
		.preempted_ns = a->preempted_ns - b->preempted_ns, .exits = a->exits - b->exits,
		.disk_requests = a->disk_requests - b->disk_requests,
		.disk_bytes = a->disk_bytes - b->disk_bytes,
		.net_packets = a->net_packets - b->net_packets, .net_bytes = a->net_bytes - b->net_bytes,
	};
}

int watch_out_window(struct watch_out *o, const struct watch *w,
		     const struct window_row *row, const struct window_result *r,
		     const uint32_t *counts)
{
	struct vm_now *v = vm_slot(o, r->vm);
	struct report_totals now, delta;

	if (!v)
		return -1;
	if (v->retired) /* another VM in the slot of one that ended */
		memset(v, 0, sizeof(*v));
	v->vm = row->vm;
	v->last = *r;
	v->counts.vm = row->vm->name;
	v->counts.windows++;
	v->counts.ood_windows += !r->in_distribution;
	if (r->interference)
		v->counts.interfered[r->resource]++;
	if (r->probability > v->counts.probability_max)
		v->counts.probability_max = r->probability;
	/* the VM's totals over this window: what they grew by since its last */
	now = collect_totals(row->vm);
	delta = minus(&now, &v->prev);
	v->prev = now;
	if (r->end_ns > o->last_end_ns)
		o->last_end_ns = r->end_ns;
	o->dirty = 1;
	if (o->o.report) {
		if (!o->every_mark)
			o->every_mark = 1 + r->end_ns / o->o.report_every_ns;
		if (ring_add_window(&o->ring, r, counts, &delta) < 0)
			return -1;
	}
	if (o->o.actions && episodes_window(&o->eps, w, r) < 0)
		return -1;
	return 0;
}

/* babeltrace2's ctf plugin, found once; NULL if it cannot be. */
static const bt_plugin *ctf_plugin(struct watch_out *o)
{
	if (!o->ctf && bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE,
				      &o->ctf) != BT_PLUGIN_FIND_STATUS_OK)
		o->ctf = NULL;
	return o->ctf;
}

/* The end of chunk `dir`'s time range; 0 when it cannot be had (the
 * cause is dropped: the lag is then unknown, nothing fails). */
static int range_end(struct watch_out *o, const char *dir, int64_t *end)
{
	const bt_plugin *ctf = ctf_plugin(o);
	int64_t begin;

	if (ctf && chunks_range(ctf, dir, &begin, end) == 0)
		return 1;
	err_clear();
	return 0;
}

void watch_out_newest(struct watch_out *o, char *const *dirs, int n)
{
	int known = 0;
	int64_t end = 0;

	if (!o->o.prom)
		return;
	/* the newest, or the one before when the newest cannot be indexed
	 * yet (being written) */
	for (int i = n - 1; i >= 0 && i >= n - 2 && !known; i--) {
		if (o->read_dir && strcmp(dirs[i], o->read_dir) == 0) {
			known = o->read_known;
			end = o->read_end;
			break;
		}
		known = range_end(o, dirs[i], &end);
	}
	if (known != o->newest_known || end != o->newest_end)
		o->dirty = 1;
	o->newest_known = known;
	o->newest_end = end;
}

/* Seconds of recording in DIR past the last chunk read; NaN if unknown. */
static double lag_seconds(const struct watch_out *o)
{
	if (!o->read_known || !o->newest_known)
		return NAN;
	return o->newest_end > o->read_end ? (double)(o->newest_end - o->read_end) / 1e9 : 0;
}

static void pid_text(const struct vm_now *v, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRId64, v->vm->pid);
}

/* The VMs' latest windows, labelled by name and pid. */
static void put_latest(FILE *f, const struct watch_out *o, const struct watch *w)
{
	static const struct { const char *name, *help; } fam[] = {
		{ "vmint_watch_interfered", "1 when the VM's latest window was interfered (detect's decision), else 0." },
		{ "vmint_watch_interference_probability", "The classifier's probability of interference in the VM's latest window." },
		{ "vmint_watch_in_distribution", "1 when the VM's latest window lies in the model's training distribution, else 0." },
		{ "vmint_watch_delayed_share", "Share of the VM's time delayed by others in its latest window, by resource (the labeling rule's measure)." },
		{ "vmint_watch_culprit_share", "Share of the VM's delay on the resource of its latest window caused by each culprit (interfered windows only)." },
		{ "vmint_watch_workload", "1 for the workload class of the VM's latest window, 0 for the others." },
		{ "vmint_watch_window_end_seconds", "End of the VM's latest window, in seconds of the trace's clock (since the Unix epoch for LTTng, or with a clock offset)." },
	};
	char pid[24];

	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		prom_family(f, fam[k].name, "gauge", fam[k].help);
		for (size_t i = 0; i < o->nvm; i++) {
			const struct vm_now *v = &o->vm[i];
			const struct window_result *r = &v->last;
			const char *vm = v->vm ? v->vm->name : NULL;

			if (!vm)
				continue;
			pid_text(v, pid, sizeof(pid));
			switch (k) {
			case 0:
				prom_sample(f, fam[k].name, r->interference, "vm", vm, "pid", pid, NULL);
				break;
			case 1:
				prom_sample(f, fam[k].name, r->probability, "vm", vm, "pid", pid, NULL);
				break;
			case 2:
				prom_sample(f, fam[k].name, r->in_distribution, "vm", vm, "pid", pid, NULL);
				break;
			case 3:
				for (enum resource res = RES_CPU; res < RES__COUNT; res++)
					prom_sample(f, fam[k].name, r->share[res], "vm", vm, "pid", pid,
						    "resource", resource_name(res), NULL);
				break;
			case 4:
				for (int c = 0; r->interference && c < r->nculprits; c++)
					prom_sample(f, fam[k].name, r->culprits[c].share, "vm", vm, "pid", pid,
						    "resource", resource_name(r->resource), "culprit",
						    analysis_culprit_name(w->a, r->culprits[c].vm), NULL);
				break;
			case 5:
				for (int c = 0; c < WL__COUNT; c++)
					prom_sample(f, fam[k].name, c == (int)r->workload, "vm", vm, "pid", pid,
						    "workload", workload_name(c), NULL);
				break;
			default:
				prom_sample(f, fam[k].name, (double)r->end_ns / 1e9, "vm", vm, "pid", pid,
					    NULL);
			}
		}
	}
}

/* The per-VM counts since the watch started, under detect's names. */
static int put_counts(FILE *f, const struct watch_out *o)
{
	struct prom_vm_counts *c = calloc(o->nvm ? o->nvm : 1, sizeof(*c));
	size_t n = 0;

	if (!c)
		return -1;
	for (size_t i = 0; i < o->nvm; i++)
		if (o->vm[i].vm)
			c[n++] = o->vm[i].counts;
	prom_vm_counts(f, c, n);
	free(c);
	return 0;
}

static void put_health(FILE *f, const struct watch_out *o, const struct watch *w)
{
	const struct watch_stats *s = &w->stats;

	prom_family(f, "vmint_watch_chunks_read_total", "counter",
		    "Chunks read whole by this watch.");
	prom_sample(f, "vmint_watch_chunks_read_total", (double)s->chunks_read, NULL);
	prom_family(f, "vmint_watch_chunks_skipped_total", "counter",
		    "Chunks skipped by this watch: unreadable or not convertible (their windows marked missing), late (named before a chunk already done), or behind (more complete chunks waiting than --max-behind: their windows marked missing).");
	prom_sample(f, "vmint_watch_chunks_skipped_total", (double)w->skipped, "reason", "unreadable", NULL);
	prom_sample(f, "vmint_watch_chunks_skipped_total", (double)s->chunks_late, "reason", "late", NULL);
	prom_sample(f, "vmint_watch_chunks_skipped_total", (double)s->chunks_behind, "reason", "behind", NULL);
	prom_family(f, "vmint_watch_lag_seconds", "gauge",
		    "Recorded time in DIR past the last chunk read: end of the newest chunk's time range (the one before when the newest cannot be indexed yet) minus end of the last chunk read's; NaN until both are known.");
	prom_sample(f, "vmint_watch_lag_seconds", lag_seconds(o), NULL);
	prom_family(f, "vmint_watch_events_read_total", "counter", "Events read by this watch.");
	prom_sample(f, "vmint_watch_events_read_total", (double)s->events, NULL);
	prom_family(f, "vmint_watch_read_seconds_total", "counter",
		    "Wall-clock seconds this watch spent reading chunks.");
	prom_sample(f, "vmint_watch_read_seconds_total", s->read_s, NULL);
	prom_family(f, "vmint_watch_events_per_second", "gauge",
		    "Events per wall-clock second in the read of the last chunk.");
	prom_sample(f, "vmint_watch_events_per_second",
		    s->last_read_s > 0 ? (double)s->last_events / s->last_read_s : 0, NULL);
	prom_family(f, "vmint_watch_discarded_events_total", "counter",
		    "Events the tracer discarded (LTTng's discarded-events records) in the chunks read.");
	prom_sample(f, "vmint_watch_discarded_events_total", (double)s->discarded_events, NULL);
	prom_family(f, "vmint_watch_windows_written_total", "counter",
		    "(VM, window) lines written by this watch.");
	prom_sample(f, "vmint_watch_windows_written_total", (double)w->lines, NULL);
	prom_family(f, "vmint_watch_last_window_end_seconds", "gauge",
		    "End of the newest window closed, in seconds of the trace's clock; 0 before the first.");
	prom_sample(f, "vmint_watch_last_window_end_seconds", (double)o->last_end_ns / 1e9, NULL);
}

/* Chunks skipped, for whatever reason: the prom file says how many. */
static uint64_t skips(const struct watch *w)
{
	return w->stats.chunks_late + w->stats.chunks_behind + w->skipped;
}

static int write_prom(struct watch_out *o, const struct watch *w)
{
	struct outfile of;

	if (outfile_open(&of, o->o.prom) != 0)
		return -1;
	put_latest(of.fp, o, w);
	if (put_counts(of.fp, o) < 0) {
		err_fail(ERR_RESOURCE, "cannot write '%s': out of memory", o->o.prom);
		outfile_abort(&of);
		return -1;
	}
	put_health(of.fp, o, w);
	if (ferror(of.fp)) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", o->o.prom, strerror(errno ? errno : EIO));
		outfile_abort(&of);
		return -1;
	}
	if (outfile_commit(&of) != 0)
		return -1;
	o->dirty = 0;
	o->late_seen = skips(w);
	return 0;
}

int watch_out_snapshot(struct watch_out *o, const struct watch *w, const char *reason)
{
	struct ring_meta m = {
		.recording = w->recording, .hostname = w->stats.hostname,
		.model_path = o->o.model_path, .cpus = w->stats.cpus,
		.window_ns = w->res.window_ns,
	};
	struct detect_result r = { 0 };
	int ret = -1;

	if (!o->o.report)
		return 0;
	if (ring_report(&o->ring, w->a, &m, &r) == 0) {
		/* what the snapshot covers, beside vmint.report/1's keys */
		ret = report_write_json_streamed(&r, "watch", json_pack("{s:s, s:I, s:I, s:I, s:I}",
			"reason", reason, "span_ns", (json_int_t)o->o.report_span_ns,
			"every_ns", (json_int_t)o->o.report_every_ns,
			"windows", (json_int_t)r.nwindows,
			"chunks_done", (json_int_t)w->ndone), o->o.report);
		o->snapshots += ret == 0;
	}
	detect_result_fini(&r);
	if (ret < 0)
		err_append("report snapshot '%s'", o->o.report);
	return ret;
}

int watch_out_chunk(struct watch_out *o, const struct watch *w, const char *dir)
{
	if (o->o.prom) {
		free(o->read_dir);
		if (!(o->read_dir = strdup(dir))) {
			err_fail(ERR_RESOURCE, "out of memory");
			return -1;
		}
		o->read_known = range_end(o, dir, &o->read_end);
	}
	if (o->o.report) {
		uint64_t mark = 1 + o->last_end_ns / o->o.report_every_ns;

		if (ring_add_chunk(&o->ring, w->a->last_ts, w->stats.last_events,
				   w->stats.last_discarded) < 0)
			return -1;
		/* a window ending at or past the next multiple closed */
		if (o->every_mark && mark > o->every_mark) {
			if (watch_out_snapshot(o, w, "every") < 0)
				return -1;
			o->every_mark = mark;
		}
	}
	o->dirty = 1;
	return o->o.prom ? write_prom(o, w) : 0;
}

int watch_out_idle(struct watch_out *o, const struct watch *w)
{
	if (skips(w) != o->late_seen)
		o->dirty = 1;
	if (!o->o.prom || !o->dirty)
		return 0;
	return write_prom(o, w);
}

int watch_out_finish(struct watch_out *o, const struct watch *w)
{
	if (watch_out_snapshot(o, w, "end") < 0)
		return -1;
	o->dirty = 1;
	return o->o.prom ? write_prom(o, w) : 0;
}

int watch_out_vm_retired(struct watch_out *o, const struct watch *w, int vm)
{
	struct vm_now *v = vm_slot(o, vm);

	if (!v)
		return -1;
	memset(v, 0, sizeof(*v));
	v->retired = 1;
	v->retired_ns = o->last_end_ns;
	o->dirty = 1;
	return o->o.actions ? episodes_vm_retired(&o->eps, w, vm) : 0;
}

int watch_out_names(const struct watch_out *o, int vm)
{
	if (vm < 0)
		return 0;
	if (o->o.report && (size_t)vm < o->nvm && o->vm[vm].retired &&
	    o->last_end_ns < o->vm[vm].retired_ns + o->ring.span_ns)
		return 1;
	for (size_t i = 0; i < o->nvm; i++) {
		const struct window_result *r = &o->vm[i].last;

		if (!o->vm[i].vm)
			continue;
		for (int c = 0; r->interference && c < r->nculprits; c++)
			if (r->culprits[c].vm == vm)
				return 1;
	}
	return o->o.actions && episodes_name(&o->eps, vm);
}
