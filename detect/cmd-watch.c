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
#include "extract/read/trace.h"
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
	const char *dir, *jsonl, *state;
	int once;
	struct watch_out_opts out;
};

enum { OPT_JSONL = CLI_OWN, OPT_ONCE, OPT_STATE, OPT_PROM, OPT_REPORT, OPT_EVERY, OPT_SPAN,
       OPT_ACTIONS };

static const struct cli_option options[] = {
	{ "vms", CLI_VMS, "FILE", NULL },
	{ "model", CLI_MODEL, "DIR", NULL },
	{ "jsonl", OPT_JSONL, "FILE", "append the JSON lines to FILE (default: standard output)" },
	{ "state", OPT_STATE, "FILE", "the chunks done, to resume from (default: DIR/.vmint-watch.json)" },
	{ "once", OPT_ONCE, NULL, "read the chunks there are, close the last window and exit" },
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
		"                   [--state FILE] [--once] [--window DUR] [--prom FILE]\n"
		"                   [--report FILE [--report-every DUR] [--report-span DUR]]\n"
		"                   [--watcher-actions FILE]\n\n"
		"Follows a recording that grows chunk by chunk in DIR (LTTng rotation\n"
		"archives, perf chunks converted to CTF, trace folders dropped there):\n"
		"reads each complete chunk once, in the order of their names, keeping\n"
		"the analysis across chunks, and writes one JSON line per (VM, window)\n"
		"as the window closes. A chunk is complete when one with a later name\n"
		"exists, or when it lies under an 'archives' folder (LTTng renames an\n"
		"archive into place once written). vms.json: --vms, else DIR/vms.json;\n"
		"clock-offset.json: beside a chunk as for detect, else in DIR.\n",
	.opts = options,
	.notes = "SIGINT/SIGTERM stop the watch once the chunk being read is done\n"
		 "(exit 130), every output whole. SIGHUP writes the --report snapshot\n"
		 "between chunks. The state file records the chunks done: a restart\n"
		 "resumes at the first chunk not done and marks its first window warm-up.\n",
};

static int parse(int argc, char **argv, struct watch_opts *o)
{
	struct cli cli;
	int key;

	cli_begin(&cli, &spec, &o->com);
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		switch (key) {
		case OPT_JSONL: o->jsonl = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_ONCE: o->once = 1; break;
		case OPT_PROM: o->out.prom = optarg; break;
		case OPT_REPORT: o->out.report = optarg; break;
		case OPT_ACTIONS: o->out.actions = optarg; break;
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
	return CLI_RUN;
}

static void free_dirs(char **dirs, int n)
{
	for (int i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
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
static int read_whole(struct watch *w, const char *dir, const char *name,
		      const char *state)
{
	sigset_t old;
	int rc;

	hold_signals(&old);
	rc = between(w);
	if (rc == 0)
		rc = watch_chunk(w, dir, name);
	if (rc == 0)
		rc = watch_state_save(w, state);
	if (rc == 0 && w->outs)
		rc = watch_out_chunk(w->outs, w, dir);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Reads every complete chunk not yet done. Returns 0, or -1 (cause
 * appended) on a failure that ends the run. */
static int pass(struct watch *w, const struct watch_opts *o)
{
	char **dirs = NULL;
	int n = trace_find_dirs(o->dir, &dirs);
	size_t len = strlen(o->dir);

	if (n < 0)
		return -1;
	if (w->outs)
		watch_out_newest(w->outs, dirs, n);
	for (int i = 0; i < n && !outfile_interrupted(); i++) {
		const char *name = dirs[i] + len + (dirs[i][len] == '/');
		const char *last = watch_last_done(w);

		if (watch_is_done(w, name))
			continue;
		/* its windows were closed and written without it: reading it
		 * now would only find events older than the analysis */
		if (last && strcmp(name, last) < 0) {
			warn_msg("chunk '%s' came after '%s', which follows it: skipped",
				 dirs[i], last);
			if (watch_skip(w, name) < 0 || watch_state_save(w, o->state) < 0) {
				free_dirs(dirs, n);
				return -1;
			}
			continue;
		}
		/* the newest chunk may still be written, unless LTTng named it */
		if (!o->once && i == n - 1 && !strstr(dirs[i], "/archives/"))
			break;
		if (read_whole(w, dirs[i], name, o->state) < 0) {
			free_dirs(dirs, n);
			return -1;
		}
	}
	free_dirs(dirs, n);
	return 0;
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
	if (watch_init(&w, &model, o.dir, o.com.vms, o.com.window_ns, out) < 0 ||
	    watch_state_load(&w, o.state) < 0) {
		rc = err_exit(VMINT_EXIT_INPUT);
		goto end;
	}
	if (o.out.prom || o.out.report || o.out.actions)
		w.outs = &outs;
	rc = VMINT_EXIT_OK;
	for (;;) {
		if (pass(&w, &o) < 0) {
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
		nanosleep(&(struct timespec){ .tv_sec = 1 }, NULL);
	}
end:
	if (outfile_interrupted())
		rc = VMINT_EXIT_INTERRUPTED;
	if (watch_out_fini(&outs) < 0 && rc == VMINT_EXIT_OK)
		rc = err_exit(VMINT_EXIT_INTERNAL);
	watch_fini(&w);
	model_dir_fini(&model);
	if (out != stdout && fclose(out) != 0 && rc == VMINT_EXIT_OK) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", o.jsonl, strerror(errno));
		rc = VMINT_EXIT_INTERNAL;
	}
	return rc;
}
