/* SPDX-License-Identifier: MIT */
/*
 * vmint simulate SCENARIO.json -o OUTDIR [--seed N] [--stats]
 * vmint simulate --draw N -o DIR [--seed S] [--family KEY=VALUE]...
 *
 * Writes OUTDIR/kernel/ (a CTF trace like LTTng's), OUTDIR/vms.json and
 * OUTDIR/labels.json. The trace is written in a temporary directory
 * beside it and renamed into place; the JSON files are written
 * atomically; on error nothing partial is left, and an OUTDIR (or parent)
 * the run created is removed again. With --draw, each drawn scenario
 * (sim-draw.h) is written as DIR/sNNNN/scenario.json and simulated into
 * DIR/sNNNN/ the same way.
 */
#include "datasets/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/outfile.h"
#include "datasets/sim-draw.h"
#include "datasets/sim-model.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { OPT_STATS = CLI_OWN, OPT_DRAW, OPT_FAMILY, OPT_LAYOUT };

static const struct cli_option options[] = {
	{ "output", CLI_OUTPUT, "DIR", "output directory (created if needed, and removed "
	  "again if the run then fails or is interrupted)" },
	{ "seed", 's', "N", "random seed (default: the scenario's \"seed\")" },
	{ "stats", OPT_STATS, NULL, "print the events written per type on stdout" },
	{ "draw", OPT_DRAW, "N", "draw N scenarios (datasets/README.md, \"Drawn scenarios\"): "
	  "DIR/sNNNN/scenario.json, and its simulation beside it; --seed S picks the draws" },
	{ "family", OPT_FAMILY, "K=V", "draw only family V of knob K (repeatable): "
	  "host=small|medium|large, kernel=3|4|5|6, disk=ssd|nvme|hdd, "
	  "mix=cpu|disk|net|mixed|idle, guest=linux|windows, preempt=none|voluntary|full, "
	  "shape=alone|quiet|pinned|overlap|overcommit|spread" },
	{ "layout", OPT_LAYOUT, "lttng|perf", "trace layout: LTTng 2.13's (default) or what "
	  "`perf data convert --to-ctf` writes (then also OUTDIR/clock-offset.json)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec spec = {
	.cmd = "simulate",
	.head =
		"usage: vmint simulate SCENARIO.json -o OUTDIR [--seed N] [--stats]\n"
		"                      [--layout lttng|perf]\n"
		"       vmint simulate --draw N -o DIR [--seed S] [--family KEY=VALUE]...\n\n"
		"Simulates the KVM host of a scenario (datasets/README.md) and writes\n"
		"  OUTDIR/kernel/     a CTF trace as LTTng 2.13 records a host kernel\n"
		"  OUTDIR/vms.json    QEMU pid -> VM name (vmint.vms/1)\n"
		"  OUTDIR/labels.json exact interference labels (vmint.labels/1)\n"
		"With --layout perf, the trace is what `perf data convert --to-ctf` writes,\n"
		"with OUTDIR/clock-offset.json for its boot-relative clock.\n",
	.opts = options,
	.notes = "A summary line (events, CPU time, events/s) goes to stderr.\n",
};

/* mkdir of buf[0..len), noting in *created the first one this run made. */
static int make_dir(const char *buf, size_t len, size_t *created)
{
	if (mkdir(buf, 0777) == 0) {
		if (!*created)
			*created = len;
		return 0;
	}
	return errno == EEXIST ? 0 : -1;
}

/*
 * mkdir -p: the output directory and its missing parents. Sets *created
 * to the length of the shortest prefix of `path` it created (the top
 * directory this run made), 0 when the directory was there.
 */
static int make_dirs(const char *path, size_t *created)
{
	char buf[PATH_MAX];

	*created = 0;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (make_dir(buf, (size_t)(p - buf), created) != 0)
			return -1;
		*p = '/';
	}
	return make_dir(buf, strlen(buf), created);
}

/*
 * Undoes make_dirs after a failed or interrupted run: the output
 * directory with what the run wrote in it, then each parent the run
 * made (rmdir: only while empty). Never a directory that was there.
 */
static void remove_created_dirs(const char *outdir, size_t created)
{
	char buf[PATH_MAX];
	size_t n;

	if (!created)
		return;
	outfile_remove_tree(outdir);
	n = (size_t)snprintf(buf, sizeof(buf), "%s", outdir);
	for (;;) {
		while (n > 1 && buf[n - 1] == '/')
			buf[--n] = 0;
		while (n > 0 && buf[n - 1] != '/')
			buf[--n] = 0;
		while (n > 1 && buf[n - 1] == '/')
			buf[--n] = 0;
		if (n < created)
			return;
		rmdir(buf);
	}
}

static int write_json(const char *dir, const char *name, json_t *doc)
{
	struct outfile of;
	char path[PATH_MAX];
	int ret = -1;

	if (!doc) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (outfile_open(&of, path) == 0) {
		if (json_dumpf(doc, of.fp, JSON_INDENT(1) | JSON_REAL_PRECISION(6)) ||
		    fputc('\n', of.fp) == EOF) {
			err_fail(ERR_RESOURCE, "cannot write '%s'", path);
			outfile_abort(&of);
		} else {
			ret = outfile_commit(&of);
		}
	}
	json_decref(doc);
	return ret;
}

/* Moves the finished trace to OUTDIR/kernel, replacing an old one (put
 * back if the new one cannot be moved in). */
static int install_trace(const char *tmpdir, const char *trace,
			 const char *outdir)
{
	char dest[PATH_MAX + 8], old[PATH_MAX + 8];
	struct stat st;
	int had_old;

	snprintf(dest, sizeof(dest), "%s/kernel", outdir);
	snprintf(old, sizeof(old), "%s/old", tmpdir);
	had_old = stat(dest, &st) == 0;
	if (had_old && rename(dest, old) != 0) {
		err_fail(ERR_RESOURCE, "cannot replace '%s': %s", dest, strerror(errno));
		return -1;
	}
	if (rename(trace, dest) != 0) {
		err_fail(ERR_RESOURCE, "cannot move the trace to '%s': %s", dest,
			 strerror(errno));
		if (had_old)
			rename(old, dest);
		return -1;
	}
	return 0;
}

/* Moves TMPDIR/name, written there beforehand, to OUTDIR/name. */
static int install_file(const char *tmpdir, const char *outdir, const char *name)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];

	snprintf(from, sizeof(from), "%s/%s", tmpdir, name);
	snprintf(to, sizeof(to), "%s/%s", outdir, name);
	if (rename(from, to) != 0) {
		err_fail(ERR_RESOURCE, "cannot move '%s' into place: %s", to, strerror(errno));
		return -1;
	}
	return 0;
}

/* Events and CPU time of the runs so far. */
struct sim_totals {
	uint64_t events;
	double cpu_s;
};

#define OFFSET_JSON "clock-offset.json"

/* A perf-layout trace's clock-offset.json; an LTTng one has none (its
 * clock counts from the epoch): one left by an earlier run goes. */
static int install_offset(const char *tmpdir, const char *outdir, int perf)
{
	char path[PATH_MAX + 32];

	if (perf)
		return install_file(tmpdir, outdir, OFFSET_JSON);
	snprintf(path, sizeof(path), "%s/" OFFSET_JSON, outdir);
	if (unlink(path) != 0 && errno != ENOENT) {
		err_fail(ERR_RESOURCE, "cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void print_stats(const struct sim *s, const uint64_t *counts,
			uint64_t total, double cpu_s, int stats)
{
	if (stats)
		for (int i = 0; i < SIMEV__COUNT; i++)
			if (counts[i])
				printf("%s %" PRIu64 "\n", sim_event_name(s, i),
				       counts[i]);
	fprintf(stderr,
		"vmint simulate: %" PRIu64 " events in %.2f s of CPU (%.0f events/s)\n",
		total, cpu_s, cpu_s > 0 ? total / cpu_s : 0.0);
}

/*
 * Puts the trace, vms.json and labels.json in place. The JSON files are
 * written beside the trace in TMPDIR first, so that a full disk stops the
 * run before OUTDIR changes; then three renames, with SIGINT and SIGTERM
 * held meanwhile: a signal then would leave the new trace beside the old
 * JSON files. A signal that came before stops it here (-1, and
 * *interrupted set); one that comes during is delivered once all is in
 * place, and the run has succeeded: the signal handler has then already
 * forgotten `top`, the directory the run created (if any).
 */
static int install_outputs(struct sim *s, const char *tmpdir,
			   const char *trace, const char *outdir,
			   const char *top, int perf, int *interrupted)
{
	sigset_t hold, old;
	int ret = -1;

	if (write_json(tmpdir, "vms.json", sim_vms_json(s)) != 0 ||
	    write_json(tmpdir, "labels.json", sim_labels_json(s)) != 0 ||
	    (perf && write_json(tmpdir, OFFSET_JSON, sim_clock_offset_json(s)) != 0)) {
		*interrupted = outfile_interrupted();
		return -1;
	}
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigprocmask(SIG_BLOCK, &hold, &old);
	*interrupted = outfile_interrupted();
	if (*interrupted)
		err_fail(ERR_INTERRUPTED, "interrupted: '%s' left unchanged", outdir);
	else if (install_trace(tmpdir, trace, outdir) == 0 &&
		 install_file(tmpdir, outdir, "vms.json") == 0 &&
		 install_file(tmpdir, outdir, "labels.json") == 0 &&
		 install_offset(tmpdir, outdir, perf) == 0)
		ret = 0;
	/* Done: no signal may now take the output directory away. */
	if (ret == 0)
		outfile_untrack_dir(top);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static int simulate(const char *scenario_path, const char *outdir,
		    int have_seed, uint64_t seed, int stats, int perf,
		    struct sim_totals *totals)
{
	struct scenario sc;
	struct sim *s = NULL;
	char tmpdir[PATH_MAX], trace[PATH_MAX + 8], top[PATH_MAX];
	int have_tmp = 0, interrupted = 0;
	size_t created = 0;
	uint64_t counts[SIMEV__COUNT], total = 0;
	clock_t c0 = clock();
	int status = VMINT_EXIT_INTERNAL;

	if (scenario_load(&sc, scenario_path))
		return VMINT_EXIT_INPUT;
	if (have_seed)
		sc.seed = seed;
	if (make_dirs(outdir, &created) != 0) {
		err_fail(ERR_RESOURCE, "cannot create output directory '%s': %s", outdir,
			 strerror(errno));
		goto end;
	}
	/* A second signal ends the run at once: the handler then removes the
	 * top directory this run created, and the temporary one. */
	snprintf(top, sizeof(top), "%.*s", (int)created, outdir);
	if (created && outfile_track_dir(top) != 0)
		goto end;
	snprintf(tmpdir, sizeof(tmpdir), "%s/.simulate.XXXXXX", outdir);
	if (!mkdtemp(tmpdir)) {
		err_fail(ERR_RESOURCE, "cannot create a temporary directory in '%s': %s",
			 outdir, strerror(errno));
		goto end;
	}
	have_tmp = outfile_track_dir(tmpdir) == 0;
	if (!have_tmp) {
		outfile_remove_tree(tmpdir);
		goto end;
	}
	snprintf(trace, sizeof(trace), "%s/kernel", tmpdir);
	s = sim_create(&sc, sc.seed);
	if (s)
		sim_set_layout(s, perf);
	if (!s || sim_run(s, trace, counts)) {
		interrupted = outfile_interrupted();
		goto end;
	}
	if (install_outputs(s, tmpdir, trace, outdir, top, perf, &interrupted) != 0)
		goto end;
	for (int i = 0; i < SIMEV__COUNT; i++)
		total += counts[i];
	if (totals) {
		totals->events += total;
		totals->cpu_s += (double)(clock() - c0) / CLOCKS_PER_SEC;
	} else {
		print_stats(s, counts, total,
			    (double)(clock() - c0) / CLOCKS_PER_SEC, stats);
	}
	status = VMINT_EXIT_OK;
end:
	if (have_tmp) {
		outfile_remove_tree(tmpdir);
		outfile_untrack_dir(tmpdir);
	}
	if (status != VMINT_EXIT_OK)
		remove_created_dirs(outdir, created);
	if (created)
		outfile_untrack_dir(top);
	if (interrupted)
		status = VMINT_EXIT_INTERRUPTED;
	if (status != VMINT_EXIT_OK)
		err_append("cannot simulate '%s'", scenario_path);
	sim_destroy(s);
	scenario_free(&sc);
	return status;
}

/* Draws n scenarios of `seed` into outdir/sNNNN/: scenario.json, then
 * its simulation, exactly as `vmint simulate sNNNN/scenario.json` makes
 * it. One summary line at the end. */
static int simulate_draws(const char *outdir, unsigned n, uint64_t seed,
			  const struct draw_filter *f, int perf)
{
	struct sim_totals totals = { 0 };
	char dir[PATH_MAX], path[PATH_MAX + 16];
	size_t created;

	for (unsigned i = 0; i < n; i++) {
		json_t *doc = draw_scenario(seed, i, f);
		int st;

		snprintf(dir, sizeof(dir), "%s/s%04u", outdir, i);
		snprintf(path, sizeof(path), "%s/scenario.json", dir);
		if (!doc)
			return VMINT_EXIT_INTERNAL;
		if (make_dirs(dir, &created) != 0) {
			json_decref(doc);
			err_append("cannot create output directory '%s': %s",
				   dir, strerror(errno));
			return VMINT_EXIT_INTERNAL;
		}
		st = write_json(dir, "scenario.json", doc) != 0 ?
		     VMINT_EXIT_INTERNAL : simulate(path, dir, 0, 0, 0, perf, &totals);
		if (st != VMINT_EXIT_OK) {
			/* No draw without its trace. */
			if (created)
				outfile_remove_tree(dir);
			return st;
		}
	}
	fprintf(stderr,
		"vmint simulate: %u scenarios, %" PRIu64 " events in %.2f s of CPU (%.0f events/s)\n",
		n, totals.events, totals.cpu_s,
		totals.cpu_s > 0 ? totals.events / totals.cpu_s : 0.0);
	return VMINT_EXIT_OK;
}

int cmd_simulate(int argc, char **argv)
{
	struct cli_common com = { 0 };
	struct cli cli;
	uint64_t seed = 0;
	int have_seed = 0, stats = 0, have_family = 0, perf = 0, key;
	uint64_t draws = 0;
	struct draw_filter filter;

	draw_filter_init(&filter);
	cli_begin(&cli, &spec, &com);
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		switch (key) {
		case 's':
			if (cli_uint(&cli, 0, UINT64_MAX, &seed) < 0)
				return cli.status;
			have_seed = 1;
			break;
		case OPT_STATS:
			stats = 1;
			break;
		case OPT_DRAW:
			if (cli_uint(&cli, 1, 9999, &draws) < 0)
				return cli.status;
			break;
		case OPT_FAMILY:
			if (draw_filter_add(&filter, optarg) < 0)
				return VMINT_EXIT_USAGE;
			have_family = 1;
			break;
		case OPT_LAYOUT:
			if (strcmp(optarg, "perf") != 0 && strcmp(optarg, "lttng") != 0)
				return cli_usage(&cli, "--layout is 'lttng' or 'perf', not '%s'",
						 optarg);
			perf = strcmp(optarg, "perf") == 0;
			break;
		}
	}
	if (key < 0)
		return cli.status;
	if (draws > 0) {
		if (optind < argc)
			return cli_usage(&cli, "--draw takes no scenario ('%s')", argv[optind]);
		if (stats)
			return cli_usage(&cli, "--stats is for one scenario, not --draw");
		if (!com.output)
			return cli_usage(&cli, "no output directory: give -o DIR");
		return simulate_draws(com.output, (unsigned)draws, have_seed ? seed : 1, &filter,
				      perf);
	}
	if (have_family)
		return cli_usage(&cli, "--family needs --draw");
	if (optind >= argc)
		return cli_usage(&cli, "no scenario given");
	if (optind < argc - 1)
		return cli_usage(&cli, "one scenario at a time ('%s' is a second one)",
				 argv[optind + 1]);
	if (!com.output)
		return cli_usage(&cli, "no output directory: give -o OUTDIR");
	return simulate(argv[optind], com.output, have_seed, seed, stats, perf, NULL);
}
