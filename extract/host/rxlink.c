/* SPDX-License-Identifier: MIT */
#include "extract/host/rxlink.h"

#include <gsl/gsl_rstat.h>
#include <stdlib.h>
#include <string.h>

/* The response-time median is used once this many answers fed it. */
#define RX_MIN_SAMPLES 8
/* Frames whose wire times are this close (in frames) still touch: the
 * softirq delivers a little after the wire. */
#define RX_TOUCH 1.0

struct rx_est {
	gsl_rstat_quantile_workspace *p50;
};

void rxlink_init(struct rxlink *l)
{
	memset(l, 0, sizeof(*l));
}

static void est_free(struct rx_est *e)
{
	if (e)
		gsl_rstat_quantile_free(e->p50);
	free(e);
}

void rxlink_fini(struct rxlink *l)
{
	size_t s;

	for (s = 0; s < l->cap; s++)
		est_free(l->own[s].rtt);
	est_free(l->rtt);
	free(l->own);
	rxlink_init(l);
}

static struct rx_owner *owner_slot(struct rxlink *l, int owner)
{
	size_t slot = (size_t)(owner + 1), cap = l->cap ? l->cap : 8;
	struct rx_owner *o;

	if (owner < -1)
		return NULL;
	if (slot >= l->cap) {
		while (cap <= slot)
			cap *= 2;
		o = realloc(l->own, cap * sizeof(*o));
		if (!o)
			return NULL;
		memset(o + l->cap, 0, (cap - l->cap) * sizeof(*o));
		l->own = o;
		l->cap = cap;
	}
	o = &l->own[slot];
	if (o->gen != l->gen) { /* lazily: its wire when the period began */
		o->snap = o->wire;
		o->gen = l->gen;
	}
	return o;
}

int rxlink_on_tx(struct rxlink *l, int owner, uint64_t done)
{
	struct rx_owner *o = owner_slot(l, owner);

	if (!o)
		return -1;
	o->req_done = done;
	o->has_req = 1;
	o->others_at_req = l->total - o->wire;
	return 0;
}

static int est_get(const struct rx_est *e, double *rtt)
{
	if (!e || e->p50->n < RX_MIN_SAMPLES)
		return -1;
	*rtt = gsl_rstat_quantile_get(e->p50);
	return 0;
}

static void est_add(struct rx_est **e, double rtt)
{
	if (!*e) {
		*e = calloc(1, sizeof(**e));
		if (!*e)
			return; /* not learned: the device's estimate serves */
		(*e)->p50 = gsl_rstat_quantile_alloc(0.5);
		if (!(*e)->p50) {
			free(*e);
			*e = NULL;
			return;
		}
	}
	gsl_rstat_quantile_add(rtt, (*e)->p50);
}

/* Splits `ns` over the other owners by their wire time in the busy
 * period. */
static void split(struct rxlink *l, int owner, double ns,
		  void (*blame)(void *ctx, int other, double ns), void *ctx)
{
	double others = 0;
	size_t s;

	for (s = 0; s < l->cap; s++)
		if ((int)s != owner + 1 && l->own[s].gen == l->gen)
			others += l->own[s].wire - l->own[s].snap;
	for (s = 0; s < l->cap && others > 0; s++) {
		double w;

		if ((int)s == owner + 1 || l->own[s].gen != l->gen)
			continue;
		w = l->own[s].wire - l->own[s].snap;
		if (w > 0)
			blame(ctx, (int)s - 1, ns * w / others);
	}
}

int rxlink_on_rx(struct rxlink *l, int owner, uint64_t t, double wire,
		 struct rx_frame *f, void (*blame)(void *ctx, int other, double ns),
		 void *ctx)
{
	double arrived = (double)t - wire, start, rtt, others_now;
	struct rx_owner *o;

	/* Frames delivered together (interrupt coalescing) were on the wire
	 * one after the other: a frame starts no earlier than the one before
	 * it ended. */
	if (arrived > l->last_end + RX_TOUCH * wire) { /* the wire was idle */
		l->gen++;
		l->busy_start = arrived;
	}
	start = arrived > l->last_end ? arrived : l->last_end;
	l->last_end = start + wire;
	o = owner_slot(l, owner);
	if (!o)
		return -1;
	others_now = l->total - o->wire;
	f->delay = 0;
	if (o->has_req) { /* the first frame of an answer */
		o->has_req = 0;
		o->t_answer = 0;
		o->delay = 0;
		o->answer_wire = 0;
		if (others_now == o->others_at_req && arrived > (double)o->req_done) {
			est_add(&o->rtt, arrived - (double)o->req_done);
			est_add(&l->rtt, arrived - (double)o->req_done);
		}
		if (est_get(o->rtt, &rtt) == 0 || est_get(l->rtt, &rtt) == 0) {
			double from = (double)o->req_done + rtt, own_busy, busy;

			o->t_answer = from;
			if (from < l->busy_start)
				from = l->busy_start;
			own_busy = o->wire - o->snap;
			busy = start - from;
			/* only what other owners' frames held of it */
			if (busy > (start - l->busy_start) - own_busy)
				busy = (start - l->busy_start) - own_busy;
			o->delay = busy > 0 ? busy : 0;
		}
		f->delay = o->delay;
	} else if (o->t_answer > 0) {
		f->delay = o->delay;
		if (o->rx_gen == l->gen) /* others' frames between its own */
			f->delay += others_now - o->others_at_rx;
	}
	if (f->delay > 0)
		split(l, owner, f->delay, blame, ctx);
	/* queued with its answer: it also waited for the answer's frames
	 * before it (a frame of no known answer: for itself) */
	o->answer_wire = o->t_answer > 0 ? o->answer_wire + wire : wire;
	f->latency = f->delay + o->answer_wire;
	o->wire += wire;
	l->total += wire;
	o->others_at_rx = l->total - o->wire;
	o->rx_gen = l->gen;
	return 0;
}

void rxlink_forget(struct rxlink *l, int owner)
{
	size_t slot = (size_t)(owner + 1);
	struct rx_owner *o;

	if (owner < 0 || slot >= l->cap)
		return;
	o = &l->own[slot];
	est_free(o->rtt);
	memset(o, 0, sizeof(*o));
	o->gen = l->gen; /* no wire of its own in the current busy period */
}
