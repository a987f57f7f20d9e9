/* SPDX-License-Identifier: MIT */
#include "model/metrics.h"

#include <math.h>
#include <string.h>

void confusion_init(struct confusion *c, int n)
{
	memset(c, 0, sizeof(*c));
	c->n = n > METRICS_MAX_CLASSES ? METRICS_MAX_CLASSES : n;
}

void confusion_add(struct confusion *c, int truth, int predicted)
{
	if (truth < 0 || truth >= c->n || predicted < 0 || predicted >= c->n)
		return;
	c->m[truth][predicted]++;
}

void confusion_merge(struct confusion *a, const struct confusion *b)
{
	for (int i = 0; i < a->n && i < b->n; i++)
		for (int j = 0; j < a->n && j < b->n; j++)
			a->m[i][j] += b->m[i][j];
}

size_t confusion_total(const struct confusion *c)
{
	size_t t = 0;

	for (int i = 0; i < c->n; i++)
		for (int j = 0; j < c->n; j++)
			t += c->m[i][j];
	return t;
}

static size_t predicted_as(const struct confusion *c, int k)
{
	size_t t = 0;

	for (int i = 0; i < c->n; i++)
		t += c->m[i][k];
	return t;
}

static size_t truly(const struct confusion *c, int k)
{
	size_t t = 0;

	for (int j = 0; j < c->n; j++)
		t += c->m[k][j];
	return t;
}

double metrics_precision(const struct confusion *c, int k)
{
	size_t p = predicted_as(c, k);

	return p ? (double)c->m[k][k] / (double)p : NAN;
}

double metrics_recall(const struct confusion *c, int k)
{
	size_t t = truly(c, k);

	return t ? (double)c->m[k][k] / (double)t : NAN;
}

double metrics_f1(const struct confusion *c, int k)
{
	size_t denom = predicted_as(c, k) + truly(c, k);

	/* F1 = 2 tp / (2 tp + fp + fn), defined whenever anything is counted. */
	return denom ? 2.0 * (double)c->m[k][k] / (double)denom : NAN;
}

double metrics_accuracy(const struct confusion *c)
{
	size_t total = confusion_total(c), diag = 0;

	for (int i = 0; i < c->n; i++)
		diag += c->m[i][i];
	return total ? (double)diag / (double)total : NAN;
}

double metrics_macro_f1(const struct confusion *c)
{
	double sum = 0;
	int k, used = 0;

	for (k = 0; k < c->n; k++) {
		double f = metrics_f1(c, k);

		if (!isnan(f)) {
			sum += f;
			used++;
		}
	}
	return used ? sum / used : NAN;
}
