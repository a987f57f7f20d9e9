/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_SAMPLE_H
#define VMINT_EXTRACT_SAMPLE_H

/*
 * Durations observed in one window (waits, latencies), for their mean,
 * variance and 95th percentile. Memory is bounded: the first SAMPLE_CAP
 * values are kept, later ones replace a random kept one (reservoir
 * sampling with a fixed seed, so runs repeat), so the quantile and the
 * variance are estimates once a window sees more than SAMPLE_CAP values;
 * the count and the mean are always exact.
 */

#include <stddef.h>
#include <stdint.h>

#define SAMPLE_CAP 1024

struct sample {
	double v[SAMPLE_CAP];
	size_t n;       /* values kept (<= SAMPLE_CAP) */
	uint64_t count; /* values seen */
	double sum;     /* of every value seen */
	uint64_t rng;   /* reservoir state */
};

void sample_reset(struct sample *s);
void sample_add(struct sample *s, double x);
double sample_mean(const struct sample *s);
/* Sample variance (GSL); 0 with fewer than two values. */
double sample_variance(const struct sample *s);
/* 95th percentile (GSL, on the kept values, sorted in place); 0 if none. */
double sample_p95(struct sample *s);

#endif
