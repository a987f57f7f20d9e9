/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_EXIT_REASON_H
#define VMINT_EXTRACT_EXIT_REASON_H

/*
 * VMX and SVM exit reasons: their `perf kvm stat` names, the classes the
 * feature table counts, and a compact index (< EXIT_INDEX_MAX) for
 * per-reason arrays. `isa` is kvm_x86_exit's field: 1 VMX, 2 SVM; an
 * absent isa (older kernels) is taken as VMX.
 */

#include <stdint.h>

enum exit_class {
	EXC_HLT,
	EXC_EXTERNAL_INTERRUPT,
	EXC_EPT_VIOLATION,
	EXC_EPT_MISCONFIG,
	EXC_IO_INSTRUCTION,
	EXC_MSR_WRITE,
	EXC_PREEMPTION_TIMER,
	EXC_PAUSE_INSTRUCTION,
	EXC_OTHER,
	EXC__COUNT
};

#define EXIT_INDEX_MAX 256

/* Compact index of (isa, reason): VMX 0..127, known SVM codes 128..,
 * anything else EXIT_INDEX_MAX - 1 ("other"). */
unsigned exit_reason_index(int64_t isa, int64_t reason);

/* Name of a compact index ("HLT", "npf", ...; "other" for the catch-all). */
const char *exit_reason_name(unsigned index);

/* Feature class of a compact index. */
enum exit_class exit_reason_class(unsigned index);

/* Short lowercase name of a class, used in feature names ("hlt"). */
const char *exit_class_name(enum exit_class c);

#endif
