/* SPDX-License-Identifier: MIT */
/* `vmint extract`: per-(VM, window) features of host kernel traces. */
#include "extract/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/vms.h"
#include "extract/analysis.h"
#include "extract/feat-out.h"
#include "extract/features.h"
#include "extract/run.h"
#include "extract/read/trace.h"
#include "common/labels.h"

#include <stdio.h>
#include <string.h>

struct extract_opts {
	struct cli_common com; /* -o, --vms, --window, -j */
	const char *labels_path;
	enum feat_format format;
};

struct extract_run {
	struct feat_out out;
	struct labels labels;
	int with_labels;
};

enum { OPT_FORMAT = CLI_OWN, OPT_LABELS, OPT_LIST_FEATURES };

static const struct cli_option options[] = {
	{ "vms", CLI_VMS, "FILE", NULL },
	{ "window", CLI_WINDOW, "DUR", NULL },
	{ "format", OPT_FORMAT, "FMT", "csv (default) or libsvm (+ FILE.names, needs -o)" },
	{ "labels", OPT_LABELS, "FILE", "labels.json: add each window's label; unlabeled "
	  "windows get empty label cells (csv) or are left out (libsvm)" },
	{ "output", CLI_OUTPUT, "FILE", "output file (default: standard output)" },
	{ "jobs", CLI_JOBS, "N", "decode each host's streams in N threads (default 1); "
	  "the same rows, faster on several cores" },
	{ "list-features", OPT_LIST_FEATURES, NULL, "print the feature table (name, unit, "
	  "meaning, transfer, why) as Markdown and exit (extract/FEATURES.md is this)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec spec = {
	.cmd = "extract",
	.head =
		"usage: vmint extract TRACE... [--vms FILE] [--window DUR]\n"
		"                     [--format csv|libsvm] [--labels FILE] [-j N] [-o FILE]\n\n"
		"Reads LTTng kernel traces of a KVM host (trace or session directories)\n"
		"and writes one row per (VM, window) with activity: vm,pid,start_ns,end_ns,\n"
		"then the features (extract/FEATURES.md), then with --labels\n"
		"label_interference,label_resource,label_workload.\n",
	.opts = options,
	.notes = "A trace with no VM gives the header alone.\n",
};

static void list_features(FILE *fp)
{
	size_t i;

	fprintf(fp, "| # | name | unit | meaning | transfer | why |\n"
		"| ---: | --- | --- | --- | --- | --- |\n");
	for (i = 0; i < nr_features; i++)
		fprintf(fp, "| %zu | `%s` | %s | %s | %s | %s |\n", i + 1, features[i].name,
			features[i].unit, features[i].meaning,
			features[i].transfer ? "yes" : "no", features[i].why);
}

/* Returns CLI_RUN, or the exit code when the command ends here. */
static int parse(int argc, char **argv, struct extract_opts *o)
{
	struct cli cli;
	int key;

	cli_begin(&cli, &spec, &o->com);
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		switch (key) {
		case OPT_LABELS:
			o->labels_path = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0)
				o->format = FEAT_CSV;
			else if (strcmp(optarg, "libsvm") == 0)
				o->format = FEAT_LIBSVM;
			else
				return cli_usage(&cli, "--format: unknown format '%s' (expected csv or libsvm)",
						 optarg);
			break;
		case OPT_LIST_FEATURES:
			list_features(stdout);
			return VMINT_EXIT_OK;
		}
	}
	if (key < 0)
		return cli.status;
	if (optind >= argc)
		return cli_usage(&cli, "no trace given");
	return CLI_RUN;
}

static int on_row(void *ctx, const struct window_row *row)
{
	struct extract_run *r = ctx;
	struct window_label label;
	int labeled = 0;

	if (r->with_labels)
		labeled = labels_lookup(&r->labels, row->vm->name, row->start_ns,
					row->end_ns, &label);
	return feat_out_row(&r->out, row, labeled ? &label : NULL);
}

static int extract_group(const struct extract_opts *o, struct extract_run *r,
			 const struct trace_group *g, char **paths, size_t npaths)
{
	struct analysis_config cfg = {
		.window_ns = o->com.window_ns, .on_row = on_row, .ctx = r,
	};
	int rc = run_group(o->com.vms, g, paths, npaths, cfg, o->com.jobs, NULL, NULL);

	/* A write error stops the read with a resource cause (feat_out_row):
	 * the code comes from the chain's kind, not from the stream's state. */
	return rc == VMINT_EXIT_OK ? rc : err_exit(rc);
}

int cmd_extract(int argc, char **argv)
{
	struct extract_opts o = {
		.com = { .output = "-", .jobs = 1, .window_ns = 1000000000ull },
		.format = FEAT_CSV,
	};
	struct extract_run r;
	struct trace_group *groups = NULL;
	size_t ngroups = 0, i;
	int rc = parse(argc, argv, &o);

	if (rc != CLI_RUN)
		return rc;
	rc = VMINT_EXIT_OK;
	memset(&r, 0, sizeof(r));
	if (o.labels_path) {
		if (labels_load(o.labels_path, &r.labels) < 0)
			return VMINT_EXIT_INPUT;
		r.with_labels = 1;
	}
	if (trace_discover(argv + optind, (size_t)(argc - optind), &groups, &ngroups) < 0) {
		labels_fini(&r.labels);
		return VMINT_EXIT_INPUT;
	}
	if (feat_out_open(&r.out, o.com.output, o.format, r.with_labels) < 0) {
		rc = err_exit(VMINT_EXIT_INTERNAL); /* usage: libsvm to stdout */
		goto end;
	}
	for (i = 0; i < ngroups && rc == VMINT_EXIT_OK; i++)
		rc = extract_group(&o, &r, &groups[i], argv + optind, (size_t)(argc - optind));
	if (rc == VMINT_EXIT_OK && feat_out_commit(&r.out) < 0)
		rc = VMINT_EXIT_INTERNAL;
	else if (rc != VMINT_EXIT_OK)
		feat_out_abort(&r.out);
end:
	trace_groups_free(groups, ngroups);
	labels_fini(&r.labels);
	return rc;
}
