/* SPDX-License-Identifier: MIT */
#include "extract/squeue.h"

#include <stdlib.h>
#include <string.h>

/* Beyond this many items in one queue only the in-flight time is kept:
 * the split by owner costs items x owners per event. */
#define SQ_DETAIL_MAX 512

void squeue_init(struct squeue *q)
{
	memset(q, 0, sizeof(*q));
	q->last_served = SQ_NOBODY;
}

void sq_scratch_fini(struct sq_scratch *s)
{
	free(s->serving);
	free(s->total);
	memset(s, 0, sizeof(*s));
}

static int scratch_fit(struct sq_scratch *s, size_t owners)
{
	if (owners > s->cap) {
		uint32_t *a = realloc(s->serving, owners * sizeof(*a));
		uint32_t *t;

		if (!a)
			return -1;
		s->serving = a;
		t = realloc(s->total, owners * sizeof(*t));
		if (!t)
			return -1;
		s->total = t;
		s->cap = owners;
	}
	memset(s->serving, 0, owners * sizeof(*s->serving));
	memset(s->total, 0, owners * sizeof(*s->total));
	return 0;
}

static void charge_item(struct host *h, struct sq_scratch *s, size_t owners,
			enum sq_kind kind, struct sq_item *it, uint32_t nserving,
			uint32_t n, uint64_t dt)
{
	struct vm_acc *a = &h->vms[it->owner]->acc;
	uint32_t own = (uint32_t)it->owner + 1;
	uint32_t other_serving = nserving - s->serving[own];
	size_t o;

	a->active = 1;
	if (kind == SQ_DISK) {
		a->disk_life_ns += dt;
		a->disk_other_inflight_ns += (double)dt * (n - s->total[own]);
	} else {
		a->net_life_ns += dt;
	}
	if (!it->waiting || !other_serving)
		return;
	it->delay += (double)dt * other_serving / nserving;
	for (o = 0; o < owners; o++) {
		struct culprit *c;
		uint64_t share;

		if (o == own || !s->serving[o])
			continue;
		c = vm_acc_culprit(a, (int)o - 1);
		if (!c)
			continue;
		share = dt * s->serving[o] / nserving;
		if (kind == SQ_DISK)
			c->disk_ns += share;
		else
			c->net_ns += share;
	}
}

void squeue_advance(struct squeue *q, struct host *h, struct sq_scratch *s,
		    enum sq_kind kind, uint64_t now)
{
	size_t owners = h->nvms + 1;
	uint64_t dt;
	uint32_t nserving = 0;
	struct sq_item *it;

	if (now <= q->seg || !q->n) {
		if (now > q->seg)
			q->seg = now;
		return;
	}
	dt = now - q->seg;
	q->seg = now;
	if (q->n > SQ_DETAIL_MAX || scratch_fit(s, owners) < 0) {
		for (it = q->head; it; it = it->next)
			if (it->owner >= 0 && kind == SQ_DISK)
				h->vms[it->owner]->acc.disk_life_ns += dt;
			else if (it->owner >= 0)
				h->vms[it->owner]->acc.net_life_ns += dt;
		return;
	}
	for (it = q->head; it; it = it->next) {
		s->total[it->owner + 1]++;
		if (!it->waiting) {
			s->serving[it->owner + 1]++;
			nserving++;
		}
	}
	if (kind == SQ_NET && q->last_served != SQ_NOBODY) {
		s->serving[q->last_served + 1]++;
		nserving++;
	}
	for (it = q->head; it; it = it->next)
		if (it->owner >= 0)
			charge_item(h, s, owners, kind, it, nserving, (uint32_t)q->n, dt);
}

void squeue_push(struct squeue *q, struct sq_item *it, int owner, uint64_t now)
{
	it->owner = owner;
	it->waiting = 1;
	it->since = now;
	it->delay = 0;
	it->next = NULL;
	it->prev = q->tail;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	if (!q->n)
		q->seg = now;
	q->n++;
}

void squeue_remove(struct squeue *q, struct sq_item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		q->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		q->tail = it->prev;
	it->prev = it->next = NULL;
	q->n--;
}
