/* SPDX-License-Identifier: MIT */
/* `vmint eval`: scores a model on labeled windows: interference precision,
 * recall and F1, workload confusion matrix, resource accuracy on truly
 * interfered windows; per input and micro-averaged over all inputs. */
#include "model/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "model/classify.h"
#include "model/dataset.h"
#include "model/inputs.h"
#include "model/metrics.h"
#include "model/model-dir.h"
#include "model/workload-rule.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eval_opts {
	const char *model; /* weak */
	int json;
};

struct scores {
	struct confusion interference; /* 2 classes: false, true */
	struct confusion workload;     /* by enum workload */
	struct confusion resource;     /* by enum resource, truly interfered windows only */
	struct confusion rule;         /* workload by the transparent rule (workload-rule.h) */
	size_t windows;                /* rows with an interference label */
	size_t ood;                    /* of the scored rows, out of the model's distribution */
};

enum { OPT_LABELS = CLI_OWN, OPT_JSON };

static const struct cli_option options[] = {
	{ "labels", OPT_LABELS, "FILE", "labels.json of the trace before it" },
	{ "model", CLI_MODEL, "DIR", NULL },
	{ "json", OPT_JSON, NULL, "JSON on stdout (schema vmint.eval/1) instead of tables" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec spec = {
	.cmd = "eval",
	.head =
		"usage: vmint eval (TRACE --labels FILE | FEATURES.csv)... [--model DIR] [--json]\n"
		"\n"
		"Scores a model on labeled windows: TRACE --labels labels.json, or a\n"
		"features CSV from 'vmint extract --labels'. Reports\n"
		"  interference  precision, recall, F1 of the interfered class, per window\n"
		"  workload      confusion matrix (truth x predicted) and accuracy\n"
		"  resource      accuracy on the truly interfered windows\n"
		"  workload rule the transparent rule's accuracy (model/workload-rule.h)\n"
		"  and how many windows lie out of the model's training distribution,\n"
		"per input, then micro-averaged over all inputs. Unlabeled windows are skipped.\n",
	.opts = options,
	.notes = "To score the reports of 'vmint detect' instead, see 'vmint score'.\n",
	.in_order = 1,
};

/* Returns CLI_RUN, or the exit code when the command ends here. */
static int parse_args(int argc, char **argv, struct eval_opts *o, struct input_list *in)
{
	struct cli_common com = { 0 };
	struct cli cli;
	int key;

	cli_begin(&cli, &spec, &com);
	/* in order: --labels belongs to the trace before it */
	while ((key = cli_next(&cli, argc, argv)) > 0) {
		switch (key) {
		case CLI_OPERAND:
			if (input_list_add(in, optarg) < 0)
				return VMINT_EXIT_INTERNAL;
			break;
		case OPT_LABELS:
			if (input_list_set_labels(in, optarg) < 0)
				return cli_usage(&cli, "bad --labels");
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		}
	}
	if (key < 0)
		return cli.status;
	if (in->n == 0)
		return cli_usage(&cli, "eval needs at least one input");
	o->model = com.model;
	return CLI_RUN;
}

static void scores_init(struct scores *s)
{
	confusion_init(&s->interference, 2);
	confusion_init(&s->workload, WL__COUNT);
	confusion_init(&s->resource, RES__COUNT);
	confusion_init(&s->rule, WL__COUNT);
	s->windows = 0;
	s->ood = 0;
}

static void score_rows(const struct dataset *ds, struct classify_ctx *cx,
		       const struct workload_rule *wr, struct scores *per_input)
{
	for (size_t i = 0; i < ds->nrows; i++) {
		const struct ds_labels *lab = &ds->labels[i];
		struct scores *s = &per_input[ds->meta[i].group];
		struct classification c;

		if (lab->interference == DS_UNLABELED && lab->workload == DS_UNLABELED)
			continue;
		classify_row(cx, dataset_row(ds, i), &c);
		s->ood += !c.in_distribution;
		if (lab->interference != DS_UNLABELED) {
			s->windows++;
			confusion_add(&s->interference, lab->interference, c.interference);
		}
		if (lab->workload != DS_UNLABELED) {
			struct wl_inputs wi;

			confusion_add(&s->workload, lab->workload, c.workload);
			if (wr) {
				workload_rule_inputs(wr, dataset_row(ds, i), &wi);
				confusion_add(&s->rule, lab->workload,
					      workload_rule_classify(&wi));
			}
		}
		if (lab->interference == 1 && lab->resource > RES_NONE)
			confusion_add(&s->resource, lab->resource, c.resource);
	}
}

/* ---- JSON ---- */

static json_t *num(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *matrix_json(const struct confusion *c, int first)
{
	json_t *rows = json_array();

	for (int t = first; t < c->n; t++) {
		json_t *r = json_array();

		for (int p = first; p < c->n; p++)
			json_array_append_new(r, json_integer((json_int_t)c->m[t][p]));
		json_array_append_new(rows, r);
	}
	return rows;
}

static json_t *names_json(const char *const *names, int first, int n)
{
	json_t *a = json_array();

	for (int i = first; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *scores_json(const struct scores *s)
{
	const struct confusion *ci = &s->interference;
	json_t *o = json_object(), *i = json_object(), *w = json_object(), *r = json_object();

	json_object_set_new(o, "windows", json_integer((json_int_t)s->windows));
	json_object_set_new(i, "tp", json_integer((json_int_t)ci->m[1][1]));
	json_object_set_new(i, "fp", json_integer((json_int_t)ci->m[0][1]));
	json_object_set_new(i, "fn", json_integer((json_int_t)ci->m[1][0]));
	json_object_set_new(i, "tn", json_integer((json_int_t)ci->m[0][0]));
	json_object_set_new(i, "precision", num(metrics_precision(ci, 1)));
	json_object_set_new(i, "recall", num(metrics_recall(ci, 1)));
	json_object_set_new(i, "f1", num(metrics_f1(ci, 1)));
	json_object_set_new(i, "accuracy", num(metrics_accuracy(ci)));
	json_object_set_new(o, "interference", i);
	json_object_set_new(w, "windows", json_integer((json_int_t)confusion_total(&s->workload)));
	json_object_set_new(w, "classes", names_json(workload_names, 0, WL__COUNT));
	json_object_set_new(w, "confusion", matrix_json(&s->workload, 0));
	json_object_set_new(w, "accuracy", num(metrics_accuracy(&s->workload)));
	json_object_set_new(o, "workload", w);
	json_object_set_new(r, "windows", json_integer((json_int_t)confusion_total(&s->resource)));
	json_object_set_new(r, "classes", names_json(resource_names, 0, RES__COUNT));
	json_object_set_new(r, "confusion", matrix_json(&s->resource, 0));
	json_object_set_new(r, "accuracy", num(metrics_accuracy(&s->resource)));
	json_object_set_new(o, "resource", r);
	r = json_object();
	json_object_set_new(r, "windows", json_integer((json_int_t)confusion_total(&s->rule)));
	json_object_set_new(r, "classes", names_json(workload_names, 0, WL__COUNT));
	json_object_set_new(r, "confusion", matrix_json(&s->rule, 0));
	json_object_set_new(r, "accuracy", num(metrics_accuracy(&s->rule)));
	json_object_set_new(o, "workload_rule", r);
	json_object_set_new(o, "out_of_distribution_windows", json_integer((json_int_t)s->ood));
	return o;
}

static int print_json(const char *model, const struct dataset *ds,
		      const struct scores *per, const struct scores *total)
{
	json_t *root = json_object(), *inputs = json_array();
	int ret;

	json_object_set_new(root, "schema", json_string("vmint.eval/1"));
	json_object_set_new(root, "model", json_string(model));
	for (size_t g = 0; g < ds->ngroups; g++) {
		json_t *in = scores_json(&per[g]);

		json_object_set_new(in, "path", json_string(ds->groups[g]));
		json_array_append_new(inputs, in);
	}
	json_object_set_new(root, "inputs", inputs);
	json_object_set_new(root, "total", scores_json(total));
	ret = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	fputc('\n', stdout);
	json_decref(root);
	return ret;
}

/* ---- tables ---- */

static void print_score(const char *label, double v)
{
	if (isnan(v))
		printf("  %s     -", label);
	else
		printf("  %s %.3f", label, v);
}

static void print_scores(const char *title, const struct scores *s)
{
	const struct confusion *ci = &s->interference, *cw = &s->workload, *cr = &s->rule;

	printf("%s (%zu labeled windows)\n  interference", title, s->windows);
	print_score("precision", metrics_precision(ci, 1));
	print_score("recall", metrics_recall(ci, 1));
	print_score("F1", metrics_f1(ci, 1));
	print_score("accuracy", metrics_accuracy(ci));
	printf("  (tp %zu, fp %zu, fn %zu, tn %zu)\n", ci->m[1][1], ci->m[0][1],
	       ci->m[1][0], ci->m[0][0]);
	printf("  workload    ");
	print_score("accuracy", metrics_accuracy(cw));
	printf(" on %zu windows\n    %-16s", confusion_total(cw), "truth\\predicted");
	for (int p = 0; p < WL__COUNT; p++)
		printf(" %7s", workload_name(p));
	putchar('\n');
	for (int t = 0; t < WL__COUNT; t++) {
		printf("    %-16s", workload_name(t));
		for (int p = 0; p < WL__COUNT; p++)
			printf(" %7zu", cw->m[t][p]);
		putchar('\n');
	}
	printf("  workload rule");
	print_score("accuracy", metrics_accuracy(cr));
	printf(" on %zu windows (truth\\rule:", confusion_total(cr));
	for (int t = 0; t < WL__COUNT; t++)
		for (int p = 0; p < WL__COUNT; p++)
			if (t != p && cr->m[t][p])
				printf(" %s as %s %zu,", workload_name(t), workload_name(p), cr->m[t][p]);
	printf(" the rest right)\n");
	printf("  resource    ");
	print_score("accuracy", metrics_accuracy(&s->resource));
	printf(" on %zu truly interfered windows\n", confusion_total(&s->resource));
	printf("  out of the model's distribution: %zu windows\n", s->ood);
}

static int evaluate(const struct eval_opts *o, const char *model,
		    const struct model_dir *m, struct dataset *ds)
{
	struct classify_ctx cx = { 0 };
	struct workload_rule wr;
	const char *missing = NULL;
	int has_rule;
	struct scores *per = NULL, total;
	int ret = VMINT_EXIT_INPUT;
	char what[4200];

	snprintf(what, sizeof(what), ds->ngroups == 1 ? "input '%s'" : "the inputs ('%s', ...)",
		 ds->ngroups ? ds->groups[0] : "");
	if (model_dir_check_names(m, (const char *const *)ds->names, ds->nfeat, what,
				  model) < 0)
		goto end;
	if (!ds->has_labels) {
		err_fail(ERR_INPUT, "no input has label columns: nothing to score (extract with --labels)");
		goto end;
	}
	/* the rule reads the extractor's columns; other inputs are scored
	 * without it (workload_rule: 0 windows) */
	has_rule = workload_rule_init(&wr, (const char *const *)ds->names, ds->nfeat,
				      &missing) == 0;
	per = calloc(ds->ngroups, sizeof(*per));
	if (!per || classify_init(&cx, m) < 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		ret = VMINT_EXIT_INTERNAL;
		goto end;
	}
	for (size_t g = 0; g < ds->ngroups; g++)
		scores_init(&per[g]);
	score_rows(ds, &cx, has_rule ? &wr : NULL, per);
	scores_init(&total);
	for (size_t g = 0; g < ds->ngroups; g++) {
		confusion_merge(&total.interference, &per[g].interference);
		confusion_merge(&total.workload, &per[g].workload);
		confusion_merge(&total.resource, &per[g].resource);
		confusion_merge(&total.rule, &per[g].rule);
		total.windows += per[g].windows;
		total.ood += per[g].ood;
	}
	if (o->json) {
		if (print_json(model, ds, per, &total) != 0) {
			err_fail(ERR_RESOURCE, "cannot write JSON to standard output");
			ret = VMINT_EXIT_INTERNAL;
			goto end;
		}
	} else {
		printf("model: %s\n", model);
		for (size_t g = 0; g < ds->ngroups; g++) {
			char title[4096];

			snprintf(title, sizeof(title), "input %s", ds->groups[g]);
			print_scores(title, &per[g]);
		}
		if (ds->ngroups > 1)
			print_scores("all inputs, micro-averaged", &total);
	}
	ret = VMINT_EXIT_OK;
end:
	classify_fini(&cx);
	free(per);
	return ret;
}

int cmd_eval(int argc, char **argv)
{
	struct eval_opts o = { 0 };
	struct input_list in = { 0 };
	struct model_dir m = { 0 };
	struct dataset ds;
	int st, ret;

	dataset_init(&ds);
	st = parse_args(argc, argv, &o, &in);
	if (st != CLI_RUN) {
		input_list_fini(&in);
		return st;
	}
	int chosen = o.model != NULL;

	if (!chosen)
		o.model = model_dir_default_path();
	/* The model first: a bad one is found before minutes of trace reading. */
	if (model_dir_load(&m, o.model) < 0) {
		if (!chosen)
			err_append("no --model given: tried the default model '%s' (set $VMINT_MODEL or give --model DIR)",
				   o.model);
		ret = VMINT_EXIT_INPUT;
	}
	else if (input_list_load(&in, &ds) < 0)
		ret = err_exit(VMINT_EXIT_INPUT);
	else
		ret = evaluate(&o, o.model, &m, &ds);
	model_dir_fini(&m);
	dataset_fini(&ds);
	input_list_fini(&in);
	return ret;
}
