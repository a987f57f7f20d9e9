/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: vms.json reader. */
#include "common/vms.h"
#include "tests/fuzz/fuzz-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_file f;

	if (vms_load(fuzz_write_file(data, size), &f) == 0) {
		for (size_t i = 0; i < f.n; i++)
			if (vms_find(&f, f.vms[i].pid) != &f.vms[i])
				abort(); /* pids are unique: lookup must find it */
		vms_fini(&f);
	}
	err_clear();
	return 0;
}
