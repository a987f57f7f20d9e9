/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_FEATURES_H
#define VMINT_EXTRACT_FEATURES_H

/*
 * THE feature table: the only definition of the feature names, their
 * order, units and meaning (extract/FEATURES.md lists the same). Every
 * feature is per second of window or a ratio, so that models carry
 * across window lengths. Those marked `transfer` are also normalised by
 * capacity (pCPUs, vCPUs, the device) or demand, and name no habit of
 * one simulator or guest kernel: the ones a model should use. New
 * features go at the end (trained models name their columns).
 */

#include "extract/host/acc.h"

#include <stddef.h>
#include <stdint.h>

/* What a feature is computed from: one VM's window, and the host's. */
struct feat_ctx {
	struct vm_acc *acc;          /* weak: the VM's window (samples get sorted) */
	const struct host_acc *host; /* weak: host-wide figures of the window */
	double window_s;             /* covered part of the window, s */
	double full_window_s;        /* W in seconds (sub-intervals are W/10) */
	unsigned vcpus;              /* the VM's vCPUs (configured or seen) */
	int ncpus;                   /* the host's pCPUs seen */
	/* the other VMs' combined activity in the window */
	double others_cpu_ns, others_disk_reqs, others_disk_bytes,
	       others_net_pkts, others_net_bytes;
	int process;                 /* a process tenant: no guest mode */
};

struct feature_def {
	const char *name;
	const char *unit;
	const char *meaning;
	double (*compute)(const struct feat_ctx *c, unsigned arg);
	unsigned arg; /* exit class or block reason for the families */
	int guest;    /* measures guest mode (vCPUs, exits, halts, QEMU's own
		       * threads): absent (NaN) for a process tenant */
	int transfer; /* 1: its value means the same on any host, guest
		       * kernel and simulator (models/features.txt) */
	const char *why; /* why it transfers, or why not */
};

extern const struct feature_def features[];
extern const size_t nr_features;

/* Fills out[nr_features]; the guest features of a process tenant are NaN
 * (absent: an empty CSV cell, a JSON null), never zero. */
void features_compute(const struct feat_ctx *c, double *out);

/* Index of feature `name`, or -1. */
int features_index(const char *name);

#endif
