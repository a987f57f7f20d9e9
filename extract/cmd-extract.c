/* SPDX-License-Identifier: MIT */
/* `vmint extract`: per-(VM, window) features of host kernel traces. */
#include "extract/cmd.h"
#include "common/err.h"
#include "common/vms.h"
#include "extract/analysis.h"
#include "extract/feat-out.h"
#include "extract/features.h"
#include "extract/run.h"
#include "extract/read/trace.h"
#include "common/labels.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

struct extract_opts {
	const char *vms_path, *labels_path, *out_path;
	uint64_t window_ns;
	enum feat_format format;
};

struct extract_run {
	struct feat_out out;
	struct labels labels;
	int with_labels;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vmint extract TRACE... [--vms FILE] [--window DUR]\n"
		"                     [--format csv|libsvm] [--labels FILE] [-j N] [-o FILE]\n\n"
		"Reads LTTng kernel traces of a KVM host (trace or session directories)\n"
		"and writes one row per (VM, window) with activity: vm,pid,start_ns,end_ns,\n"
		"then the features (extract/FEATURES.md), then with --labels\n"
		"label_interference,label_resource,label_workload.\n\n"
		"  --vms FILE       vms.json naming the QEMU processes (default: vms.json\n"
		"                   beside the trace or in its session directory;\n"
		"                   without it VMs are named qemu-<pid>)\n"
		"  --window DUR     window length, e.g. 500ms, 1s, 2s, 100us (default 1s);\n"
		"                   windows are aligned to multiples of it since the epoch\n"
		"  --format FMT     csv (default) or libsvm (+ FILE.names, needs -o)\n"
		"  --labels FILE    labels.json: add each window's label; unlabeled windows\n"
		"                   get empty label cells (csv) or are left out (libsvm)\n"
		"  -o, --output FILE  output file (default: standard output)\n"
		"  -j, --jobs N     decode each host's streams in N threads (default 1);\n"
		"                   the same rows, faster on several cores\n"
		"  --list-features  print the feature table (name, unit, meaning) as\n"
		"                   Markdown and exit (extract/FEATURES.md is this)\n"
		"  -h, --help       this help\n\n"
		"exit codes: 0 ok (also when no VM is found: header only), 1 usage,\n"
		"2 bad input, 3 internal or write error, 130 interrupted\n");
}

static void list_features(FILE *fp)
{
	size_t i;

	fprintf(fp, "| # | name | unit | meaning |\n| ---: | --- | --- | --- |\n");
	for (i = 0; i < nr_features; i++)
		fprintf(fp, "| %zu | `%s` | %s | %s |\n", i + 1, features[i].name,
			features[i].unit, features[i].meaning);
}

static int parse(int argc, char **argv, struct extract_opts *o)
{
	static const struct option longopts[] = {
		{ "vms", required_argument, NULL, 'V' },
		{ "window", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "labels", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-features", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:hj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'V': o->vms_path = optarg; break;
		case 'l': o->labels_path = optarg; break;
		case 'o': o->out_path = optarg; break;
		case 'j':
			if (run_parse_jobs(optarg) < 0)
				return VMINT_EXIT_USAGE;
			break;
		case 'w':
			if (run_parse_duration(optarg, &o->window_ns) < 0)
				return VMINT_EXIT_USAGE;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0) {
				o->format = FEAT_CSV;
			} else if (strcmp(optarg, "libsvm") == 0) {
				o->format = FEAT_LIBSVM;
			} else {
				err_fail(ERR_USAGE, "unknown format '%s' (expected csv or libsvm)", optarg);
				return VMINT_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'L':
			list_features(stdout);
			return -1;
		default:
			usage(stderr);
			return VMINT_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		err_fail(ERR_USAGE, "no trace given");
		return VMINT_EXIT_USAGE;
	}
	return VMINT_EXIT_OK;
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
		.window_ns = o->window_ns, .on_row = on_row, .ctx = r,
	};
	int rc = run_group(o->vms_path, g, paths, npaths, cfg, NULL, NULL);

	/* A write error stops the read with a resource cause (feat_out_row):
	 * the code comes from the chain's kind, not from the stream's state. */
	return rc == VMINT_EXIT_OK ? rc : err_exit(rc);
}

int cmd_extract(int argc, char **argv)
{
	struct extract_opts o = { .window_ns = 1000000000ull, .out_path = "-",
				  .format = FEAT_CSV };
	struct extract_run r;
	struct trace_group *groups = NULL;
	size_t ngroups = 0, i;
	int rc = parse(argc, argv, &o);

	if (rc < 0)
		return VMINT_EXIT_OK;
	if (rc != VMINT_EXIT_OK)
		return rc;
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
	if (feat_out_open(&r.out, o.out_path, o.format, r.with_labels) < 0) {
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
