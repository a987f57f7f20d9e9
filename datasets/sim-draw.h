/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_SIM_DRAW_H
#define VMINT_DATASETS_SIM_DRAW_H

/*
 * The scenario sampler: draws whole scenarios (vmint.scenario/1) from
 * the wide ranges documented in datasets/README.md ("Drawn scenarios"),
 * so that training data covers many hosts, guests and devices instead of
 * a few hand-written situations. Draw i of seed S depends on (S, i) only
 * (gsl_rng mt19937 seeded from both), not on how many are drawn.
 *
 * A filter restricts the draws to one family per knob (KEY=VALUE, e.g.
 * "disk=hdd"), for leave-one-family-out validation.
 */

#include <jansson.h>
#include <stdint.h>

enum draw_knob {
	DRAW_HOST,    /* host-size class: small, medium, large */
	DRAW_KERNEL,  /* kernel generation: 3, 4, 5, 6 */
	DRAW_DISK,    /* device kind: ssd, nvme, hdd */
	DRAW_MIX,     /* workload mix: cpu, disk, net, mixed, idle */
	DRAW_GUEST,   /* guest OS: linux, windows */
	DRAW_PREEMPT, /* host preemption model: none, voluntary, full */
	DRAW_SHAPE,   /* placement: alone, quiet, pinned, overlap, overcommit, spread */
	DRAW_KNOB__COUNT
};

/* Per knob, the index of the family value kept, or -1: any. */
struct draw_filter {
	int only[DRAW_KNOB__COUNT];
};

void draw_filter_init(struct draw_filter *f);

/* Restricts `f` by "KEY=VALUE". Returns 0, or -1 with a cause naming the
 * keys or the values allowed. */
int draw_filter_add(struct draw_filter *f, const char *kv);

/* Draw `index` of `seed`, as a scenario document (a new reference), or
 * NULL with a cause when out of memory. */
json_t *draw_scenario(uint64_t seed, unsigned index,
		      const struct draw_filter *f);

/* The family names of knob k (NULL-terminated), for tests and help. */
const char *const *draw_family_names(enum draw_knob k);
const char *draw_knob_name(enum draw_knob k);

#endif
