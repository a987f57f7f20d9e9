/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_SCALE_H
#define VMINT_MODEL_SCALE_H

/*
 * Per-feature scaling fitted on training rows only and stored in
 * model.json, so that detection scales a window exactly as training did.
 * Owns: the three per-feature arrays.
 *
 * Why this scaling: the extractor's features are rates per second (exits,
 * requests, packets, bytes: heavy-tailed, spanning orders of magnitude
 * between an idle and a busy VM) or ratios in [0, 1]. An RBF kernel
 * compares Euclidean distances, so one raw byte rate would drown every
 * ratio. A feature whose training values are all >= 0 and reach above 1 (a
 * rate) is first compressed with log1p; ratios are left linear. Then every
 * feature is standardized: z = (t(v) - mean) / sd, with mean and sd of the
 * training values of t(v) from GSL (gsl_stats_mean, gsl_stats_sd). A
 * feature constant in training (sd 0) gets sd 1, i.e. is only centred.
 * At prediction, log1p is applied sign-preserving (sign(v) log1p(|v|)) so
 * that an unexpected negative value cannot produce NaN.
 *
 * The fit also keeps each feature's training range (raw min and max), so
 * that detection can tell a window the classifiers never saw anything
 * like (scaler_out_of_range): an RBF model answers such a window with its
 * bias, not with what it learned.
 */

#include <stddef.h>

enum scale_transform {
	SCALE_NONE,  /* t(v) = v */
	SCALE_LOG1P, /* t(v) = sign(v) * log1p(|v|) */
};

struct scaler {
	size_t n;
	enum scale_transform *transform; /* owned: n */
	double *mean;                    /* owned: n, of t(v) */
	double *sd;                      /* owned: n, of t(v), > 0 */
	double *lo, *hi;                 /* owned: n, raw training min and max */
	int has_range;                   /* lo/hi known (models before them: 0) */
};

/* Name of a transform in model.json ("none", "log1p"), and back (-1 if
 * unknown). */
const char *scale_transform_name(enum scale_transform t);
int scale_transform_parse(const char *name);

/* Allocates n features, identity scaling. Returns 0 or -1 (cause appended). */
int scaler_init(struct scaler *sc, size_t n);

/* Frees the arrays and zeroes `sc`. Safe on a zeroed struct. */
void scaler_fini(struct scaler *sc);

/*
 * Fits `sc` (already scaler_init'ed with n = nfeat) on the rows listed in
 * `rows` (nrows indices) of the row-major matrix `x` (nfeat columns).
 * Returns 0, or -1 (cause appended) when nrows is 0 or on out of memory.
 */
int scaler_fit(struct scaler *sc, const double *x, size_t nfeat,
	       const size_t *rows, size_t nrows);

/* Scaled value of feature j. */
double scaler_apply1(const struct scaler *sc, size_t j, double v);

/*
 * How far the scaled value of `v` lies outside feature j's scaled training
 * range, in units of the training sd (0 inside it, or without a range).
 */
double scaler_out_of_range(const struct scaler *sc, size_t j, double v);

/* Scales the n values of `in` into `out` (may be the same array). */
void scaler_apply(const struct scaler *sc, const double *in, double *out);

#endif
