/* SPDX-License-Identifier: MIT */
#ifndef VMINT_MODEL_INPUTS_H
#define VMINT_MODEL_INPUTS_H

/*
 * The inputs of `train` and `eval`: "(TRACE --labels FILE | FEATURES.csv)...",
 * in command-line order; --labels belongs to the trace before it. Each
 * input becomes one group of the dataset (cross-validation keeps a group
 * on one side of every fold). Owns: the array (the strings are argv's).
 */

#include "model/dataset.h"

struct input {
	const char *path;   /* weak: a features CSV or a trace directory */
	const char *labels; /* weak: labels.json of a trace, NULL for a CSV */
	const char *group;  /* weak: --group NAME (train's CV grouping), or NULL */
};

struct input_list {
	struct input *v; /* owned */
	size_t n;
};

/* Returns 0 or -1 (out of memory, cause appended). */
int input_list_add(struct input_list *l, const char *path);

/* Gives --labels FILE to the last input. Returns 0, or -1 (cause
 * appended) when there is no input yet or it already has labels. */
int input_list_set_labels(struct input_list *l, const char *labels);

/* Gives --group NAME to the last input. Returns 0 or -1 (cause appended). */
int input_list_set_group(struct input_list *l, const char *group);

void input_list_fini(struct input_list *l);

/*
 * Reads every input into `ds` (feature names must agree across inputs).
 * A CSV is read with dataset_read_csv; a trace (or session) directory
 * goes through the extractor in process (extract/analysis.h, the same
 * feature table as `vmint extract`), with the window length of its
 * labels.json, vms.json found as `extract` finds it, and each row labeled
 * from labels.json (labels_lookup). Returns 0 or -1.
 */
int input_list_load(const struct input_list *l, struct dataset *ds);

#endif
