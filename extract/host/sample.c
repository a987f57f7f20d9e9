/* SPDX-License-Identifier: MIT */
#include "extract/host/sample.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void sample_reset(struct sample *s)
{
	s->n = 0;
	s->count = 0;
	s->sum = 0;
	s->rng = 0x2545F4914F6CDD1Dull;
}

static uint64_t next_rand(uint64_t *state)
{
	/* xorshift64: cheap, deterministic, good enough to pick a slot. */
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

void sample_add(struct sample *s, double x)
{
	s->count++;
	s->sum += x;
	if (s->n < SAMPLE_CAP) {
		s->v[s->n++] = x;
		return;
	}
	uint64_t j = next_rand(&s->rng) % s->count;

	if (j < SAMPLE_CAP)
		s->v[j] = x;
}

double sample_mean(const struct sample *s)
{
	return s->count ? s->sum / (double)s->count : 0.0;
}

double sample_variance(const struct sample *s)
{
	return s->n >= 2 ? gsl_stats_variance(s->v, 1, s->n) : 0.0;
}

double sample_p95(struct sample *s)
{
	if (!s->n)
		return 0.0;
	gsl_sort(s->v, 1, s->n);
	return gsl_stats_quantile_from_sorted_data(s->v, 1, s->n, 0.95);
}
