/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_CLASSIFY_H
#define VMINT_MODEL_CLASSIFY_H

/*
 * Classifies one (VM, window) feature row with a loaded model directory:
 * scales it with the model's scaling, then asks each classifier for its
 * class and probability estimates. Used by `eval` and `detect`.
 * Owns: a scratch row of libsvm nodes (struct classify_ctx).
 *
 * It also says whether the row is in the classifiers' distribution. An
 * RBF SVM decides by sum_i a_i exp(-gamma |x - sv_i|^2) + b: far from every
 * support vector each term vanishes and the answer is the bias b, a default
 * that says nothing about the window. So a row is out of distribution when
 * (a) some used feature lies more than CLASSIFY_MAX_OUT_OF_RANGE training
 * sds beyond the range that feature had in training (model.json's min and
 * max; older models lack them and skip this test), or (b) the largest
 * kernel value to the support vectors of the interference or the workload
 * classifier is below CLASSIFY_MIN_KERNEL. The callers then let the
 * measurement and a transparent rule decide (detect/collect.c).
 */

#include "model/model-dir.h"
#include "common/vocab.h"

/* 3 sds beyond the training range: log1p-scaled rates, so e.g. a rate a
 * few times the largest one trained on; a ratio far outside its range. */
#define CLASSIFY_MAX_OUT_OF_RANGE 3.0
/* exp(-gamma d^2) >= 0.5: within d^2 = ln(2) / gamma of a support vector,
 * where that vector's term keeps at least half its weight. Measured on the
 * 16 hand-written scenarios (seed 301, 449 windows, models/default): 441
 * windows lie at 0.50-0.99, 3 at 0.45-0.50, and the 5 the model got wrong
 * (net windows taken for idle) at 0.00; the shipped sample's disk VM, which
 * the model calls idle in 2 of 3 windows, lies at 0.46-0.48. */
#define CLASSIFY_MIN_KERNEL 0.5

struct classify_ctx {
	const struct model_dir *m; /* weak */
	struct svm_node *nodes;    /* owned: nfeat + 1 */
};

struct classification {
	int interference;                   /* 0 or 1 */
	double p_interference;              /* estimate of P(interfered) */
	enum workload workload;
	double p_workload[WL__COUNT];       /* by workload, 0 for classes the model lacks */
	enum resource resource;             /* RES_NONE without a resource model */
	double p_resource[RES__COUNT];      /* by resource */
	/* the out-of-distribution guard (above) */
	int in_distribution;                /* 0 when (a) or (b) holds */
	double max_kernel;                  /* the smaller of the two classifiers'
					     * largest kernel value, 0..1 */
	double out_of_range;                /* largest distance beyond the training
					     * range of a used feature, in sds */
	int far_feature;                    /* that feature's index, or -1 */
};

/* Returns 0 or -1 (out of memory, cause appended). */
int classify_init(struct classify_ctx *cx, const struct model_dir *m);
void classify_fini(struct classify_ctx *cx);

/* Classifies `x` (the model's nfeat raw feature values). The resource is
 * predicted for every window; it is meaningful where interference is 1. */
void classify_row(struct classify_ctx *cx, const double *x, struct classification *out);

#endif
