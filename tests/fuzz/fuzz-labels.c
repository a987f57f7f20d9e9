/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: labels.json reader and window lookup. */
#include "common/labels.h"
#include "tests/fuzz/fuzz-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct labels l;

	if (labels_load(fuzz_write_file(data, size), &l) == 0) {
		struct window_label wl;

		for (size_t i = 0; i < l.niv; i++)
			labels_lookup(&l, l.iv[i].vm, l.iv[i].start_ns,
				      l.iv[i].end_ns, &wl);
		labels_fini(&l);
	}
	err_clear();
	return 0;
}
