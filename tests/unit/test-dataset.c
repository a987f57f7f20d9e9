/* SPDX-License-Identifier: MIT */
/* Unit tests of model/dataset.c: reading the extractor's CSV, and the
 * "file:line: what" refusal of bad lines. Run from the repository root. */
#include "common/err.h"
#include "model/dataset.h"
#include "tests/unit/unit-util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define DATA "tests/data/model/"
#define HEADER "vm,pid,start_ns,end_ns,f1,f2,label_interference,label_resource,label_workload\n"

/* Writes `text` to a temporary file; returns its path (static buffer). */
static const char *tmp_csv(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/vmint-test-ds-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_fixture(void **state)
{
	struct dataset ds;
	size_t unlabeled = 0, interfered = 0;

	(void)state;
	dataset_init(&ds);
	assert_int_equal(dataset_read_csv(&ds, DATA "train-a.csv"), 0);
	assert_int_equal(ds.nfeat, 7);
	assert_string_equal(ds.names[0], "cpu_run_ratio");
	assert_string_equal(ds.names[6], "net_wait_ratio");
	assert_int_equal(ds.nrows, 60);
	assert_int_equal(ds.ngroups, 1);
	assert_true(ds.has_labels);
	/* first data line of the fixture */
	assert_string_equal(ds.meta[0].vm, "vm-idle");
	assert_int_equal(ds.meta[0].pid, 1000);
	assert_true(ds.meta[0].start_ns == 1700001000000000000ULL);
	assert_true(ds.meta[0].end_ns == 1700001001000000000ULL);
	assert_true(dataset_row(&ds, 0)[0] == 0.0172093);
	assert_true(dataset_row(&ds, 0)[2] == 171.555);
	for (size_t i = 0; i < ds.nrows; i++) {
		unlabeled += ds.labels[i].interference == DS_UNLABELED;
		interfered += ds.labels[i].interference == 1;
		assert_int_equal(ds.meta[i].group, 0);
	}
	/* generator: 2 unlabeled windows x 4 VMs; 3 busy VMs interfered in
	 * windows 1, 4, 7, 10, 13, window 1 being unlabeled */
	assert_int_equal(unlabeled, 8);
	assert_int_equal(interfered, 12);

	/* A second input with the same names is a second group. */
	assert_int_equal(dataset_read_csv(&ds, DATA "train-b.csv"), 0);
	assert_int_equal(ds.ngroups, 2);
	assert_int_equal(ds.nrows, 120);
	assert_int_equal(ds.meta[119].group, 1);
	assert_string_equal(ds.groups[1], DATA "train-b.csv");
	dataset_fini(&ds);
}

static void test_labels(void **state)
{
	struct dataset ds;
	const char *p = tmp_csv(HEADER
				"a,1,0,10,1.5,2,1,disk,disk\n"
				"a,1,10,20,1e3,-2,0,none,idle\n"
				"b,2,10,20,0,0,0,,cpu\n"
				"b,2,20,30,0,0,,,\n"
				"\n"
				"b,2,30,40,0,0,true,net,net\r\n");

	(void)state;
	dataset_init(&ds);
	assert_int_equal(dataset_read_csv(&ds, p), 0);
	unlink(p);
	assert_int_equal(ds.nrows, 5);
	assert_int_equal(ds.labels[0].interference, 1);
	assert_int_equal(ds.labels[0].resource, RES_DISK);
	assert_int_equal(ds.labels[0].workload, WL_DISK);
	assert_true(dataset_row(&ds, 1)[0] == 1000);
	assert_true(dataset_row(&ds, 1)[1] == -2);
	assert_int_equal(ds.labels[1].resource, RES_NONE);
	assert_int_equal(ds.labels[2].resource, DS_UNLABELED);
	assert_int_equal(ds.labels[2].workload, WL_CPU);
	assert_int_equal(ds.labels[3].interference, DS_UNLABELED);
	assert_int_equal(ds.labels[3].workload, DS_UNLABELED);
	assert_int_equal(ds.labels[4].resource, RES_NET);
	dataset_fini(&ds);
}

/* A process tenant's absent (guest) features are empty cells: zero. */
static void test_absent_cells(void **state)
{
	struct dataset ds;
	const char *p = tmp_csv(HEADER "victim,9,0,10,,0.5,1,cpu,cpu\n");

	(void)state;
	dataset_init(&ds);
	assert_int_equal(dataset_read_csv(&ds, p), 0);
	unlink(p);
	assert_int_equal(ds.nrows, 1);
	assert_true(dataset_row(&ds, 0)[0] == 0.0);
	assert_true(dataset_row(&ds, 0)[1] == 0.5);
	dataset_fini(&ds);
}

static void expect_error(const char *text, const char *msg)
{
	struct dataset ds;
	const char *p = tmp_csv(text);
	char want[256];

	dataset_init(&ds);
	assert_int_equal(dataset_read_csv(&ds, p), -1);
	snprintf(want, sizeof(want), "'%s'%s", p, msg);
	assert_errors_contain(want);
	unlink(p);
	dataset_fini(&ds);
}

static void test_bad_lines(void **state)
{
	(void)state;
	expect_error("", ": empty file");
	expect_error("vm,pid,start,end_ns,f1\n", ":1: column 3 of the header is 'start'");
	expect_error("vm,pid,start_ns,end_ns\n", ":1: no feature columns");
	expect_error("vm,pid,start_ns,end_ns,f1,label_resource\n", ":1: label columns must be the last three");
	expect_error(HEADER "a,1,0,10,1,2,0,none\n", ":2: 8 fields, expected 9");
	expect_error(HEADER "a,1,0,10,1,x,0,none,idle\n", ":2: f2 is 'x', expected a finite number");
	expect_error(HEADER "a,1,0,10,nan,1,0,none,idle\n", ":2: f1 is 'nan'");
	expect_error(HEADER "a,1,0,10,1, ,0,none,idle\n", ":2: f2 is ' '"); /* empty: absent, test_absent_cells */
	expect_error(HEADER "a,1,0,10,1,1e999,0,none,idle\n", ":2: f2 is '1e999'");
	expect_error(HEADER "a,x,0,10,1,1,0,none,idle\n", ":2: pid 'x' is not an integer");
	expect_error(HEADER "a,1,20,10,1,1,0,none,idle\n", ":2: bad window '20'..'10'");
	expect_error(HEADER "a,1,-5,10,1,1,0,none,idle\n", ":2: bad window");
	expect_error(HEADER "a,1,0,10,1,1,2,none,idle\n", ":2: label_interference is '2'");
	expect_error(HEADER "a,1,0,10,1,1,1,gpu,idle\n", ":2: label_resource is 'gpu'");
	expect_error(HEADER "a,1,0,10,1,1,1,none,idle\n", ":2: window is interfered but label_resource is 'none'");
	expect_error(HEADER "a,1,0,10,1,1,0,none,busy\n", ":2: label_workload is 'busy'");
	expect_error(HEADER "\n\na,1,0,10,1,1,0,none,idle\n\"b\",1,0,10,1,1,0,none,idle\n",
		     ":5: empty or quoted vm name");
}

static void test_names_must_agree(void **state)
{
	struct dataset ds;
	char *got;
	const char *p;

	(void)state;
	dataset_init(&ds);
	assert_int_equal(dataset_read_csv(&ds, DATA "train-a.csv"), 0);
	p = tmp_csv("vm,pid,start_ns,end_ns,cpu_run_ratio,cpu_wait_ratio,exits,x,y,z,w\n");
	assert_int_equal(dataset_read_csv(&ds, p), -1);
	got = take_errors();
	assert_non_null(strstr(got, "feature 3 is 'exits', expected 'exits_per_s'"));
	free(got);
	unlink(p);
	assert_int_equal(dataset_read_csv(&ds, "tests/data/model/no-such.csv"), -1);
	got = take_errors();
	assert_non_null(strstr(got, "cannot open 'tests/data/model/no-such.csv': No such file"));
	free(got);
	dataset_fini(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_absent_cells),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_names_must_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
