/* SPDX-License-Identifier: MIT */
/*
 * Reading one host's traces with several cores (`-j N`).
 *
 * The host model needs every event in time order, so the analysis stays
 * in one thread; what is spread is babeltrace2's decoding, about nine
 * tenths of the work. Worker k runs its own graph (its own source.ctf.fs
 * and merging sink) over stream k, k + N, ... of each trace, decodes each event into
 * a struct ev (strings copied) and hands batches of them to the calling
 * thread, which merges the N time-ordered sequences in the order of
 * babeltrace2's muxer (mux-order.h: each record keyed by its message's
 * own time, stream key and type; packet beginnings and ends go through
 * the merge for their place only; events of streams whose keys tie,
 * which only traces of one UUID have, by event class and stream) and
 * feeds the handler.
 * The result is the same sequence of events as one graph's, so there is
 * no state to carry across a cut: each stream is decoded whole, by one
 * worker. Memory is bounded: NBATCH batches per worker.
 */
#include "extract/read/trace-internal.h"
#include "extract/read/decode.h"
#include "extract/read/mux-order.h"
#include "common/err.h"
#include "common/outfile.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_RECS 4096
#define BATCH_ARENA (BATCH_RECS * 64)
#define NBATCH 4

/* The messages a worker hands on: stream beginning, event, discarded;
 * packet beginnings and ends only take their place in the order (they
 * are the muxer's heads on ties with events of other streams). */
enum rec_type { REC_TRACE, REC_EVENT, REC_DISCARDED, REC_PACKET_BEGIN, REC_PACKET_END };

static const bt_message_type rec_msg_type[] = {
	[REC_TRACE] = BT_MESSAGE_TYPE_STREAM_BEGINNING,
	[REC_EVENT] = BT_MESSAGE_TYPE_EVENT,
	[REC_DISCARDED] = BT_MESSAGE_TYPE_DISCARDED_EVENTS,
	[REC_PACKET_BEGIN] = BT_MESSAGE_TYPE_PACKET_BEGINNING,
	[REC_PACKET_END] = BT_MESSAGE_TYPE_PACKET_END,
};

struct stream_key {
	const bt_stream *stream; /* weak */
	struct mux_stream_key key;
};

struct rec {
	uint64_t key; /* the muxer's time of the message (unless `now`) */
	const struct stream_key *sk; /* weak: the worker's */
	enum rec_type type;
	int now;      /* no time: due at the merge's last time, as in the muxer */
	const bt_event_class *ec; /* weak: an event's class, for ties past the stream key */
	union {
		struct ev ev;
		struct { int cpu; uint64_t begin, end, count; } disc;
		const bt_trace *trace;
	} u;
};

struct batch {
	size_t n, used;
	struct rec rec[BATCH_RECS];
	char arena[BATCH_ARENA]; /* the events' strings */
};

struct worker {
	pthread_t thread;
	int started;
	struct graph_parts g;
	struct merge_callbacks cb;
	struct decoder *dec;      /* owned */
	struct batch *b[NBATCH];  /* owned: a ring, filled in order */
	int full[NBATCH];         /* under mu */
	size_t fill, take;        /* batches filled (worker), taken (merger) */
	int done, failed;         /* under mu */
	const bt_error *error;    /* owned: babeltrace2's cause of a failure */
	struct err_chain causes;  /* the worker thread's own causes, at its end */
	enum merge_fault fault;   /* set by the worker's sink when it refuses the order */
	int cancel;               /* set by the merger, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct stream_key **keys; /* owned */
	size_t nkeys;
	const struct stream_key *last_sk;
	/* merger side */
	struct batch *cur;
	size_t pos;
};

static const struct stream_key *key_of(struct worker *w, const bt_stream *s)
{
	struct stream_key **grown, *k;

	if (w->last_sk && w->last_sk->stream == s)
		return w->last_sk;
	for (size_t i = 0; i < w->nkeys; i++)
		if (w->keys[i]->stream == s)
			return w->last_sk = w->keys[i];
	grown = realloc(w->keys, (w->nkeys + 1) * sizeof(*grown));
	k = calloc(1, sizeof(*k));
	if (!grown || !k) {
		free(k);
		if (grown)
			w->keys = grown;
		return NULL;
	}
	w->keys = grown;
	k->stream = s;
	mux_stream_key_init(&k->key, s);
	w->keys[w->nkeys++] = k;
	return w->last_sk = k;
}

/* Hands the batch being filled to the merger and waits for the next one
 * to be free. Returns 0, or -1 when the merger cancelled. */
static int push_batch(struct worker *w)
{
	int ret = 0;

	pthread_mutex_lock(&w->mu);
	w->full[w->fill % NBATCH] = 1;
	w->fill++;
	pthread_cond_broadcast(&w->cv);
	while (w->full[w->fill % NBATCH] && !w->cancel)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->cancel)
		ret = -1;
	pthread_mutex_unlock(&w->mu);
	if (!ret) {
		w->b[w->fill % NBATCH]->n = 0;
		w->b[w->fill % NBATCH]->used = 0;
	}
	return ret;
}

/* A free record of the batch being filled, with room for `strings`
 * bytes of strings. */
static struct rec *next_rec(struct worker *w, size_t strings)
{
	struct batch *b = w->b[w->fill % NBATCH];

	if (b->n == BATCH_RECS || b->used + strings > BATCH_ARENA) {
		if (push_batch(w) != 0)
			return NULL;
		b = w->b[w->fill % NBATCH];
	}
	return &b->rec[b->n];
}

/* Copies the event's strings into the batch's arena (truncating one
 * longer than the arena, which no kernel string is). */
static void keep_strings(struct batch *b, struct ev *ev, const size_t *offs,
			 int nstr)
{
	for (int i = 0; i < nstr; i++) {
		const char **p = (const char **)((char *)ev + offs[i]);
		size_t len;

		if (!*p)
			continue;
		len = strlen(*p) + 1;
		if (len > BATCH_ARENA - b->used)
			len = BATCH_ARENA - b->used;
		if (len == 0) {
			*p = "";
			continue;
		}
		memcpy(b->arena + b->used, *p, len - 1);
		b->arena[b->used + len - 1] = '\0';
		*p = b->arena + b->used;
		b->used += len;
	}
}

static int add_event(struct worker *w, const bt_message *msg)
{
	const bt_event *event;
	struct ev ev;
	const size_t *offs;
	size_t strings = 0;
	int nstr;
	struct rec *r;

	if (decoder_decode(w->dec, msg, &ev) != 0)
		return -1;
	nstr = decoder_last_strings(w->dec, &offs);
	for (int i = 0; i < nstr; i++) {
		const char *s = *(const char **)((char *)&ev + offs[i]);

		if (s)
			strings += strlen(s) + 1;
	}
	if (strings > BATCH_ARENA)
		strings = BATCH_ARENA;
	r = next_rec(w, strings);
	if (!r)
		return -1;
	event = bt_message_event_borrow_event_const(msg);
	r->type = REC_EVENT;
	r->now = 0;
	r->key = ev.ts;
	r->ec = bt_event_borrow_class_const(event);
	r->sk = key_of(w, bt_event_borrow_stream_const(event));
	if (!r->sk)
		return -1;
	r->u.ev = ev;
	keep_strings(w->b[w->fill % NBATCH], &r->u.ev, offs, nstr);
	w->b[w->fill % NBATCH]->n++;
	return 0;
}

static int add_other(struct worker *w, const bt_message *msg)
{
	const bt_stream *stream;
	struct rec *r;

	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_PACKET_BEGINNING: {
		const bt_packet *p = bt_message_packet_beginning_borrow_packet_const(msg);

		decoder_on_packet(w->dec, p);
		stream = bt_packet_borrow_stream_const(p);
		if (!(r = next_rec(w, 0)))
			return -1;
		r->type = REC_PACKET_BEGIN;
		break;
	}
	case BT_MESSAGE_TYPE_PACKET_END:
		stream = bt_packet_borrow_stream_const(
			bt_message_packet_end_borrow_packet_const(msg));
		if (!(r = next_rec(w, 0)))
			return -1;
		r->type = REC_PACKET_END;
		break;
	case BT_MESSAGE_TYPE_STREAM_BEGINNING:
		stream = bt_message_stream_beginning_borrow_stream_const(msg);
		if (!(r = next_rec(w, 0)))
			return -1;
		r->type = REC_TRACE;
		r->u.trace = bt_stream_borrow_trace_const(stream);
		break;
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
		uint64_t count;
		int64_t begin, end;

		stream = bt_message_discarded_events_borrow_stream_const(msg);
		discarded_read(msg, &count, &begin, &end);
		if (!(r = next_rec(w, 0)))
			return -1;
		r->type = REC_DISCARDED;
		r->u.disc.cpu = decoder_stream_cpu(w->dec, stream);
		r->u.disc.begin = (uint64_t)begin;
		r->u.disc.end = (uint64_t)end;
		r->u.disc.count = count;
		break;
	}
	default:
		return 0;
	}
	{
		int64_t ns = 0;
		int t = mux_message_time(msg, &ns);

		if (t < 0) {
			err_fail(ERR_INPUT, "a message's time overflows 64-bit nanoseconds from origin");
			return -1;
		}
		r->now = t == 0;
		r->key = (uint64_t)ns;
	}
	if (!(r->sk = key_of(w, stream)))
		return -1;
	w->b[w->fill % NBATCH]->n++;
	return 0;
}

static int worker_message(void *data, const bt_message *msg)
{
	struct worker *w = data;

	if (bt_message_get_type(msg) == BT_MESSAGE_TYPE_EVENT)
		return add_event(w, msg);
	return add_other(w, msg);
}

static void *worker_main(void *data)
{
	struct worker *w = data;
	int failed = graph_run(w->g.graph) != 0;

	if (failed)
		w->error = bt_current_thread_take_error();
	else if (w->b[w->fill % NBATCH]->n)
		failed = push_batch(w) != 0;
	/* Our causes are per thread: hand them to the joining thread. */
	err_chain_take(&w->causes);
	pthread_mutex_lock(&w->mu);
	w->failed = failed;
	w->done = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The worker's next record, waiting for its next batch; NULL at its end. */
static const struct rec *head(struct worker *w)
{
	for (;;) {
		if (w->cur && w->pos < w->cur->n)
			return &w->cur->rec[w->pos];
		pthread_mutex_lock(&w->mu);
		if (w->cur) {
			w->full[w->take % NBATCH] = 0;
			w->take++;
			w->cur = NULL;
			pthread_cond_broadcast(&w->cv);
		}
		while (!w->full[w->take % NBATCH] && !w->done)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->full[w->take % NBATCH]) {
			w->cur = w->b[w->take % NBATCH];
			w->pos = 0;
		}
		pthread_mutex_unlock(&w->mu);
		if (!w->cur)
			return NULL;
	}
}

static int worker_failed(struct worker *w)
{
	int failed;

	pthread_mutex_lock(&w->mu);
	failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	return failed;
}

/* Two records of the same time, in the muxer's order: is `a` first?
 * Equal, the worker met first keeps its turn. Out of the event path. */
static __attribute__((noinline)) int tie_before(const struct rec *a,
						const struct rec *b)
{
	int c = mux_stream_key_compare(&a->sk->key, &b->sk->key);

	if (c != 0)
		return c < 0;
	if (a->type != b->type)
		return mux_type_weight(rec_msg_type[a->type]) >
		       mux_type_weight(rec_msg_type[b->type]);
	/* Streams of equal keys in two workers: traces of one stream each,
	 * of one UUID. A discarded-events record keeps no count or clocks
	 * for the muxer's last criteria: streams decide, then the worker. */
	if (a->type == REC_EVENT)
		c = mux_compare_tied_events(a->ec, a->sk->stream, b->ec, b->sk->stream);
	else
		c = mux_compare_tied_streams(a->sk->stream, b->sk->stream);
	return c < 0;
}

static int deliver(struct reader *r, const struct rec *rec)
{
	switch (rec->type) {
	case REC_EVENT:
		return reader_deliver(r, &rec->u.ev);
	case REC_DISCARDED:
		reader_discarded(r, rec->u.disc.cpu, rec->u.disc.begin,
				 rec->u.disc.end, rec->u.disc.count);
		return 0;
	case REC_TRACE:
		reader_announce(r, rec->u.trace);
		return 0;
	case REC_PACKET_BEGIN:
	case REC_PACKET_END:
		return 0;
	}
	return 0;
}

static int merge(struct worker *ws, size_t n, struct reader *r)
{
	uint64_t delivered = 0, last = 0;

	for (;;) {
		struct worker *best = NULL;
		const struct rec *best_rec = NULL;
		uint64_t best_key = 0;

		for (size_t i = 0; i < n; i++) {
			const struct rec *h = head(&ws[i]);
			uint64_t key;

			if (!h) {
				if (worker_failed(&ws[i]))
					return 1; /* its cause is reported after the join */
				continue;
			}
			/* As the muxer: a record without time is due now. */
			key = h->now ? last : h->key;
			if (!best_rec || key < best_key ||
			    (key == best_key && tie_before(h, best_rec))) {
				best = &ws[i];
				best_rec = h;
				best_key = key;
			}
		}
		if (!best)
			return 0;
		last = best_key;
		if (deliver(r, best_rec) != 0)
			return -1;
		best->pos++;
		if ((++delivered & 0xffff) == 0 && outfile_interrupted()) {
			err_fail(ERR_INTERRUPTED, "interrupted by a signal");
			return -1;
		}
	}
}

static int worker_setup(struct worker *w, const struct trace_group *group,
			size_t jobs, size_t index, int per_source)
{
	w->cb.data = w;
	w->cb.fault = &w->fault;
	w->cb.on_message = worker_message;
	for (int i = 0; i < NBATCH; i++)
		if (!(w->b[i] = malloc(sizeof(*w->b[i])))) {
			err_fail(ERR_RESOURCE, "out of memory");
			return -1;
		}
	w->b[0]->n = w->b[0]->used = 0;
	if (!(w->dec = decoder_create()))
		return -1;
	if (graph_parts_build(&w->g, group) != 0)
		return -1;
	return graph_parts_add_sink(&w->g, &w->cb, jobs, index, per_source);
}

static void worker_fini(struct worker *w)
{
	graph_parts_fini(&w->g);
	decoder_destroy(w->dec);
	for (int i = 0; i < NBATCH; i++)
		free(w->b[i]);
	for (size_t i = 0; i < w->nkeys; i++)
		free(w->keys[i]);
	free(w->keys);
	if (w->error)
		bt_error_release(w->error);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
}

int trace_read_parallel(const struct trace_group *group, struct reader *r,
			size_t jobs)
{
	struct worker *ws;
	size_t i, nports, most;
	int ret = -1, stopped = -1, per_source;
	struct graph_parts probe;

	if (graph_parts_build(&probe, group) != 0) {
		graph_parts_fini(&probe);
		return -1;
	}
	nports = graph_parts_nports(&probe);
	/* Stream k of every trace to worker k % jobs: streams of two traces
	 * that the muxer cannot tell apart (copies of one trace: same UUID,
	 * name and stream ids) are then muxed by one worker, in the muxer's
	 * own order. So no more workers than the largest trace has streams;
	 * only traces of one stream each are dealt out over all the traces. */
	most = graph_parts_max_source_ports(&probe);
	graph_parts_fini(&probe);
	per_source = most >= 2;
	if (per_source && jobs > most)
		jobs = most;
	if (jobs > nports)
		jobs = nports;
	ws = calloc(jobs, sizeof(*ws));
	if (!ws) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (i = 0; i < jobs; i++) {
		pthread_mutex_init(&ws[i].mu, NULL);
		pthread_cond_init(&ws[i].cv, NULL);
	}
	/* Graphs are built here, one thread: babeltrace2's plugin and
	 * component-class references are not atomic. Each graph then runs
	 * in one thread only, sharing no object with the others. */
	for (i = 0; i < jobs; i++)
		if (worker_setup(&ws[i], group, jobs, i, per_source) != 0)
			goto end;
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
			err_fail(ERR_RESOURCE, "cannot start a decoding thread");
			goto end;
		}
		ws[i].started = 1;
	}
	stopped = merge(ws, jobs, r);
	/* > 0: a worker failed; its cause is taken below */
	ret = stopped < 0 ? -1 : 0;
end:
	for (i = 0; i < jobs; i++) {
		pthread_mutex_lock(&ws[i].mu);
		if (stopped != 0)
			ws[i].cancel = 1;
		pthread_cond_broadcast(&ws[i].cv);
		pthread_mutex_unlock(&ws[i].mu);
	}
	for (i = 0; i < jobs; i++)
		if (ws[i].started)
			pthread_join(ws[i].thread, NULL);
	for (i = 0; i < jobs && ret == 0; i++) {
		if (ws[i].failed) {
			ret = -1;
			err_adopt(&ws[i].causes);
			if (ws[i].error) {
				bt_current_thread_move_error(ws[i].error);
				ws[i].error = NULL;
			}
			trace_explain_failure(group, ws[i].fault);
		}
	}
	for (i = 0; i < jobs; i++)
		worker_fini(&ws[i]);
	free(ws);
	return ret;
}
