/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_SVM_UTIL_H
#define VMINT_MODEL_SVM_UTIL_H

/*
 * A thin layer over libsvm: a training set built from dataset rows (one
 * contiguous node pool that outlives the models trained on it), C-SVC/RBF
 * parameters with every field set, balanced class weights, k-fold
 * cross-validation grouped by input (svm_cross_validation shuffles rows,
 * which would put windows of one trace on both sides of a fold and
 * overstate the score), and a grid search over C and gamma run on several
 * threads. Owns: struct svm_set's arrays.
 */

#include "model/dataset.h"
#include "model/metrics.h"
#include "model/scale.h"

#include <libsvm/svm.h>

#define SVMU_MAX_CLASSES METRICS_MAX_CLASSES

struct svm_set {
	struct svm_problem prob;   /* prob.y, prob.x owned; x[i] points into pool */
	struct svm_node *pool;     /* owned: keep alive while any model trained on it lives */
	int *group;                /* owned: prob.l group ids (the input of each row) */
	int ngroups;
	int nclass;                /* y values are class ids 0..nclass-1 */
};

/*
 * Builds the set of the n dataset rows listed in `rows`, scaled with `sc`,
 * with y = target[i] (a class id < nclass) and group = the row's input.
 * Returns 0 or -1 (cause appended). Free with svm_set_fini().
 */
int svm_set_build(struct svm_set *s, const struct dataset *ds,
		  const struct scaler *sc, const size_t *rows, const int *target,
		  size_t n, int nclass);

/* The same with only the features j where used[j] is set (NULL: all):
 * an unused feature gives no node, so the kernel never sees it; nodes
 * keep their index j + 1, so a model file still reads with svm-predict on
 * full rows. */
int svm_set_build_used(struct svm_set *s, const struct dataset *ds,
		       const struct scaler *sc, const unsigned char *used,
		       const size_t *rows, const int *target, size_t n, int nclass);

/* Frees the arrays and zeroes `s`. Safe on a zeroed struct. */
void svm_set_fini(struct svm_set *s);

/* Installs libsvm's print hook: silent unless `verbose` (then stderr). */
void svmu_set_verbose(int verbose);

/* Weights for C-SVC so that each class present weighs the same in total:
 * w_c = l / (classes present * count_c), 0 for an absent class. `w` has
 * s->nclass entries. Returns the number of classes present. */
int svmu_class_weights(const struct svm_set *s, double *w);

/*
 * Fills every field of `p`: C-SVC, RBF kernel, the given C and gamma, the
 * class weights `w` (nclass entries, labels 0..nclass-1; borrowed: keep
 * them alive while `p` is used), cache 200 MB, eps 1e-3, shrinking on,
 * probability estimates as asked.
 */
void svmu_param_init(struct svm_parameter *p, double C, double gamma,
		     const double *w, int nclass, int *weight_labels,
		     int probability);

/*
 * Assigns each of the ngroups groups to one of k folds so that fold sizes
 * (rows) are as even as possible: largest group first, into the fold with
 * fewest rows. `fold_of_group` has ngroups entries. Returns the number of
 * folds used, min(k, ngroups).
 */
int svmu_assign_folds(const int *group, size_t l, int ngroups, int k,
		      int *fold_of_group);

/*
 * Cross-validation grouped by fold: for each fold, trains on the rows of
 * the other folds and predicts the rows of this one into pred[i]. A fold
 * whose training side is empty predicts -1. Returns 0, or -1 (cause
 * appended) when libsvm refuses the parameters.
 */
int svmu_grouped_cv(const struct svm_set *s, const struct svm_parameter *p,
		    const int *fold_of_group, int nfolds, double *pred);

/* Exponents of 2: lo, lo + step, ..., up to hi. */
struct log2_range {
	double lo, hi, step;
};

struct grid_options {
	struct log2_range c, gamma;
	int folds;               /* k */
	int jobs;                /* threads, 1..CLI_JOBS_MAX (common/cli.h) */
	int positive;            /* class scored by F1, or -1 for macro-F1 */
	const char *progress;    /* weak: label of the progress line, NULL = none */
};

struct grid_result {
	double C, gamma;
	double score;            /* F1 of `positive`, or macro-F1 */
	int nfolds;
	int points;              /* grid points tried */
	int flat;                /* every point scored the same: CV could not
				  * choose, C and gamma are the grid point
				  * nearest libsvm's defaults (1, 1/features) */
	struct confusion conf;   /* cross-validated confusion at the best point */
};

/*
 * Tries every (C, gamma) of the grid with grouped CV on `s` (class weights
 * balanced) and keeps the best score; ties go to the smaller C, then the
 * smaller gamma (grid order), so the result does not depend on threads.
 * When every point ties (e.g. a class that only one group has), see flat.
 * Returns 0, or -1 (cause appended; also when interrupted).
 */
int svmu_grid_search(const struct svm_set *s, const struct grid_options *o,
		     struct grid_result *best);

/* Trains the final model on all of `s` with probability estimates.
 * Returns the model (caller frees with svm_free_and_destroy_model; it
 * points into s->pool), or NULL (cause appended). */
struct svm_model *svmu_train(const struct svm_set *s, double C, double gamma);

#endif
