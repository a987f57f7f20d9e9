/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_LABELS_H
#define VMINT_COMMON_LABELS_H

/*
 * labels.json (schema "vmint.labels/1", doc/formats.md): ground
 * truth of which VM was interfered on which resource, and when, and what
 * each VM was doing. Written by `vmint simulate` or by hand after a known
 * experiment. Owns: the parsed file (struct labels and every string in it).
 *
 * A window takes the label of the interval of its VM that covers at least
 * half of it; a window covered by no such interval is unlabeled.
 */

#include "common/vocab.h"

#include <stddef.h>
#include <stdint.h>

#define LABEL_ABSENT (-1) /* a workload the file does not give */

struct label_culprit_list {
	char **names; /* owned: VM names or CULPRIT_HOST_NAME, most delay first */
	size_t n;
};

struct label_interval {
	char *vm;                          /* owned: a name listed in vms[] */
	uint64_t start_ns, end_ns;         /* [start, end), start < end */
	int interference;                  /* 1 if interfered, else 0 */
	enum resource resource;            /* RES_NONE if not interfered */
	struct label_culprit_list culprits; /* empty if absent */
	int workload;                      /* enum workload, or LABEL_ABSENT */
};

struct label_vm {
	char *name;      /* owned: unique */
	int64_t pid;     /* 0 if absent */
	int workload;    /* enum workload, or LABEL_ABSENT */
};

struct labels {
	uint64_t window_ns;          /* from the file; 1 s when absent */
	struct label_vm *vms;        /* owned: nvms entries, in file order */
	size_t nvms;
	struct label_interval *iv;   /* owned: niv entries, sorted by (vm name, start_ns) */
	size_t niv;
};

/*
 * Reads and checks `path`: schema, every VM and interval (workload in
 * idle/cpu/disk/net, resource in cpu/disk/net and required when
 * "interference" is true, start_ns < end_ns, the interval's vm and each
 * culprit a listed VM, culprits may also be "host"), no two intervals of
 * one VM overlapping. Unknown keys (e.g. "delayed_share") are ignored.
 * Returns 0, or -1 with a cause naming the file and the key
 * ("'l.json': intervals[3]: missing key 'end_ns'"); `out` is then zeroed.
 * Free with labels_fini().
 */
int labels_load(const char *path, struct labels *out);

/* Frees everything `l` owns and zeroes it. Safe on a zeroed struct. */
void labels_fini(struct labels *l);

struct window_label {
	int interference;     /* 1 if interfered */
	enum resource resource; /* RES_NONE when not interfered */
	int workload;         /* the interval's, else the VM's, LABEL_ABSENT if neither says */
	const struct label_interval *iv; /* borrowed: the interval giving the label */
};

/*
 * Label of VM `vm` for the window [start_ns, end_ns): the VM's interval
 * covering at least half of the window (if two cover exactly half each,
 * the earlier). Returns 1 and fills *out, or 0 when the window is
 * unlabeled (unknown VM, no such interval, empty window). O(log niv).
 */
int labels_lookup(const struct labels *l, const char *vm, uint64_t start_ns,
		  uint64_t end_ns, struct window_label *out);

#endif
