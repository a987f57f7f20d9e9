/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_CLASSIFY_H
#define VMINT_MODEL_CLASSIFY_H

/*
 * Classifies one (VM, window) feature row with a loaded model directory:
 * scales it with the model's scaling, then asks each classifier for its
 * class and probability estimates. Used by `eval` and `detect`.
 * Owns: a scratch row of libsvm nodes (struct classify_ctx).
 */

#include "model/model-dir.h"
#include "common/vocab.h"

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
};

/* Returns 0 or -1 (out of memory, cause appended). */
int classify_init(struct classify_ctx *cx, const struct model_dir *m);
void classify_fini(struct classify_ctx *cx);

/* Classifies `x` (the model's nfeat raw feature values). The resource is
 * predicted for every window; it is meaningful where interference is 1. */
void classify_row(struct classify_ctx *cx, const double *x, struct classification *out);

#endif
