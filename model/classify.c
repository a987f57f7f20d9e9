/* SPDX-License-Identifier: MIT */
#include "model/classify.h"
#include "common/vocab.h"
#include "common/err.h"

#include <math.h>
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

/* |x - y|^2 of two sparse rows sorted by index (absent = 0). libsvm does
 * not export its kernel function, hence this loop. */
static double dist2(const struct svm_node *x, const struct svm_node *y)
{
	double d = 0;

	while (x->index != -1 || y->index != -1) {
		double v;

		if (y->index == -1 || (x->index != -1 && x->index < y->index)) {
			v = x->value;
			x++;
		} else if (x->index == -1 || y->index < x->index) {
			v = y->value;
			y++;
		} else {
			v = x->value - y->value;
			x++;
			y++;
		}
		d += v * v;
	}
	return d;
}

/* The largest RBF kernel value of `x` to classifier k's support vectors. */
static double max_kernel(const struct classify_ctx *cx, enum model_kind k,
			 const struct svm_node *x)
{
	const struct svm_model *s = cx->m->cls[k].svm;
	double best = 0;

	for (int i = 0; i < s->l; i++) {
		double kv = exp(-s->param.gamma * dist2(x, s->SV[i]));

		if (kv > best)
			best = kv;
	}
	return best;
}

void classify_row(struct classify_ctx *cx, const double *x, struct classification *out)
{
	const struct model_dir *m = cx->m;
	double pi[2];
	size_t n = 0;

	out->out_of_range = 0;
	out->far_feature = -1;
	for (size_t j = 0; j < m->nfeat; j++) {
		double far;

		if (!model_dir_uses(m, j))
			continue;
		cx->nodes[n].index = (int)j + 1;
		cx->nodes[n++].value = scaler_apply1(&m->sc, j, x[j]);
		far = scaler_out_of_range(&m->sc, j, x[j]);
		if (far > out->out_of_range) {
			out->out_of_range = far;
			out->far_feature = (int)j;
		}
	}
	cx->nodes[n].index = -1;
	out->max_kernel = fmin(max_kernel(cx, MODEL_INTERFERENCE, cx->nodes),
			       max_kernel(cx, MODEL_WORKLOAD, cx->nodes));
	out->in_distribution = out->out_of_range <= CLASSIFY_MAX_OUT_OF_RANGE &&
			       out->max_kernel >= CLASSIFY_MIN_KERNEL;
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
