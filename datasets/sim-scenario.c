/* SPDX-License-Identifier: MIT */
#include "datasets/sim-scenario.h"
#include "datasets/sim-events.h"
#include "common/err.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA "vmint.scenario/1"

static const char *const load_names[SIM_LOAD__COUNT] = {
	[SIM_IDLE] = "idle", [SIM_CPU] = "cpu", [SIM_DISK] = "disk",
	[SIM_NET] = "net",
};

const char *sim_load_name(enum sim_load load)
{
	return load_names[load];
}

/* Parsing context: the file name for messages and the JSON path so far. */
struct ctx {
	const char *what;
};

static int bad(const struct ctx *c, const char *key, const char *why)
{
	err_append("scenario '%s': key '%s' %s", c->what, key, why);
	return -1;
}

static json_t *get(const struct ctx *c, json_t *obj, const char *prefix,
		   const char *key, int required, int *failed)
{
	char full[128];
	json_t *v = json_object_get(obj, key);

	if (!v && required) {
		snprintf(full, sizeof(full), "%s%s", prefix, key);
		err_append("scenario '%s': missing key '%s'", c->what, full);
		*failed = 1;
	}
	return v;
}

/* Number at obj.key (default `def` when absent and optional), checked
 * against [lo, hi]. */
static double get_num(const struct ctx *c, json_t *obj, const char *prefix,
		      const char *key, int required, double def, double lo,
		      double hi, int *failed)
{
	char full[128];
	json_t *v = get(c, obj, prefix, key, required, failed);
	double x;

	if (!v)
		return def;
	snprintf(full, sizeof(full), "%s%s", prefix, key);
	if (!json_is_number(v)) {
		bad(c, full, "must be a number");
		*failed = 1;
		return def;
	}
	x = json_number_value(v);
	if (!(x >= lo && x <= hi)) {
		char why[96];

		snprintf(why, sizeof(why), "is %g, must be between %g and %g",
			 x, lo, hi);
		bad(c, full, why);
		*failed = 1;
		return def;
	}
	return x;
}

static int get_int(const struct ctx *c, json_t *obj, const char *prefix,
		   const char *key, int required, int def, int lo, int hi,
		   int *failed)
{
	char full[128];
	json_t *v = get(c, obj, prefix, key, required, failed);

	if (v && !json_is_integer(v)) {
		snprintf(full, sizeof(full), "%s%s", prefix, key);
		bad(c, full, "must be an integer");
		*failed = 1;
		return def;
	}
	return (int)get_num(c, obj, prefix, key, required, def, lo, hi, failed);
}

static void get_str(const struct ctx *c, json_t *obj, const char *prefix,
		    const char *key, int required, const char *def, char *out,
		    size_t size, int *failed)
{
	char full[128];
	json_t *v = get(c, obj, prefix, key, required, failed);

	snprintf(out, size, "%s", def);
	if (!v)
		return;
	snprintf(full, sizeof(full), "%s%s", prefix, key);
	if (!json_is_string(v) || json_string_length(v) == 0) {
		bad(c, full, "must be a non-empty string");
		*failed = 1;
		return;
	}
	if (json_string_length(v) >= size) {
		bad(c, full, "is too long");
		*failed = 1;
		return;
	}
	snprintf(out, size, "%s", json_string_value(v));
}

static json_t *get_array(const struct ctx *c, json_t *obj, const char *prefix,
			 const char *key, int required, int *failed)
{
	char full[128];
	json_t *v = get(c, obj, prefix, key, required, failed);

	if (v && !json_is_array(v)) {
		snprintf(full, sizeof(full), "%s%s", prefix, key);
		bad(c, full, "must be an array");
		*failed = 1;
		return NULL;
	}
	return v;
}

static int check_object(const struct ctx *c, json_t *v, const char *key)
{
	if (!json_is_object(v))
		return bad(c, key, "must be an object");
	return 0;
}

static uint64_t s_to_ns(double s)
{
	return (uint64_t)llround(s * 1e9);
}

static int parse_kernel(const struct ctx *c, struct scenario *sc)
{
	int major, minor;

	if (sscanf(sc->kernel, "%d.%d", &major, &minor) != 2 || major < 2 ||
	    minor < 0 || minor > 999)
		return bad(c, "host.kernel",
			   "must be a kernel release like \"5.15.0\"");
	sc->kver = KVER(major, minor);
	return 0;
}

static int parse_daemons(const struct ctx *c, struct scenario *sc, json_t *arr)
{
	int failed = 0;

	sc->ndaemons = (int)json_array_size(arr);
	sc->daemons = calloc(sc->ndaemons + 1, sizeof(*sc->daemons));
	if (!sc->daemons) {
		err_append("out of memory");
		return -1;
	}
	for (int i = 0; i < sc->ndaemons; i++) {
		struct sim_daemon_spec *d = &sc->daemons[i];
		json_t *o = json_array_get(arr, i);
		char prefix[64];
		double dur = sc->duration_ns / 1e9;

		snprintf(prefix, sizeof(prefix), "host.daemons[%d].", i);
		if (!json_is_object(o)) {
			prefix[strlen(prefix) - 1] = 0;
			return bad(c, prefix, "must be an object");
		}
		get_str(c, o, prefix, "name", 1, "daemon", d->name,
			sizeof(d->name), &failed);
		d->start_ns = s_to_ns(get_num(c, o, prefix, "start_s", 0, 0, 0,
					      dur, &failed));
		d->end_ns = s_to_ns(get_num(c, o, prefix, "end_s", 0, dur, 0,
					    dur, &failed));
		d->cpu_share = get_num(c, o, prefix, "cpu_share", 1, 0, 0.001,
				       sc->cpus, &failed);
		if (!failed && d->end_ns <= d->start_ns) {
			char key[80];

			snprintf(key, sizeof(key), "%send_s", prefix);
			return bad(c, key, "must be after start_s");
		}
	}
	return failed ? -1 : 0;
}

static int parse_phases(const struct ctx *c, const struct scenario *sc,
			struct sim_vm_spec *vm, json_t *arr, const char *vprefix)
{
	int failed = 0;
	double dur = sc->duration_ns / 1e9;

	vm->nphases = (int)json_array_size(arr);
	vm->phases = calloc(vm->nphases + 1, sizeof(*vm->phases));
	if (!vm->phases) {
		err_append("out of memory");
		return -1;
	}
	for (int i = 0; i < vm->nphases; i++) {
		struct sim_phase *p = &vm->phases[i];
		json_t *o = json_array_get(arr, i);
		char prefix[96], type[16];
		int k;

		snprintf(prefix, sizeof(prefix), "%sworkload[%d].", vprefix, i);
		if (!json_is_object(o)) {
			prefix[strlen(prefix) - 1] = 0;
			return bad(c, prefix, "must be an object");
		}
		p->start_ns = s_to_ns(get_num(c, o, prefix, "start_s", 1, 0, 0,
					      dur, &failed));
		p->end_ns = s_to_ns(get_num(c, o, prefix, "end_s", 1, dur, 0,
					    dur, &failed));
		get_str(c, o, prefix, "type", 1, "idle", type, sizeof(type),
			&failed);
		p->intensity = get_num(c, o, prefix, "intensity", 0, 1.0, 0, 1,
				       &failed);
		if (failed)
			return -1;
		for (k = 0; k < SIM_LOAD__COUNT; k++)
			if (strcmp(type, load_names[k]) == 0)
				break;
		if (k == SIM_LOAD__COUNT) {
			char key[112];

			snprintf(key, sizeof(key), "%stype", prefix);
			return bad(c, key, "must be one of idle, cpu, disk, net");
		}
		p->load = k;
		if (p->end_ns <= p->start_ns) {
			char key[112];

			snprintf(key, sizeof(key), "%send_s", prefix);
			return bad(c, key, "must be after start_s");
		}
	}
	return 0;
}

static int parse_vm(const struct ctx *c, struct scenario *sc, int i, json_t *o)
{
	struct sim_vm_spec *vm = &sc->vms[i];
	char prefix[48];
	json_t *pin, *workload;
	int failed = 0;

	snprintf(prefix, sizeof(prefix), "vms[%d].", i);
	if (!json_is_object(o)) {
		prefix[strlen(prefix) - 1] = 0;
		return bad(c, prefix, "must be an object");
	}
	get_str(c, o, prefix, "name", 1, "vm", vm->name, sizeof(vm->name),
		&failed);
	vm->vcpus = get_int(c, o, prefix, "vcpus", 1, 1, 1, SIM_MAX_VCPUS,
			    &failed);
	vm->start_ns = s_to_ns(get_num(c, o, prefix, "start_s", 0, 0, 0,
				       sc->duration_ns / 1e9, &failed));
	vm->end_ns = s_to_ns(get_num(c, o, prefix, "end_s", 0, 0, 0,
				     sc->duration_ns / 1e9, &failed));
	if (!failed && vm->end_ns && vm->end_ns <= vm->start_ns) {
		char key[64];

		snprintf(key, sizeof(key), "%send_s", prefix);
		return bad(c, key, "must be after the VM's start_s");
	}
	pin = get_array(c, o, prefix, "pin", 0, &failed);
	workload = get_array(c, o, prefix, "workload", 1, &failed);
	if (failed)
		return -1;
	for (int v = 0; v < SIM_MAX_VCPUS; v++)
		vm->pin[v] = -1;
	if (pin) {
		char key[64];

		snprintf(key, sizeof(key), "%spin", prefix);
		if ((int)json_array_size(pin) != vm->vcpus)
			return bad(c, key, "must list one pCPU per vCPU");
		for (int v = 0; v < vm->vcpus; v++) {
			json_t *p = json_array_get(pin, v);

			snprintf(key, sizeof(key), "%spin[%d]", prefix, v);
			if (!json_is_integer(p))
				return bad(c, key, "must be an integer");
			if (json_integer_value(p) < 0 ||
			    json_integer_value(p) >= sc->cpus) {
				char why[96];

				snprintf(why, sizeof(why),
					 "is pCPU %lld, but the host has %d CPUs (0-%d)",
					 (long long)json_integer_value(p),
					 sc->cpus, sc->cpus - 1);
				return bad(c, key, why);
			}
			vm->pin[v] = (int)json_integer_value(p);
		}
	}
	for (int j = 0; j < i; j++)
		if (strcmp(sc->vms[j].name, vm->name) == 0) {
			char key[64];

			snprintf(key, sizeof(key), "%sname", prefix);
			return bad(c, key, "repeats the name of another VM");
		}
	return parse_phases(c, sc, vm, workload, prefix);
}

static int parse_host(const struct ctx *c, struct scenario *sc, json_t *host)
{
	json_t *daemons, *disk, *nic;
	int failed = 0;

	if (check_object(c, host, "host"))
		return -1;
	get_str(c, host, "host.", "name", 0, "compute-1", sc->host_name,
		sizeof(sc->host_name), &failed);
	sc->cpus = get_int(c, host, "host.", "cpus", 1, 1, 1, SIM_MAX_CPUS,
			   &failed);
	get_str(c, host, "host.", "kernel", 0, "5.15.0", sc->kernel,
		sizeof(sc->kernel), &failed);
	if (failed || parse_kernel(c, sc))
		return -1;
	sc->disk_mb_s = 200;
	sc->disk_latency_ns = 100000;
	disk = json_object_get(host, "disk");
	if (disk) {
		if (check_object(c, disk, "host.disk"))
			return -1;
		sc->disk_mb_s = get_num(c, disk, "host.disk.", "bandwidth_mb_s",
					0, 200, 1, 1e6, &failed);
		sc->disk_latency_ns = (uint64_t)(1000 * get_num(c, disk,
			"host.disk.", "latency_us", 0, 100, 0, 1e6, &failed));
	}
	sc->nic_mbit_s = 1000;
	nic = json_object_get(host, "nic");
	if (nic) {
		if (check_object(c, nic, "host.nic"))
			return -1;
		sc->nic_mbit_s = get_num(c, nic, "host.nic.", "rate_mbit_s", 0,
					 1000, 1, 1e6, &failed);
	}
	daemons = get_array(c, host, "host.", "daemons", 0, &failed);
	if (failed)
		return -1;
	if (daemons)
		return parse_daemons(c, sc, daemons);
	return 0;
}

static int parse_root(const struct ctx *c, struct scenario *sc, json_t *root)
{
	json_t *schema, *host, *vms;
	int failed = 0;

	if (!json_is_object(root)) {
		err_append("scenario '%s': not a JSON object", c->what);
		return -1;
	}
	schema = get(c, root, "", "schema", 1, &failed);
	if (schema && (!json_is_string(schema) ||
		       strcmp(json_string_value(schema), SCHEMA) != 0))
		return bad(c, "schema", "must be \"" SCHEMA "\"");
	sc->seed = (uint64_t)get_num(c, root, "", "seed", 0, 1, 0, 4e18,
				     &failed);
	sc->duration_ns = s_to_ns(get_num(c, root, "", "duration_s", 1, 1,
					  0.001, 86400, &failed));
	sc->window_ns = (uint64_t)get_num(c, root, "", "window_ns", 0, 1e9,
					  1e6, 3.6e12, &failed);
	sc->start_ns = (uint64_t)get_num(c, root, "", "start_ns", 0,
					 1.7e18, 1e9, 4e18, &failed);
	host = get(c, root, "", "host", 1, &failed);
	vms = get_array(c, root, "", "vms", 1, &failed);
	if (failed || parse_host(c, sc, host))
		return -1;
	sc->nvms = (int)json_array_size(vms);
	if (sc->nvms > SIM_MAX_VMS)
		return bad(c, "vms", "has too many VMs (at most 32)");
	sc->vms = calloc(sc->nvms + 1, sizeof(*sc->vms));
	if (!sc->vms) {
		err_append("out of memory");
		return -1;
	}
	for (int i = 0; i < sc->nvms; i++)
		if (parse_vm(c, sc, i, json_array_get(vms, i)))
			return -1;
	return 0;
}

int scenario_parse(struct scenario *sc, const char *text, const char *what)
{
	struct ctx c = { what };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(sc, 0, sizeof(*sc));
	root = json_loads(text, 0, &jerr);
	if (!root) {
		err_append("scenario '%s': invalid JSON at line %d: %s", what,
			   jerr.line, jerr.text);
		return -1;
	}
	ret = parse_root(&c, sc, root);
	json_decref(root);
	if (ret)
		scenario_free(sc);
	return ret;
}

int scenario_load(struct scenario *sc, const char *path)
{
	struct ctx c = { path };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(sc, 0, sizeof(*sc));
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		if (jerr.line < 1)
			err_append("cannot read scenario '%s': %s", path,
				   jerr.text);
		else
			err_append("scenario '%s': invalid JSON at line %d: %s",
				   path, jerr.line, jerr.text);
		return -1;
	}
	ret = parse_root(&c, sc, root);
	json_decref(root);
	if (ret)
		scenario_free(sc);
	return ret;
}

void scenario_free(struct scenario *sc)
{
	for (int i = 0; i < sc->nvms && sc->vms; i++)
		free(sc->vms[i].phases);
	free(sc->vms);
	free(sc->daemons);
	memset(sc, 0, sizeof(*sc));
}

const struct sim_phase *scenario_phase_at(const struct sim_vm_spec *vm,
					  uint64_t t)
{
	for (int i = 0; i < vm->nphases; i++)
		if (t >= vm->phases[i].start_ns && t < vm->phases[i].end_ns)
			return &vm->phases[i];
	return NULL;
}
