/* SPDX-License-Identifier: MIT */
#ifndef VMINT_FUZZ_TRACE_H
#define VMINT_FUZZ_TRACE_H

/*
 * The trace path under a fuzzer: a copy of the small valid trace
 * tests/fuzz/trace/ (1 CPU, 2 VMs, written by `vmint simulate` from
 * tests/fuzz/trace/scenario.json) gets the fuzz input written over one
 * of its files (FUZZ_TRACE_TARGET: "metadata" or "channel0_0"), then
 * goes through what `vmint extract` does: trace_discover, vms.json,
 * trace_read into an analysis with 10 ms windows.
 * $VMINT_FUZZ_TRACE names another template directory (run from the
 * repository root otherwise). FUZZ_TRACE_TEMPLATE, FUZZ_TRACE_STREAMS
 * and FUZZ_TRACE_JOBS select a 2-CPU template (tests/fuzz/trace2/) read
 * by the parallel decoder (trace-par.c, as `-j 2`).
 */

#ifndef FUZZ_TRACE_TEMPLATE
#define FUZZ_TRACE_TEMPLATE "tests/fuzz/trace"
#endif
#ifndef FUZZ_TRACE_STREAMS
#define FUZZ_TRACE_STREAMS 1
#endif
#ifndef FUZZ_TRACE_JOBS
#define FUZZ_TRACE_JOBS 1
#endif

#include "common/err.h"
#include "tests/fuzz/fuzz-file.h"
#include "common/vms.h"
#include "extract/analysis.h"
#include "extract/run.h"
#include "extract/read/trace.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_trace_dir[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmpl = getenv("VMINT_FUZZ_TRACE");
	char kernel[160];

	(void)argc;
	(void)argv;
	if (!tmpl)
		tmpl = FUZZ_TRACE_TEMPLATE;
	snprintf(fuzz_trace_dir, sizeof(fuzz_trace_dir),
		 "/tmp/vmint-fuzz-trace-%d", (int)getpid());
	snprintf(kernel, sizeof(kernel), "%s/kernel", fuzz_trace_dir);
	if (mkdir(fuzz_trace_dir, 0700) && errno != EEXIST)
		abort();
	if (mkdir(kernel, 0700) && errno != EEXIST)
		abort();
	fuzz_copy(tmpl, kernel, "metadata");
	fuzz_copy(tmpl, kernel, "channel0_0");
	if (FUZZ_TRACE_STREAMS > 1)
		fuzz_copy(tmpl, kernel, "channel0_1");
	fuzz_copy(tmpl, fuzz_trace_dir, "vms.json");
	return 0;
}

static int fuzz_count_row(void *ctx, const struct window_row *row)
{
	(void)row;
	++*(uint64_t *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[256], *paths[1] = { fuzz_trace_dir };
	struct trace_group *groups;
	size_t ngroups;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel/%s", fuzz_trace_dir, FUZZ_TRACE_TARGET);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size))
		abort();
	fclose(f);

	if (trace_discover(paths, 1, &groups, &ngroups) == 0) {
		for (size_t i = 0; i < ngroups; i++) {
			uint64_t rows = 0;
			struct vms_file vms;
			int have = run_load_vms(NULL, &groups[i], paths, 1, &vms);
			struct analysis_config cfg = {
				.window_ns = 10000000, .vms = have > 0 ? &vms : NULL,
				.on_row = fuzz_count_row, .ctx = &rows,
			};
			struct analysis *a = have >= 0 ? analysis_create(&cfg) : NULL;
			struct trace_stats st;

			if (a) {
				run_analysis(&groups[i], a, FUZZ_TRACE_JOBS, &st);
				trace_stats_fini(&st);
				analysis_destroy(a);
			}
			if (have > 0)
				vms_fini(&vms);
		}
		trace_groups_free(groups, ngroups);
	}
	err_clear();
	return 0;
}

#endif
