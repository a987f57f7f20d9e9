/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_FEAT_OUT_H
#define VMINT_EXTRACT_FEAT_OUT_H

/*
 * Writes feature rows (doc/formats.md "features"): CSV with a header line
 * "vm,pid,start_ns,end_ns,<features>[,label_interference,label_resource,
 * label_workload]", or libsvm ("<label> i:v ..." with 1-based indexes in
 * features[] order, zero values left out) plus a `<path>.names` file with
 * the feature names one per line. With labels, an unlabeled window has
 * empty label cells in CSV and is left out of libsvm (it cannot be
 * trained on); without labels every libsvm row has label 0.
 * Output is atomic (common/outfile.h). Owns its open files.
 */

#include "common/outfile.h"
#include "extract/analysis.h"

struct window_label;

enum feat_format { FEAT_CSV, FEAT_LIBSVM };

struct feat_out {
	enum feat_format format;
	int with_labels;
	struct outfile out, names; /* owned */
	unsigned long rows, skipped;
};

/* Opens `path` ("-" = stdout; libsvm needs a file for its .names).
 * Returns 0 or -1 (cause appended). */
int feat_out_open(struct feat_out *o, const char *path, enum feat_format fmt,
		  int with_labels);

/* Writes one row; `label` NULL = unlabeled. Returns 0 or -1. */
int feat_out_row(struct feat_out *o, const struct window_row *row,
		 const struct window_label *label);

/* Completes both files. Returns 0 or -1 (cause appended). */
int feat_out_commit(struct feat_out *o);
void feat_out_abort(struct feat_out *o);

#endif
