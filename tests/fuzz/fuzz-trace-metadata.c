/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the trace path (babeltrace2 graph, decoder, analysis)
 * on a small valid trace whose metadata file is the fuzz input. */
#define FUZZ_TRACE_TARGET "metadata"
#include "tests/fuzz/fuzz-trace.h"
