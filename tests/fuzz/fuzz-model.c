/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: model directory reader (model/model-dir.c,
 * model-load.c) with the fuzz input as model.json beside the valid libsvm
 * files of a small trained model (tests/fuzz/model/, or $VMINT_FUZZ_MODEL;
 * run from the repository root). An accepted model must classify a row. */
#include "common/err.h"
#include "tests/fuzz/fuzz-file.h"
#include "model/classify.h"
#include "model/model-dir.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmpl = getenv("VMINT_FUZZ_MODEL");

	(void)argc;
	(void)argv;
	if (!tmpl)
		tmpl = "tests/fuzz/model";
	snprintf(dir, sizeof(dir), "/tmp/vmint-fuzz-model-%d", (int)getpid());
	if (mkdir(dir, 0700) && errno != EEXIST)
		abort();
	fuzz_copy(tmpl, dir, "interference.model");
	fuzz_copy(tmpl, dir, "workload.model");
	fuzz_copy(tmpl, dir, "resource.model");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_dir m;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/model.json", dir);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size))
		abort();
	fclose(f);
	if (model_dir_load(&m, dir) == 0) {
		struct classify_ctx cx;
		struct classification out;
		double *x = calloc(m.nfeat + 1, sizeof(*x));

		if (x && classify_init(&cx, &m) == 0) {
			classify_row(&cx, x, &out);
			if (out.interference < 0 || out.interference > 1)
				abort();
			classify_fini(&cx);
		}
		free(x);
		for (int k = 0; k < MODEL_NR_KINDS; k++)
			(void)model_class_name(&m, k, 0);
		model_dir_fini(&m);
	}
	err_clear();
	return 0;
}
