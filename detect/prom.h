/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_PROM_H
#define VMINT_DETECT_PROM_H

/*
 * Prometheus' text exposition format (0.0.4, what node_exporter's
 * textfile collector reads): a family's HELP and TYPE lines, then its
 * samples, label values escaped. detect's file (report-prom.c) and
 * watch's (watch-out.c) are written through these, and share the per-VM
 * counts below under the same names. Owns nothing; write errors show in
 * ferror(f), which the caller checks before committing the file.
 */

#include "common/vocab.h"

#include <stddef.h>
#include <stdio.h>

/* "# HELP name help" and "# TYPE name type" (gauge, counter). */
void prom_family(FILE *f, const char *name, const char *type, const char *help);

/* One sample line: name{key="value",...} value. The labels follow
 * `value` as key, value string pairs, ended by NULL. Integral values are
 * written as integers, others with 15 significant digits, NaN as NaN. */
void prom_sample(FILE *f, const char *name, double value, ...);

/* What detect's file says of each VM, over the windows it analysed:
 * vmint_windows, vmint_out_of_distribution_windows,
 * vmint_interfered_windows (by resource) and
 * vmint_interference_probability_max, labelled by VM name. */
struct prom_vm_counts {
	const char *vm;          /* weak */
	int windows, ood_windows;
	int interfered[RES__COUNT]; /* by resource; [RES_NONE] unused */
	double probability_max;
};
void prom_vm_counts(FILE *f, const struct prom_vm_counts *v, size_t n);

#endif
