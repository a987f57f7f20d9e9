/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_TRAINER_H
#define VMINT_MODEL_TRAINER_H

/*
 * The training pipeline behind `vmint train`: from a labeled dataset to a
 * saved model directory. For each classifier (interference, workload,
 * resource): select its labeled rows, grid-search C and gamma with
 * cross-validation grouped by input, train on every row with probability
 * estimates, record the CV scores in model.json. Owns: nothing.
 */

#include "model/dataset.h"
#include "model/svm-util.h"

struct train_opts {
	const char *out;            /* weak: model directory to write */
	int folds;
	int jobs;
	size_t grid_rows;           /* grid-search subset size, 0 = all rows */
	size_t final_rows;          /* final model's subset size, 0 = all rows */
	struct log2_range c, gamma;
	int verbose, quiet;
	const char *const *features;  /* weak: names of the features to use,
				       * NULL = all of them */
	size_t nfeatures;
	const char *features_what;    /* weak: where they come from, for errors */
	const char *const *cv_groups; /* weak: per input (dataset group), the
				       * --group name or NULL (its own group);
				       * NULL = every input its own group */
};

/* Trains on `ds` and saves to o->out. Returns an exit code (enum
 * vmint_exit), with causes appended on failure. */
int trainer_run(const struct train_opts *o, const struct dataset *ds);

#endif
