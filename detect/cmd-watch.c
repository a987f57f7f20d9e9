/* SPDX-License-Identifier: MIT */
/* `vmint watch`: follows a recording chunk by chunk, one JSON line per
 * (VM, window) as windows close, and the outputs of watch-out.h. */
#include "detect/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/outfile.h"
#include "detect/collect.h"
#include "detect/watch.h"
#include "detect/watch-out.h"
#include "detect/watch-source.h"
#include "model/model-dir.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct watch_opts {
	struct cli_common com; /* --vms, -m, --window */
	const char *dir, *jsonl, *state, *cache;
	int once;
	uint64_t max_behind; /* 0: no bound */
	struct watch_out_opts out;
};

enum { OPT_JSONL = CLI_OWN, OPT_ONCE, OPT_STATE, OPT_PROM, OPT_REPORT, OPT_EVERY, OPT_SPAN,
       OPT_ACTIONS, OPT_MAX_BEHIND, OPT_CACHE };

/* Complete chunks that may wait, unread, before the watch skips ahead:
 * 100 s of LTTng's or perf's 10 s chunks. */
#define WATCH_MAX_BEHIND 10
#define WATCH_MAX_BEHIND_STR "10"

static const struct cli_option options[] = {
	{ "vms", CLI_VMS, "FILE", NULL },
	{ "model", CLI_MODEL, "DIR", NULL },
	{ "jsonl", OPT_JSONL, "FILE", "append the JSON lines to FILE (default: standard output)" },
	{ "state", OPT_STATE, "FILE", "the chunks done, to resume from (default: DIR/.vmint-watch.json)" },
	{ "once", OPT_ONCE, NULL, "read the chunks there are, close the last window and exit" },
	{ "max-behind", OPT_MAX_BEHIND, "N",
	  "when more than N complete chunks wait, skip the oldest, their windows marked "
	  "missing (default: " WATCH_MAX_BEHIND_STR "; with --once, no bound; 0: no bound)" },
	{ "cache", OPT_CACHE, "DIR",
	  "where raw perf.data.N chunks are converted to CTF, each removed once read "
	  "(default: DIR/.vmint-ctf)" },
	{ "prom", OPT_PROM, "FILE", "Prometheus textfile: each VM's latest window and the watch's "
	  "health, rewritten after each chunk" },
	{ "report", OPT_REPORT, "FILE", "report.json of the last --report-span of windows, written "
	  "each --report-every, on SIGHUP and at the end of --once" },
	{ "report-every", OPT_EVERY, "DUR", "of trace time (default 10min)" },
	{ "report-span", OPT_SPAN, "DUR", "windows a report covers, ending with the newest "
	  "(default 60min; memory grows with it)" },
	{ "watcher-actions", OPT_ACTIONS, "FILE", "append a JSON line when an episode becomes "
	  "persistent (with its Watcher action) and when it ends" },
	{ "window", CLI_WINDOW, "DUR", NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec spec = {
	.cmd = "watch",
	.head =
		"usage: vmint watch DIR [--vms FILE] [--model DIR] [--jsonl FILE]\n"
		"                   [--state FILE] [--once] [--max-behind N] [--cache DIR]\n"
		"                   [--window DUR] [--prom FILE]\n"
		"                   [--report FILE [--report-every DUR] [--report-span DUR]]\n"
		"                   [--watcher-actions FILE]\n\n"
		"Follows a recording that grows chunk by chunk in DIR: LTTng rotation\n"
		"archives (DIR/archives/*), CTF trace folders (perf chunks converted to\n"
		"CTF, traces dropped there) and raw perf chunks (perf.data.<timestamp>\n"
		"of `perf record --switch-output`, converted here with `perf data convert\n"
		"--to-ctf`: the perf in $PERF, else on the PATH). Reads each complete\n"
		"chunk once, in the order of their names, keeping the analysis across\n"
		"chunks, and writes one JSON line per (VM, window) as the window closes.\n"
		"Complete: an archive; a trace folder or raw chunk but the last. perf's\n"
		"chunks overlap: each is read with the head of the next, as detect would.\n"
		"vms.json: --vms, else DIR/vms.json; clock-offset.json: beside a chunk\n"
		"as for detect, else in DIR.\n",
	.opts = options,
	.notes = "A chunk that cannot be read or converted is skipped with a warning and\n"
		 "the windows it covers are marked missing; so are the chunks skipped\n"
		 "when the watch falls behind (--max-behind). SIGINT/SIGTERM stop the\n"
		 "watch once the chunk being read is done (exit 130), every output\n"
		 "whole. SIGHUP writes the --report snapshot between chunks. The state\n"
		 "file records the chunks done: a restart resumes at the first chunk not\n"
		 "done and marks its first window warm-up.\n",
};

static int parse(int argc, char **argv, struct watch_opts *o)
{
	struct cli cli;
	int key, behind_set = 0;

	cli_begin(&cli, &spec, &o->com);
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		switch (key) {
		case OPT_JSONL: o->jsonl = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_ONCE: o->once = 1; break;
		case OPT_PROM: o->out.prom = optarg; break;
		case OPT_REPORT: o->out.report = optarg; break;
		case OPT_ACTIONS: o->out.actions = optarg; break;
		case OPT_CACHE: o->cache = optarg; break;
		case OPT_MAX_BEHIND:
			if (cli_uint(&cli, 0, 1000000, &o->max_behind) < 0)
				return cli.status;
			behind_set = 1;
			break;
		case OPT_EVERY:
		case OPT_SPAN:
			if (cli_parse_duration(optarg, key == OPT_EVERY ? &o->out.report_every_ns :
					       &o->out.report_span_ns) < 0)
				return cli_usage(&cli, "--%s: invalid duration '%s' (expected e.g. "
						 "10min, 60min, 30s)", key == OPT_EVERY ? "report-every" :
						 "report-span", optarg);
			break;
		}
	}
	if (key < 0)
		return cli.status;
	if ((o->out.report_every_ns || o->out.report_span_ns) && !o->out.report)
		return cli_usage(&cli, "--report-every and --report-span need --report");
	if (!o->out.report_every_ns)
		o->out.report_every_ns = 600 * 1000000000ull;
	if (!o->out.report_span_ns)
		o->out.report_span_ns = 3600 * 1000000000ull;
	if (optind >= argc)
		return cli_usage(&cli, "no recording directory given");
	if (optind + 1 < argc)
		return cli_usage(&cli, "one recording directory only, got '%s' too", argv[optind + 1]);
	o->dir = argv[optind];
	/* --once reads a recording that has ended: all of it, unless told */
	if (!behind_set)
		o->max_behind = o->once ? 0 : WATCH_MAX_BEHIND;
	return CLI_RUN;
}

/* SIGHUP: a report snapshot, written between chunks (between()). */
static volatile sig_atomic_t hup;

static void on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

static void hold_signals(sigset_t *old)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, old);
}

/* Between chunks, signals held: the snapshot SIGHUP asked for, and the
 * prom file if a pass changed what it says. Nothing once a signal said
 * stop (an output file would not be renamed into place then). */
static int between(struct watch *w)
{
	int rc = 0;

	if (!w->outs || outfile_interrupted())
		return 0;
	if (hup) {
		hup = 0;
		rc = watch_out_snapshot(w->outs, w, "sighup");
	}
	return rc == 0 ? watch_out_idle(w->outs, w) : rc;
}

/* Reads one chunk and records it done with SIGINT, SIGTERM and SIGHUP
 * held back: a signal stops the watch after the chunk, its windows
 * written, the state file and the other outputs saying so. */
static int read_whole(struct watch *w, const char *dir, const char *next, const char *name,
		      const char *state)
{
	sigset_t old;
	int rc;

	hold_signals(&old);
	rc = between(w);
	if (rc == 0)
		rc = watch_chunk(w, dir, next, name);
	if (rc == 0)
		rc = watch_state_save(w, state);
	if (rc == 0 && w->outs)
		rc = watch_out_chunk(w->outs, w, dir);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Counts chunk `c` done unread, its windows missing (`behind`: skipped
 * when falling behind), and saves the state. */
static int missing(struct watch *w, const struct watch_chunk *c, int behind, const char *state)
{
	sigset_t old;
	int rc;

	hold_signals(&old);
	rc = watch_missing(w, c->name, behind);
	if (rc == 0)
		rc = watch_state_save(w, state);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* The trace of the chunk after `c` to read with it (perf's chunks
 * overlap), a raw one converted first; NULL when there is none. Returns
 * 0, or -1 (cause appended) when the run must end. */
static int next_trace(struct watch *w, struct watch_source *src, struct watch_chunk *c,
		      const char **trace)
{
	struct watch_chunk *n = c + 1;
	char why[768];
	int rc;

	*trace = NULL;
	/* a raw chunk is whole once it has its name (perf renames it when
	 * done), even the newest; a trace folder only once complete */
	if (!c->perf || n >= src->chunks + src->n || !n->perf ||
	    (n->kind != WATCH_CHUNK_PERF && !n->complete) || watch_is_done(w, n->name))
		return 0;
	if (n->kind != WATCH_CHUNK_PERF) {
		*trace = n->path;
		return 0;
	}
	/* one perf cannot convert is said when its turn comes */
	if ((rc = watch_source_convert(src, n, why, sizeof(why))) < 0)
		return -1;
	*trace = rc == 0 ? n->ctf : NULL;
	return 0;
}

/* Reads chunk `c` (with the head of the next), a raw one converted first.
 * Returns 0 or -1 (cause appended) when the run must end. */
static int read_chunk(struct watch *w, struct watch_source *src, struct watch_chunk *c,
		      const char *state)
{
	const char *next;
	char why[768];
	int rc;

	if (c->kind == WATCH_CHUNK_PERF) {
		if ((rc = watch_source_convert(src, c, why, sizeof(why))) < 0)
			return -1;
		if (rc > 0) {
			warn_msg("chunk '%s' cannot be read, skipped (the windows it covers are "
				 "marked missing): %s", c->path, why);
			return missing(w, c, 0, state);
		}
	}
	if (next_trace(w, src, c, &next) < 0)
		return -1;
	/* stopped meanwhile: the next run reads it from the cache */
	if (outfile_interrupted())
		return 0;
	if (read_whole(w, c->kind == WATCH_CHUNK_PERF ? c->ctf : c->path, next, c->name,
		       state) < 0)
		return -1;
	watch_source_release(src, c);
	return 0;
}

/* Falling behind: the `k` oldest of the chunks that wait are counted done
 * unread, their windows missing, said in one warning. */
static int skip_ahead(struct watch *w, struct watch_source *src, const size_t *wait,
		      size_t nwait, size_t k, const struct watch_opts *o)
{
	char list[1024];
	size_t len = 0;

	list[0] = '\0';
	for (size_t i = 0; i < k && k <= 8 && len < sizeof(list); i++) {
		int m = snprintf(list + len, sizeof(list) - len, "%s'%s'", i ? ", " : "",
				 src->chunks[wait[i]].name);

		if (m < 0)
			break;
		len += (size_t)m;
	}
	if (k > 8)
		snprintf(list, sizeof(list), "'%s' to '%s'", src->chunks[wait[0]].name,
			 src->chunks[wait[k - 1]].name);
	warn_msg("falling behind: %zu complete chunks wait in '%s', more than --max-behind %llu: "
		 "skipping the %zu oldest (their windows are marked missing): %s", nwait, o->dir,
		 (unsigned long long)o->max_behind, k, list);
	for (size_t i = 0; i < k; i++)
		if (missing(w, &src->chunks[wait[i]], 1, o->state) < 0)
			return -1;
	return 0;
}

/* Reads every complete chunk not yet done, in name order. Returns the
 * number of chunks handled (read or skipped), or -1 (cause appended) on a
 * failure that ends the run. */
static int pass(struct watch *w, struct watch_source *src, const struct watch_opts *o)
{
	size_t *wait, nwait = 0, first = 0;
	int handled = 0;

	if (watch_source_scan(src) < 0)
		return -1;
	if (!(wait = malloc((src->n ? src->n : 1) * sizeof(*wait)))) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	if (w->outs) {
		/* the lag: the recording's newest CTF trace (a raw chunk's
		 * once converted) */
		char **ctf = malloc((src->n ? src->n : 1) * sizeof(*ctf));
		int k = 0;

		for (size_t i = 0; ctf && i < src->n; i++)
			if (src->chunks[i].kind != WATCH_CHUNK_PERF || src->chunks[i].ctf)
				ctf[k++] = src->chunks[i].kind != WATCH_CHUNK_PERF ?
					src->chunks[i].path : src->chunks[i].ctf;
		if (!ctf) {
			free(wait);
			err_fail(ERR_RESOURCE, "out of memory");
			return -1;
		}
		watch_out_newest(w->outs, ctf, k);
		free(ctf);
	}
	for (size_t i = 0; i < src->n; i++) {
		struct watch_chunk *c = &src->chunks[i];
		const char *last = watch_last_done(w);

		if (watch_is_done(w, c->name))
			continue;
		/* its windows were closed and written without it: reading it
		 * now would only find events older than the analysis */
		if (last && strcmp(c->name, last) < 0) {
			warn_msg("chunk '%s' came after '%s', which follows it: skipped",
				 c->path, last);
			if (watch_skip(w, c->name) < 0 || watch_state_save(w, o->state) < 0)
				goto fail;
			handled++;
			continue;
		}
		/* what follows a chunk that may still grow waits for it */
		if (!c->complete)
			break;
		wait[nwait++] = i;
	}
	if (o->max_behind && nwait > o->max_behind) {
		first = nwait - (size_t)o->max_behind;
		if (skip_ahead(w, src, wait, nwait, first, o) < 0)
			goto fail;
		handled += (int)first;
	}
	for (size_t i = first; i < nwait && !outfile_interrupted(); i++, handled++)
		if (read_chunk(w, src, &src->chunks[wait[i]], o->state) < 0)
			goto fail;
	free(wait);
	return handled;
fail:
	free(wait);
	return -1;
}

static int default_vms(const struct watch_opts *o, char *path, size_t size)
{
	return snprintf(path, size, "%s/vms.json", o->dir) < (int)size &&
	       access(path, F_OK) == 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_opts o = { .com = { .jobs = 1, .window_ns = 1000000000ull } };
	struct model_dir model = { 0 };
	struct watch w = { 0 };
	struct watch_source src = { 0 };
	struct watch_out outs;
	struct sigaction sa;
	char state[4096], vms[4096];
	FILE *out = stdout;
	sigset_t old;
	int rc = parse(argc, argv, &o);

	if (rc != CLI_RUN)
		return rc;
	if (!o.state) {
		snprintf(state, sizeof(state), "%s/.vmint-watch.json", o.dir);
		o.state = state;
	}
	if (!o.com.vms && default_vms(&o, vms, sizeof(vms)))
		o.com.vms = vms;
	if (!o.com.model)
		o.com.model = model_dir_default_path();
	o.out.model_path = o.com.model;
	if (model_dir_load(&model, o.com.model) < 0 ||
	    collect_check_model(&model, o.com.model) < 0) {
		model_dir_fini(&model);
		return err_exit(VMINT_EXIT_INPUT);
	}
	/* a log that grows: appended line by line, never rewritten */
	if (o.jsonl && strcmp(o.jsonl, "-") == 0)
		o.jsonl = NULL;
	if (o.jsonl && !(out = fopen(o.jsonl, "a"))) {
		err_fail(ERR_RESOURCE, "cannot open '%s': %s", o.jsonl, strerror(errno));
		model_dir_fini(&model);
		return VMINT_EXIT_INTERNAL;
	}
	/* SIGHUP asks for a snapshot and never ends the watch */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	if (watch_out_init(&outs, &o.out) < 0) {
		rc = err_exit(VMINT_EXIT_INTERNAL);
		goto end;
	}
	if (watch_source_init(&src, o.dir, o.cache, o.once) < 0 ||
	    watch_init(&w, &model, o.dir, o.com.vms, o.com.window_ns, out) < 0 ||
	    watch_state_load(&w, o.state) < 0) {
		rc = err_exit(VMINT_EXIT_INPUT);
		goto end;
	}
	if (o.out.prom || o.out.report || o.out.actions)
		w.outs = &outs;
	rc = VMINT_EXIT_OK;
	for (;;) {
		int n = pass(&w, &src, &o);

		if (n < 0) {
			rc = err_exit(VMINT_EXIT_INPUT);
			break;
		}
		hold_signals(&old);
		if (o.once && !outfile_interrupted() &&
		    (watch_finish(&w) < 0 || (w.outs && watch_out_finish(w.outs, &w) < 0)))
			rc = err_exit(VMINT_EXIT_INTERNAL);
		else if (!o.once && between(&w) < 0)
			rc = err_exit(VMINT_EXIT_INTERNAL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (o.once || rc != VMINT_EXIT_OK || outfile_interrupted())
			break;
		/* after chunks were read, look again at once: more may have
		 * completed meanwhile */
		if (n == 0)
			nanosleep(&(struct timespec){ .tv_sec = 1 }, NULL);
	}
end:
	if (outfile_interrupted())
		rc = VMINT_EXIT_INTERRUPTED;
	if (watch_out_fini(&outs) < 0 && rc == VMINT_EXIT_OK)
		rc = err_exit(VMINT_EXIT_INTERNAL);
	watch_source_fini(&src);
	watch_fini(&w);
	model_dir_fini(&model);
	if (out != stdout && fclose(out) != 0 && rc == VMINT_EXIT_OK) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", o.jsonl, strerror(errno));
		rc = VMINT_EXIT_INTERNAL;
	}
	return rc;
}
