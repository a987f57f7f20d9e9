/* SPDX-License-Identifier: MIT */
/* `vmint train`: the command line; the pipeline (scaling, grid search with
 * cross-validation grouped by input, three libsvm classifiers, model
 * directory) is model/trainer.c. */
#include "model/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "model/dataset.h"
#include "model/inputs.h"
#include "model/trainer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The names of a --features file, one a line. */
struct name_list {
	char **v;
	size_t n;
	const char *path;
};

static void name_list_fini(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Reads `path`: a name per line, blanks around it, '#' comments and
 * empty lines ignored. Returns 0 or -1 (cause appended). */
static int name_list_read(struct name_list *l, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	l->path = path;
	if (!fp) {
		err_fail(ERR_INPUT, "cannot open --features file '%s': %s", path, strerror(errno));
		return -1;
	}
	while (ret == 0 && getline(&line, &cap, fp) >= 0) {
		char *p = line + strspn(line, " \t"), *end = p + strcspn(p, "#\r\n");
		char **v;

		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == p)
			continue;
		*end = '\0';
		v = realloc(l->v, (l->n + 1) * sizeof(*v));
		if (!v || !(v[l->n] = strdup(p))) {
			if (v)
				l->v = v;
			err_fail(ERR_RESOURCE, "out of memory");
			ret = -1;
			break;
		}
		l->v = v;
		l->n++;
	}
	free(line);
	fclose(fp);
	if (ret == 0 && l->n == 0) {
		err_fail(ERR_INPUT, "--features file '%s' names no feature", path);
		ret = -1;
	}
	return ret;
}

enum { OPT_LABELS = CLI_OWN, OPT_GROUP, OPT_GRID_ROWS, OPT_FINAL_ROWS, OPT_C, OPT_GAMMA, OPT_FEATURES };

static const struct cli_option options[] = {
	{ "output", CLI_OUTPUT, "DIR", "model directory to write (replaced atomically; an "
	  "existing DIR must be a model directory or empty)" },
	{ "labels", OPT_LABELS, "FILE", "labels.json of the trace before it" },
	{ "group", OPT_GROUP, "NAME", "the input before it belongs to cross-validation "
	  "group NAME" },
	{ "folds", 'k', "N", "cross-validation folds, 2 to 64 (default 5, at most one per "
	  "input)" },
	{ "jobs", CLI_JOBS, "N", "threads for the grid search (default: online CPUs)" },
	{ "grid-rows", OPT_GRID_ROWS, "N", "grid-search on at most N rows per classifier, "
	  "a fixed random subset (default 3000; 0 = all)" },
	{ "final-rows", OPT_FINAL_ROWS, "N", "train each final classifier on at most N rows, "
	  "a fixed random subset (default 0 = all): libsvm's cost grows about with the "
	  "square of the rows" },
	{ "features", OPT_FEATURES, "FILE", "use only the features named in FILE, one per "
	  "line ('#' starts a comment; default: all); model.json lists them in "
	  "used_features" },
	{ "c-log2", OPT_C, "LO:HI:STEP", "C grid, powers of 2 (default -1:9:2)" },
	{ "gamma-log2", OPT_GAMMA, "LO:HI:STEP", "gamma grid, powers of 2 (default -9:1:2)" },
	{ "quiet", 'q', NULL, "no summary on stdout, no progress line on stderr" },
	{ "verbose", 'v', NULL, "libsvm's own messages on stderr" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec spec = {
	.cmd = "train",
	.head =
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
		"Features are scaled as model.json records (log1p for rates, then z-score);\n"
		"--features FILE trains on a subset of them.\n"
		"\n"
		"Inputs: a trace (or session) directory followed by --labels labels.json, as\n"
		"'vmint simulate' writes them (vms.json is looked for as 'vmint extract'\n"
		"does; the window is labels.json's window_ns), or a features CSV written by\n"
		"'vmint extract --labels'. Unlabeled windows are left out.\n",
	.opts = options,
	.in_order = 1,
};

static int parse_range(struct cli *cli, struct log2_range *r)
{
	char tail;

	if (sscanf(optarg, "%lf:%lf:%lf%c", &r->lo, &r->hi, &r->step, &tail) != 3 ||
	    !(r->step > 0) || r->hi < r->lo || (r->hi - r->lo) / r->step > 99)
		return cli_usage(cli, "--%s: invalid range '%s' (expected LO:HI:STEP with "
				 "LO <= HI, STEP > 0, at most 100 values)",
				 cli->key == OPT_C ? "c-log2" : "gamma-log2", optarg);
	return 0;
}

/* Returns CLI_RUN, or the exit code when the command ends here. */
static int parse_args(int argc, char **argv, struct train_opts *o,
		      struct input_list *in, const char **features)
{
	struct cli_common com = { .jobs = o->jobs };
	struct cli cli;
	uint64_t v;
	int key;

	cli_begin(&cli, &spec, &com);
	/* in order: --labels and --group belong to the input before them */
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		switch (key) {
		case CLI_OPERAND:
			if (input_list_add(in, optarg) < 0)
				return VMINT_EXIT_INTERNAL;
			break;
		case OPT_LABELS:
			if (input_list_set_labels(in, optarg) < 0)
				return cli_usage(&cli, "bad --labels");
			break;
		case OPT_GROUP:
			if (input_list_set_group(in, optarg) < 0)
				return cli_usage(&cli, "bad --group");
			break;
		case 'k':
			if (cli_uint(&cli, 2, 64, &v) < 0)
				return cli.status;
			o->folds = (int)v;
			break;
		case OPT_GRID_ROWS:
			if (cli_uint(&cli, 0, 100000000, &v) < 0)
				return cli.status;
			o->grid_rows = (size_t)v;
			break;
		case OPT_FINAL_ROWS:
			if (cli_uint(&cli, 0, 100000000, &v) < 0)
				return cli.status;
			o->final_rows = (size_t)v;
			break;
		case OPT_C:
			if (parse_range(&cli, &o->c) != 0)
				return VMINT_EXIT_USAGE;
			break;
		case OPT_GAMMA:
			if (parse_range(&cli, &o->gamma) != 0)
				return VMINT_EXIT_USAGE;
			break;
		case OPT_FEATURES:
			*features = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		}
	}
	if (key < 0)
		return cli.status;
	if (in->n == 0 || !com.output)
		return cli_usage(&cli, "train needs at least one input and -o MODELDIR");
	o->out = com.output;
	o->jobs = com.jobs;
	return CLI_RUN;
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
	struct name_list feats = { 0 };
	const char *features = NULL;
	char what[PATH_MAX + 32];
	struct dataset ds;
	const char **groups = NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int st, ret;

	o.jobs = ncpu > 0 ? (ncpu > CLI_JOBS_MAX ? CLI_JOBS_MAX : (int)ncpu) : 1;
	dataset_init(&ds);
	st = parse_args(argc, argv, &o, &in, &features);
	if (st != CLI_RUN) {
		input_list_fini(&in);
		return st;
	}
	if (features && name_list_read(&feats, features) < 0) {
		input_list_fini(&in);
		name_list_fini(&feats);
		return err_exit(VMINT_EXIT_INPUT);
	}
	o.features = (const char *const *)feats.v;
	o.nfeatures = feats.n;
	snprintf(what, sizeof(what), "--features file '%s'", features ? features : "");
	o.features_what = what;
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
	name_list_fini(&feats);
	return ret;
}
