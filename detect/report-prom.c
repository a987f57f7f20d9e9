/* SPDX-License-Identifier: MIT */
/* Per-VM interference figures in Prometheus' text exposition format, for
 * node_exporter's textfile collector (written atomically, as it asks). */
#include "detect/report.h"
#include "common/err.h"
#include "common/outfile.h"

#include <errno.h>
#include <string.h>

/* Label values escape backslash, double quote and newline. */
static void put_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
	fputc('"', f);
}

static void header(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void vm_res_labels(FILE *f, const char *metric, const char *vm,
			  enum resource res)
{
	fprintf(f, "%s{vm=", metric);
	put_label(f, vm);
	fprintf(f, ",resource=\"%s\"}", resource_name(res));
}

int report_write_prom(const struct detect_result *r, const char *path)
{
	struct outfile of;
	FILE *f;

	if (outfile_open(&of, path) != 0)
		return -1;
	f = of.fp;
	header(f, "vmint_windows", "Analysed windows of the VM.");
	for (size_t v = 0; v < r->nvms; v++) {
		fputs("vmint_windows{vm=", f);
		put_label(f, r->vms[v].name);
		fprintf(f, "} %d\n", r->vms[v].windows);
	}
	/* where the model was not trusted (model/classify.h): alert on a rise */
	header(f, "vmint_out_of_distribution_windows", "Windows outside the model's training data (the measurement and the workload rule decided).");
	for (size_t v = 0; v < r->nvms; v++) {
		fputs("vmint_out_of_distribution_windows{vm=", f);
		put_label(f, r->vms[v].name);
		fprintf(f, "} %d\n", r->vms[v].ood_windows);
	}
	header(f, "vmint_interfered_windows", "Windows in which the VM was interfered, by resource.");
	for (size_t v = 0; v < r->nvms; v++) {
		for (enum resource res = RES_CPU; res < RES__COUNT; res++) {
			int n = 0;

			for (size_t w = 0; w < r->nwindows; w++)
				n += r->windows[w].vm == (int)v && r->windows[w].interference &&
				     r->windows[w].resource == res;
			vm_res_labels(f, "vmint_interfered_windows", r->vms[v].name, res);
			fprintf(f, " %d\n", n);
		}
	}
	header(f, "vmint_interference_probability_max", "Highest probability of interference in any window.");
	for (size_t v = 0; v < r->nvms; v++) {
		double p = 0;

		for (size_t w = 0; w < r->nwindows; w++)
			if (r->windows[w].vm == (int)v && r->windows[w].probability > p)
				p = r->windows[w].probability;
		fputs("vmint_interference_probability_max{vm=", f);
		put_label(f, r->vms[v].name);
		fprintf(f, "} %.6f\n", p);
	}
	header(f, "vmint_culprit_share", "Mean share of the VM's delay caused by a culprit over its episodes on a resource.");
	for (size_t e = 0; e < r->nepisodes; e++) {
		const struct episode *ep = &r->episodes[e];

		for (int c = 0; c < ep->nculprits; c++) {
			fputs("vmint_culprit_share{vm=", f);
			put_label(f, r->vms[ep->vm].name);
			fprintf(f, ",resource=\"%s\",culprit=", resource_name(ep->resource));
			put_label(f, detect_culprit_name(r, ep->culprits[c].vm));
			fprintf(f, ",episode=\"%zu\"} %.6f\n", e, ep->culprits[c].share);
		}
	}
	if (ferror(f)) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of);
}
