/* SPDX-License-Identifier: MIT */
/*
 * Ground truth: per VM and analysis window, the delay that other VMs and
 * host threads caused on each resource, accumulated from the simulator's
 * own state (not from the trace), and the labels derived from it by the
 * rule of doc/formats.md ("What interference means").
 */
#include "datasets/sim-internal.h"
#include "datasets/sim-model.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

int acct_init(struct sim *s)
{
	uint64_t w = s->sc->window_ns;

	s->win0 = s->t0 / w * w;
	s->nwin = (int)((s->t_end - s->win0 + w - 1) / w);
	s->acct = calloc((size_t)(s->nvm ? s->nvm : 1) * s->nwin,
			 sizeof(*s->acct));
	if (!s->acct) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return 0;
}

static struct acct_cell *cell(struct sim *s, int vm, int win)
{
	return &s->acct[(size_t)vm * s->nwin + win];
}

/* Window of time `a`, and the end of that window clipped to `to`. */
static int piece(const struct sim *s, uint64_t a, uint64_t to, uint64_t *b)
{
	int win = (int)((a - s->win0) / s->sc->window_ns);

	*b = s->win0 + (uint64_t)(win + 1) * s->sc->window_ns;
	if (*b > to)
		*b = to;
	return win;
}

void acct_cpu_run(struct sim *s, int vm, uint64_t from, uint64_t to)
{
	uint64_t b;

	if (to > s->t_end)
		to = s->t_end;
	for (uint64_t a = from; a < to; a = b) {
		int win = piece(s, a, to, &b);

		cell(s, vm, win)->cpu_run += (double)(b - a);
	}
}

void acct_cpu_wait(struct sim *s, int vm, int culprit, uint64_t from,
		   uint64_t to)
{
	uint64_t b;

	if (to > s->t_end)
		to = s->t_end;
	for (uint64_t a = from; a < to; a = b) {
		struct acct_cell *c = cell(s, vm, piece(s, a, to, &b));

		c->cpu_wait += (double)(b - a);
		if (culprit != SIM_NO_OWNER && culprit != vm)
			c->cpu_by[culprit] += (double)(b - a);
	}
}

void acct_io_done(struct sim *s, int is_net, const struct request *r)
{
	int win;
	struct acct_cell *c;

	if (s->now >= s->t_end)
		return;
	win = (int)((s->now - s->win0) / s->sc->window_ns);
	c = cell(s, r->owner, win);
	if (is_net) {
		c->net_lat += (double)(s->now - r->enq);
		c->net_n++;
	} else {
		c->disk_lat += (double)(s->now - r->enq);
		c->disk_n++;
	}
	for (int o = 0; o <= s->nvm; o++) {
		if (is_net)
			c->net_by[o] += (double)r->delay_by[o];
		else
			c->disk_by[o] += (double)r->delay_by[o];
	}
}

/* The workload a window takes: the phase that covers at least half. */
static enum workload window_load(const struct sim *s, int vm, uint64_t a,
				 uint64_t b)
{
	const struct sim_vm_spec *v = &s->sc->vms[vm];

	for (int i = 0; i < v->nphases; i++) {
		uint64_t ps = s->t0 + v->phases[i].start_ns;
		uint64_t pe = s->t0 + v->phases[i].end_ns;
		uint64_t lo = ps > a ? ps : a, hi = pe < b ? pe : b;

		if (hi > lo && 2 * (hi - lo) >= b - a)
			return v->phases[i].load;
	}
	return WL_IDLE;
}

/* doc/formats.md: per VM, the class of most of its labeled intervals (a tie
 * goes to work over idle, then to the first class); a VM with no labeled
 * window takes the type of its longest phases. */
enum workload sim_vm_workload(const struct sim *s, int vm)
{
	const struct sim_vm_spec *v = &s->sc->vms[vm];
	uint64_t by[WL__COUNT] = { 0 }, labeled = 0;
	enum workload best = WL_IDLE;

	for (int w = 0; w < s->nwin; w++) {
		struct sim_label l;

		if (sim_label(s, vm, w, &l)) {
			by[l.workload]++;
			labeled++;
		}
	}
	if (labeled == 0)
		for (int i = 0; i < v->nphases; i++)
			by[v->phases[i].load] += v->phases[i].end_ns - v->phases[i].start_ns;
	for (enum workload l = WL_CPU; l < WL__COUNT; l++)
		if (by[l] > by[best] || (best == WL_IDLE && by[l] > 0 && by[l] == by[best]) ||
		    (best == WL_IDLE && labeled == 0 && by[l] > 0))
			best = l;
	return best;
}

int sim_window_count(const struct sim *s)
{
	return s->nwin;
}

int sim_label(const struct sim *s, int vm, int win, struct sim_label *out)
{
	const struct acct_cell *c = &s->acct[(size_t)vm * s->nwin + win];
	const double *by[RES__COUNT] = {
		[RES_CPU] = c->cpu_by, [RES_DISK] = c->disk_by, [RES_NET] = c->net_by,
	};
	uint64_t W = s->sc->window_ns;
	double total[RES__COUNT] = { 0 }, demand[RES__COUNT];
	enum resource best = RES_NONE;

	memset(out, 0, sizeof(*out));
	out->start_ns = s->win0 + (uint64_t)win * W;
	out->end_ns = out->start_ns + W;
	if (out->start_ns < s->t0)
		out->start_ns = s->t0;
	if (out->end_ns > s->t_end)
		out->end_ns = s->t_end;
	/* A window mostly outside the trace, or before the VM started. */
	if (2 * (out->end_ns - out->start_ns) < W ||
	    s->t0 + s->sc->vms[vm].start_ns > out->start_ns + W / 2 ||
	    (s->sc->vms[vm].end_ns &&
	     s->t0 + s->sc->vms[vm].end_ns < out->start_ns + W / 2))
		return 0;
	for (enum resource r = RES_CPU; r < RES__COUNT; r++)
		for (int o = 0; o <= s->nvm; o++)
			total[r] += by[r][o];
	demand[RES_CPU] = c->cpu_run + total[RES_CPU];
	demand[RES_DISK] = c->disk_lat;
	demand[RES_NET] = c->net_lat;
	for (enum resource r = RES_CPU; r < RES__COUNT; r++) {
		out->share[r] = demand[r] > 0 ? total[r] / demand[r] : 0;
		out->delay_ns[r] = total[r];
		if (out->share[r] >= LABEL_MIN_SHARE && total[r] >= LABEL_MIN_DELAY * W &&
		    (best == RES_NONE || out->share[r] > out->share[best]))
			best = r;
	}
	out->workload = window_load(s, vm, out->start_ns, out->end_ns);
	out->interference = best != RES_NONE;
	out->resource = best;
	if (best != RES_NONE) {
		/* Culprits causing at least 5% of the delay, most first. */
		for (int o = 0; o <= s->nvm; o++) {
			int k;

			if (by[best][o] < 0.05 * total[best])
				continue;
			k = out->nculprits++;
			while (k > 0 && by[best][out->culprits[k - 1]] < by[best][o]) {
				out->culprits[k] = out->culprits[k - 1];
				k--;
			}
			out->culprits[k] = o;
		}
	}
	return 1;
}
