/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_MODEL_DIR_H
#define VMINT_MODEL_MODEL_DIR_H

/*
 * The model directory (schema "vmint.model/1", doc/formats.md):
 * model.json (feature names in order with their scaling, each classifier's
 * classes, hyper-parameters, training summary and cross-validation scores)
 * and one libsvm model file per classifier, readable by libsvm's own
 * svm-predict once the features are scaled as model.json says.
 * Owns: struct model_dir and everything it points to.
 *
 * The libsvm label of a class is its index in the classifier's "classes"
 * array; canon[] maps it to the fixed ids of common/vocab.h.
 */

#include "model/scale.h"
#include "model/svm-util.h"

#include <jansson.h>

enum model_kind {
	MODEL_INTERFERENCE, /* classes "false", "true" */
	MODEL_WORKLOAD,     /* subset of idle, cpu, disk, net */
	MODEL_RESOURCE,     /* subset of cpu, disk, net: interfered windows only; optional */
	MODEL_NR_KINDS,
};

/* "interference", "workload", "resource" */
extern const char *const model_kind_names[MODEL_NR_KINDS];

struct classifier {
	int present;                     /* 0: not trained (resource may be absent) */
	int nclass;
	int canon[SVMU_MAX_CLASSES];     /* class i's id: 0/1 for interference, enum workload, enum resource */
	double C, gamma;
	double weights[SVMU_MAX_CLASSES];
	struct svm_model *svm;           /* owned */
	json_t *info;                    /* owned: "training" and "cv" objects, kept as given */
};

struct model_dir {
	size_t nfeat;
	char **names;                    /* owned: nfeat feature names, column order */
	/* owned: nfeat flags, 1 = the classifiers use feature j. model.json's
	 * "used_features" lists them; an unused feature gives no libsvm node
	 * (absent from every row and support vector, so the kernel ignores
	 * it). NULL: every feature is used (models before the key). */
	unsigned char *used;
	struct scaler sc;                /* owned */
	struct classifier cls[MODEL_NR_KINDS];
	json_t *training;                /* owned: training-set summary, kept as given */
};

/* Name of class i of classifier k (borrowed, static). */
const char *model_class_name(const struct model_dir *m, enum model_kind k, int i);

/*
 * Writes `m` as directory `dir`, atomically: everything goes into
 * "<dir>.tmp.XXXXXX" beside it, which then replaces `dir` (an existing
 * `dir` must be a model directory, i.e. hold model.json, or be empty).
 * Returns 0, -1 on a write failure or once SIGINT/SIGTERM came (cause
 * appended, temporary removed, old `dir` intact; a signal that ends the
 * run at once removes the temporary too), or -2 when `dir` exists and is
 * not a model directory (cause appended, nothing written).
 */
int model_dir_save(const struct model_dir *m, const char *dir);

/*
 * Reads the model directory `dir`: model.json (schema, every required key,
 * types) and each classifier's libsvm file (loadable, C-SVC with
 * probability estimates, as many classes as model.json says, labels
 * 0..n-1, no feature index beyond the feature names). Returns 0, or -1
 * with a cause naming the file and what is wrong; `m` is then zeroed.
 */
int model_dir_load(struct model_dir *m, const char *dir);

/* Does the model use feature j? */
static inline int model_dir_uses(const struct model_dir *m, size_t j)
{
	return !m->used || m->used[j];
}

/* Number of features the model uses. */
size_t model_dir_nused(const struct model_dir *m);

/*
 * Restricts `m` (names set) to the features named in `names` (n of them):
 * every name must be one of m->names. Returns 0, or -1 with a cause naming
 * the unknown feature (`what` names the list, e.g. the --features file).
 */
int model_dir_use_only(struct model_dir *m, const char *const *names, size_t n,
		       const char *what);

/* Frees everything `m` owns and zeroes it. Safe on a zeroed struct. */
void model_dir_fini(struct model_dir *m);

/*
 * Checks that the input's feature names (`what` names it) are the model's,
 * in the same order. On a difference, appends a cause naming the first
 * differing feature and returns -1; else 0.
 */
int model_dir_check_names(const struct model_dir *m, const char *const *names,
			  size_t n, const char *what, const char *model_path);

/*
 * The model directory to use when none is given: $VMINT_MODEL if set and
 * not empty, else the first that holds a model.json of "models/default"
 * (running from the repository), VMINT_DATADIR "/models/default" (the
 * installed copy; VMINT_DATADIR is PREFIX/share/vmint of the build),
 * BIN/../share/vmint/models/default and BIN/../models/default (BIN: the
 * directory of the running binary: installed elsewhere, or a checkout's
 * bin/vmint run from another directory); else VMINT_DATADIR's, for the
 * error message. Returns a borrowed string.
 */
const char *model_dir_default_path(void);

#endif
