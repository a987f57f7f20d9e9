/* SPDX-License-Identifier: MIT */
/* Per-VM interference figures in Prometheus' text exposition format, for
 * node_exporter's textfile collector (written atomically, as it asks). */
#include "detect/report.h"
#include "common/err.h"
#include "common/outfile.h"
#include "detect/prom.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The per-VM counts over every window of the result. */
static struct prom_vm_counts *vm_counts(const struct detect_result *r)
{
	struct prom_vm_counts *c = calloc(r->nvms ? r->nvms : 1, sizeof(*c));

	if (!c)
		return NULL;
	for (size_t v = 0; v < r->nvms; v++) {
		c[v].vm = r->vms[v].name;
		c[v].windows = r->vms[v].windows;
		c[v].ood_windows = r->vms[v].ood_windows;
	}
	for (size_t w = 0; w < r->nwindows; w++) {
		const struct window_result *wr = &r->windows[w];
		struct prom_vm_counts *v = &c[wr->vm];

		if (wr->interference)
			v->interfered[wr->resource]++;
		if (wr->probability > v->probability_max)
			v->probability_max = wr->probability;
	}
	return c;
}

int report_write_prom(const struct detect_result *r, const char *path)
{
	struct prom_vm_counts *counts = vm_counts(r);
	struct outfile of;
	FILE *f;

	if (!counts) {
		err_fail(ERR_RESOURCE, "cannot write '%s': out of memory", path);
		return -1;
	}
	if (outfile_open(&of, path) != 0) {
		free(counts);
		return -1;
	}
	f = of.fp;
	prom_vm_counts(f, counts, r->nvms);
	free(counts);
	prom_family(f, "vmint_culprit_share", "gauge",
		    "Mean share of the VM's delay caused by a culprit over its episodes on a resource.");
	for (size_t e = 0; e < r->nepisodes; e++) {
		const struct episode *ep = &r->episodes[e];
		char index[24];

		snprintf(index, sizeof(index), "%zu", e);
		for (int c = 0; c < ep->nculprits; c++)
			prom_sample(f, "vmint_culprit_share", ep->culprits[c].share,
				    "vm", r->vms[ep->vm].name, "resource", resource_name(ep->resource),
				    "culprit", detect_culprit_name(r, ep->culprits[c].vm),
				    "episode", index, NULL);
	}
	if (ferror(f)) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of);
}
