/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the trace path with the parallel decoder (-j 2) on a
 * small valid 2-CPU trace whose second stream file is the fuzz input. */
#define FUZZ_TRACE_TARGET "channel0_1"
#define FUZZ_TRACE_TEMPLATE "tests/fuzz/trace2"
#define FUZZ_TRACE_STREAMS 2
#define FUZZ_TRACE_JOBS 2
#include "tests/fuzz/fuzz-trace.h"
