/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_SIM_SCENARIO_H
#define VMINT_DATASETS_SIM_SCENARIO_H

/*
 * A simulation scenario (schema vmint.scenario/1, described in
 * datasets/README.md): the host (CPUs, kernel version, daemons, disk,
 * NIC) and its VMs with their workload phases. Loaded from JSON with
 * jansson; every missing or wrong key is an error naming the key.
 */

#include "common/vocab.h"

#include <stdint.h>

#define SIM_MAX_CPUS 64
#define SIM_MAX_VMS 32
#define SIM_MAX_VCPUS 32
#define SIM_NAME_LEN 64

struct sim_phase {
	uint64_t start_ns, end_ns; /* relative to the trace start */
	enum workload load;        /* its "type" */
	double intensity;          /* 0..1 */
};

struct sim_vm_spec {
	char name[SIM_NAME_LEN];
	int vcpus;
	int pin[SIM_MAX_VCPUS];    /* pCPU of each vCPU, or -1: any */
	uint64_t start_ns;         /* QEMU starts here (0: already running) */
	uint64_t end_ns;           /* QEMU exits here (0: runs to the end) */
	struct sim_phase *phases;  /* owned */
	int nphases;
};

struct sim_daemon_spec {
	char name[16];
	uint64_t start_ns, end_ns;
	double cpu_share;          /* CPUs' worth of demand while active */
};

struct scenario {
	uint64_t seed;
	uint64_t duration_ns;
	uint64_t window_ns;
	uint64_t start_ns;         /* trace start, ns since the Unix epoch */
	char host_name[SIM_NAME_LEN];
	int cpus;
	char kernel[SIM_NAME_LEN]; /* release string, e.g. "5.15.0" */
	int kver;                  /* KVER(major, minor) */
	double disk_mb_s;          /* disk bandwidth */
	uint64_t disk_latency_ns;  /* fixed cost of one request */
	double nic_mbit_s;         /* link rate of eth0 */
	struct sim_daemon_spec *daemons; /* owned */
	int ndaemons;
	struct sim_vm_spec *vms;   /* owned */
	int nvms;
};

/* Loads `path`. Returns 0, or -1 with a cause naming the file and key. */
int scenario_load(struct scenario *sc, const char *path);

/* Same, from a JSON text (for tests); `what` names it in errors. */
int scenario_parse(struct scenario *sc, const char *text, const char *what);

void scenario_free(struct scenario *sc);

/* The phase of `vm` active at relative time t, or NULL (idle). */
const struct sim_phase *scenario_phase_at(const struct sim_vm_spec *vm,
					  uint64_t t);

#endif
