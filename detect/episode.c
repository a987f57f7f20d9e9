/* SPDX-License-Identifier: MIT */
/* Episodes: runs of consecutive interfered windows of one VM, one resource. */
#include "detect/result.h"

#include <stdlib.h>
#include <string.h>

/* Adds a window's culprit shares into the episode's running sums. */
static void add_culprits(struct episode *e, const struct window_result *w)
{
	for (int i = 0; i < w->nculprits; i++) {
		int j;

		for (j = 0; j < e->nculprits; j++)
			if (e->culprits[j].vm == w->culprits[i].vm)
				break;
		if (j == e->nculprits) {
			if (e->nculprits == MAX_CULPRITS)
				continue;
			e->culprits[e->nculprits++] =
				(struct culprit_share){ w->culprits[i].vm, 0 };
		}
		e->culprits[j].share += w->culprits[i].share;
	}
}

static int by_share_desc(const void *a, const void *b)
{
	double x = ((const struct culprit_share *)a)->share;
	double y = ((const struct culprit_share *)b)->share;

	return (x < y) - (x > y);
}

void episode_close(struct episode *e)
{
	for (int j = 0; j < e->nculprits; j++)
		e->culprits[j].share /= e->windows;
	qsort(e->culprits, (size_t)e->nculprits, sizeof(e->culprits[0]),
	      by_share_desc);
}

void episode_add(struct episode *e, const struct window_result *w)
{
	e->end_ns = w->end_ns;
	e->windows++;
	if (w->probability > e->max_probability)
		e->max_probability = w->probability;
	add_culprits(e, w);
}

static int continues(const struct episode *e, const struct window_result *w)
{
	return e->vm == w->vm && e->resource == w->resource &&
	       e->end_ns == w->start_ns;
}

int detect_find_episodes(struct detect_result *r)
{
	struct episode *eps = NULL, *cur = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < r->nwindows; i++) {
		const struct window_result *w = &r->windows[i];

		if (!w->interference || w->resource == RES_NONE)
			continue;
		if (!cur || !continues(cur, w)) {
			if (cur)
				episode_close(cur);
			if (n == cap) {
				struct episode *g;

				cap = cap ? cap * 2 : 16;
				g = realloc(eps, cap * sizeof(*g));
				if (!g) {
					free(eps);
					return -1;
				}
				eps = g;
			}
			cur = &eps[n++];
			memset(cur, 0, sizeof(*cur));
			cur->vm = w->vm;
			cur->resource = w->resource;
			cur->start_ns = w->start_ns;
			cur->first_window = (int)i;
		}
		cur->last_window = (int)i;
		episode_add(cur, w);
	}
	if (cur)
		episode_close(cur);
	free(r->episodes);
	r->episodes = eps;
	r->nepisodes = n;
	return 0;
}
