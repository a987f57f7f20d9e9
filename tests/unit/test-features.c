/* SPDX-License-Identifier: MIT */
/* Unit tests of the feature table (extract/features.c) and the exit-reason
 * table. (The window-length parser is tested in test-cli.c.) */
#include "common/err.h"
#include "extract/host/exit-reason.h"
#include "extract/features.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Names are unique identifiers (they become CSV columns and model keys). */
static void test_names(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(nr_features > 60);
	for (i = 0; i < nr_features; i++) {
		const char *n = features[i].name;

		assert_true(islower((unsigned char)n[0]));
		for (j = 0; n[j]; j++)
			assert_true(isalnum((unsigned char)n[j]) || n[j] == '_');
		assert_non_null(features[i].unit);
		assert_true(strlen(features[i].meaning) > 10);
		for (j = i + 1; j < nr_features; j++)
			assert_string_not_equal(n, features[j].name);
		assert_int_equal(features_index(n), (int)i);
	}
	assert_int_equal(features_index("no_such_feature"), -1);
}

/* The same activity gives the same per-second values in any window. */
static void test_normalization(void **state)
{
	static struct vm_acc acc;
	struct host_acc host = { .cpu_ns = 1500000000ull, .host_cpu_ns = 500000000ull };
	struct feat_ctx c = { .acc = &acc, .host = &host, .window_s = 2.0, .full_window_s = 2.0 };
	double out[256];

	(void)state;
	assert_true(nr_features <= 256);
	vm_acc_reset(&acc);
	acc.cpu_ns = 1000000000ull; /* 1 s of CPU in a 2 s window */
	acc.vcpus_active = 2;
	acc.guest_ns = 800000000ull;
	acc.exits_total = 10;
	acc.exits[EXC_HLT] = 4;
	acc.disk_rd_bytes = 4096;
	features_compute(&c, out);
	assert_float_equal(out[features_index("cpu_util")], 0.5, 1e-12);
	assert_float_equal(out[features_index("vcpu_guest_ratio")], 0.2, 1e-12);
	assert_float_equal(out[features_index("exits_per_s")], 5.0, 1e-12);
	assert_float_equal(out[features_index("exits_hlt_per_s")], 2.0, 1e-12);
	assert_float_equal(out[features_index("disk_read_Bps")], 2048.0, 1e-12);
	assert_float_equal(out[features_index("host_cpu_util")], 0.75, 1e-12);
	assert_float_equal(out[features_index("host_only_cpu_util")], 0.25, 1e-12);
	assert_float_equal(out[features_index("lost_events")], 0.0, 0);
	/* Nothing measured: zeros, never NaN. */
	vm_acc_reset(&acc);
	memset(&host, 0, sizeof(host));
	features_compute(&c, out);
	for (size_t i = 0; i < nr_features; i++)
		assert_float_equal(out[i], 0.0, 0);
	vm_acc_fini(&acc);
}

static void test_exit_reasons(void **state)
{
	(void)state;
	assert_string_equal(exit_reason_name(exit_reason_index(1, 12)), "HLT");
	assert_int_equal(exit_reason_class(exit_reason_index(1, 12)), EXC_HLT);
	assert_int_equal(exit_reason_class(exit_reason_index(INT64_MIN, 48)), EXC_EPT_VIOLATION);
	assert_int_equal(exit_reason_class(exit_reason_index(1, 49)), EXC_EPT_MISCONFIG);
	assert_int_equal(exit_reason_class(exit_reason_index(1, 10)), EXC_OTHER); /* CPUID */
	/* bit 31 (VM-entry failure) and other high bits do not hide the reason */
	assert_int_equal(exit_reason_class(exit_reason_index(1, 0x80000000 | 30)),
			 EXC_IO_INSTRUCTION);
	assert_string_equal(exit_reason_name(exit_reason_index(2, 0x78)), "hlt");
	assert_int_equal(exit_reason_class(exit_reason_index(2, 0x400)), EXC_EPT_VIOLATION);
	assert_int_equal(exit_reason_class(exit_reason_index(2, 0x12345)), EXC_OTHER);
	assert_string_equal(exit_reason_name(exit_reason_index(1, -5)), "other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_normalization),
		cmocka_unit_test(test_exit_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
