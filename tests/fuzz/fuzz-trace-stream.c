/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the trace path (babeltrace2 graph, decoder, analysis)
 * on a small valid trace whose stream file is the fuzz input. */
#define FUZZ_TRACE_TARGET "channel0_0"
#include "tests/fuzz/fuzz-trace.h"
