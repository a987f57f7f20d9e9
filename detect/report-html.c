/* SPDX-License-Identifier: MIT */
/* One self-contained HTML page (inline CSS and SVG, nothing fetched): per
 * VM a timeline in the spirit of Trace Compass's resource view, with lanes
 * for CPU, disk and network use, interfered windows shaded by resource and
 * labelled with their culprit, then episodes and recommendations. */
#include "detect/report.h"
#include "common/err.h"
#include "common/outfile.h"
#include "common/version.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#define WIDTH 960
#define LABEL_W 70
#define LANE_H 34
#define LANES 3

static const char *const lane_names[LANES] = { "CPU", "disk", "net" };
static const char *const res_colors[RES__COUNT] = {
	[RES_CPU] = "#d62728", [RES_DISK] = "#ff7f0e", [RES_NET] = "#9467bd",
};

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static double lane_value(const struct window_use *u, int lane)
{
	switch (lane) {
	case 0: return u->cpu_cores;
	case 1: return u->disk_bps;
	default: return u->net_bps;
	}
}

static void fmt_time(char *buf, size_t len, uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

static void vm_timeline(FILE *f, const struct detect_result *r, int vm,
			const double *lane_max, uint64_t t0, uint64_t t1)
{
	double span = t1 > t0 ? (double)(t1 - t0) : 1;
	double plot_w = WIDTH - LABEL_W;
	int h = LANE_H * LANES + 18;
	char a[16], b[16];

	fprintf(f, "<svg width=\"%d\" height=\"%d\" role=\"img\">\n", WIDTH, h);
	for (int l = 0; l < LANES; l++)
		fprintf(f, "<text x=\"4\" y=\"%d\" class=\"lane\">%s</text>"
			"<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" class=\"axis\"/>\n",
			l * LANE_H + LANE_H / 2 + 4, lane_names[l], LABEL_W, WIDTH,
			(l + 1) * LANE_H, (l + 1) * LANE_H);
	for (size_t i = 0; i < r->nwindows; i++) {
		const struct window_result *w = &r->windows[i];
		double x = LABEL_W + plot_w * (double)(w->start_ns - t0) / span;
		double wd = fmax(1, plot_w * (double)(w->end_ns - w->start_ns) / span);

		if (w->vm != vm)
			continue;
		if (w->interference && w->resource != RES_NONE) {
			fprintf(f, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" "
				"fill=\"%s\" opacity=\"0.22\"><title>interfered on %s, p=%.2f",
				x, wd, LANE_H * LANES, res_colors[w->resource],
				resource_name(w->resource), w->probability);
			for (int c = 0; c < w->nculprits; c++) {
				fputs(c ? ", " : "; culprits: ", f);
				esc(f, detect_culprit_name(r, w->culprits[c].vm));
				fprintf(f, " %.0f%%", 100 * w->culprits[c].share);
			}
			fputs("</title></rect>\n", f);
			if (w->nculprits && wd >= 40) {
				/* the culprit in clear, where the window is wide enough */
				fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"culprit\">%s: ",
					x + 3, LANE_H * LANES - 4, resource_name(w->resource));
				esc(f, detect_culprit_name(r, w->culprits[0].vm));
				fputs("</text>\n", f);
			}
		}
		for (int l = 0; l < LANES; l++) {
			double v = lane_value(&w->use, l);
			double bh = lane_max[l] > 0 ? (LANE_H - 4) * v / lane_max[l] : 0;

			if (bh <= 0)
				continue;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"class=\"use\"/>\n", x, (l + 1) * LANE_H - bh, wd, bh);
		}
	}
	fmt_time(a, sizeof(a), t0);
	fmt_time(b, sizeof(b), t1);
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"tick\">%s UTC</text>"
		"<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%s</text>\n</svg>\n",
		LABEL_W, h - 2, a, WIDTH, h - 2, b);
}

static void style(FILE *f)
{
	fputs("<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
	      "h1{font-size:20px}h2{font-size:16px;margin:18px 0 4px}"
	      ".lane{font-size:11px;fill:#555}.tick{font-size:10px;fill:#777}"
	      ".axis{stroke:#ccc}.use{fill:#1f77b4;opacity:.8}"
	      ".culprit{font-size:10px;fill:#700}"
	      "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;"
	      "text-align:left}code{font-size:12px;background:#f4f4f4;padding:1px 3px}"
	      ".key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;"
	      "vertical-align:middle}</style>\n", f);
}

static void episodes(FILE *f, const struct detect_result *r)
{
	char a[16], b[16];

	if (r->nepisodes == 0)
		return;
	fputs("<h2>Interference episodes</h2>\n<table><tr><th>VM</th><th>resource</th>"
	      "<th>from</th><th>to</th><th>windows</th><th>culprits (share of the "
	      "delay)</th></tr>\n", f);
	for (size_t i = 0; i < r->nepisodes; i++) {
		const struct episode *e = &r->episodes[i];

		fmt_time(a, sizeof(a), e->start_ns);
		fmt_time(b, sizeof(b), e->end_ns);
		fputs("<tr><td>", f);
		esc(f, r->vms[e->vm].name);
		fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>",
			resource_name(e->resource), a, b, e->windows);
		for (int c = 0; c < e->nculprits; c++) {
			if (c)
				fputs(", ", f);
			esc(f, detect_culprit_name(r, e->culprits[c].vm));
			fprintf(f, " %.0f%%", 100 * e->culprits[c].share);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void recommendations(FILE *f, const struct detect_result *r)
{
	fputs("<h2>Recommendations</h2>\n<table><tr><th>action</th><th>VM</th>"
	      "<th>why</th><th>command</th></tr>\n", f);
	for (size_t i = 0; i < r->nrecs; i++) {
		const struct recommendation *rec = &r->recs[i];

		fprintf(f, "<tr><td>%s</td><td>", action_name(rec->action));
		esc(f, rec->vm >= 0 || rec->vm == CULPRIT_HOST ?
		    detect_culprit_name(r, rec->vm) : "");
		fputs("</td><td>", f);
		esc(f, rec->reason);
		fputs("</td><td><code>", f);
		esc(f, rec->command);
		fputs("</code></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

int report_write_html(const struct detect_result *r, const char *path)
{
	double lane_max[LANES] = { 0 };
	uint64_t t0 = UINT64_MAX, t1 = 0;
	struct outfile of;
	FILE *f;

	for (size_t i = 0; i < r->nwindows; i++) {
		const struct window_result *w = &r->windows[i];

		for (int l = 0; l < LANES; l++)
			lane_max[l] = fmax(lane_max[l], lane_value(&w->use, l));
		if (w->start_ns < t0)
			t0 = w->start_ns;
		if (w->end_ns > t1)
			t1 = w->end_ns;
	}
	if (outfile_open(&of, path) != 0)
		return -1;
	f = of.fp;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>vmint report</title>\n", f);
	style(f);
	fputs("</head><body>\n<h1>VM interference on ", f);
	esc(f, r->hostname ? r->hostname : "this host");
	fprintf(f, "</h1>\n<p>%zu VMs, %d pCPUs, %zu windows of %.3g s, %zu episodes; "
		"%llu events read, %llu lost. vmint %s.</p>\n", r->nvms, r->cpus,
		r->nwindows, (double)r->window_ns / 1e9, r->nepisodes,
		(unsigned long long)r->events, (unsigned long long)r->discarded_events,
		VMINT_VERSION);
	fprintf(f, "<p class=\"key\">Bars: CPU cores (max %.2f), disk (max %.1f MB/s), "
		"network (max %.1f MB/s). Shaded: interfered on<span style=\"background:%s\">"
		"</span>CPU<span style=\"background:%s\"></span>disk<span style=\"background:%s\">"
		"</span>network (hover for the culprits).</p>\n", lane_max[0],
		lane_max[1] / 1e6, lane_max[2] / 1e6, res_colors[RES_CPU],
		res_colors[RES_DISK], res_colors[RES_NET]);
	if (r->nvms == 0)
		fputs("<p>No virtual machine was found in this trace.</p>\n", f);
	for (size_t v = 0; v < r->nvms; v++) {
		const struct vm_result *vm = &r->vms[v];

		fputs("<h2>", f);
		esc(f, vm->name);
		if (vm->process)
			fprintf(f, " <small>pid %lld, a process tenant, workload %s (%.0f%%), "
				"interfered in %d of %d windows</small></h2>\n",
				(long long)vm->pid, workload_name(vm->workload),
				100 * vm->workload_prob[vm->workload],
				vm->interfered_windows, vm->windows);
		else
		fprintf(f, " <small>pid %lld, %d vCPUs, workload %s (%.0f%%), interfered in "
			"%d of %d windows</small></h2>\n", (long long)vm->pid, vm->vcpus,
			workload_name(vm->workload), 100 * vm->workload_prob[vm->workload],
			vm->interfered_windows, vm->windows);
		vm_timeline(f, r, (int)v, lane_max, t0, t1);
	}
	episodes(f, r);
	recommendations(f, r);
	fputs("</body></html>\n", f);
	if (ferror(f)) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of);
}
