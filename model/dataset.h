/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_DATASET_H
#define VMINT_MODEL_DATASET_H

/*
 * A feature matrix in memory: one row per (VM, window), the feature names
 * in column order, each row's metadata (VM, window, input it came from)
 * and its labels. Filled from the extractor's CSV (dataset_read_csv) or row
 * by row by an in-process extractor (dataset_append). Owns: every array
 * and string in struct dataset.
 *
 * Labels are class indices of common/vocab.h, or DS_UNLABELED
 * when the input had no label for that row (empty cell, no label columns).
 */

#include "common/vocab.h"

#include <stddef.h>
#include <stdint.h>

#define DS_UNLABELED (-1)

/* The classes are those of common/vocab.h, by their index there. */
struct ds_labels {
	int interference; /* 0, 1 or DS_UNLABELED */
	int resource;     /* enum resource (RES_NONE: not interfered) or DS_UNLABELED */
	int workload;     /* enum workload or DS_UNLABELED */
};

struct ds_row_meta {
	char *vm;                  /* owned */
	int64_t pid;
	uint64_t start_ns, end_ns;
	int group;                 /* index in dataset.groups: the input it came from */
};

struct dataset {
	size_t nfeat;
	char **names;              /* owned: nfeat feature names, column order */
	size_t nrows, cap;
	double *x;                 /* owned: nrows * nfeat, row-major */
	struct ds_row_meta *meta;  /* owned: nrows */
	struct ds_labels *labels;  /* owned: nrows */
	char **groups;             /* owned: ngroups input names (paths) */
	size_t ngroups;
	int has_labels;            /* some input carried label columns */
};

/* Zeroes `ds` with no feature names yet. */
void dataset_init(struct dataset *ds);

/* Frees everything `ds` owns and zeroes it. Safe on a zeroed struct. */
void dataset_fini(struct dataset *ds);

/*
 * Sets the feature names (copied) if none are set yet; otherwise checks
 * that they equal the current ones, and on a difference appends a cause
 * naming `what` and the first differing name. Returns 0 or -1.
 */
int dataset_set_names(struct dataset *ds, const char *const *names,
		      size_t n, const char *what);

/* Adds an input (a CSV file or a trace) and returns its group index, or
 * -1 (out of memory, cause appended). */
int dataset_add_group(struct dataset *ds, const char *name);

/* Appends one row (copies `vm` and the nfeat values of `x`). Returns 0 or
 * -1 (out of memory, cause appended). */
int dataset_append(struct dataset *ds, const struct ds_row_meta *meta,
		   const double *x, const struct ds_labels *labels);

/*
 * Reads the extractor's CSV (header "vm,pid,start_ns,end_ns,<features>
 * [,label_interference,label_resource,label_workload]") and appends its
 * rows as a new group named `path`. The feature names must equal those
 * already in `ds` (if any). A bad line is an error "'path':LINE: what";
 * empty label cells leave that label DS_UNLABELED. Returns 0 or -1 (the
 * rows read before the error stay in `ds`: discard it).
 */
int dataset_read_csv(struct dataset *ds, const char *path);

/* Pointer to row i's features (borrowed). */
static inline const double *dataset_row(const struct dataset *ds, size_t i)
{
	return ds->x + i * ds->nfeat;
}

#endif
