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

/* Optional knobs of a phase; 0 (or -1 for read_share) means the
 * simulator's default, so that older scenarios run as they always did. */
struct sim_phase {
	uint64_t start_ns, end_ns; /* relative to the trace start */
	enum workload load;        /* its "type" */
	double intensity;          /* 0..1 */
	double burst_ms;           /* cpu: mean compute burst (30) */
	double io_disk, io_net;    /* cpu: share of bursts ending in a disk
				    * (network) round trip (0): mixed VMs */
	double compute_us;         /* disk, net: guest work per round (40) */
	int depth;                 /* disk: requests per kick (1-4 by intensity) */
	int io_kb;                 /* disk: request size (4-128 KiB at random) */
	double read_share;         /* disk: share of reads (0.7); -1: default */
	int frames;                /* net: frames per kick (4-32 by intensity) */
	int frame_bytes;           /* net: frame length (1514) */
	int rx_frames;             /* net: frames of the answer, received
				    * through eth0's receive link (0: one
				    * 66-byte acknowledgement, not queued) */
	int rx_bytes;              /* net: their length (1514) */
};

/* The guest's habits (vms[].guest); `set` 0: the default guest. */
enum sim_guest_os { SIM_OS_LINUX, SIM_OS_WINDOWS };
enum sim_timer_mode { SIM_TIMER_TSC_DEADLINE, SIM_TIMER_LAPIC };

struct sim_guest_spec {
	int set;
	enum sim_guest_os os;
	int hz;                    /* guest tick rate */
	int tickless;              /* idle: no periodic tick */
	enum sim_timer_mode timer; /* how it arms its timer: MSR or APIC write */
	double exit_rate;          /* other exits per second of guest time */
	uint64_t halt_poll_ns;     /* KVM halt polling ceiling (0: off) */
	int halt_poll_grow;        /* growth factor (0: always the ceiling) */
	int disk_kick, net_kick;   /* VMX exit reason of a virtio kick */
};

struct sim_vm_spec {
	char name[SIM_NAME_LEN];
	int vcpus;
	int pin[SIM_MAX_VCPUS];    /* pCPU of each vCPU, or -1: any */
	uint64_t start_ns;         /* QEMU starts here (0: already running) */
	uint64_t end_ns;           /* QEMU exits here (0: runs to the end) */
	int pid;                   /* QEMU's pid (0: from the VM's index) */
	struct sim_guest_spec guest;
	struct sim_phase *phases;  /* owned */
	int nphases;
};

struct sim_daemon_spec {
	char name[16];
	uint64_t start_ns, end_ns;
	double cpu_share;          /* CPUs' worth of demand while active */
};

enum sim_disk_kind { SIM_DISK_SSD, SIM_DISK_NVME, SIM_DISK_HDD };
/* How soon a woken thread preempts the running one (CONFIG_PREEMPT_*). */
enum sim_preempt { SIM_PREEMPT_FULL, SIM_PREEMPT_VOLUNTARY, SIM_PREEMPT_NONE };

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
	enum sim_disk_kind disk_kind;
	int disk_queues;           /* requests served at once (NVMe: > 1) */
	uint64_t disk_seek_ns;     /* HDD: cost of a non-sequential request */
	double nic_mbit_s;         /* link rate of eth0 */
	uint64_t nic_coalesce_ns;  /* receive interrupt coalescing (0: none) */
	uint64_t nic_rtt_ns;       /* mean round trip to the peer (0: 70 us) */
	double cpu_speed;          /* host CPU speed: hypervisor and I/O
				    * thread costs are divided by it (1) */
	enum sim_preempt preempt;
	uint64_t slice_ns;         /* scheduler time slice */
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
