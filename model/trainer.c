/* SPDX-License-Identifier: MIT */
#include "model/trainer.h"
#include "model/model-dir.h"
#include "common/err.h"
#include "common/outfile.h"
#include "common/version.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The rows one classifier learns from, with canonical and compact classes. */
struct selection {
	size_t *rows;   /* owned: dataset row indices */
	int *target;    /* owned: compact class of each row (libsvm label) */
	size_t n;
	int nclass;
	int canon[SVMU_MAX_CLASSES];   /* compact -> canonical class id */
	size_t count[SVMU_MAX_CLASSES]; /* rows per compact class */
};

static void selection_fini(struct selection *s)
{
	free(s->rows);
	free(s->target);
	memset(s, 0, sizeof(*s));
}

/* Canonical class of row i for classifier k, or -1 if it does not take part. */
static int row_class(const struct ds_labels *lab, enum model_kind k)
{
	switch (k) {
	case MODEL_INTERFERENCE:
		return lab->interference;
	case MODEL_WORKLOAD:
		return lab->workload;
	default:
		return (lab->interference == 1 && lab->resource > RES_NONE) ?
			lab->resource : -1;
	}
}

static int select_rows(const struct dataset *ds, enum model_kind k, struct selection *s)
{
	int compact[SVMU_MAX_CLASSES];

	memset(s, 0, sizeof(*s));
	s->rows = malloc((ds->nrows ? ds->nrows : 1) * sizeof(*s->rows));
	s->target = malloc((ds->nrows ? ds->nrows : 1) * sizeof(*s->target));
	if (!s->rows || !s->target) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (int c = 0; c < SVMU_MAX_CLASSES; c++)
		compact[c] = -1;
	/* Compact ids in canonical order, so the class list reads naturally. */
	for (int c = 0; c < SVMU_MAX_CLASSES; c++) {
		for (size_t i = 0; i < ds->nrows; i++) {
			if (row_class(&ds->labels[i], k) == c) {
				compact[c] = s->nclass;
				s->canon[s->nclass++] = c;
				break;
			}
		}
	}
	for (size_t i = 0; i < ds->nrows; i++) {
		int c = row_class(&ds->labels[i], k);

		if (c < 0)
			continue;
		s->rows[s->n] = i;
		s->target[s->n] = compact[c];
		s->count[compact[c]]++;
		s->n++;
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* A fixed random subset of at most `max` of the n selected rows, in row
 * order: the same every run. Indices are into s->rows. */
static size_t subsample(const struct selection *s, size_t max, size_t *pick)
{
	unsigned short seed[3] = { 0x1234, 0x5678, 0x9abc };

	for (size_t i = 0; i < s->n; i++)
		pick[i] = i;
	if (max == 0 || s->n <= max)
		return s->n;
	for (size_t i = 0; i < max; i++) {
		size_t j = i + (size_t)(erand48(seed) * (double)(s->n - i));
		size_t t;

		if (j >= s->n)
			j = s->n - 1;
		t = pick[i];
		pick[i] = pick[j];
		pick[j] = t;
	}
	qsort(pick, max, sizeof(*pick), cmp_size);
	return max;
}

/* With one input there is nothing to group by: contiguous time blocks at
 * least keep neighbouring windows (nearly identical) on one side. */
static void group_by_time(struct svm_set *set, const struct dataset *ds,
			  const size_t *rows, int k)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (int i = 0; i < set->prob.l; i++) {
		uint64_t t = ds->meta[rows[i]].start_ns;

		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	for (int i = 0; i < set->prob.l; i++) {
		double f = (double)(ds->meta[rows[i]].start_ns - lo) / ((double)(hi - lo) + 1);

		set->group[i] = (int)(f * k);
	}
	set->ngroups = k;
}

static int count_groups(const struct svm_set *set)
{
	int n = 0;
	char *seen = calloc(set->ngroups ? set->ngroups : 1, 1);

	if (!seen)
		return set->ngroups;
	for (int i = 0; i < set->prob.l; i++) {
		if (!seen[set->group[i]]) {
			seen[set->group[i]] = 1;
			n++;
		}
	}
	free(seen);
	return n;
}

/* Inputs named by the same --group form one cross-validation group:
 * renumbers set->group (input indices) into those groups. Returns 1 when
 * any input was given a group name, else 0 (groups stay the inputs). */
static int apply_cv_groups(struct svm_set *set, const struct dataset *ds,
			   const char *const *names)
{
	int *id = malloc((ds->ngroups ? ds->ngroups : 1) * sizeof(*id));
	int n = 0, named = 0;

	if (!names || !id) {
		free(id);
		return 0;
	}
	for (size_t g = 0; g < ds->ngroups; g++) {
		id[g] = -1;
		named |= names[g] != NULL;
		for (size_t h = 0; names[g] && h < g; h++) {
			if (names[h] && strcmp(names[h], names[g]) == 0) {
				id[g] = id[h];
				break;
			}
		}
		if (id[g] < 0)
			id[g] = n++;
	}
	for (int i = 0; i < set->prob.l; i++)
		set->group[i] = id[set->group[i]];
	set->ngroups = n;
	free(id);
	return named;
}

static json_t *range_json(const struct log2_range *r)
{
	return json_pack("[f,f,f]", r->lo, r->hi, r->step);
}

static json_t *info_json(const struct model_dir *m, enum model_kind k,
			 const struct selection *s, const struct grid_result *g,
			 const struct train_opts *o, size_t grid_n, size_t final_n,
			 const char *grouped_by)
{
	json_t *counts = json_object(), *conf = json_array(), *cv, *tr;

	for (int c = 0; c < s->nclass; c++) {
		json_t *row = json_array();

		json_object_set_new(counts, model_class_name(m, k, c),
				    json_integer((json_int_t)s->count[c]));
		for (int p = 0; p < s->nclass; p++)
			json_array_append_new(row, json_integer((json_int_t)g->conf.m[c][p]));
		json_array_append_new(conf, row);
	}
	/* rows: labeled windows; final_rows: those the final model saw */
	tr = json_pack("{s:I,s:I,s:o}", "rows", (json_int_t)s->n,
		       "final_rows", (json_int_t)final_n, "class_counts", counts);
	cv = json_pack("{s:i,s:s,s:s,s:f,s:f,s:I,s:o,s:{s:o,s:o,s:i,s:s}}",
		       "folds", g->nfolds,
		       "grouped_by", grouped_by,
		       "metric", k == MODEL_INTERFERENCE ? "f1_true" : "macro_f1",
		       "score", g->score,
		       "accuracy", metrics_accuracy(&g->conf),
		       "rows", (json_int_t)grid_n,
		       "confusion", conf,
		       "grid", "c_log2", range_json(&o->c), "gamma_log2",
		       range_json(&o->gamma), "points", g->points,
		       "chosen_by", g->flat ? "libsvm_default (all points tied)" : "best_score");
	return json_pack("{s:o,s:o}", "training", tr, "cv", cv);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_summary(const struct model_dir *m, enum model_kind k,
			  const struct selection *s, const struct grid_result *g,
			  const char *grouped_by, double grid_s, double final_s)
{
	printf("%-12s %6zu rows (", model_kind_names[k], s->n);
	for (int c = 0; c < s->nclass; c++)
		printf("%s%s %zu", c ? ", " : "", model_class_name(m, k, c), s->count[c]);
	printf(")\n%-12s C 2^%g, gamma 2^%g; CV %s %.3f, accuracy %.3f (%d folds by %s, %d grid points)\n",
	       "", log2(g->C), log2(g->gamma),
	       k == MODEL_INTERFERENCE ? "F1" : "macro-F1", g->score,
	       metrics_accuracy(&g->conf), g->nfolds, grouped_by,
	       g->points);
	printf("%-12s grid search %.1f s, final training %.1f s\n", "", grid_s, final_s);
}

/* Trains classifier k into m->cls[k]; its node pool goes to `keep`, which
 * the caller frees after saving. Returns 0 or -1. */
static int train_one(const struct train_opts *o, const struct dataset *ds,
		     struct model_dir *m, enum model_kind k, struct svm_set *keep)
{
	struct classifier *cl = &m->cls[k];
	struct grid_options go = {
		.c = o->c, .gamma = o->gamma, .folds = o->folds, .jobs = o->jobs,
		.positive = k == MODEL_INTERFERENCE ? 1 : -1,
		.progress = model_kind_names[k],
	};
	struct selection s;
	struct grid_result g;
	struct svm_set grid_set = { 0 };
	size_t *pick = NULL, *grid_rows = NULL, grid_n, final_n;
	int *grid_target = NULL, by_input, named, ret = -1;
	struct timespec t0;
	double grid_s;
	const char *grouped_by;

	if (select_rows(ds, k, &s) < 0)
		goto end;
	if (s.nclass < 2) {
		if (k == MODEL_RESOURCE) {
			warn_msg("resource: %s; no resource classifier trained",
				 s.n ? "every interfered window has the same resource" :
				       "no interfered window");
			ret = 0;
			goto end;
		}
		err_fail(ERR_INPUT, "%s: the labeled windows %s; need at least two classes",
			 model_kind_names[k], s.n ? "all have one class" : "are none");
		goto end;
	}
	cl->nclass = s.nclass;
	memcpy(cl->canon, s.canon, sizeof(cl->canon));
	pick = malloc(s.n * sizeof(*pick));
	grid_rows = malloc(s.n * sizeof(*grid_rows));
	grid_target = malloc(s.n * sizeof(*grid_target));
	if (!pick || !grid_rows || !grid_target) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	grid_n = subsample(&s, o->grid_rows, pick);
	for (size_t i = 0; i < grid_n; i++) {
		grid_rows[i] = s.rows[pick[i]];
		grid_target[i] = s.target[pick[i]];
	}
	if (svm_set_build_used(&grid_set, ds, &m->sc, m->used, grid_rows,
			       grid_target, grid_n, s.nclass) < 0)
		goto end;
	/* Groups that actually hold this classifier's rows (the interfered
	 * windows of the resource classifier may all come from one input). */
	named = apply_cv_groups(&grid_set, ds, o->cv_groups);
	by_input = count_groups(&grid_set) >= 2;
	if (!by_input) {
		if (ds->ngroups >= 2) /* else trainer_run said so once */
			warn_msg("%s: all labeled windows come from one input: cross-validation folds are time blocks of it",
				 model_kind_names[k]);
		group_by_time(&grid_set, ds, grid_rows, o->folds);
	}
	if (o->quiet)
		go.progress = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (svmu_grid_search(&grid_set, &go, &g) < 0)
		goto end;
	grid_s = seconds_since(&t0);
	if (g.flat && g.score < 1) /* all perfect is no cause for alarm */
		warn_msg("%s: every grid point scored %.3f in cross-validation (a class found in one group only?); using C 2^%g, gamma 2^%g, nearest libsvm's defaults",
			 model_kind_names[k], g.score, log2(g.C), log2(g.gamma));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The final model on a fixed subset too when asked (its own draw,
	 * independent of the grid's): the grid's rows are reused as scratch. */
	final_n = subsample(&s, o->final_rows, pick);
	for (size_t i = 0; i < final_n; i++) {
		grid_rows[i] = s.rows[pick[i]];
		grid_target[i] = s.target[pick[i]];
	}
	if (svm_set_build_used(keep, ds, &m->sc, m->used, grid_rows, grid_target, final_n,
			       s.nclass) < 0)
		goto end;
	cl->C = g.C;
	cl->gamma = g.gamma;
	svmu_class_weights(keep, cl->weights);
	cl->svm = svmu_train(keep, g.C, g.gamma);
	if (!cl->svm)
		goto end;
	cl->present = 1;
	grouped_by = !by_input ? "time_block" : named ? "group" : "input";
	cl->info = info_json(m, k, &s, &g, o, grid_n, final_n, grouped_by);
	if (!o->quiet)
		print_summary(m, k, &s, &g, grouped_by, grid_s, seconds_since(&t0));
	ret = 0;
end:
	if (ret < 0)
		err_append("cannot train the %s classifier", model_kind_names[k]);
	svm_set_fini(&grid_set);
	free(pick);
	free(grid_rows);
	free(grid_target);
	selection_fini(&s);
	return ret;
}

static json_t *training_json(const struct dataset *ds, const char *const *cv_groups)
{
	json_t *inputs = json_array();
	size_t labeled = 0;

	for (size_t g = 0; g < ds->ngroups; g++) {
		size_t rows = 0, lab = 0;
		json_t *in;

		for (size_t i = 0; i < ds->nrows; i++) {
			if (ds->meta[i].group != (int)g)
				continue;
			rows++;
			lab += ds->labels[i].interference != DS_UNLABELED;
		}
		labeled += lab;
		in = json_pack("{s:s,s:I,s:I}", "path", ds->groups[g], "rows",
			       (json_int_t)rows, "labeled_rows", (json_int_t)lab);
		if (in && cv_groups && cv_groups[g])
			json_object_set_new(in, "group", json_string(cv_groups[g]));
		json_array_append_new(inputs, in);
	}
	return json_pack("{s:I,s:I,s:o}", "rows", (json_int_t)ds->nrows,
			 "labeled_rows", (json_int_t)labeled, "inputs", inputs);
}

/* Scaling is fitted on every row that carries any label. */
static int fit_scaling(const struct dataset *ds, struct model_dir *m)
{
	size_t *rows = malloc((ds->nrows ? ds->nrows : 1) * sizeof(*rows)), n = 0;
	int ret;

	if (!rows) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ds->nrows; i++)
		if (ds->labels[i].interference != DS_UNLABELED ||
		    ds->labels[i].workload != DS_UNLABELED)
			rows[n++] = i;
	ret = scaler_init(&m->sc, ds->nfeat);
	if (ret == 0)
		ret = scaler_fit(&m->sc, ds->x, ds->nfeat, rows, n);
	free(rows);
	return ret;
}

static int copy_names(const struct dataset *ds, struct model_dir *m)
{
	m->names = calloc(ds->nfeat, sizeof(*m->names));
	if (!m->names)
		return -1;
	m->nfeat = ds->nfeat;
	for (size_t j = 0; j < ds->nfeat; j++)
		if (!(m->names[j] = strdup(ds->names[j])))
			return -1;
	return 0;
}

int trainer_run(const struct train_opts *o, const struct dataset *ds)
{
	struct model_dir m = { 0 };
	struct svm_set sets[MODEL_NR_KINDS] = { 0 };
	struct timespec t0, t1;
	int ret = VMINT_EXIT_INPUT;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	svmu_set_verbose(o->verbose);
	if (!ds->has_labels) {
		err_fail(ERR_INPUT, "no input has label columns (extract with --labels)");
		goto end;
	}
	if (copy_names(ds, &m) < 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		ret = VMINT_EXIT_INTERNAL;
		goto end;
	}
	/* A subset: the other features stay in the name list (the extractor's
	 * rows are checked against all of them) but give no libsvm node. */
	if (o->features && model_dir_use_only(&m, o->features, o->nfeatures,
					      o->features_what) < 0)
		goto end;
	if (fit_scaling(ds, &m) < 0)
		goto end;
	m.training = training_json(ds, o->cv_groups);
	if (ds->ngroups < 2)
		warn_msg("one input: cross-validation folds are time blocks of it, not separate traces; give several inputs for an honest score");
	for (int k = 0; k < MODEL_NR_KINDS; k++) {
		if (train_one(o, ds, &m, k, &sets[k]) < 0) {
			ret = outfile_interrupted() ? VMINT_EXIT_INTERRUPTED :
			      err_exit(VMINT_EXIT_INPUT);
			goto end;
		}
	}
	switch (model_dir_save(&m, o->out)) {
	case 0:
		break;
	case -2: /* -o names something that is not ours to replace */
		ret = VMINT_EXIT_USAGE;
		goto end;
	default:
		ret = VMINT_EXIT_INTERNAL;
		goto end;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!o->quiet)
		printf("wrote %s (%zu of %zu features, %zu inputs) in %.1f s\n", o->out,
		       model_dir_nused(&m), ds->nfeat, ds->ngroups, (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ret = VMINT_EXIT_OK;
end:
	/* Models point into the sets' node pools: free the models first. */
	model_dir_fini(&m);
	for (int k = 0; k < MODEL_NR_KINDS; k++)
		svm_set_fini(&sets[k]);
	return ret;
}
