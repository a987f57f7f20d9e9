/* SPDX-License-Identifier: MIT */
#include "extract/run.h"
#include "extract/clock-offset.h"
#include "common/err.h"
#include "common/vms.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int try_vms(const char *dir, struct vms_file *out)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/vms.json", dir) >= (int)sizeof(path))
		return 0;
	if (access(path, F_OK) != 0)
		return 0;
	return vms_load(path, out) < 0 ? -1 : 1;
}

static int try_dir_and_parent(const char *dir, struct vms_file *out)
{
	char copy[4096];
	int rc = try_vms(dir, out);

	if (rc)
		return rc;
	snprintf(copy, sizeof(copy), "%s", dir);
	return try_vms(dirname(copy), out);
}

int run_load_vms(const char *explicit_path, const struct trace_group *g,
		 char *const *paths, size_t npaths, struct vms_file *out)
{
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (explicit_path)
		return vms_load(explicit_path, out) < 0 ? -1 : 1;
	for (i = 0; i < g->ndirs; i++)
		if ((rc = try_dir_and_parent(g->dirs[i], out)) != 0)
			return rc;
	/* Chunks of one recording sit in a folder of their own
	 * (DIR/chunks/perf.data.N, record-host.sh --recorder perf): vms.json
	 * is beside that folder. */
	if (g->chunks && g->ndirs) {
		char copy[4096];

		snprintf(copy, sizeof(copy), "%s", g->dirs[0]);
		if ((rc = try_dir_and_parent(dirname(dirname(copy)), out)) != 0)
			return rc;
	}
	for (i = 0; i < npaths; i++)
		if ((rc = try_vms(paths[i], out)) != 0)
			return rc;
	return 0;
}

/* `name` beside one of the group's traces, in its parent, or beside the
 * folder of a recording's chunks: its path in `path`. Returns 1 when
 * found, else 0. */
static int find_beside(const struct trace_group *g, const char *name, char *path,
		       size_t size)
{
	for (size_t i = 0; i <= g->ndirs; i++) {
		char copy[4096], *dir;

		if (i == g->ndirs && !(g->chunks && g->ndirs))
			break;
		snprintf(copy, sizeof(copy), "%s", g->dirs[i < g->ndirs ? i : 0]);
		dir = i < g->ndirs ? copy : dirname(dirname(copy));
		for (int up = 0; up < 2; up++) {
			if (snprintf(path, size, "%s/%s", dir, name) < (int)size &&
			    access(path, F_OK) == 0)
				return 1;
			dir = dirname(dir);
		}
	}
	return 0;
}

/* Whether a clock offset was found for the group being read, and the
 * warning about boot-relative times given (once per run). */
static int offset_found, boot_warned;
static const struct trace_group *reading; /* weak: the group being read */

static void warn_boot_clock(void *ctx, const struct trace_info *info)
{
	(void)ctx;
	if (!info->boot_clock || offset_found || boot_warned)
		return;
	boot_warned = 1;
	warn_msg("trace '%s': its clock ('%s') counts from boot, not from the Unix "
		 "epoch, and no clock-offset.json beside it gives the offset: times "
		 "are boot-relative", info->path[0] ? info->path : reading->dirs[0],
		 info->clock_name ? info->clock_name : "?");
}

/* Reads the group's events to `h`, clock-offset.json found as run_read()
 * says. */
static int read_to(const struct trace_group *g, struct trace_handler *h, int jobs,
		   const char *recording, struct trace_stats *stats)
{
	struct trace_options opts = { .progress = isatty(STDERR_FILENO),
				      .jobs = jobs };
	char path[4096];

	memset(stats, 0, sizeof(*stats));
	reading = g;
	h->on_trace = warn_boot_clock;
	offset_found = find_beside(g, "clock-offset.json", path, sizeof(path)) ||
		(recording && snprintf(path, sizeof(path), "%s/clock-offset.json", recording) <
		 (int)sizeof(path) && access(path, F_OK) == 0);
	if (offset_found && clock_offset_load(path, &opts.clock_offset_ns) < 0)
		return -1;
	return trace_read(g, &opts, h, stats);
}

int run_read(const struct trace_group *g, struct analysis *a, int jobs,
	     const char *recording, struct trace_stats *stats)
{
	struct trace_handler h = {
		.ctx = a,
		.on_event = analysis_event_cb,
		.on_discarded = analysis_discarded_cb,
	};

	return read_to(g, &h, jobs, recording, stats);
}

struct range {
	struct analysis *a;
	uint64_t lo, hi;
};

static int range_event(void *ctx, const struct ev *ev)
{
	struct range *r = ctx;

	if (ev->ts <= r->lo || ev->ts > r->hi)
		return 0;
	return analysis_on_event(r->a, ev);
}

static void range_discarded(void *ctx, int cpu, uint64_t begin_ns, uint64_t end_ns,
			    uint64_t count)
{
	struct range *r = ctx;

	if (begin_ns > r->lo && begin_ns <= r->hi)
		analysis_on_discarded(r->a, cpu, begin_ns, end_ns, count);
}

int run_read_range(const struct trace_group *g, struct analysis *a, const char *recording,
		   uint64_t lo, uint64_t hi, struct trace_stats *stats)
{
	struct range r = { a, lo, hi };
	struct trace_handler h = {
		.ctx = &r,
		.on_event = range_event,
		.on_discarded = range_discarded,
	};

	return read_to(g, &h, 1, recording, stats);
}

static int no_event(void *ctx, const struct ev *ev)
{
	(void)ctx;
	(void)ev;
	return 0;
}

int run_last_ts(const struct trace_group *g, const char *recording, uint64_t *last)
{
	struct trace_handler h = { .on_event = no_event };
	struct trace_stats st;
	int rc = read_to(g, &h, 1, recording, &st);

	*last = st.events ? st.last_ns : 0;
	trace_stats_fini(&st);
	return rc;
}

int run_analysis(const struct trace_group *g, struct analysis *a, int jobs,
		 struct trace_stats *stats)
{
	if (run_read(g, a, jobs, NULL, stats) < 0)
		return -1;
	return analysis_finish(a, stats->last_ns);
}

int run_group(const char *vms_path, const struct trace_group *g,
	      char **paths, size_t npaths, struct analysis_config cfg, int jobs,
	      run_done_fn done, void *ctx)
{
	struct vms_file vms;
	struct trace_stats st;
	struct analysis *a;
	const char *host;
	int rc = VMINT_EXIT_OK;

	if (run_load_vms(vms_path, g, paths, npaths, &vms) < 0)
		return VMINT_EXIT_INPUT;
	cfg.vms = vms.n ? &vms : NULL;
	a = analysis_create(&cfg);
	if (!a) {
		vms_fini(&vms);
		return VMINT_EXIT_INTERNAL;
	}
	memset(&st, 0, sizeof(st));
	if (run_analysis(g, a, jobs, &st) < 0)
		rc = VMINT_EXIT_INPUT;
	host = g->hostname ? g->hostname : st.hostname[0] ? st.hostname : "?";
	if (rc == VMINT_EXIT_OK && host_vms_seen(&a->host) == 0)
		warn_msg("no virtual machine found in the trace of host '%s'", host);
	if (rc == VMINT_EXIT_OK && a->lost_events)
		warn_msg("%llu events were lost (discarded by LTTng); the windows concerned "
			 "say so in lost_events", (unsigned long long)a->lost_events);
	if (rc == VMINT_EXIT_OK && done && done(ctx, a, &st) < 0)
		rc = VMINT_EXIT_INTERNAL;
	trace_stats_fini(&st);
	analysis_destroy(a);
	vms_fini(&vms);
	return rc;
}
