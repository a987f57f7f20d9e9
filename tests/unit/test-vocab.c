/* SPDX-License-Identifier: MIT */
/* The vocabulary's names and order: they are the words of labels.json,
 * the CSV label columns, model.json's classes and report.json, and the
 * order is the class order of trained models. */
#include "common/vocab.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_names_and_order(void **state)
{
	char buf[64];

	(void)state;
	/* each table in enum order: models/default's class lists depend on it */
	assert_string_equal(vocab_list(resource_names, 0, RES__COUNT, buf, sizeof(buf)),
			    "none, cpu, disk, net");
	assert_string_equal(vocab_list(workload_names, 0, WL__COUNT, buf, sizeof(buf)),
			    "idle, cpu, disk, net");
	assert_string_equal(vocab_list(tenant_kind_names, 0, TENANT__COUNT, buf, sizeof(buf)),
			    "vm, process");
	assert_int_equal(RES_NONE, 0);
	assert_int_equal(RES_NET, 3);
	assert_int_equal(WL_NET, 3);
	assert_string_equal(resource_name(RES_DISK), "disk");
	assert_string_equal(workload_name(WL_IDLE), "idle");
	assert_string_equal(tenant_kind_name(TENANT_PROCESS), "process");
	assert_string_equal(CULPRIT_HOST_NAME, "host");
	assert_true(CULPRIT_HOST < 0);
	assert_true(LABEL_MIN_SHARE == 0.10);
	assert_true(LABEL_MIN_DELAY == 0.01);
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(resource_name(-1), "?");
	assert_string_equal(resource_name(RES__COUNT), "?");
	assert_string_equal(workload_name(WL__COUNT), "?");
	assert_string_equal(tenant_kind_name(-1), "?");
}

static void test_lookups(void **state)
{
	(void)state;
	for (int r = 0; r < RES__COUNT; r++)
		assert_int_equal(resource_from_name(resource_name(r)), r);
	for (int w = 0; w < WL__COUNT; w++)
		assert_int_equal(workload_from_name(workload_name(w)), w);
	for (int k = 0; k < TENANT__COUNT; k++)
		assert_int_equal(tenant_kind_from_name(tenant_kind_name(k)), k);
	assert_int_equal(resource_from_name("memory"), -1);
	assert_int_equal(resource_from_name("CPU"), -1); /* names are exact */
	assert_int_equal(workload_from_name(""), -1);
	assert_int_equal(tenant_kind_from_name("container"), -1);
	assert_int_equal(vocab_index(workload_names, WL__COUNT, "disk"), WL_DISK);
}

static void test_list(void **state)
{
	char buf[64], tiny[8];

	(void)state;
	assert_string_equal(vocab_list(resource_names, RES_CPU, RES__COUNT, buf, sizeof(buf)),
			    "cpu, disk, net");
	assert_string_equal(vocab_list(workload_names, WL__COUNT, WL__COUNT, buf, sizeof(buf)), "");
	/* cut to the buffer, still a string */
	assert_string_equal(vocab_list(workload_names, 0, WL__COUNT, tiny, sizeof(tiny)), "idle, c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_order),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
