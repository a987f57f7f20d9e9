/* SPDX-License-Identifier: MIT */
#include "extract/host/squeue.h"

#include <stdlib.h>
#include <string.h>

/* Beyond this many items in one queue only the in-flight time is kept
 * (as when the split was per item: the queue is then clearly stuck). */
#define SQ_DETAIL_MAX 512

void squeue_init(struct squeue *q)
{
	memset(q, 0, sizeof(*q));
	q->last_served = SQ_NOBODY;
}

void squeue_fini(struct squeue *q)
{
	free(q->owners);
	squeue_init(q);
}

static int owners_fit(struct squeue *q, size_t slots)
{
	size_t cap = q->cap ? q->cap : 8;
	struct sq_owner *n;

	if (slots <= q->cap)
		return 0;
	while (cap < slots)
		cap *= 2;
	n = realloc(q->owners, cap * sizeof(*n));
	if (!n)
		return -1;
	memset(n + q->cap, 0, (cap - q->cap) * sizeof(*n));
	q->owners = n;
	q->cap = cap;
	return 0;
}

/* Items of the owner in slot `own` (a VM) over a segment of dt. */
static void charge_owner(struct squeue *q, struct host *h, enum sq_kind kind,
			 size_t own, uint32_t nserving, uint64_t dt)
{
	struct sq_owner *so = &q->owners[own];
	struct vm_acc *a = &h->vms[own - 1]->acc;
	uint32_t serving_own = so->serving + (q->last_served + 1 == (int)own);
	uint32_t other_serving = nserving - serving_own;
	size_t o;

	a->active = 1;
	if (kind == SQ_DISK) {
		a->disk_busy_ns += dt;
		a->disk_life_ns += dt * so->total;
		a->disk_other_inflight_ns += (double)dt * (double)(q->n - so->total) *
					     so->total;
	} else {
		a->net_life_ns += dt * so->total;
	}
	if (so->serving && other_serving)
		so->overlap += (double)dt;
	if (!so->waiting || !other_serving)
		return;
	/* A disk below its concurrency would take the request: it waits for
	 * the block layer (plugging, the scheduler), not behind others. */
	if (kind == SQ_DISK && nserving < q->concurrency)
		return;
	so->delay += (double)dt * other_serving / nserving;
	for (o = 0; o < q->cap; o++) {
		uint32_t serving = q->owners[o].serving +
				   (q->last_served + 1 == (int)o);
		struct culprit *c;
		uint64_t share;

		if (o == own || !serving)
			continue;
		c = vm_acc_culprit(a, (int)o - 1);
		if (!c)
			continue;
		/* Per item as a whole ns, as each item is charged. */
		share = dt * serving / nserving * so->waiting;
		if (kind == SQ_DISK)
			c->disk_ns += share;
		else
			c->net_ns += share;
	}
}

void squeue_advance(struct squeue *q, struct host *h, enum sq_kind kind,
		    uint64_t now)
{
	uint64_t dt;
	uint32_t nserving;
	size_t o;

	if (now <= q->seg || !q->n) {
		if (now > q->seg)
			q->seg = now;
		return;
	}
	dt = now - q->seg;
	q->seg = now;
	if (q->n > SQ_DETAIL_MAX) {
		for (o = 1; o < q->cap; o++) {
			struct vm_acc *a;

			if (!q->owners[o].total)
				continue;
			a = &h->vms[o - 1]->acc;
			if (kind == SQ_DISK) {
				a->disk_busy_ns += dt;
				a->disk_life_ns += dt * q->owners[o].total;
			} else
				a->net_life_ns += dt * q->owners[o].total;
			q->owners[o].overlap += (double)dt; /* not solo */
		}
		return;
	}
	nserving = q->nserving;
	for (o = 0; kind == SQ_DISK && nserving && o < q->cap; o++)
		q->owners[o].busy += (double)dt * q->owners[o].serving / nserving;
	if (kind == SQ_NET && q->last_served != SQ_NOBODY) {
		/* The packet sent last may be of an owner the queue never
		 * held: make room for its slot. */
		if (owners_fit(q, (size_t)q->last_served + 2) < 0)
			return;
		nserving++;
	}
	for (o = 1; o < q->cap; o++)
		if (q->owners[o].total)
			charge_owner(q, h, kind, o, nserving, dt);
}

int squeue_push(struct squeue *q, struct sq_item *it, int owner, uint64_t now)
{
	struct sq_owner *so;

	if (owners_fit(q, (size_t)(owner + 2)) < 0)
		return -1;
	so = &q->owners[owner + 1];
	it->owner = owner;
	it->waiting = 1;
	it->since = now;
	it->delay = 0;
	it->mark = so->delay;
	so->total++;
	so->waiting++;
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
	return 0;
}

/* The item leaves the waiting ones: its delay is final. */
static void stop_waiting(struct squeue *q, struct sq_item *it)
{
	struct sq_owner *so = &q->owners[it->owner + 1];

	it->delay = so->delay - it->mark;
	it->waiting = 0;
	if (--so->waiting == 0)
		so->delay = 0; /* no item refers to it: keep it small */
}

/* An issue brought the device to q->nserving in service: the highest
 * level reached SQ_CONC_SEEN times is its concurrency; until one was,
 * the most seen is all there is to go by. */
static void conc_note(struct squeue *q)
{
	uint32_t level = q->nserving < SQ_CONC_LEVELS ? q->nserving : SQ_CONC_LEVELS - 1;

	if (level > q->conc_max)
		q->conc_max = level;
	if (++q->conc_seen[level] >= SQ_CONC_SEEN && level > q->conc_est)
		q->conc_est = level;
	q->concurrency = q->conc_est ? q->conc_est : q->conc_max;
}

void squeue_serve(struct squeue *q, struct sq_item *it)
{
	if (!it->waiting)
		return;
	stop_waiting(q, it);
	q->owners[it->owner + 1].serving++;
	q->nserving++;
	conc_note(q);
	it->ovl_mark = q->owners[it->owner + 1].overlap;
}

void squeue_remove(struct squeue *q, struct sq_item *it)
{
	struct sq_owner *so = &q->owners[it->owner + 1];

	if (it->waiting) {
		stop_waiting(q, it);
	} else {
		so->serving--;
		q->nserving--;
	}
	so->total--;
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

double squeue_delay(const struct squeue *q, const struct sq_item *it)
{
	if (!it->waiting)
		return it->delay;
	return q->owners[it->owner + 1].delay - it->mark;
}

double squeue_overlap(const struct squeue *q, const struct sq_item *it)
{
	if (it->waiting)
		return 0.0;
	return q->owners[it->owner + 1].overlap - it->ovl_mark;
}

void squeue_new_window(struct squeue *q)
{
	size_t o;

	for (o = 0; o < q->cap; o++)
		q->owners[o].busy = 0;
}

int squeue_holds(const struct squeue *q, int owner)
{
	size_t slot = (size_t)(owner + 1);

	return owner >= -1 && slot < q->cap && q->owners[slot].total > 0;
}

void squeue_forget(struct squeue *q, int owner)
{
	size_t slot = (size_t)(owner + 1);

	if (owner >= -1 && slot < q->cap)
		memset(&q->owners[slot], 0, sizeof(q->owners[slot]));
	if (q->last_served == owner)
		q->last_served = SQ_NOBODY;
}
