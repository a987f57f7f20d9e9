/* SPDX-License-Identifier: MIT */
#include "model/inputs.h"
#include "common/err.h"
#include "common/vms.h"
#include "extract/analysis.h"
#include "extract/features.h"
#include "extract/run.h"
#include "extract/read/trace.h"
#include "common/labels.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

int input_list_add(struct input_list *l, const char *path)
{
	struct input *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	l->v = v;
	v[l->n].path = path;
	v[l->n].labels = NULL;
	v[l->n].group = NULL;
	l->n++;
	return 0;
}

int input_list_set_labels(struct input_list *l, const char *labels)
{
	if (l->n == 0) {
		err_fail(ERR_USAGE, "--labels '%s' must follow the trace it labels", labels);
		return -1;
	}
	if (l->v[l->n - 1].labels) {
		err_fail(ERR_USAGE, "'%s' has two --labels files", l->v[l->n - 1].path);
		return -1;
	}
	l->v[l->n - 1].labels = labels;
	return 0;
}

int input_list_set_group(struct input_list *l, const char *group)
{
	if (l->n == 0) {
		err_fail(ERR_USAGE, "--group '%s' must follow the input it groups", group);
		return -1;
	}
	if (l->v[l->n - 1].group) {
		err_fail(ERR_USAGE, "'%s' has two --group names", l->v[l->n - 1].path);
		return -1;
	}
	l->v[l->n - 1].group = group;
	return 0;
}

void input_list_fini(struct input_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Appends each analysed (VM, window) of a trace, labeled from labels.json. */
struct trace_load {
	struct dataset *ds;          /* weak */
	const struct labels *labels; /* weak */
	int group;
	size_t rows, labeled;
};

static int on_trace_row(void *ctx, const struct window_row *row)
{
	struct trace_load *tl = ctx;
	struct ds_row_meta meta = {
		.vm = (char *)row->vm->name, .pid = row->vm->pid,
		.start_ns = row->start_ns, .end_ns = row->end_ns, .group = tl->group,
	};
	struct ds_labels lab = { DS_UNLABELED, DS_UNLABELED, DS_UNLABELED };
	struct window_label wl;

	/* The CSV reader refuses non-finite values; so does this path. */
	for (size_t j = 0; j < nr_features; j++) {
		if (!isfinite(row->features[j])) {
			err_fail(ERR_INTERNAL, "VM '%s', window at %" PRIu64 " ns: feature %s is %g (extractor bug)",
				 row->vm->name, row->start_ns, features[j].name,
				 row->features[j]);
			return -1;
		}
	}
	tl->rows++;
	if (labels_lookup(tl->labels, row->vm->name, row->start_ns, row->end_ns, &wl)) {
		tl->labeled++;
		lab.interference = wl.interference ? 1 : 0;
		lab.resource = wl.resource;
		lab.workload = wl.workload != LABEL_ABSENT ? wl.workload : DS_UNLABELED;
	}
	return dataset_append(tl->ds, &meta, row->features, &lab);
}

static int load_group(const struct input *in, const struct trace_group *g,
		      struct trace_load *tl, uint64_t window_ns)
{
	struct analysis_config cfg = { .window_ns = window_ns, .on_row = on_trace_row, .ctx = tl };
	char *paths[1] = { (char *)in->path };
	struct trace_stats st;
	struct vms_file vms;
	struct analysis *a;
	int ret;

	if (run_load_vms(NULL, g, paths, 1, &vms) < 0)
		return -1;
	cfg.vms = vms.n ? &vms : NULL;
	a = analysis_create(&cfg);
	if (!a) {
		vms_fini(&vms);
		return -1;
	}
	memset(&st, 0, sizeof(st));
	ret = run_analysis(g, a, 1, &st);
	trace_stats_fini(&st);
	analysis_destroy(a);
	vms_fini(&vms);
	return ret;
}

static int load_trace(const struct input *in, struct dataset *ds)
{
	const char **names = NULL;
	struct trace_group *groups = NULL;
	char *paths[1] = { (char *)in->path };
	struct labels labels;
	struct trace_load tl = { .ds = ds, .labels = &labels };
	size_t ngroups = 0;
	char what[4200];
	int ret = -1;

	memset(&labels, 0, sizeof(labels));
	if (!in->labels) {
		err_fail(ERR_INPUT, "trace '%s' needs --labels FILE after it (labels.json: the windows' truth)",
			 in->path);
		return -1;
	}
	names = malloc(nr_features * sizeof(*names));
	if (!names) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (size_t j = 0; j < nr_features; j++)
		names[j] = features[j].name;
	snprintf(what, sizeof(what), "trace '%s'", in->path);
	if (dataset_set_names(ds, names, nr_features, what) < 0 ||
	    labels_load(in->labels, &labels) < 0 ||
	    trace_discover(paths, 1, &groups, &ngroups) < 0)
		goto end;
	tl.group = dataset_add_group(ds, in->path);
	if (tl.group < 0)
		goto end;
	/* The labels' window is the window the truth was computed for. */
	for (size_t i = 0; i < ngroups; i++)
		if (load_group(in, &groups[i], &tl, labels.window_ns) < 0)
			goto end;
	if (tl.labeled == 0)
		warn_msg("trace '%s': none of its %zu windows has a label in '%s' (do the VM names of vms.json and labels.json agree?)",
			 in->path, tl.rows, in->labels);
	ds->has_labels = 1;
	ret = 0;
end:
	if (ret < 0)
		err_append("cannot read trace '%s' with labels '%s'", in->path, in->labels);
	trace_groups_free(groups, ngroups);
	labels_fini(&labels);
	free(names);
	return ret;
}

static int load_all(const struct input_list *l, struct dataset *ds, int tty)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct input *in = &l->v[i];
		struct stat st;

		/* Reading traces takes a while: say how far we are. */
		if (tty)
			fprintf(stderr, "\rvmint: reading input %zu/%zu \033[K%s", i + 1,
				l->n, in->path);

		if (stat(in->path, &st) != 0) {
			err_fail(ERR_INPUT, "cannot open '%s': %s", in->path, strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (load_trace(in, ds) < 0)
				return -1;
			continue;
		}
		if (in->labels) {
			err_fail(ERR_INPUT, "'%s' is a features CSV: its labels are in its label columns, --labels '%s' is for a trace",
				 in->path, in->labels);
			return -1;
		}
		if (dataset_read_csv(ds, in->path) < 0)
			return -1;
	}
	return 0;
}

int input_list_load(const struct input_list *l, struct dataset *ds)
{
	int tty = isatty(STDERR_FILENO) && l->n > 1;
	int ret = load_all(l, ds, tty);

	if (tty)
		fputs("\r\033[K", stderr);
	return ret;
}
