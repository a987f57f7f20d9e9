/* SPDX-License-Identifier: MIT */
/* `vmint detect`: who is slowed down, by whom, on what, when, and what to do. */
#include "detect/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/outfile.h"
#include "common/vms.h"
#include "detect/collect.h"
#include "detect/report.h"
#include "extract/features.h"
#include "extract/run.h"
#include "extract/read/trace.h"
#include "model/model-dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct detect_opts {
	struct cli_common com; /* -o, --vms, -m, --window, -j */
	const char *html_path, *watcher_path, *prom_path;
};

enum { OPT_HTML = CLI_OWN, OPT_WATCHER, OPT_PROM };

static const struct cli_option options[] = {
	{ "vms", CLI_VMS, "FILE", NULL },
	{ "model", CLI_MODEL, "DIR", NULL },
	{ "output", CLI_OUTPUT, "FILE", "report.json (vmint.report/1); default: standard "
	  "output (a short summary always goes to standard error)" },
	{ "html", OPT_HTML, "FILE", "a self-contained HTML page of the report" },
	{ "watcher-actions", OPT_WATCHER, "FILE", "the OpenStack Watcher actions list alone" },
	{ "prom", OPT_PROM, "FILE", "per-VM figures in Prometheus' text format (for "
	  "node_exporter's textfile collector)" },
	{ "window", CLI_WINDOW, "DUR", NULL },
	{ "jobs", CLI_JOBS, "N", "decode each host's streams in N threads (default 1); "
	  "the same report, faster on several cores" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec spec = {
	.cmd = "detect",
	.head =
		"usage: vmint detect TRACE... [--vms FILE] [--model DIR] [-o report.json]\n"
		"                    [--html report.html] [--watcher-actions FILE]\n"
		"                    [--prom FILE] [--window DUR] [-j N]\n\n"
		"Extracts per-(VM, window) metrics from host kernel traces, classifies\n"
		"each window (interfered or not) and each VM's workload, names the\n"
		"culprits of each interfered window, merges them into episodes, and\n"
		"recommends what to do (migrate, limit, pin, add_resources, none).\n",
	.opts = options,
	.notes = "To score reports against labels.json, see 'vmint score'.\n",
};

/* Returns CLI_RUN, or the exit code when the command ends here. */
static int parse(int argc, char **argv, struct detect_opts *o)
{
	struct cli cli;
	int key;

	cli_begin(&cli, &spec, &o->com);
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		switch (key) {
		case OPT_HTML: o->html_path = optarg; break;
		case OPT_WATCHER: o->watcher_path = optarg; break;
		case OPT_PROM: o->prom_path = optarg; break;
		}
	}
	if (key < 0)
		return cli.status;
	if (optind >= argc)
		return cli_usage(&cli, "no trace given");
	return CLI_RUN;
}

/* Keeps a host's VMs and what its traces say of themselves. */
static int group_done(void *ctx, const struct analysis *a, const struct trace_stats *st)
{
	struct collector *col = ctx;
	struct detect_result *r = col->res;

	if (collect_end_group(col, a) < 0)
		return -1;
	if (!r->hostname && st->hostname[0] && !(r->hostname = strdup(st->hostname))) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	if (st->events && (!r->start_ns || st->first_ns < r->start_ns))
		r->start_ns = st->first_ns;
	if (st->last_ns > r->end_ns)
		r->end_ns = st->last_ns;
	r->events += st->events;
	r->discarded_events += st->discarded_events;
	if (st->ncpus > r->cpus)
		r->cpus = st->ncpus;
	return 0;
}

/* Runs one host's traces into the collector. */
static int detect_group(const struct detect_opts *o, struct collector *col,
			const struct trace_group *g, char **paths, size_t npaths)
{
	struct analysis_config cfg = {
		.window_ns = o->com.window_ns, .on_row = collect_row, .ctx = col,
	};

	collect_begin_group(col);
	return run_group(o->com.vms, g, paths, npaths, cfg, o->com.jobs, group_done, col);
}

static int write_outputs(const struct detect_opts *o, const struct detect_result *r)
{
	json_t *report = report_to_json(r);
	int ret = report_write_json(report, o->com.output);

	json_decref(report);
	if (ret == 0 && o->watcher_path) {
		json_t *actions = report_watcher_actions(r);

		ret = report_write_json(actions, o->watcher_path);
		json_decref(actions);
	}
	if (ret == 0 && o->prom_path)
		ret = report_write_prom(r, o->prom_path);
	if (ret == 0 && o->html_path)
		ret = report_write_html(r, o->html_path);
	return ret;
}

static int set_paths(struct detect_result *r, char **paths, size_t n, const char *model)
{
	r->paths = calloc(n, sizeof(*r->paths));
	r->model_path = strdup(model);
	if (!r->paths || !r->model_path)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(r->paths[i] = strdup(paths[i])))
			return -1;
		r->npaths++;
	}
	return 0;
}

/* Once per run: where the model was not trusted, and what decided instead. */
static void warn_out_of_distribution(const struct detect_result *r, const char *model)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nwindows; i++)
		n += !r->windows[i].in_distribution;
	if (n)
		warn_msg("%zu of %zu windows lie outside the training data of model '%s': there the measured delay alone decides interference and the workload rule the workload (report.json: in_distribution, out_of_distribution_windows)",
			 n, r->nwindows, model);
}

int cmd_detect(int argc, char **argv)
{
	struct detect_opts o = {
		.com = { .output = "-", .jobs = 1, .window_ns = 1000000000ull },
	};
	struct detect_result res = { 0 };
	struct model_dir model = { 0 };
	struct collector col = { 0 };
	struct trace_group *groups = NULL;
	size_t ngroups = 0, npaths;
	char **paths;
	int rc = parse(argc, argv, &o);

	if (rc != CLI_RUN)
		return rc;
	paths = argv + optind;
	npaths = (size_t)(argc - optind);
	if (!o.com.model)
		o.com.model = model_dir_default_path();
	if (model_dir_load(&model, o.com.model) < 0 ||
	    collect_check_model(&model, o.com.model) < 0) {
		model_dir_fini(&model);
		return err_exit(VMINT_EXIT_INPUT);
	}
	rc = VMINT_EXIT_INTERNAL;
	res.window_ns = o.com.window_ns;
	if (set_paths(&res, paths, npaths, o.com.model) < 0 ||
	    collect_init(&col, &res, &model) < 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		goto end;
	}
	if (trace_discover(paths, npaths, &groups, &ngroups) < 0) {
		rc = VMINT_EXIT_INPUT;
		goto end;
	}
	rc = VMINT_EXIT_OK;
	for (size_t i = 0; i < ngroups && rc == VMINT_EXIT_OK; i++)
		rc = detect_group(&o, &col, &groups[i], paths, npaths);
	if (rc == VMINT_EXIT_OK && collect_finish(&col) < 0)
		rc = VMINT_EXIT_INTERNAL;
	if (rc == VMINT_EXIT_OK && write_outputs(&o, &res) < 0)
		rc = VMINT_EXIT_INTERNAL;
	if (rc == VMINT_EXIT_OK) {
		warn_out_of_distribution(&res, o.com.model);
		report_print_summary(&res, stderr);
	}
end:
	if (outfile_interrupted())
		rc = VMINT_EXIT_INTERRUPTED;
	trace_groups_free(groups, ngroups);
	collect_fini(&col);
	detect_result_fini(&res);
	model_dir_fini(&model);
	return rc;
}
