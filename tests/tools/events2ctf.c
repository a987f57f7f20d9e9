/* SPDX-License-Identifier: MIT */
/*
 * events2ctf EVENTS.json OUTDIR: writes a JSON list of kernel events
 * ([{"ts": ns, "cpu": n, "event": name, "fields": {...}}], as written by
 * stub2json.py) as an LTTng-layout CTF trace with vmint's own trace writer
 * (datasets/sim-writer.h), so that external test data (Trace Compass's VM
 * stub traces) can be read by `vmint` like any trace. Event names of the
 * kernel (kvm_entry) map to LTTng's (kvm_x86_entry); fields absent from
 * an event are written as 0 or "".
 */
#include "common/err.h"
#include "datasets/sim-writer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *from, *to; } aliases[] = {
	{ "kvm_entry", "kvm_x86_entry" },
	{ "kvm_exit", "kvm_x86_exit" },
};

struct feed {
	const struct simev_desc *table;
	json_t *events;   /* borrowed */
	int ncpus;
	size_t skipped;
};

static int type_of(const struct simev_desc *table, const char *name)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i].from) == 0)
			name = aliases[i].to;
	for (int t = 0; t < SIMEV__COUNT; t++)
		if (strcmp(table[t].name, name) == 0)
			return t;
	return -1;
}

static void fill(const struct simev_desc *d, json_t *fields, struct simev_rec *rec)
{
	int ni = 0, ns = 0;

	for (const struct simev_field *f = d->fields; f->type != SIMF_END; f++) {
		json_t *v = json_object_get(fields, f->name);

		if (f->type == SIMF_STR) {
			if (ns < SIMEV_MAX_STRINGS)
				rec->s[ns++] = json_is_string(v) ? json_string_value(v) : "";
		} else if (ni < SIMEV_MAX_INTS) {
			rec->v[ni++] = json_is_integer(v) ? json_integer_value(v) : 0;
		}
	}
}

static int produce(void *data, struct simw *w, uint64_t *now)
{
	struct feed *f = data;
	size_t i;
	json_t *e;

	json_array_foreach(f->events, i, e) {
		struct simev_rec rec = { 0 };
		int t = type_of(f->table, json_string_value(json_object_get(e, "event")));

		if (t < 0) {
			f->skipped++;
			continue;
		}
		rec.type = (uint16_t)t;
		rec.ts = (uint64_t)json_integer_value(json_object_get(e, "ts"));
		rec.cpu = (uint16_t)json_integer_value(json_object_get(e, "cpu"));
		fill(&f->table[t], json_object_get(e, "fields"), &rec);
		if (simw_emit(w, &rec) != 0) {
			err_append("out of memory");
			return -1;
		}
		*now = rec.ts;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct simw_config cfg = { 0 };
	uint64_t counts[SIMEV__COUNT], last = 0;
	struct feed f = { 0 };
	json_error_t jerr;
	json_t *root, *e;
	size_t i;
	int ret = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: events2ctf EVENTS.json OUTDIR\n");
		return 1;
	}
	root = json_load_file(argv[1], 0, &jerr);
	if (!json_is_array(root)) {
		fprintf(stderr, "events2ctf: '%s': %d:%d: %s\n", argv[1], jerr.line,
			jerr.column, root ? "not a JSON array" : jerr.text);
		json_decref(root);
		return 2;
	}
	f.events = root;
	f.table = simev_table(KVER(4, 4)); /* preempted prev_state of no matter */
	json_array_foreach(root, i, e) {
		int cpu = (int)json_integer_value(json_object_get(e, "cpu"));
		uint64_t ts = (uint64_t)json_integer_value(json_object_get(e, "ts"));

		if (cpu + 1 > f.ncpus)
			f.ncpus = cpu + 1;
		if (ts > last)
			last = ts;
	}
	cfg.path = argv[2];
	cfg.table = f.table;
	cfg.ncpus = f.ncpus;
	cfg.hostname = "stub-host";
	cfg.kernel_release = "4.4.0";
	cfg.start_ns = 0;
	cfg.end_ns = last + 1;
	cfg.packet_ns = last + 1;
	if (simw_run(&cfg, produce, &f, counts) != 0) {
		err_print(stderr);
	} else {
		fprintf(stderr, "events2ctf: wrote '%s' (%zu events without an LTTng "
			"layout skipped)\n", argv[2], f.skipped);
		ret = 0;
	}
	json_decref(root);
	return ret;
}
