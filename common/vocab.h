/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_VOCAB_H
#define VMINT_COMMON_VOCAB_H

/*
 * vmint's vocabulary, one definition for every stage: the resources a
 * tenant can be interfered on, the workloads it runs, the kinds of tenant,
 * the host as a culprit, and the thresholds of the labeling rule
 * (doc/formats.md, "What interference means"). The names are the
 * words of every output and input: labels.json, the features CSV's label
 * columns, model.json's class names, report.json, vms.json's "kind".
 * Owns: nothing (constant tables).
 *
 * The order of each enum is the class order of model.json and of the
 * libsvm labels in a model directory: reordering it breaks trained models.
 */

#include <stddef.h>

/* RES_NONE: not interfered; the real resources are RES_CPU..RES_NET. */
enum resource { RES_NONE, RES_CPU, RES_DISK, RES_NET, RES__COUNT };
enum workload { WL_IDLE, WL_CPU, WL_DISK, WL_NET, WL__COUNT };
/* vms.json "kind": a VM (a QEMU process) or an ordinary process. */
enum tenant_kind { TENANT_VM, TENANT_PROCESS, TENANT__COUNT };

/* A culprit that is no tenant but the host's own processes (daemons, the
 * tracer); a tenant culprit is its index (>= 0). */
#define CULPRIT_HOST (-1)
#define CULPRIT_HOST_NAME "host"

/* The labeling rule: a resource is interfered when at least LABEL_MIN_SHARE
 * of the tenant's demand on it was delayed by others and that delay adds
 * up to at least LABEL_MIN_DELAY of the window. */
#define LABEL_MIN_SHARE 0.10
#define LABEL_MIN_DELAY 0.01

extern const char *const resource_names[RES__COUNT];       /* none cpu disk net */
extern const char *const workload_names[WL__COUNT];        /* idle cpu disk net */
extern const char *const tenant_kind_names[TENANT__COUNT]; /* vm process */

/* The name of a value; "?" when out of range. */
const char *resource_name(int resource);
const char *workload_name(int workload);
const char *tenant_kind_name(int kind);

/* Index of `name` in names[0..n), or -1. */
int vocab_index(const char *const *names, int n, const char *name);

/* The value named `name` (RES_*, WL_*, TENANT_*), or -1. */
int resource_from_name(const char *name);
int workload_from_name(const char *name);
int tenant_kind_from_name(const char *name);

/* names[from..n) as "cpu, disk, net" in buf (cut to `size`), for error
 * messages that list what is accepted. Returns buf. */
const char *vocab_list(const char *const *names, int from, int n, char *buf,
		       size_t size);

#endif
