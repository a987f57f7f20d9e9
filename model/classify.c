/* SPDX-License-Identifier: MIT */
#include "model/classify.h"
#include "common/vocab.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

int classify_init(struct classify_ctx *cx, const struct model_dir *m)
{
	cx->m = m;
	cx->nodes = malloc((m->nfeat + 1) * sizeof(*cx->nodes));
	if (!cx->nodes) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return 0;
}

void classify_fini(struct classify_ctx *cx)
{
	free(cx->nodes);
	cx->nodes = NULL;
}

/* Runs classifier k; returns the canonical class, fills p[canonical]. */
static int predict(const struct classify_ctx *cx, enum model_kind k, double *p, int np)
{
	const struct classifier *c = &cx->m->cls[k];
	double est[SVMU_MAX_CLASSES];
	int labels[SVMU_MAX_CLASSES];
	int label;

	label = (int)svm_predict_probability(c->svm, cx->nodes, est);
	svm_get_labels(c->svm, labels);
	memset(p, 0, np * sizeof(*p));
	/* est[] follows libsvm's internal label order, not ours. */
	for (int i = 0; i < c->nclass; i++)
		if (labels[i] >= 0 && labels[i] < c->nclass && c->canon[labels[i]] < np)
			p[c->canon[labels[i]]] = est[i];
	return (label >= 0 && label < c->nclass) ? c->canon[label] : 0;
}

void classify_row(struct classify_ctx *cx, const double *x, struct classification *out)
{
	const struct model_dir *m = cx->m;
	double pi[2];

	for (size_t j = 0; j < m->nfeat; j++) {
		cx->nodes[j].index = (int)j + 1;
		cx->nodes[j].value = scaler_apply1(&m->sc, j, x[j]);
	}
	cx->nodes[m->nfeat].index = -1;
	out->interference = predict(cx, MODEL_INTERFERENCE, pi, 2);
	out->p_interference = pi[1];
	out->workload = predict(cx, MODEL_WORKLOAD, out->p_workload, WL__COUNT);
	if (m->cls[MODEL_RESOURCE].present) {
		out->resource = predict(cx, MODEL_RESOURCE, out->p_resource, RES__COUNT);
	} else {
		out->resource = RES_NONE;
		memset(out->p_resource, 0, sizeof(out->p_resource));
	}
}
