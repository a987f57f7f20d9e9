/* SPDX-License-Identifier: MIT */
/* `vmint train`: the command line; the pipeline (scaling, grid search with
 * cross-validation grouped by input, three libsvm classifiers, model
 * directory) is model/trainer.c. */
#include "model/cmd.h"
#include "common/err.h"
#include "model/dataset.h"
#include "model/inputs.h"
#include "model/trainer.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: vmint train {(TRACE --labels FILE | FEATURES.csv) [--group NAME]}...\n"
	"                   -o MODELDIR [options]\n"
	"\n"
	"Trains the classifiers of vmint on labeled windows and writes a model\n"
	"directory (model.json + interference.model, workload.model, resource.model):\n"
	"  interference  is this (VM, window) slowed down by a neighbour?\n"
	"  workload      idle, cpu, disk or net\n"
	"  resource      cpu, disk or net, for interfered windows\n"
	"C-SVC with RBF kernel, probability estimates, balanced class weights. C and\n"
	"gamma are chosen by grid search with k-fold cross-validation grouped by input:\n"
	"the windows of one input (one CSV or trace) never fall on both sides of a\n"
	"fold, so give several inputs (with one input, folds are contiguous time blocks).\n"
	"Inputs given the same --group NAME (e.g. runs of one scenario with other\n"
	"seeds) are one group: a stricter, more honest cross-validation.\n"
	"Features are scaled as model.json records (log1p for rates, then z-score).\n"
	"\n"
	"Inputs: a trace (or session) directory followed by --labels labels.json, as\n"
	"'vmint simulate' writes them (vms.json is looked for as 'vmint extract'\n"
	"does; the window is labels.json's window_ns), or a features CSV written by\n"
	"'vmint extract --labels'. Unlabeled windows are left out.\n"
	"\n"
	"options:\n"
	"  -o, --output DIR      model directory to write (replaced atomically; an\n"
	"                        existing DIR must be a model directory or empty)\n"
	"  -k, --folds N         cross-validation folds (default 5, at most one per input)\n"
	"  -j, --jobs N          threads for the grid search (default: online CPUs)\n"
	"      --grid-rows N     grid-search on at most N rows per classifier, a fixed\n"
	"                        random subset (default 3000; 0 = all); the final model\n"
	"                        uses every row\n"
	"      --c-log2 LO:HI:STEP      C grid, powers of 2 (default -1:9:2)\n"
	"      --gamma-log2 LO:HI:STEP  gamma grid, powers of 2 (default -9:1:2)\n"
	"  -q, --quiet           no summary on stdout, no progress line on stderr\n"
	"  -v, --verbose         libsvm's own messages on stderr\n"
	"  -h, --help            this help\n"
	"\n"
	"exit codes: 0 ok, 1 usage, 2 bad input, 3 internal or write error,\n"
	"130 interrupted\n";

enum { OPT_LABELS = 256, OPT_GROUP, OPT_GRID_ROWS, OPT_C, OPT_GAMMA };

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "labels", required_argument, NULL, OPT_LABELS },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "folds", required_argument, NULL, 'k' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "grid-rows", required_argument, NULL, OPT_GRID_ROWS },
	{ "c-log2", required_argument, NULL, OPT_C },
	{ "gamma-log2", required_argument, NULL, OPT_GAMMA },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_int(const char *s, const char *opt, long lo, long hi, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	if (*s == '\0' || *end || *out < lo || *out > hi) {
		err_fail(ERR_USAGE, "%s '%s': expected an integer in %ld..%ld", opt, s, lo, hi);
		return -1;
	}
	return 0;
}

static int parse_range(const char *s, const char *opt, struct log2_range *r)
{
	char tail;

	if (sscanf(s, "%lf:%lf:%lf%c", &r->lo, &r->hi, &r->step, &tail) != 3 ||
	    !(r->step > 0) || r->hi < r->lo || (r->hi - r->lo) / r->step > 99) {
		err_fail(ERR_USAGE, "%s '%s': expected LO:HI:STEP with LO <= HI, STEP > 0, at most 100 values",
			 opt, s);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct train_opts *o,
		      struct input_list *in)
{
	long v;
	int c;

	opterr = 0;
	optind = 1;
	/* "-": inputs come back in order as option 1, so --labels can follow its trace. */
	while ((c = getopt_long(argc, argv, "-o:k:j:qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (input_list_add(in, optarg) < 0)
				return -1;
			break;
		case OPT_LABELS:
			if (input_list_set_labels(in, optarg) < 0)
				return -1;
			break;
		case OPT_GROUP:
			if (input_list_set_group(in, optarg) < 0)
				return -1;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'k':
			if (parse_int(optarg, "--folds", 2, 64, &v) < 0)
				return -1;
			o->folds = (int)v;
			break;
		case 'j':
			if (parse_int(optarg, "--jobs", 1, 16, &v) < 0)
				return -1;
			o->jobs = (int)v;
			break;
		case OPT_GRID_ROWS:
			if (parse_int(optarg, "--grid-rows", 0, 100000000, &v) < 0)
				return -1;
			o->grid_rows = (size_t)v;
			break;
		case OPT_C:
			if (parse_range(optarg, "--c-log2", &o->c) < 0)
				return -1;
			break;
		case OPT_GAMMA:
			if (parse_range(optarg, "--gamma-log2", &o->gamma) < 0)
				return -1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			err_fail(ERR_USAGE, "unknown option or missing argument: '%s' (see 'vmint train --help')",
				 argv[optind - 1]);
			return -1;
		}
	}
	if (in->n == 0 || !o->out) {
		err_fail(ERR_USAGE, "train needs at least one input and -o MODELDIR (see 'vmint train --help')");
		return -1;
	}
	return 0;
}

int cmd_train(int argc, char **argv)
{
	struct train_opts o = {
		.folds = 5,
		.grid_rows = 3000,
		.c = { -1, 9, 2 },
		.gamma = { -9, 1, 2 },
	};
	struct input_list in = { 0 };
	struct dataset ds;
	const char **groups = NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int st, ret;

	o.jobs = ncpu > 0 ? (ncpu > 16 ? 16 : (int)ncpu) : 1;
	dataset_init(&ds);
	st = parse_args(argc, argv, &o, &in);
	if (st != 0) {
		input_list_fini(&in);
		return st > 0 ? VMINT_EXIT_OK : VMINT_EXIT_USAGE;
	}
	groups = malloc((in.n ? in.n : 1) * sizeof(*groups));
	if (!groups) {
		err_fail(ERR_RESOURCE, "out of memory");
		ret = VMINT_EXIT_INTERNAL;
	} else if (input_list_load(&in, &ds) < 0) {
		ret = err_exit(VMINT_EXIT_INPUT);
	} else {
		/* Each input is one dataset group, in order. */
		for (size_t i = 0; i < in.n; i++)
			groups[i] = in.v[i].group;
		o.cv_groups = groups;
		ret = trainer_run(&o, &ds);
	}
	free(groups);
	dataset_fini(&ds);
	input_list_fini(&in);
	return ret;
}
