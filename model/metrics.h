/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_METRICS_H
#define VMINT_MODEL_METRICS_H

/*
 * Confusion matrices and the scores derived from them (precision, recall,
 * F1, accuracy, macro-F1), used by cross-validation in `train` and by
 * `eval`. Owns: nothing (fixed-size counts, no allocation).
 *
 * A score whose denominator is zero (no predicted positive for precision,
 * no true positive for recall) is NaN: callers print "-" or JSON null.
 */

#include <stddef.h>

#define METRICS_MAX_CLASSES 8

struct confusion {
	int n;                                              /* classes */
	size_t m[METRICS_MAX_CLASSES][METRICS_MAX_CLASSES]; /* [truth][predicted] */
};

/* Zeroes `c` for n classes (n <= METRICS_MAX_CLASSES). */
void confusion_init(struct confusion *c, int n);

/* Counts one window; out-of-range classes are ignored. */
void confusion_add(struct confusion *c, int truth, int predicted);

/* Adds b's counts into a (same n): micro-averaging over inputs. */
void confusion_merge(struct confusion *a, const struct confusion *b);

size_t confusion_total(const struct confusion *c);

/* Scores of class k against the rest. */
double metrics_precision(const struct confusion *c, int k);
double metrics_recall(const struct confusion *c, int k);
double metrics_f1(const struct confusion *c, int k);

/* Share of windows on the diagonal; NaN when empty. */
double metrics_accuracy(const struct confusion *c);

/* Mean F1 over the classes that occur (in truth or prediction); NaN when
 * empty. Used to pick hyper-parameters of multi-class classifiers. */
double metrics_macro_f1(const struct confusion *c);

#endif
