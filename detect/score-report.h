/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_SCORE_REPORT_H
#define VMINT_DETECT_SCORE_REPORT_H

/*
 * Scores a report.json written by `vmint detect` against the ground truth
 * of a labels.json (`vmint score --report R --labels L`): per labeled
 * (VM, window), the interference decision (precision, recall, F1 of the
 * interfered class), and on truly interfered windows the resource and the
 * first culprit (a window the report missed counts as wrong for both);
 * per VM whose workload the labels give, the report's workload class.
 */

#include <stddef.h>

struct report_score {
	size_t windows;          /* labeled windows found in the report */
	size_t tp, fp, fn, tn;
	size_t interfered;       /* truly interfered among them */
	size_t resource_ok;      /* of those, flagged with the right resource */
	size_t culprit_ok;       /* of those, flagged with the right first culprit */
	size_t vms;              /* VMs of the report whose workload the labels give */
	size_t workload_ok;      /* of those, with the labels' workload class */
};

/* Adds the scores of one report into *s. Returns 0, or -1 with a cause
 * naming the file and what is wrong. */
int score_report(const char *report_path, const char *labels_path,
		 struct report_score *s);


#endif
