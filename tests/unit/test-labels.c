/* SPDX-License-Identifier: MIT */
/* Unit tests of common/labels.c: labels.json reading and the window label
 * rule (an interval covering at least half of the window), on fixtures in
 * tests/data/json/ (run from the repository root, as `make check` does). */
#include "common/err.h"
#include "common/labels.h"
#include "tests/unit/unit-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define DATA "tests/data/json/"
#define T0 1449478370000000000ULL /* start of the valid fixture */
#define MS 1000000ULL

static int setup_valid(void **state)
{
	struct labels *l = calloc(1, sizeof(*l));

	if (!l || labels_load(DATA "labels-valid.json", l) != 0) {
		free(l);
		return -1;
	}
	*state = l;
	return 0;
}

static int teardown_valid(void **state)
{
	labels_fini(*state);
	free(*state);
	return 0;
}

static void test_load_valid(void **state)
{
	const struct labels *l = *state;

	assert_int_equal(err_count(), 0);
	assert_int_equal(l->window_ns, 1000000000ULL);
	assert_int_equal(l->nvms, 3);
	assert_string_equal(l->vms[0].name, "testU1");
	assert_int_equal(l->vms[0].pid, 3483);
	assert_int_equal(l->vms[0].workload, WL_CPU);
	assert_string_equal(l->vms[1].name, "testU3");
	assert_int_equal(l->vms[1].workload, WL_DISK);
	assert_string_equal(l->vms[2].name, "testU2");
	assert_int_equal(l->vms[2].pid, 0);
	assert_int_equal(l->vms[2].workload, LABEL_ABSENT);

	/* Sorted by VM name, then start: U1, U1, U2, U2, U3, U3. */
	assert_int_equal(l->niv, 6);
	assert_string_equal(l->iv[0].vm, "testU1");
	assert_int_equal(l->iv[0].start_ns, T0);
	assert_int_equal(l->iv[0].end_ns, T0 + 1000 * MS);
	assert_int_equal(l->iv[0].interference, 1);
	assert_int_equal(l->iv[0].resource, RES_CPU);
	assert_int_equal(l->iv[0].culprits.n, 2);
	assert_string_equal(l->iv[0].culprits.names[0], "testU3");
	assert_string_equal(l->iv[0].culprits.names[1], "host");
	assert_int_equal(l->iv[0].workload, LABEL_ABSENT);
	/* Not interfered: a stray "resource" is dropped. */
	assert_int_equal(l->iv[1].interference, 0);
	assert_int_equal(l->iv[1].resource, RES_NONE);
	assert_int_equal(l->iv[1].culprits.n, 0);
	assert_string_equal(l->iv[2].vm, "testU2");
	assert_int_equal(l->iv[2].resource, RES_NET);
	assert_int_equal(l->iv[2].culprits.n, 0);
	assert_string_equal(l->iv[4].vm, "testU3");
	assert_int_equal(l->iv[4].workload, WL_IDLE);
}

static void test_load_minimal(void **state)
{
	struct labels l;
	struct window_label wl;

	(void)state;
	assert_int_equal(labels_load(DATA "labels-minimal.json", &l), 0);
	assert_int_equal(l.window_ns, 1000000000ULL); /* the default */
	assert_int_equal(l.nvms, 0);
	assert_int_equal(l.niv, 0);
	assert_int_equal(labels_lookup(&l, "a", 0, 10, &wl), 0);
	labels_fini(&l);
	labels_fini(&l);
}

/* T0 + ms milliseconds. */
static uint64_t at(int64_t ms)
{
	return (uint64_t)((int64_t)T0 + ms * (int64_t)MS);
}

/* Looks up [start, end) (offsets from T0 in ms); checks the result. */
static void check_label(const struct labels *l, const char *vm, int64_t start_ms,
			int64_t end_ms, int interference, const char *resource,
			const char *workload)
{
	struct window_label wl;

	memset(&wl, 0, sizeof(wl));
	assert_int_equal(labels_lookup(l, vm, at(start_ms), at(end_ms), &wl), 1);
	assert_non_null(wl.iv);
	assert_string_equal(wl.iv->vm, vm);
	assert_int_equal(wl.interference, interference);
	assert_string_equal(resource_name(wl.resource), resource);
	if (workload)
		assert_string_equal(workload_name(wl.workload), workload);
	else
		assert_int_equal(wl.workload, LABEL_ABSENT);
}

static void check_unlabeled(const struct labels *l, const char *vm,
			    int64_t start_ms, int64_t end_ms)
{
	struct window_label wl;

	assert_int_equal(labels_lookup(l, vm, at(start_ms), at(end_ms), &wl), 0);
}

static void test_lookup(void **state)
{
	const struct labels *l = *state;
	struct window_label wl;

	/* Whole windows. */
	check_label(l, "testU1", 0, 1000, 1, "cpu", "cpu");
	check_label(l, "testU1", 1000, 2000, 0, "none", "cpu");
	assert_int_equal(labels_lookup(l, "testU1", T0, T0 + 1000 * MS, &wl), 1);
	assert_ptr_equal(wl.iv, &l->iv[0]);
	assert_int_equal(wl.iv->culprits.n, 2);

	/* At least half covered: exactly half counts, less does not. */
	check_label(l, "testU1", -500, 500, 1, "cpu", "cpu");
	check_label(l, "testU1", -400, 600, 1, "cpu", "cpu");
	check_unlabeled(l, "testU1", -600, 400);
	check_label(l, "testU1", 1500, 2500, 0, "none", "cpu");
	check_unlabeled(l, "testU1", 1501, 2501);
	check_unlabeled(l, "testU1", 2000, 3000);
	check_unlabeled(l, "testU1", -1000, 0);
	/* Split half and half between two intervals: the earlier wins. */
	check_label(l, "testU1", 500, 1500, 1, "cpu", "cpu");
	check_label(l, "testU1", 501, 1501, 0, "none", "cpu");

	/* Interval workload first, then the VM's. */
	check_label(l, "testU3", 0, 500, 1, "disk", "idle");
	check_label(l, "testU3", 0, 1000, 0, "none", "disk");
	check_label(l, "testU3", 350, 500, 0, "none", "disk");
	check_label(l, "testU3", 300, 500, 1, "disk", "idle");
	check_label(l, "testU3", 0, 100, 1, "disk", "idle");
	/* No workload anywhere: LABEL_ABSENT. */
	check_label(l, "testU2", 0, 1000, 1, "net", NULL);
	check_label(l, "testU2", 400, 1400, 0, "none", NULL);
	check_unlabeled(l, "testU2", 600, 1600);

	/* Unknown VMs, names that only share a prefix, empty windows. */
	check_unlabeled(l, "testU", 0, 1000);
	check_unlabeled(l, "testU0", 0, 1000);
	check_unlabeled(l, "testU4", 0, 1000);
	check_unlabeled(l, "", 0, 1000);
	check_unlabeled(l, "testU1", 100, 100);
	check_unlabeled(l, "testU1", 200, 100);
}

struct bad_case {
	const char *file;
	const char *message; /* expected cause after "'<path>': " */
};

static const struct bad_case bad_cases[] = {
	{ "labels-missing-end.json", "intervals[1]: missing key 'end_ns'" },
	{ "labels-missing-intervals.json", "missing key 'intervals'" },
	{ "labels-missing-vm-name.json", "vms[1]: missing key 'name'" },
	{ "labels-bad-schema.json", "key 'schema' is 'vmint.vms/1', expected 'vmint.labels/1'" },
	{ "labels-bad-workload.json",
	  "vms[0]: key 'workload' is 'gpu', expected one of idle, cpu, disk, net" },
	{ "labels-bad-iv-workload.json",
	  "intervals[0]: key 'workload' is 'CPU', expected one of idle, cpu, disk, net" },
	{ "labels-bad-resource.json",
	  "intervals[0]: key 'resource' is 'memory', expected one of cpu, disk, net" },
	{ "labels-missing-resource.json", "intervals[0]: missing key 'resource'" },
	{ "labels-start-after-end.json",
	  "intervals[0]: key 'end_ns' (20) must be after 'start_ns' (20)" },
	{ "labels-negative-start.json", "intervals[0]: key 'start_ns' is negative" },
	{ "labels-unknown-vm.json", "intervals[0]: key 'vm': 'b' is not a VM listed in 'vms'" },
	{ "labels-bad-culprit.json",
	  "intervals[0]: key 'culprits': item 1 must be the name of a VM listed in 'vms', or \"host\"" },
	{ "labels-interference-int.json", "intervals[0]: key 'interference' must be true or false" },
	{ "labels-start-string.json", "intervals[0]: key 'start_ns' must be an integer" },
	{ "labels-overlap.json", "intervals of VM 'a' overlap: [0, 101) and [100, 200)" },
	{ "labels-dup-vm.json", "vms[1]: VM 'a' is listed twice" },
	{ "labels-zero-window.json", "key 'window_ns' must be positive" },
	{ "labels-not-json.json", "line 3, column 39: not valid JSON: '}' expected near '\"start_ns\"'" },
	{ "vms-valid.json", "key 'schema' is 'vmint.vms/1', expected 'vmint.labels/1'" },
	{ "vms-array.json", "not a JSON object" },
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct labels l;
		char path[256], expected[512];
		char *got;

		snprintf(path, sizeof(path), DATA "%s", bad_cases[i].file);
		memset(&l, 0xa5, sizeof(l));
		assert_int_equal(labels_load(path, &l), -1);
		assert_null(l.vms);
		assert_null(l.iv);
		assert_int_equal(l.nvms + l.niv, 0);
		snprintf(expected, sizeof(expected), "vmint: error: '%s': %s\n",
			 path, bad_cases[i].message);
		got = take_errors();
		assert_string_equal(got, expected);
		free(got);
	}
}

static void test_missing_file(void **state)
{
	struct labels l;
	char *got;

	(void)state;
	assert_int_equal(labels_load(DATA "no-such-labels.json", &l), -1);
	got = take_errors();
	assert_string_equal(got, "vmint: error: cannot open '" DATA
			    "no-such-labels.json': No such file or directory\n");
	free(got);
}

#define BIG_VMS 10
#define BIG_IVS 10000 /* per VM, 1 s each */
#define BIG_LOOKUPS 100000

/* Interval k of VM v: interfered when (k + v) % 3 == 0, on resource k % 3. */
static void write_big_file(const char *path)
{
	static const char *const res[] = { "cpu", "disk", "net" };
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "{\"schema\":\"vmint.labels/1\",\"window_ns\":1000000000,\"vms\":[");
	for (int v = 0; v < BIG_VMS; v++)
		fprintf(fp, "%s{\"name\":\"vm%d\",\"pid\":%d}", v ? "," : "", v, 100 + v);
	fprintf(fp, "],\"intervals\":[");
	/* Written newest first, so that loading must sort. */
	for (int k = BIG_IVS - 1; k >= 0; k--) {
		for (int v = 0; v < BIG_VMS; v++) {
			int hit = (k + v) % 3 == 0;

			fprintf(fp, "%s{\"vm\":\"vm%d\",\"start_ns\":%llu,\"end_ns\":%llu,"
				"\"interference\":%s%s%s%s}",
				k == BIG_IVS - 1 && v == 0 ? "" : ",", v,
				T0 + k * 1000 * MS, T0 + (k + 1) * 1000 * MS,
				hit ? "true" : "false", hit ? ",\"resource\":\"" : "",
				hit ? res[k % 3] : "", hit ? "\"" : "");
		}
	}
	fprintf(fp, "]}\n");
	assert_int_equal(fclose(fp), 0);
}

static void test_many_lookups(void **state)
{
	static const char *const res[] = { "cpu", "disk", "net" };
	char path[] = "/tmp/vmint-test-labels-XXXXXX";
	struct labels l;
	int fd = mkstemp(path);
	unsigned int seed = 42;
	size_t labeled = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_big_file(path);
	assert_int_equal(labels_load(path, &l), 0);
	unlink(path);
	assert_int_equal(l.niv, BIG_VMS * BIG_IVS);

	for (int i = 0; i < BIG_LOOKUPS; i++) {
		struct window_label wl;
		char name[8];
		int v = rand_r(&seed) % BIG_VMS;
		/* Windows of 1 s shifted by up to 1 s: the label is that of
		 * interval k, or k + 1 when the shift passes half a second;
		 * windows past the end are unlabeled. */
		uint64_t k = (uint64_t)(rand_r(&seed) % (BIG_IVS + 2));
		uint64_t shift = (uint64_t)(rand_r(&seed) % 1000) * MS;
		uint64_t start = T0 + k * 1000 * MS + shift;
		uint64_t want = shift > 500 * MS ? k + 1 : k;

		snprintf(name, sizeof(name), "vm%d", v);
		if (want >= BIG_IVS) {
			assert_int_equal(labels_lookup(&l, name, start, start + 1000 * MS, &wl), 0);
			continue;
		}
		assert_int_equal(labels_lookup(&l, name, start, start + 1000 * MS, &wl), 1);
		labeled++;
		assert_string_equal(wl.iv->vm, name);
		assert_int_equal(wl.iv->start_ns, T0 + want * 1000 * MS);
		assert_int_equal(wl.interference, (want + v) % 3 == 0);
		assert_string_equal(resource_name(wl.resource),
				    wl.interference ? res[want % 3] : "none");
	}
	/* The speed of the lookups is measured by `make bench` (bench-labels). */
	assert_true(labeled > BIG_LOOKUPS * 9 / 10);
	labels_fini(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_valid, setup_valid, teardown_valid),
		cmocka_unit_test_setup_teardown(test_lookup, setup_valid, teardown_valid),
		cmocka_unit_test(test_load_minimal),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_many_lookups),
	};

	return cmocka_run_group_tests_name("labels", tests, NULL, NULL);
}
