/* SPDX-License-Identifier: MIT */
/* The simulator's event queue: a binary min-heap on (time, sequence). */
#include "datasets/sim-internal.h"
#include "common/err.h"

#include <stdlib.h>

static int before(const struct simq_item *a, const struct simq_item *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

int simq_push(struct simq *q, uint64_t t, enum simq_kind kind, int idx,
	      uint64_t gen)
{
	struct simq_item it = { t, q->next_seq++, gen, idx, (uint8_t)kind };
	size_t i;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct simq_item *items = realloc(q->items, cap * sizeof(*items));

		if (!items) {
			err_fail(ERR_RESOURCE, "out of memory");
			return -1;
		}
		q->items = items;
		q->cap = cap;
	}
	for (i = q->n++; i > 0 && before(&it, &q->items[(i - 1) / 2]);
	     i = (i - 1) / 2)
		q->items[i] = q->items[(i - 1) / 2];
	q->items[i] = it;
	return 0;
}

int simq_pop(struct simq *q, struct simq_item *out)
{
	struct simq_item last;
	size_t i = 0;

	if (q->n == 0)
		return -1;
	*out = q->items[0];
	last = q->items[--q->n];
	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= q->n)
			break;
		if (child + 1 < q->n && before(&q->items[child + 1],
					       &q->items[child]))
			child++;
		if (!before(&q->items[child], &last))
			break;
		q->items[i] = q->items[child];
		i = child;
	}
	if (q->n)
		q->items[i] = last;
	return 0;
}

void simq_free(struct simq *q)
{
	free(q->items);
	q->items = NULL;
	q->n = q->cap = 0;
}
