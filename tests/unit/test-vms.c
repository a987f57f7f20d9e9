/* SPDX-License-Identifier: MIT */
/* Unit tests of common/vms.c: vms.json reading, on fixtures in
 * tests/data/json/ (run from the repository root, as `make check` does). */
#include "common/err.h"
#include "common/vms.h"
#include "tests/unit/unit-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define DATA "tests/data/json/"

static void test_valid(void **state)
{
	struct vms_file f;
	const struct vm_entry *e;

	(void)state;
	assert_int_equal(vms_load(DATA "vms-valid.json", &f), 0);
	assert_int_equal(err_count(), 0);
	assert_string_equal(f.host, "compute-07");
	assert_int_equal(f.n, 3);

	assert_int_equal(f.vms[0].pid, 3483);
	assert_string_equal(f.vms[0].name, "testU1");
	assert_string_equal(f.vms[0].uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	assert_int_equal(f.vms[0].vcpus, 0);

	assert_int_equal(f.vms[1].pid, 3577);
	assert_string_equal(f.vms[1].name, "testU2");
	assert_null(f.vms[1].uuid);
	assert_int_equal(f.vms[1].vcpus, 2);

	/* JSON escapes decoded; a null uuid is as good as none. */
	assert_string_equal(f.vms[2].name, "t\xc3\xa9st \"3\"");
	assert_null(f.vms[2].uuid);
	assert_int_equal(f.vms[2].vcpus, 4);

	e = vms_find(&f, 3577);
	assert_ptr_equal(e, &f.vms[1]);
	assert_ptr_equal(vms_find(&f, 3673), &f.vms[2]);
	assert_null(vms_find(&f, 1));
	assert_null(vms_find(&f, 0));

	vms_fini(&f);
	assert_null(f.vms);
	assert_int_equal(f.n, 0);
	vms_fini(&f); /* twice is harmless */
}

/* "kind": "process" names a process tenant; "vm" and no kind a VM. */
static void test_kinds(void **state)
{
	struct vms_file f;

	(void)state;
	assert_int_equal(vms_load(DATA "vms-kinds.json", &f), 0);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.vms[0].kind, VM_KIND_PROCESS);
	assert_int_equal(f.vms[1].kind, VM_KIND_VM);
	assert_int_equal(f.vms[2].kind, VM_KIND_VM);
	vms_fini(&f);
}

static void test_empty_list(void **state)
{
	struct vms_file f;

	(void)state;
	assert_int_equal(vms_load(DATA "vms-empty.json", &f), 0);
	assert_null(f.host);
	assert_int_equal(f.n, 0);
	assert_null(vms_find(&f, 3483));
	vms_fini(&f);
}

static void test_fini_zeroed(void **state)
{
	struct vms_file f = { 0 };

	(void)state;
	vms_fini(&f);
	assert_null(vms_find(&f, 1));
}

struct bad_case {
	const char *file;
	const char *message; /* expected cause, exactly */
};

static const struct bad_case bad_cases[] = {
	{ "vms-missing-pid.json", "'" DATA "vms-missing-pid.json': vms[2]: missing key 'pid'" },
	{ "vms-missing-name.json", "'" DATA "vms-missing-name.json': vms[0]: missing key 'name'" },
	{ "vms-missing-schema.json", "'" DATA "vms-missing-schema.json': missing key 'schema'" },
	{ "vms-missing-vms.json", "'" DATA "vms-missing-vms.json': missing key 'vms'" },
	{ "vms-bad-schema.json",
	  "'" DATA "vms-bad-schema.json': key 'schema' is 'vmint.vms/2', expected 'vmint.vms/1'" },
	{ "vms-pid-string.json", "'" DATA "vms-pid-string.json': vms[0]: key 'pid' must be an integer" },
	{ "vms-pid-negative.json",
	  "'" DATA "vms-pid-negative.json': vms[0]: key 'pid' is -4, must be between 1 and 2147483647" },
	{ "vms-vms-object.json", "'" DATA "vms-vms-object.json': key 'vms' must be an array" },
	{ "vms-uuid-int.json", "'" DATA "vms-uuid-int.json': vms[0]: key 'uuid' must be a string" },
	{ "vms-dup-pid.json", "'" DATA "vms-dup-pid.json': vms[1]: pid 7 is already the pid of vms[0]" },
	{ "vms-dup-name.json",
	  "'" DATA "vms-dup-name.json': vms[1]: name 'a' is already the name of vms[0]" },
	{ "vms-not-json.json",
	  "'" DATA "vms-not-json.json': line 3, column 3: not valid JSON: unexpected token near ']'" },
	{ "vms-array.json", "'" DATA "vms-array.json': not a JSON object" },
	{ "vms-bad-kind.json",
	  "'" DATA "vms-bad-kind.json': vms[0]: key 'kind' is 'container', expected 'vm' or 'process'" },
	{ "no-such-file.json", "cannot open '" DATA "no-such-file.json': No such file or directory" },
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct vms_file f;
		char path[256], expected[512];
		char *got;

		snprintf(path, sizeof(path), DATA "%s", bad_cases[i].file);
		/* Poison: a failed load must leave a zeroed struct behind. */
		memset(&f, 0xa5, sizeof(f));
		assert_int_equal(vms_load(path, &f), -1);
		assert_null(f.vms);
		assert_null(f.host);
		assert_int_equal(f.n, 0);
		snprintf(expected, sizeof(expected), "vmint: error: %s\n",
			 bad_cases[i].message);
		got = take_errors();
		assert_string_equal(got, expected);
		free(got);
		vms_fini(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_fini_zeroed),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests_name("vms", tests, NULL, NULL);
}
