/* SPDX-License-Identifier: MIT */
/* report.json (vmint.report/1) and the Watcher actions list, with jansson. */
#include "detect/report.h"
#include "common/err.h"
#include "common/outfile.h"
#include "common/version.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static json_t *culprits_json(const struct detect_result *r,
			     const struct culprit_share *c, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:f}", "vm",
			detect_culprit_name(r, c[i].vm),
			"share", c[i].share));
	return a;
}

static json_t *trace_json(const struct detect_result *r)
{
	json_t *paths = json_array();

	for (size_t i = 0; i < r->npaths; i++)
		json_array_append_new(paths, json_string(r->paths[i]));
	return json_pack("{s:o, s:s?, s:I, s:I, s:I, s:I, s:i}", "paths", paths,
			 "hostname", r->hostname,
			 "start_ns", (json_int_t)r->start_ns, "end_ns", (json_int_t)r->end_ns,
			 "events", (json_int_t)r->events,
			 "discarded_events", (json_int_t)r->discarded_events,
			 "cpus", r->cpus);
}

/* Who chose a VM's workload: the model, the rule, or each for some windows. */
static const char *vm_workload_evidence(const struct vm_result *v)
{
	if (v->workload_rule_windows == 0)
		return "model";
	return v->workload_rule_windows == v->windows ? "rule" : "model+rule";
}

static json_t *vm_json(const struct vm_result *v)
{
	const struct report_totals *t = &v->totals;
	json_t *probs = json_object(), *votes = json_object(), *o;

	for (int w = 0; w < WL__COUNT; w++) {
		json_object_set_new(probs, workload_name(w), json_real(v->workload_prob[w]));
		json_object_set_new(votes, workload_name(w), json_integer(v->workload_votes[w]));
	}
	o = json_pack("{s:s, s:s?, s:I, s:i, s:{s:s, s:o}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:i, s:i}",
		"name", v->name, "uuid", v->uuid, "pid", (json_int_t)v->pid, "vcpus", v->vcpus,
		"workload", "class", workload_name(v->workload), "probabilities", probs,
		"totals", "cpu_ns", (json_int_t)t->cpu_ns, "guest_ns", (json_int_t)t->guest_ns,
		"preempted_ns", (json_int_t)t->preempted_ns, "exits", (json_int_t)t->exits,
		"disk_requests", (json_int_t)t->disk_requests, "disk_bytes", (json_int_t)t->disk_bytes,
		"net_packets", (json_int_t)t->net_packets, "net_bytes", (json_int_t)t->net_bytes,
		"windows", v->windows, "interfered_windows", v->interfered_windows);
	if (!o)
		return NULL;
	/* extensions: how the class was chosen, and how far the model was trusted */
	json_object_set_new(json_object_get(o, "workload"), "evidence",
			    json_string(vm_workload_evidence(v)));
	json_object_set_new(json_object_get(o, "workload"), "windows", votes);
	json_object_set_new(o, "out_of_distribution_windows", json_integer(v->ood_windows));
	/* Only said of process tenants: a VM's entry is as it always was. */
	if (v->process)
		json_object_set_new(o, "kind", json_string("process"));
	return o;
}

static json_t *window_json(const struct detect_result *r, const struct window_result *w)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:b, s:f}",
		"vm", r->vms[w->vm].name, "start_ns", (json_int_t)w->start_ns,
		"end_ns", (json_int_t)w->end_ns, "interference", w->interference,
		"probability", w->probability);

	/* extensions: the guard's verdict, the classifier's own vote, the class */
	json_object_set_new(o, "in_distribution", json_boolean(w->in_distribution));
	json_object_set_new(o, "model_interference", json_boolean(w->model_vote));
	json_object_set_new(o, "distribution", json_pack("{s:f, s:f, s:s?}",
		"max_kernel", w->max_kernel, "out_of_range_sd", w->out_of_range,
		"farthest_feature", w->out_of_range > 0 ? w->far_feature : NULL));
	json_object_set_new(o, "workload", json_pack("{s:s, s:s}",
		"class", workload_name(w->workload),
		"evidence", w->workload_by_rule ? "rule" : "model"));
	if (w->interference) {
		json_t *top = json_array();

		json_object_set_new(o, "resource", json_string(resource_name(w->resource)));
		json_object_set_new(o, "evidence", json_string(
			w->by_model && w->by_measurement ? "model+measurement" :
			w->by_model ? "model" : "measurement"));
		json_object_set_new(o, "culprits", culprits_json(r, w->culprits, w->nculprits));
		for (int i = 0; i < w->ntop; i++)
			json_array_append_new(top, json_pack("{s:s, s:s, s:I, s:f}",
				"event", w->top[i].event, "detail", w->top[i].detail,
				"count", (json_int_t)w->top[i].count,
				"baseline_ratio", w->top[i].baseline_ratio));
		json_object_set_new(o, "top_events", top);
	}
	if (w->discarded_events)
		json_object_set_new(o, "discarded_events", json_integer((json_int_t)w->discarded_events));
	if (w->partial) /* not in its VM's workload vote */
		json_object_set_new(o, "partial", json_true());
	return o;
}

json_t *report_episode_json(const struct detect_result *r, const struct episode *e)
{
	return json_pack("{s:s, s:I, s:I, s:s, s:o, s:i, s:f}",
		"vm", r->vms[e->vm].name, "start_ns", (json_int_t)e->start_ns,
		"end_ns", (json_int_t)e->end_ns, "resource", resource_name(e->resource),
		"culprits", culprits_json(r, e->culprits, e->nculprits),
		"windows", e->windows, "max_probability", e->max_probability);
}

json_t *report_watcher_action(const struct detect_result *r, int vm)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s?}}", "action_type", "migrate",
			 "resource_id", r->vms[vm].uuid, "input_parameters",
			 "migration_type", "live", "source_node", r->hostname);
}

static json_t *rec_json(const struct detect_result *r, const struct recommendation *rec)
{
	json_t *eps = json_array(), *params = json_object();
	json_t *o;

	for (int i = 0; i < rec->nepisodes; i++)
		json_array_append_new(eps, json_integer(rec->episodes[i]));
	for (int i = 0; i < rec->nparams; i++)
		json_object_set_new(params, rec->params[i].key, json_real(rec->params[i].value));
	o = json_pack("{s:s}", "action", action_name(rec->action));
	if (rec->vm >= 0)
		json_object_set_new(o, "vm", json_string(r->vms[rec->vm].name));
	else if (rec->vm == CULPRIT_HOST)
		json_object_set_new(o, "vm", json_string(CULPRIT_HOST_NAME));
	if (rec->resource != RES_NONE)
		json_object_set_new(o, "resource", json_string(resource_name(rec->resource)));
	json_object_set_new(o, "reason", json_string(rec->reason));
	json_object_set_new(o, "episodes", eps);
	json_object_set_new(o, "parameters", params);
	if (rec->command[0])
		json_object_set_new(o, "command", json_string(rec->command));
	if (rec->watcher)
		json_object_set_new(o, "watcher", report_watcher_action(r, rec->vm));
	return o;
}

json_t *report_to_json(const struct detect_result *r)
{
	json_t *vms = json_array(), *wins = json_array(), *eps = json_array(),
	       *recs = json_array();

	for (size_t i = 0; i < r->nvms; i++)
		json_array_append_new(vms, vm_json(&r->vms[i]));
	for (size_t i = 0; i < r->nwindows; i++)
		json_array_append_new(wins, window_json(r, &r->windows[i]));
	for (size_t i = 0; i < r->nepisodes; i++)
		json_array_append_new(eps, report_episode_json(r, &r->episodes[i]));
	for (size_t i = 0; i < r->nrecs; i++)
		json_array_append_new(recs, rec_json(r, &r->recs[i]));
	return json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:s}, s:I, s:o, s:o, s:o, s:o}",
		"schema", "vmint.report/1", "tool", "name", "vmint", "version", VMINT_VERSION,
		"trace", trace_json(r), "model", "path", r->model_path ? r->model_path : "",
		"window_ns", (json_int_t)r->window_ns, "vms", vms, "windows", wins,
		"episodes", eps, "recommendations", recs);
}

json_t *report_watcher_actions(const struct detect_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nrecs; i++)
		if (r->recs[i].watcher)
			json_array_append_new(a, report_watcher_action(r, r->recs[i].vm));
	return a;
}

int report_write_json(const json_t *json, const char *path)
{
	struct outfile of;

	if (!json) {
		err_fail(ERR_RESOURCE, "cannot build the JSON of '%s': out of memory", path);
		return -1;
	}
	if (outfile_open(&of, path) != 0)
		return -1;
	if (json_dumpf(json, of.fp, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0 ||
	    fputc('\n', of.fp) == EOF) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of);
}

/* One value at the top level, its lines indented under its key. */
static int put_value(FILE *f, const json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(6) | JSON_ENCODE_ANY);

	if (!text)
		return -1;
	for (const char *c = text; *c; c++)
		if (fputc(*c, f) == EOF || (*c == '\n' && fputs("  ", f) == EOF))
			break;
	free(text);
	return ferror(f) ? -1 : 0;
}

static int put_windows(FILE *f, const struct detect_result *r)
{
	if (fputc('[', f) == EOF)
		return -1;
	for (size_t i = 0; i < r->nwindows; i++) {
		json_t *w = window_json(r, &r->windows[i]);
		char *text = w ? json_dumps(w, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
		int bad = !text || fprintf(f, "%s\n    %s", i ? "," : "", text) < 0;

		free(text);
		json_decref(w);
		if (bad)
			return -1;
	}
	return fputs(r->nwindows ? "\n  ]" : "]", f) == EOF ? -1 : 0;
}

int report_write_json_streamed(const struct detect_result *r, const char *extra_key,
			       json_t *extra, const char *path)
{
	struct detect_result head = *r;
	struct outfile of;
	const char *key;
	json_t *j, *v;
	int n = 0, bad = 0;

	/* everything but the windows, as report_to_json says it */
	head.nwindows = 0;
	j = report_to_json(&head);
	if (!j || (extra && json_object_set_new(j, extra_key, extra) != 0)) {
		if (!j)
			json_decref(extra);
		json_decref(j);
		err_fail(ERR_RESOURCE, "cannot build the JSON of '%s': out of memory", path);
		return -1;
	}
	if (outfile_open(&of, path) != 0) {
		json_decref(j);
		return -1;
	}
	bad = fputc('{', of.fp) == EOF;
	json_object_foreach(j, key, v) {
		if (bad)
			break;
		bad = fprintf(of.fp, "%s\n  \"%s\": ", n++ ? "," : "", key) < 0 ||
		      (strcmp(key, "windows") == 0 ? put_windows(of.fp, r) : put_value(of.fp, v)) < 0;
	}
	json_decref(j);
	if (bad || fputs("\n}\n", of.fp) == EOF || ferror(of.fp)) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of);
}

void report_print_summary(const struct detect_result *r, FILE *out)
{
	fprintf(out, "vmint: %zu VM%s, %zu windows, %zu interference episode%s\n",
		r->nvms, r->nvms == 1 ? "" : "s", r->nwindows, r->nepisodes,
		r->nepisodes == 1 ? "" : "s");
	for (size_t i = 0; i < r->nepisodes; i++) {
		const struct episode *e = &r->episodes[i];

		fprintf(out, "  %s: %s interference for %d window%s",
			r->vms[e->vm].name, resource_name(e->resource), e->windows,
			e->windows == 1 ? "" : "s");
		if (e->nculprits)
			fprintf(out, ", mostly by %s (%.0f%%)",
				detect_culprit_name(r, e->culprits[0].vm),
				100 * e->culprits[0].share);
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->nrecs; i++)
		fprintf(out, "  => %s%s%s: %s\n", action_name(r->recs[i].action),
			r->recs[i].vm >= 0 ? " " : "",
			r->recs[i].vm >= 0 ? r->vms[r->recs[i].vm].name : "",
			r->recs[i].reason);
}
