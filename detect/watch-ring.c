/* SPDX-License-Identifier: MIT */
/* watch's span of recent windows and the report.json of it. */
#include "detect/watch-ring.h"
#include "common/err.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* A window is kept without its top events, which lie last (result.h). */
#define CORE_SIZE offsetof(struct window_result, top)
_Static_assert(offsetof(struct window_result, ntop) ==
	       offsetof(struct window_result, top) + sizeof(((struct window_result *)0)->top) &&
	       sizeof(struct window_result) - offsetof(struct window_result, ntop) <=
	       alignof(struct window_result),
	       "top and ntop must be window_result's last members");

struct ring_window {
	unsigned char core[CORE_SIZE]; /* the window_result up to top */
	uint32_t counts[TK__COUNT];
	struct report_totals tot;
};

struct ring_chunk {
	uint64_t end_ns, events, discarded;
};

static void *fifo_at(const struct fifo *q, size_t i)
{
	return q->buf + ((q->head + i) % q->cap) * q->size;
}

/* Room for one more at the back; NULL when out of memory. */
static void *fifo_push(struct fifo *q)
{
	if (q->n == q->cap) {
		/* by half: the ring holds at most 1.5 times what a span needs */
		size_t cap = q->cap ? q->cap + q->cap / 2 : 64;
		unsigned char *b = malloc(cap * q->size);

		if (!b)
			return NULL;
		/* in order from the front: the head goes back to 0 */
		for (size_t i = 0; i < q->n; i++)
			memcpy(b + i * q->size, fifo_at(q, i), q->size);
		free(q->buf);
		q->buf = b;
		q->cap = cap;
		q->head = 0;
	}
	return fifo_at(q, q->n++);
}

static void fifo_pop(struct fifo *q)
{
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

void ring_init(struct watch_ring *g, uint64_t span_ns)
{
	memset(g, 0, sizeof(*g));
	g->span_ns = span_ns;
	g->win.size = sizeof(struct ring_window);
	g->chunk.size = sizeof(struct ring_chunk);
}

void ring_fini(struct watch_ring *g)
{
	free(g->win.buf);
	free(g->chunk.buf);
	memset(g, 0, sizeof(*g));
}

size_t ring_windows(const struct watch_ring *g)
{
	return g->win.n;
}

void ring_window(const struct watch_ring *g, size_t i, struct window_result *out)
{
	const struct ring_window *e = fifo_at(&g->win, i);

	memset(out, 0, sizeof(*out));
	memcpy(out, e->core, CORE_SIZE);
}

/* Where the span begins: entries ending at or before it are out. */
static uint64_t span_start(const struct watch_ring *g)
{
	return g->newest_end_ns > g->span_ns ? g->newest_end_ns - g->span_ns : 0;
}

static uint64_t window_end(const struct ring_window *e)
{
	struct window_result w;

	memcpy(&w, e->core, CORE_SIZE);
	return w.end_ns;
}

static void drop_old(struct watch_ring *g)
{
	uint64_t from = span_start(g);

	while (g->win.n && window_end(fifo_at(&g->win, 0)) <= from)
		fifo_pop(&g->win);
	while (g->chunk.n && ((struct ring_chunk *)fifo_at(&g->chunk, 0))->end_ns <= from)
		fifo_pop(&g->chunk);
}

int ring_add_window(struct watch_ring *g, const struct window_result *r,
		    const uint32_t *counts, const struct report_totals *tot)
{
	struct ring_window *e = fifo_push(&g->win);

	if (!e) {
		err_fail(ERR_RESOURCE, "out of memory keeping the report's span");
		return -1;
	}
	memcpy(e->core, r, CORE_SIZE);
	memcpy(e->counts, counts, sizeof(e->counts));
	e->tot = *tot;
	if (r->end_ns > g->newest_end_ns)
		g->newest_end_ns = r->end_ns;
	drop_old(g);
	return 0;
}

int ring_add_chunk(struct watch_ring *g, uint64_t end_ns, uint64_t events,
		   uint64_t discarded)
{
	struct ring_chunk *c = fifo_push(&g->chunk);

	if (!c) {
		err_fail(ERR_RESOURCE, "out of memory keeping the report's span");
		return -1;
	}
	*c = (struct ring_chunk){ end_ns, events, discarded };
	drop_old(g);
	return 0;
}

static void add_totals(struct report_totals *s, const struct report_totals *t)
{
	s->cpu_ns += t->cpu_ns;
	s->guest_ns += t->guest_ns;
	s->preempted_ns += t->preempted_ns;
	s->exits += t->exits;
	s->disk_requests += t->disk_requests;
	s->disk_bytes += t->disk_bytes;
	s->net_packets += t->net_packets;
	s->net_bytes += t->net_bytes;
}

/* Keeps the VMs marked in `map` (non-zero), in their order, and sets
 * map[v] to each one's new index (-1 for the others). */
static void keep_vms(struct detect_result *r, int *map)
{
	size_t k = 0;

	for (size_t v = 0; v < r->nvms; v++) {
		if (!map[v]) {
			free(r->vms[v].name);
			free(r->vms[v].uuid);
			map[v] = -1;
			continue;
		}
		r->vms[k] = r->vms[v];
		map[v] = (int)k++;
	}
	r->nvms = k;
}

static int fill_meta(struct detect_result *r, const struct ring_meta *m)
{
	r->paths = malloc(sizeof(*r->paths));
	if (!r->paths || !(r->paths[0] = strdup(m->recording)))
		return -1;
	r->npaths = 1;
	if (m->hostname && m->hostname[0] && !(r->hostname = strdup(m->hostname)))
		return -1;
	if (!(r->model_path = strdup(m->model_path)))
		return -1;
	r->cpus = m->cpus;
	r->window_ns = m->window_ns;
	return 0;
}

int ring_report(const struct watch_ring *g, const struct analysis *a,
		const struct ring_meta *m, struct detect_result *r)
{
	size_t n = g->win.n, nvm;
	uint32_t (*counts)[TK__COUNT] = NULL;
	int *map = NULL, ret = -1;

	if (fill_meta(r, m) < 0 || collect_copy_vms(r, a) < 0)
		goto oom;
	nvm = r->nvms;
	map = calloc(nvm ? nvm : 1, sizeof(*map));
	counts = calloc(n ? n : 1, sizeof(*counts));
	r->windows = calloc(n ? n : 1, sizeof(*r->windows));
	if (!map || !counts || !r->windows)
		goto oom;
	/* the VMs the span speaks of: owners and culprits */
	for (size_t i = 0; i < n; i++) {
		struct window_result *w = &r->windows[i];
		const struct ring_window *e = fifo_at(&g->win, i);

		memcpy(w, e->core, CORE_SIZE);
		memcpy(counts[i], e->counts, sizeof(counts[i]));
		if (w->vm < 0 || (size_t)w->vm >= nvm)
			goto bad;
		map[w->vm] = 1;
		for (int c = 0; c < w->nculprits; c++) {
			if (w->culprits[c].vm == CULPRIT_HOST)
				continue;
			if (w->culprits[c].vm < 0 || (size_t)w->culprits[c].vm >= nvm)
				goto bad;
			map[w->culprits[c].vm] = 1;
		}
	}
	r->nwindows = n;
	keep_vms(r, map);
	for (size_t v = 0; v < r->nvms; v++)
		memset(&r->vms[v].totals, 0, sizeof(r->vms[v].totals));
	for (size_t i = 0; i < n; i++) {
		struct window_result *w = &r->windows[i];
		const struct ring_window *e = fifo_at(&g->win, i);

		w->vm = map[w->vm];
		for (int c = 0; c < w->nculprits; c++)
			if (w->culprits[c].vm != CULPRIT_HOST)
				w->culprits[c].vm = map[w->culprits[c].vm];
		add_totals(&r->vms[w->vm].totals, &e->tot);
		if (!r->start_ns || w->start_ns < r->start_ns)
			r->start_ns = w->start_ns;
		if (w->end_ns > r->end_ns)
			r->end_ns = w->end_ns;
	}
	for (size_t i = 0; i < g->chunk.n; i++) {
		const struct ring_chunk *c = fifo_at(&g->chunk, i);

		r->events += c->events;
		r->discarded_events += c->discarded;
	}
	ret = collect_settle(r, counts);
	goto end;
bad:
	err_fail(ERR_INTERNAL, "a window of the report's span names a VM the analysis lacks");
	goto end;
oom:
	err_fail(ERR_RESOURCE, "out of memory building the report of the span");
end:
	free(map);
	free(counts);
	return ret;
}
