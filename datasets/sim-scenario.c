/* SPDX-License-Identifier: MIT */
#include "datasets/sim-scenario.h"
#include "datasets/sim-events.h"
#include "common/err.h"
#include "common/json-file.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA "vmint.scenario/1"

static uint64_t s_to_ns(double s)
{
	return (uint64_t)llround(s * 1e9);
}

/* Reads `key`, in seconds within [0, max_s], as nanoseconds into *ns
 * (untouched when absent and optional). */
static int get_seconds(const struct json_at *at, const json_t *obj,
		       const char *key, enum json_need need, double max_s,
		       uint64_t *ns)
{
	double s = -1;

	if (json_at_get_double(at, obj, key, need, 0, max_s, &s) < 0)
		return -1;
	if (s >= 0)
		*ns = s_to_ns(s);
	return 0;
}

/* Copies string `key` into out[size] (untouched when absent and optional). */
static int get_name(const struct json_at *at, const json_t *obj,
		    const char *key, enum json_need need, char *out, size_t size)
{
	const char *s = NULL;

	if (json_at_get_string(at, obj, key, need, &s) < 0)
		return -1;
	if (!s)
		return 0;
	if (strlen(s) >= size)
		return json_at_fail(at, key, "is too long");
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Reads string `key`, one of names[0..n), as its index into *out
 * (untouched when absent). `list` spells the choices for the error. */
static int get_choice(const struct json_at *at, const json_t *obj,
		      const char *key, const char *const *names, int n,
		      const char *list, int *out)
{
	const char *v = NULL;

	if (json_at_get_string(at, obj, key, JSON_OPTIONAL, &v) < 0)
		return -1;
	if (!v)
		return 0;
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return json_at_fail(at, key, "must be one of %s", list);
}

/* An optional number in [min, max]; when present, *out = value * scale. */
static int get_scaled(const struct json_at *at, const json_t *obj,
		      const char *key, double min, double max, double scale,
		      uint64_t *out)
{
	double v = -1;

	if (json_at_get_double(at, obj, key, JSON_OPTIONAL, min, max, &v) < 0)
		return -1;
	if (v >= 0)
		*out = (uint64_t)llround(v * scale);
	return 0;
}

static int get_int(const struct json_at *at, const json_t *obj,
		   const char *key, int min, int max, int *out)
{
	json_int_t v = *out;

	if (json_at_get_int(at, obj, key, JSON_OPTIONAL, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_kernel(const struct json_at *host, struct scenario *sc)
{
	int major, minor;

	if (sscanf(sc->kernel, "%d.%d", &major, &minor) != 2 || major < 2 ||
	    major > 99 ||
	    minor < 0 || minor > 999)
		return json_at_fail(host, "kernel",
				    "must be a kernel release like \"5.15.0\"");
	sc->kver = KVER(major, minor);
	return 0;
}

/* The keys of one object are all checked, so that one run names every
 * mistake in it; a bad object stops the reading. */
static int parse_daemon(const struct json_at *at, const struct scenario *sc,
			const json_t *o, struct sim_daemon_spec *d)
{
	double dur = sc->duration_ns / 1e9;
	int failed = 0;

	if (json_at_check_object(at, o) < 0)
		return -1;
	d->end_ns = sc->duration_ns;
	failed |= get_name(at, o, "name", JSON_REQUIRED, d->name,
			   sizeof(d->name)) < 0;
	failed |= get_seconds(at, o, "start_s", JSON_OPTIONAL, dur,
			      &d->start_ns) < 0;
	failed |= get_seconds(at, o, "end_s", JSON_OPTIONAL, dur, &d->end_ns) < 0;
	failed |= json_at_get_double(at, o, "cpu_share", JSON_REQUIRED, 0.001,
				     sc->cpus, &d->cpu_share) < 0;
	if (failed)
		return -1;
	if (d->end_ns <= d->start_ns)
		return json_at_fail(at, "end_s", "must be after start_s");
	return 0;
}

static int parse_daemons(const struct json_at *host, struct scenario *sc,
			 const json_t *arr)
{
	struct json_at at;

	sc->ndaemons = (int)json_array_size(arr);
	sc->daemons = calloc(sc->ndaemons + 1, sizeof(*sc->daemons));
	if (!sc->daemons) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (int i = 0; i < sc->ndaemons; i++) {
		json_at_item(&at, host, "daemons", i);
		if (parse_daemon(&at, sc, json_array_get(arr, i),
				 &sc->daemons[i]) < 0)
			return -1;
	}
	return 0;
}

static int parse_phase(const struct json_at *at, const struct scenario *sc,
		       const json_t *o, struct sim_phase *p)
{
	double dur = sc->duration_ns / 1e9;
	const char *type = NULL;
	char list[64];
	int failed = 0, k;

	if (json_at_check_object(at, o) < 0)
		return -1;
	p->intensity = 1.0;
	p->read_share = -1;
	failed |= get_seconds(at, o, "start_s", JSON_REQUIRED, dur,
			      &p->start_ns) < 0;
	failed |= get_seconds(at, o, "end_s", JSON_REQUIRED, dur, &p->end_ns) < 0;
	failed |= json_at_get_string(at, o, "type", JSON_REQUIRED, &type) < 0;
	failed |= json_at_get_double(at, o, "intensity", JSON_OPTIONAL, 0, 1,
				     &p->intensity) < 0;
	failed |= json_at_get_double(at, o, "burst_ms", JSON_OPTIONAL, 0.01,
				     1e5, &p->burst_ms) < 0;
	failed |= json_at_get_double(at, o, "io_disk", JSON_OPTIONAL, 0, 1,
				     &p->io_disk) < 0;
	failed |= json_at_get_double(at, o, "io_net", JSON_OPTIONAL, 0, 1,
				     &p->io_net) < 0;
	failed |= json_at_get_double(at, o, "compute_us", JSON_OPTIONAL, 0.1,
				     1e6, &p->compute_us) < 0;
	failed |= get_int(at, o, "depth", 1, 256, &p->depth) < 0;
	failed |= get_int(at, o, "io_kb", 1, 16384, &p->io_kb) < 0;
	failed |= json_at_get_double(at, o, "read_share", JSON_OPTIONAL, 0, 1,
				     &p->read_share) < 0;
	failed |= get_int(at, o, "frames", 1, 1024, &p->frames) < 0;
	failed |= get_int(at, o, "frame_bytes", 60, 65535, &p->frame_bytes) < 0;
	failed |= get_int(at, o, "rx_frames", 1, 1024, &p->rx_frames) < 0;
	failed |= get_int(at, o, "rx_bytes", 60, 65535, &p->rx_bytes) < 0;
	if (failed)
		return -1;
	if (p->io_disk + p->io_net > 1)
		return json_at_fail(at, "io_net", "and io_disk add up to more than 1");
	k = workload_from_name(type);
	if (k < 0)
		return json_at_fail(at, "type", "must be one of %s",
				    vocab_list(workload_names, 0, WL__COUNT, list,
					       sizeof(list)));
	p->load = k;
	if (p->end_ns <= p->start_ns)
		return json_at_fail(at, "end_s", "must be after start_s");
	return 0;
}

static int parse_phases(const struct json_at *vm_at, const struct scenario *sc,
			struct sim_vm_spec *vm, const json_t *arr)
{
	struct json_at at;

	vm->nphases = (int)json_array_size(arr);
	vm->phases = calloc(vm->nphases + 1, sizeof(*vm->phases));
	if (!vm->phases) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (int i = 0; i < vm->nphases; i++) {
		json_at_item(&at, vm_at, "workload", i);
		if (parse_phase(&at, sc, json_array_get(arr, i),
				&vm->phases[i]) < 0)
			return -1;
	}
	return 0;
}

/* One pCPU per vCPU, or no pinning at all (`pin` NULL). */
static int parse_pin(const struct json_at *vm_at, const struct scenario *sc,
		     struct sim_vm_spec *vm, const json_t *pin)
{
	struct json_at at;

	for (int v = 0; v < SIM_MAX_VCPUS; v++)
		vm->pin[v] = -1;
	if (!pin)
		return 0;
	if ((int)json_array_size(pin) != vm->vcpus)
		return json_at_fail(vm_at, "pin", "must list one pCPU per vCPU");
	for (int v = 0; v < vm->vcpus; v++) {
		json_t *p = json_array_get(pin, v);

		json_at_item(&at, vm_at, "pin", v);
		if (!json_is_integer(p))
			return json_at_fail(&at, NULL, "must be an integer");
		if (json_integer_value(p) < 0 || json_integer_value(p) >= sc->cpus)
			return json_at_fail(&at, NULL,
					    "is pCPU %" JSON_INTEGER_FORMAT
					    ", but the host has %d CPUs (0-%d)",
					    json_integer_value(p), sc->cpus,
					    sc->cpus - 1);
		vm->pin[v] = (int)json_integer_value(p);
	}
	return 0;
}

/* VMX exit reasons of a virtio kick: an MMIO notify (virtio-pci modern)
 * is an EPT_MISCONFIG, a port write (legacy) an IO_INSTRUCTION. */
static const int kick_reasons[2] = { 49, 30 };

static int parse_guest(const struct json_at *vm_at, struct sim_vm_spec *vm,
		       const json_t *o)
{
	static const char *const oses[] = { "linux", "windows" };
	static const char *const timers[] = { "tsc-deadline", "lapic" };
	static const char *const kicks[] = { "mmio", "pio" };
	struct sim_guest_spec *g = &vm->guest;
	struct json_at at;
	json_t *tickless;
	int os = 0, timer = 0, disk_kick = 0, net_kick = 1, failed = 0;
	double poll_us = 0;

	json_at_member(&at, vm_at, "guest");
	if (json_at_check_object(&at, o) < 0)
		return -1;
	failed |= get_choice(&at, o, "os", oses, 2, "linux, windows", &os) < 0;
	g->set = 1;
	g->os = os;
	g->hz = os == SIM_OS_WINDOWS ? 64 : 250;
	g->tickless = 1;
	g->exit_rate = 5000;
	g->halt_poll_grow = 2;
	failed |= get_int(&at, o, "hz", 10, 10000, &g->hz) < 0;
	failed |= json_at_get(&at, o, "tickless", JSON_TRUE, JSON_OPTIONAL,
			      &tickless) < 0;
	failed |= get_choice(&at, o, "timer", timers, 2, "tsc-deadline, lapic",
			     &timer) < 0;
	failed |= json_at_get_double(&at, o, "exit_rate", JSON_OPTIONAL, 0, 1e6,
				     &g->exit_rate) < 0;
	failed |= json_at_get_double(&at, o, "halt_poll_us", JSON_OPTIONAL, 0,
				     1e5, &poll_us) < 0;
	failed |= get_int(&at, o, "halt_poll_grow", 0, 16, &g->halt_poll_grow) < 0;
	failed |= get_choice(&at, o, "disk_kick", kicks, 2, "mmio, pio",
			     &disk_kick) < 0;
	failed |= get_choice(&at, o, "net_kick", kicks, 2, "mmio, pio",
			     &net_kick) < 0;
	if (failed)
		return -1;
	if (tickless)
		g->tickless = json_is_true(tickless);
	g->timer = timer;
	g->halt_poll_ns = (uint64_t)llround(poll_us * 1000);
	g->disk_kick = kick_reasons[disk_kick];
	g->net_kick = kick_reasons[net_kick];
	return 0;
}

static int parse_vm(const struct json_at *root, struct scenario *sc, int i,
		    const json_t *o)
{
	struct sim_vm_spec *vm = &sc->vms[i];
	double dur = sc->duration_ns / 1e9;
	struct json_at at;
	json_t *pin, *workload, *guest;
	json_int_t vcpus = 1;
	int failed = 0;

	json_at_item(&at, root, "vms", i);
	if (json_at_check_object(&at, o) < 0)
		return -1;
	failed |= get_name(&at, o, "name", JSON_REQUIRED, vm->name,
			   sizeof(vm->name)) < 0;
	failed |= json_at_get_int(&at, o, "vcpus", JSON_REQUIRED, 1,
				  SIM_MAX_VCPUS, &vcpus) < 0;
	failed |= get_seconds(&at, o, "start_s", JSON_OPTIONAL, dur,
			      &vm->start_ns) < 0;
	failed |= get_seconds(&at, o, "end_s", JSON_OPTIONAL, dur,
			      &vm->end_ns) < 0;
	failed |= get_int(&at, o, "pid", 3000, 4000000, &vm->pid) < 0;
	vm->vcpus = (int)vcpus;
	if (!failed && vm->end_ns && vm->end_ns <= vm->start_ns)
		return json_at_fail(&at, "end_s", "must be after the VM's start_s");
	failed |= json_at_get(&at, o, "pin", JSON_ARRAY, JSON_OPTIONAL, &pin) < 0;
	failed |= json_at_get(&at, o, "workload", JSON_ARRAY, JSON_REQUIRED,
			      &workload) < 0;
	failed |= json_at_get(&at, o, "guest", JSON_OBJECT, JSON_OPTIONAL,
			      &guest) < 0;
	if (failed || parse_pin(&at, sc, vm, pin) < 0 ||
	    (guest && parse_guest(&at, vm, guest) < 0))
		return -1;
	for (int j = 0; j < i; j++) {
		if (strcmp(sc->vms[j].name, vm->name) == 0)
			return json_at_fail(&at, "name",
					    "repeats the name of another VM");
		if (vm->pid && sc->vms[j].pid &&
		    vm->pid < sc->vms[j].pid + sc->vms[j].vcpus + 5 &&
		    sc->vms[j].pid < vm->pid + vm->vcpus + 5)
			return json_at_fail(&at, "pid",
					    "overlaps the thread ids of vms[%d]", j);
	}
	/* Else a given pid could meet one made from the index. */
	if (i > 0 && !sc->vms[0].pid != !vm->pid)
		return json_at_fail(&at, "pid", "must be given for every VM or none");
	return parse_phases(&at, sc, vm, workload);
}

static int parse_devices(const struct json_at *host_at, struct scenario *sc,
			 const json_t *host)
{
	static const char *const kinds[] = { "ssd", "nvme", "hdd" };
	struct json_at at;
	json_t *disk, *nic;
	double latency_us = 100;
	int failed = 0, kind = SIM_DISK_SSD;

	sc->disk_mb_s = 200;
	sc->disk_queues = 1;
	sc->nic_mbit_s = 1000;
	if (json_at_get(host_at, host, "disk", JSON_OBJECT, JSON_OPTIONAL,
			&disk) < 0)
		return -1;
	if (disk) {
		json_at_member(&at, host_at, "disk");
		failed |= json_at_get_double(&at, disk, "bandwidth_mb_s",
					     JSON_OPTIONAL, 1, 1e6,
					     &sc->disk_mb_s) < 0;
		failed |= json_at_get_double(&at, disk, "latency_us",
					     JSON_OPTIONAL, 0, 1e6,
					     &latency_us) < 0;
		failed |= get_choice(&at, disk, "kind", kinds, 3,
				     "ssd, nvme, hdd", &kind) < 0;
		sc->disk_kind = kind;
		if (kind == SIM_DISK_NVME)
			sc->disk_queues = 16;
		if (kind == SIM_DISK_HDD)
			sc->disk_seek_ns = 4000000;
		failed |= get_int(&at, disk, "queues", 1, 1024,
				  &sc->disk_queues) < 0;
		failed |= get_scaled(&at, disk, "seek_us", 0, 1e6, 1000,
				     &sc->disk_seek_ns) < 0;
	}
	sc->disk_latency_ns = (uint64_t)(1000 * latency_us);
	if (json_at_get(host_at, host, "nic", JSON_OBJECT, JSON_OPTIONAL,
			&nic) < 0)
		return -1;
	if (nic) {
		json_at_member(&at, host_at, "nic");
		failed |= json_at_get_double(&at, nic, "rate_mbit_s",
					     JSON_OPTIONAL, 1, 1e6,
					     &sc->nic_mbit_s) < 0;
		failed |= get_scaled(&at, nic, "coalesce_us", 0, 1e6, 1000,
				     &sc->nic_coalesce_ns) < 0;
		failed |= get_scaled(&at, nic, "rtt_us", 1, 1e6, 1000,
				     &sc->nic_rtt_ns) < 0;
	}
	return failed ? -1 : 0;
}

static int parse_host(const struct json_at *root, struct scenario *sc,
		      const json_t *host)
{
	static const char *const preempts[] = { "full", "voluntary", "none" };
	struct json_at at;
	json_t *daemons;
	json_int_t cpus = 1;
	int failed = 0, preempt = SIM_PREEMPT_FULL;

	json_at_member(&at, root, "host");
	snprintf(sc->host_name, sizeof(sc->host_name), "compute-1");
	snprintf(sc->kernel, sizeof(sc->kernel), "5.15.0");
	failed |= get_name(&at, host, "name", JSON_OPTIONAL, sc->host_name,
			   sizeof(sc->host_name)) < 0;
	failed |= json_at_get_int(&at, host, "cpus", JSON_REQUIRED, 1,
				  SIM_MAX_CPUS, &cpus) < 0;
	failed |= get_name(&at, host, "kernel", JSON_OPTIONAL, sc->kernel,
			   sizeof(sc->kernel)) < 0;
	failed |= get_choice(&at, host, "preempt", preempts, 3,
			     "full, voluntary, none", &preempt) < 0;
	sc->slice_ns = 3000000;
	sc->cpu_speed = 1;
	failed |= json_at_get_double(&at, host, "cpu_speed", JSON_OPTIONAL, 0.25,
				     4, &sc->cpu_speed) < 0;
	failed |= get_scaled(&at, host, "slice_us", 100, 1e5, 1000,
			     &sc->slice_ns) < 0;
	sc->cpus = (int)cpus;
	sc->preempt = preempt;
	if (failed || parse_kernel(&at, sc) < 0)
		return -1;
	failed |= parse_devices(&at, sc, host) < 0;
	failed |= json_at_get(&at, host, "daemons", JSON_ARRAY, JSON_OPTIONAL,
			      &daemons) < 0;
	if (failed)
		return -1;
	return daemons ? parse_daemons(&at, sc, daemons) : 0;
}

static int parse_root(const char *what, struct scenario *sc,
		      const json_t *root)
{
	const struct json_at at = { .file = what, .kind = "scenario",
				    .style = JSON_AT_IN_KEY };
	double seed = 1, duration_s = 1, window_ns = 1e9, start_ns = 1.7e18;
	json_t *host, *vms;
	int failed = 0;

	if (json_at_check_object(&at, root) < 0 ||
	    json_at_check_schema(&at, root, SCHEMA) < 0)
		return -1;
	failed |= json_at_get_double(&at, root, "seed", JSON_OPTIONAL, 0, 4e18,
				     &seed) < 0;
	failed |= json_at_get_double(&at, root, "duration_s", JSON_REQUIRED,
				     0.001, 86400, &duration_s) < 0;
	failed |= json_at_get_double(&at, root, "window_ns", JSON_OPTIONAL,
				     1e6, 3.6e12, &window_ns) < 0;
	failed |= json_at_get_double(&at, root, "start_ns", JSON_OPTIONAL,
				     1e9, 4e18, &start_ns) < 0;
	failed |= json_at_get(&at, root, "host", JSON_OBJECT, JSON_REQUIRED,
			      &host) < 0;
	failed |= json_at_get(&at, root, "vms", JSON_ARRAY, JSON_REQUIRED,
			      &vms) < 0;
	sc->seed = (uint64_t)seed;
	sc->duration_ns = s_to_ns(duration_s);
	sc->window_ns = (uint64_t)window_ns;
	sc->start_ns = (uint64_t)start_ns;
	if (failed || parse_host(&at, sc, host) < 0)
		return -1;
	sc->nvms = (int)json_array_size(vms);
	if (sc->nvms > SIM_MAX_VMS)
		return json_at_fail(&at, "vms", "has too many VMs (at most %d)",
				    SIM_MAX_VMS);
	sc->vms = calloc(sc->nvms + 1, sizeof(*sc->vms));
	if (!sc->vms) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (int i = 0; i < sc->nvms; i++)
		if (parse_vm(&at, sc, i, json_array_get(vms, i)) < 0)
			return -1;
	return 0;
}

int scenario_parse(struct scenario *sc, const char *text, const char *what)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(sc, 0, sizeof(*sc));
	root = json_loads(text, 0, &jerr);
	if (!root) {
		err_fail(ERR_INPUT, "scenario '%s': invalid JSON at line %d: %s", what,
			 jerr.line, jerr.text);
		return -1;
	}
	ret = parse_root(what, sc, root);
	json_decref(root);
	if (ret)
		scenario_free(sc);
	return ret;
}

int scenario_load(struct scenario *sc, const char *path)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(sc, 0, sizeof(*sc));
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		if (jerr.line < 1)
			err_fail(ERR_INPUT, "cannot read scenario '%s': %s", path,
				 jerr.text);
		else
			err_fail(ERR_INPUT, "scenario '%s': invalid JSON at line %d: %s",
				 path, jerr.line, jerr.text);
		return -1;
	}
	ret = parse_root(path, sc, root);
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
