/* SPDX-License-Identifier: MIT */
#include "detect/score-report.h"
#include "detect/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/json-file.h"
#include "common/labels.h"
#include "common/version.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int score_window(json_t *w, const struct labels *l,
			struct report_score *s)
{
	const char *vm = NULL, *resource = NULL;
	json_int_t start = 0, end = 0;
	int flagged = 0;
	json_t *culprits = NULL;
	struct window_label truth;

	if (json_unpack(w, "{s:s, s:I, s:I, s:b, s?s, s?o}", "vm", &vm,
			"start_ns", &start, "end_ns", &end, "interference", &flagged,
			"resource", &resource, "culprits", &culprits) != 0)
		return -1;
	if (!labels_lookup(l, vm, (uint64_t)start, (uint64_t)end, &truth))
		return 0;
	s->windows++;
	if (flagged && truth.interference)
		s->tp++;
	else if (flagged)
		s->fp++;
	else if (truth.interference)
		s->fn++;
	else
		s->tn++;
	if (!truth.interference)
		return 0;
	s->interfered++;
	if (!flagged)
		return 0;
	if (resource && strcmp(resource, resource_name(truth.resource)) == 0)
		s->resource_ok++;
	if (json_array_size(culprits) > 0 && truth.iv && truth.iv->culprits.n > 0) {
		const char *first = json_string_value(
			json_object_get(json_array_get(culprits, 0), "vm"));

		if (first && strcmp(first, truth.iv->culprits.names[0]) == 0)
			s->culprit_ok++;
	}
	return 0;
}

/* Each report VM the labels give a workload for: is its class that one? */
static void score_workloads(json_t *vms, const struct labels *l, struct report_score *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(vms, i, v) {
		const char *name = NULL, *class = NULL;

		if (json_unpack(v, "{s:s, s:{s:s}}", "name", &name, "workload", "class",
				&class) != 0)
			continue;
		for (size_t k = 0; k < l->nvms; k++)
			if (strcmp(l->vms[k].name, name) == 0 && l->vms[k].workload != LABEL_ABSENT) {
				s->vms++;
				s->workload_ok += strcmp(class, workload_name(l->vms[k].workload)) == 0;
			}
	}
}

int score_report(const char *report_path, const char *labels_path,
		 struct report_score *s)
{
	struct labels l;
	json_t *root, *windows, *w;
	const char *schema = NULL;
	size_t i;
	int ret = -1;

	root = json_file_load(report_path);
	if (!root)
		return -1;
	if (json_unpack(root, "{s:s, s:o}", "schema", &schema, "windows", &windows) != 0 ||
	    strcmp(schema, "vmint.report/1") != 0 || !json_is_array(windows)) {
		err_fail(ERR_INPUT, "'%s': not a vmint.report/1 (keys 'schema' and 'windows')",
			 report_path);
		json_decref(root);
		return -1;
	}
	if (labels_load(labels_path, &l) < 0) {
		json_decref(root);
		return -1;
	}
	json_array_foreach(windows, i, w) {
		if (score_window(w, &l, s) < 0) {
			err_fail(ERR_INPUT, "'%s': windows[%zu]: missing or mistyped 'vm', "
				 "'start_ns', 'end_ns' or 'interference'", report_path, i);
			goto end;
		}
	}
	score_workloads(json_object_get(root, "vms"), &l, s);
	ret = 0;
end:
	labels_fini(&l);
	json_decref(root);
	return ret;
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : NAN;
}

static json_t *score_json(const char *report, const struct report_score *s)
{
	double p = ratio(s->tp, s->tp + s->fp), r = ratio(s->tp, s->tp + s->fn);
	double f1 = 2 * p * r / (p + r);

	/* jansson writes NaN as null only through json_null: keep it valid */
#define NUM(x) (isnan(x) ? json_null() : json_real(x))
	return json_pack("{s:s?, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:o}",
		"report", report, "windows", (json_int_t)s->windows,
		"tp", (json_int_t)s->tp, "fp", (json_int_t)s->fp,
		"fn", (json_int_t)s->fn, "tn", (json_int_t)s->tn,
		"precision", NUM(p), "recall", NUM(r), "f1", NUM(f1),
		"interfered", (json_int_t)s->interfered,
		"culprit_top1", NUM(ratio(s->culprit_ok, s->interfered)),
		"resource_accuracy", NUM(ratio(s->resource_ok, s->interfered)),
		"vms", (json_int_t)s->vms,
		"workload_accuracy", NUM(ratio(s->workload_ok, s->vms)));
#undef NUM
}

static void print_score(const char *title, const struct report_score *s)
{
	double p = ratio(s->tp, s->tp + s->fp), r = ratio(s->tp, s->tp + s->fn);

	printf("%s\n  interference  precision %.3f  recall %.3f  F1 %.3f  "
	       "(%zu windows: tp %zu, fp %zu, fn %zu, tn %zu)\n"
	       "  culprit top-1 %.3f, resource %.3f on %zu truly interfered windows\n"
	       "  workload %.3f on %zu VMs\n",
	       title, p, r, 2 * p * r / (p + r), s->windows, s->tp, s->fp, s->fn,
	       s->tn, ratio(s->culprit_ok, s->interfered),
	       ratio(s->resource_ok, s->interfered), s->interfered,
	       ratio(s->workload_ok, s->vms), s->vms);
}

static void add(struct report_score *a, const struct report_score *b)
{
	a->windows += b->windows;
	a->tp += b->tp; a->fp += b->fp; a->fn += b->fn; a->tn += b->tn;
	a->interfered += b->interfered;
	a->resource_ok += b->resource_ok;
	a->culprit_ok += b->culprit_ok;
	a->vms += b->vms;
	a->workload_ok += b->workload_ok;
}

enum { OPT_JSON = CLI_OWN };

static const struct cli_option score_options[] = {
	{ "report", 'r', "FILE", "a report.json; the --labels that follows scores it" },
	{ "labels", 'l', "FILE", "the labels.json of the report given before it" },
	{ "json", OPT_JSON, NULL, "JSON on stdout (schema vmint.eval-report/1)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec score_spec = {
	.cmd = "score",
	.head =
		"usage: vmint score --report REPORT.json --labels LABELS.json\n"
		"                   [--report R --labels L]... [--json]\n"
		"\n"
		"Scores reports written by 'vmint detect' against the ground truth of a\n"
		"labels.json: the interference decision per labeled (VM, window)\n"
		"(precision, recall, F1 of the interfered class), and on the truly\n"
		"interfered windows the first culprit (top-1 accuracy) and the resource\n"
		"(a missed window counts as wrong for both), and per VM whose workload\n"
	"the labels give, the report's workload class.\n",
	.opts = score_options,
};

int cmd_score(int argc, char **argv)
{
	struct cli_common com = { 0 };
	struct cli cli;
	struct report_score total = { 0 };
	json_t *list = json_array();
	const char *report = NULL;
	int key, json = 0, n = 0, ret = VMINT_EXIT_INPUT;

	cli_begin(&cli, &score_spec, &com);
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		struct report_score s = { 0 };

		switch (key) {
		case 'r':
			report = optarg;
			break;
		case 'l':
			if (!report) {
				ret = cli_usage(&cli, "--labels '%s': give --report REPORT.json before it",
						optarg);
				goto end;
			}
			if (score_report(report, optarg, &s) < 0)
				goto end;
			add(&total, &s);
			json_array_append_new(list, score_json(report, &s));
			if (!json) {
				char title[1024];

				snprintf(title, sizeof(title), "report %s", report);
				print_score(title, &s);
			}
			report = NULL;
			n++;
			break;
		case OPT_JSON:
			json = 1;
			break;
		}
	}
	if (key < 0) {
		ret = cli.status;
		goto end;
	}
	if (n == 0 || report || optind < argc) {
		ret = cli_usage(&cli, "give each --report REPORT.json followed by its "
				"--labels LABELS.json, and nothing else");
		goto end;
	}
	if (json) {
		json_t *out = json_pack("{s:s, s:o, s:o}", "schema", "vmint.eval-report/1",
					"reports", json_incref(list),
					"total", score_json(NULL, &total));

		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		putchar('\n');
		json_decref(out);
	} else if (n > 1) {
		print_score("all reports, micro-averaged", &total);
	}
	ret = VMINT_EXIT_OK;
end:
	json_decref(list);
	return ret;
}
