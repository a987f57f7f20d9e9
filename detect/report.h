/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_REPORT_H
#define VMINT_DETECT_REPORT_H

/*
 * Writers of a detect_result: report.json (vmint.report/1, doc/formats.md),
 * the OpenStack Watcher `actions` list, Prometheus textfile metrics, a
 * short human summary, and a self-contained HTML page (report-html.c).
 * Files are written atomically; "-" is standard output.
 */

#include "detect/result.h"

#include <jansson.h>
#include <stdio.h>

/* The whole report as a new JSON object (caller owns it), or NULL. */
json_t *report_to_json(const struct detect_result *r);

/* The Watcher `actions` list (a new JSON array), or NULL. */
json_t *report_watcher_actions(const struct detect_result *r);

/* One element of that list: migrate VM `vm` (it has a uuid), live, from
 * r->hostname. A new JSON object, or NULL. */
json_t *report_watcher_action(const struct detect_result *r, int vm);

/* One element of report.json's `episodes`. A new JSON object, or NULL. */
json_t *report_episode_json(const struct detect_result *r, const struct episode *e);

/* Writes `json` (not stolen) to `path` atomically. Returns 0 or -1. */
int report_write_json(const json_t *json, const char *path);

/* report.json of `r` as report_to_json says it, with `extra` (stolen,
 * may be NULL) under the top-level key `extra_key`, written atomically
 * without holding the windows' JSON all at once: each window is built,
 * written and freed in turn (a jansson window object costs kilobytes;
 * watch's snapshots of an hour of windows). Returns 0 or -1. */
int report_write_json_streamed(const struct detect_result *r, const char *extra_key,
			       json_t *extra, const char *path);

/* Prometheus text exposition format (node_exporter textfile collector). */
int report_write_prom(const struct detect_result *r, const char *path);

/* A few lines for a person: VMs, interfered windows, recommendations. */
void report_print_summary(const struct detect_result *r, FILE *out);

/* The HTML page. Returns 0 or -1 (cause appended). */
int report_write_html(const struct detect_result *r, const char *path);

#endif
