/* SPDX-License-Identifier: MIT */
#include "extract/host/svcbase.h"

#include <gsl/gsl_rstat.h>
#include <stdlib.h>
#include <string.h>

#define SVC_MIN_BYTES 4096

struct svc_est {
	gsl_rstat_quantile_workspace *p50, *p90; /* owned, NULL until used */
};

void svc_base_init(struct svc_base *b)
{
	memset(b, 0, sizeof(*b));
}

void svc_base_fini(struct svc_base *b)
{
	size_t i;

	for (i = 0; i < b->nslots * SVC_CLASSES; i++) {
		gsl_rstat_quantile_free(b->est[i].p50);
		gsl_rstat_quantile_free(b->est[i].p90);
	}
	free(b->est);
	svc_base_init(b);
}

unsigned svc_class(uint64_t bytes, int write)
{
	unsigned size = 0;

	while (size < SVC_SIZES - 1 && bytes > (uint64_t)SVC_MIN_BYTES << size)
		size++;
	return (write ? SVC_SIZES : 0) + size;
}

static int slots_fit(struct svc_base *b, size_t slots)
{
	struct svc_est *e;

	if (slots <= b->nslots)
		return 0;
	e = realloc(b->est, slots * SVC_CLASSES * sizeof(*e));
	if (!e)
		return -1;
	memset(e + b->nslots * SVC_CLASSES, 0,
	       (slots - b->nslots) * SVC_CLASSES * sizeof(*e));
	b->est = e;
	b->nslots = slots;
	return 0;
}

static int est_add(struct svc_est *e, double ns)
{
	if (!e->p50) {
		e->p50 = gsl_rstat_quantile_alloc(0.5);
		e->p90 = gsl_rstat_quantile_alloc(0.9);
		if (!e->p50 || !e->p90) {
			gsl_rstat_quantile_free(e->p50);
			gsl_rstat_quantile_free(e->p90);
			e->p50 = e->p90 = NULL;
			return -1;
		}
	}
	gsl_rstat_quantile_add(ns, e->p50);
	gsl_rstat_quantile_add(ns, e->p90);
	return 0;
}

int svc_base_learn(struct svc_base *b, int owner, unsigned cls, double ns)
{
	size_t slot = (size_t)(owner + 2);

	if (owner < -1 || cls >= SVC_CLASSES || slots_fit(b, slot + 1) < 0)
		return -1;
	if (est_add(&b->est[cls], ns) < 0)
		return -1;
	return est_add(&b->est[slot * SVC_CLASSES + cls], ns);
}

static int est_get(const struct svc_est *e, double *p50, double *p90)
{
	if (!e->p50 || e->p50->n < SVC_MIN_SAMPLES)
		return -1;
	*p50 = gsl_rstat_quantile_get(e->p50);
	*p90 = gsl_rstat_quantile_get(e->p90);
	return 0;
}

int svc_base_get(const struct svc_base *b, int owner, unsigned cls,
		 double *p50, double *p90)
{
	size_t slot = (size_t)(owner + 2);

	if (owner < -1 || cls >= SVC_CLASSES)
		return -1;
	if (slot < b->nslots && est_get(&b->est[slot * SVC_CLASSES + cls], p50, p90) == 0)
		return 0;
	if (b->nslots)
		return est_get(&b->est[cls], p50, p90);
	return -1;
}

void svc_base_forget(struct svc_base *b, int owner)
{
	size_t slot = (size_t)(owner + 2);

	if (owner < 0 || slot >= b->nslots)
		return;
	for (size_t c = 0; c < SVC_CLASSES; c++) {
		struct svc_est *e = &b->est[slot * SVC_CLASSES + c];

		gsl_rstat_quantile_free(e->p50);
		gsl_rstat_quantile_free(e->p90);
		e->p50 = e->p90 = NULL;
	}
}
