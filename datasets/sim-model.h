/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_SIM_MODEL_H
#define VMINT_DATASETS_SIM_MODEL_H

/*
 * The KVM host simulation: a discrete-event model of a host's CPUs,
 * scheduler, QEMU processes (vCPU, worker and vhost threads), shared disk
 * and NIC, and host daemons, driven by a scenario. It writes its kernel
 * events as a CTF trace (sim-writer.h) and keeps the exact ground truth
 * of who delayed whom, from which the labels are computed.
 */

#include "datasets/sim-events.h"
#include "datasets/sim-scenario.h"

#include <jansson.h>
#include <stdint.h>

struct sim;

/* The label of one VM window (doc/formats.md, "What interference means"). */
struct sim_label {
	uint64_t start_ns, end_ns;
	int interference;
	enum resource resource;        /* RES_NONE if not interfered */
	double share[RES__COUNT];      /* delayed share per resource */
	double delay_ns[RES__COUNT];   /* delay caused by others */
	int culprits[SIM_MAX_VMS + 1]; /* VM index, or nvm for the host */
	int nculprits;
	enum workload workload;
};

/* Builds the host of `sc` (weak: must outlive the simulation). Returns
 * NULL with a cause appended. */
struct sim *sim_create(const struct scenario *sc, uint64_t seed);
void sim_destroy(struct sim *s);

/* Runs the whole simulation, writing the trace into directory `dir`
 * (which must not exist yet). `counts` (SIMEV__COUNT entries) receives
 * the number of events written per type. Returns 0, or -1. */
int sim_run(struct sim *s, const char *dir, uint64_t *counts);

/* After sim_run: the label of (vm, window); 0 when the window is not
 * labeled (mostly outside the trace or before the VM started). */
int sim_window_count(const struct sim *s);
int sim_label(const struct sim *s, int vm, int win, struct sim_label *out);
/* A VM's workload for labels.json: the class of most of its labeled
 * intervals (doc/formats.md). */
enum workload sim_vm_workload(const struct sim *s, int vm);

/* CULPRIT_HOST_NAME for the host's index, else the VM's name. */
const char *sim_owner_name(const struct sim *s, int owner);
int sim_vm_pid(const struct sim *s, int vm);

/* The documents vms.json (vmint.vms/1) and labels.json (vmint.labels/1);
 * new references, NULL when out of memory. */
json_t *sim_vms_json(const struct sim *s);
json_t *sim_labels_json(const struct sim *s);

/* The trace's layout: LTTng's (the default) or perf's (sim-perf.h). */
void sim_set_layout(struct sim *s, int perf);

/* clock-offset.json (vmint.clock-offset/1) of a perf-layout trace, whose
 * clock counts from boot: a new reference, NULL when out of memory. */
json_t *sim_clock_offset_json(const struct sim *s);

/* Names of the event types in the trace, for counts (NULL: not written). */
const char *sim_event_name(const struct sim *s, int type);

#endif
