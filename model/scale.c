/* SPDX-License-Identifier: MIT */
#include "model/scale.h"
#include "common/err.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const transform_names[] = {
	[SCALE_NONE] = "none",
	[SCALE_LOG1P] = "log1p",
};

const char *scale_transform_name(enum scale_transform t)
{
	return transform_names[t];
}

int scale_transform_parse(const char *name)
{
	for (int i = 0; i < (int)(sizeof(transform_names) / sizeof(transform_names[0])); i++)
		if (strcmp(name, transform_names[i]) == 0)
			return i;
	return -1;
}

int scaler_init(struct scaler *sc, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	sc->transform = calloc(n ? n : 1, sizeof(*sc->transform));
	sc->mean = calloc(n ? n : 1, sizeof(*sc->mean));
	sc->sd = malloc((n ? n : 1) * sizeof(*sc->sd));
	sc->lo = calloc(n ? n : 1, sizeof(*sc->lo));
	sc->hi = calloc(n ? n : 1, sizeof(*sc->hi));
	if (!sc->transform || !sc->mean || !sc->sd || !sc->lo || !sc->hi) {
		scaler_fini(sc);
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	sc->n = n;
	for (size_t j = 0; j < n; j++)
		sc->sd[j] = 1.0;
	return 0;
}

void scaler_fini(struct scaler *sc)
{
	free(sc->transform);
	free(sc->mean);
	free(sc->sd);
	free(sc->lo);
	free(sc->hi);
	memset(sc, 0, sizeof(*sc));
}

static double transform(enum scale_transform t, double v)
{
	if (t == SCALE_LOG1P)
		return v < 0 ? -log1p(-v) : log1p(v);
	return v;
}

int scaler_fit(struct scaler *sc, const double *x, size_t nfeat,
	       const size_t *rows, size_t nrows)
{
	double *col;

	if (nrows == 0) {
		err_fail(ERR_INPUT, "no rows to fit the feature scaling on");
		return -1;
	}
	col = malloc(nrows * sizeof(*col));
	if (!col) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (size_t j = 0; j < nfeat && j < sc->n; j++) {
		double lo, hi, sd;

		for (size_t i = 0; i < nrows; i++)
			col[i] = x[rows[i] * nfeat + j];
		gsl_stats_minmax(&lo, &hi, col, 1, nrows);
		sc->lo[j] = lo;
		sc->hi[j] = hi;
		/* A non-negative feature reaching above 1 is a rate, not a ratio. */
		sc->transform[j] = (lo >= 0 && hi > 1) ? SCALE_LOG1P : SCALE_NONE;
		for (size_t i = 0; i < nrows; i++)
			col[i] = transform(sc->transform[j], col[i]);
		sc->mean[j] = gsl_stats_mean(col, 1, nrows);
		sd = nrows > 1 ? gsl_stats_sd_m(col, 1, nrows, sc->mean[j]) : 0;
		sc->sd[j] = (isfinite(sd) && sd > 1e-12) ? sd : 1.0;
	}
	free(col);
	sc->has_range = 1;
	return 0;
}

double scaler_apply1(const struct scaler *sc, size_t j, double v)
{
	return (transform(sc->transform[j], v) - sc->mean[j]) / sc->sd[j];
}

double scaler_out_of_range(const struct scaler *sc, size_t j, double v)
{
	double z, zlo, zhi;

	if (!sc->has_range)
		return 0;
	z = scaler_apply1(sc, j, v);
	zlo = scaler_apply1(sc, j, sc->lo[j]);
	zhi = scaler_apply1(sc, j, sc->hi[j]);
	return z < zlo ? zlo - z : z > zhi ? z - zhi : 0;
}

void scaler_apply(const struct scaler *sc, const double *in, double *out)
{
	for (size_t j = 0; j < sc->n; j++)
		out[j] = scaler_apply1(sc, j, in[j]);
}
