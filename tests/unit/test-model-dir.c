/* SPDX-License-Identifier: MIT */
/* Unit tests of model/model-dir.c, model-load.c, classify.c: save and load
 * give the same predictions; a feature-name mismatch and corrupt model
 * files are refused with a clear cause. Run from the repository root. */
#include "common/err.h"
#include "model/classify.h"
#include "model/dataset.h"
#include "model/model-dir.h"
#include "tests/unit/unit-util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define DATA "tests/data/model/"

struct fixture {
	struct dataset ds;
	struct model_dir m;
	struct svm_set sets[MODEL_NR_KINDS];
	char dir[64];
};

static void train_kind(struct fixture *f, enum model_kind k)
{
	struct classifier *c = &f->m.cls[k];
	size_t rows[400], n = 0;
	int target[400];

	for (size_t i = 0; i < f->ds.nrows; i++) {
		const struct ds_labels *l = &f->ds.labels[i];
		int t = k == MODEL_INTERFERENCE ? l->interference :
			k == MODEL_WORKLOAD ? l->workload :
			(l->interference == 1 ? l->resource - RES_CPU : -1);

		if (t < 0)
			continue;
		rows[n] = i;
		target[n++] = t;
	}
	/* libsvm labels are compact: the resource model's start at RES_CPU */
	c->nclass = k == MODEL_INTERFERENCE ? 2 : k == MODEL_WORKLOAD ? WL__COUNT :
		    RES__COUNT - RES_CPU;
	for (int i = 0; i < c->nclass; i++)
		c->canon[i] = k == MODEL_RESOURCE ? i + RES_CPU : i;
	assert_int_equal(svm_set_build(&f->sets[k], &f->ds, &f->m.sc, rows, target, n,
				       c->nclass), 0);
	c->C = 2;
	c->gamma = 0.125;
	svmu_class_weights(&f->sets[k], c->weights);
	c->svm = svmu_train(&f->sets[k], c->C, c->gamma);
	assert_non_null(c->svm);
	c->present = 1;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t rows[400];

	svmu_set_verbose(0);
	dataset_init(&f->ds);
	assert_int_equal(dataset_read_csv(&f->ds, DATA "train-a.csv"), 0);
	assert_int_equal(dataset_read_csv(&f->ds, DATA "train-b.csv"), 0);
	f->m.nfeat = f->ds.nfeat;
	f->m.names = calloc(f->ds.nfeat, sizeof(char *));
	for (size_t j = 0; j < f->ds.nfeat; j++)
		f->m.names[j] = strdup(f->ds.names[j]);
	for (size_t i = 0; i < f->ds.nrows; i++)
		rows[i] = i;
	assert_int_equal(scaler_init(&f->m.sc, f->ds.nfeat), 0);
	assert_int_equal(scaler_fit(&f->m.sc, f->ds.x, f->ds.nfeat, rows, f->ds.nrows), 0);
	for (int k = 0; k < MODEL_NR_KINDS; k++)
		train_kind(f, k);
	strcpy(f->dir, "/tmp/vmint-test-md-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	rmdir(f->dir); /* model_dir_save creates it */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	model_dir_fini(&f->m);
	for (int k = 0; k < MODEL_NR_KINDS; k++)
		svm_set_fini(&f->sets[k]);
	dataset_fini(&f->ds);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'.*", f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct model_dir back;
	struct classify_ctx a, b;
	size_t interfered = 0;

	assert_int_equal(model_dir_save(&f->m, f->dir), 0);
	assert_int_equal(model_dir_load(&back, f->dir), 0);
	assert_int_equal(back.nfeat, 7);
	assert_string_equal(back.names[2], "exits_per_s");
	assert_int_equal(back.sc.transform[2], SCALE_LOG1P);
	assert_true(back.sc.mean[2] == f->m.sc.mean[2]); /* exact: 17 digits */
	assert_true(back.sc.sd[0] == f->m.sc.sd[0]);
	assert_int_equal(back.cls[MODEL_RESOURCE].nclass, 3);
	assert_int_equal(back.cls[MODEL_RESOURCE].canon[0], RES_CPU);
	assert_string_equal(model_class_name(&back, MODEL_WORKLOAD, 3), "net");
	assert_true(back.cls[MODEL_WORKLOAD].gamma == 0.125);

	assert_int_equal(classify_init(&a, &f->m), 0);
	assert_int_equal(classify_init(&b, &back), 0);
	for (size_t i = 0; i < f->ds.nrows; i++) {
		struct classification ca, cb;

		classify_row(&a, dataset_row(&f->ds, i), &ca);
		classify_row(&b, dataset_row(&f->ds, i), &cb);
		assert_int_equal(ca.interference, cb.interference);
		assert_int_equal(ca.workload, cb.workload);
		assert_int_equal(ca.resource, cb.resource);
		/* svm_save_model writes support vectors with 8 digits */
		assert_true(fabs(ca.p_interference - cb.p_interference) < 1e-6);
		for (int w = 0; w < WL__COUNT; w++)
			assert_true(fabs(ca.p_workload[w] - cb.p_workload[w]) < 1e-6);
		/* and the model learned the fixture (separable) */
		if (f->ds.labels[i].interference != DS_UNLABELED) {
			assert_int_equal(cb.interference, f->ds.labels[i].interference);
			assert_int_equal(cb.workload, f->ds.labels[i].workload);
		}
		if (f->ds.labels[i].interference == 1) {
			assert_int_equal(cb.resource, f->ds.labels[i].resource);
			assert_true(cb.p_interference > 0.5);
			interfered++;
		}
	}
	assert_int_equal(interfered, 27);
	classify_fini(&a);
	classify_fini(&b);

	/* Saving again replaces the directory; no temporary is left. */
	f->m.cls[MODEL_WORKLOAD].gamma = 0.25;
	assert_int_equal(model_dir_save(&f->m, f->dir), 0);
	model_dir_fini(&back);
	assert_int_equal(model_dir_load(&back, f->dir), 0);
	assert_true(back.cls[MODEL_WORKLOAD].gamma == 0.25);
	model_dir_fini(&back);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "ls -d '%s'.tmp.* 2>/dev/null | grep -q .", f->dir);
		assert_int_not_equal(system(cmd), 0);
	}
}

static void test_name_mismatch(void **state)
{
	struct fixture *f = *state;
	const char *names[7];

	for (int j = 0; j < 7; j++)
		names[j] = f->ds.names[j];
	assert_int_equal(model_dir_check_names(&f->m, names, 7, "'x.csv'", "M"), 0);
	names[4] = "disk_queue_ratio";
	assert_int_equal(model_dir_check_names(&f->m, names, 7, "'x.csv'", "M"), -1);
	assert_errors_contain("'x.csv' does not fit model 'M': feature 5 is 'disk_queue_ratio' in the input but 'disk_wait_ratio' in the model");
	names[4] = f->ds.names[4];
	assert_int_equal(model_dir_check_names(&f->m, names, 6, "'x.csv'", "M"), -1);
	assert_errors_contain("the input has 6 features, the model 7; first missing: 'net_wait_ratio'");
}

/* Saves the model, applies `cmd` (a shell command, %s = the directory) and
 * expects the load to fail with `want` in the causes. At most 4 %s. */
static void corrupt(struct fixture *f, const char *cmd, const char *want)
{
	struct model_dir back;
	char sh[512];

	snprintf(sh, sizeof(sh), "rm -rf '%s'", f->dir);
	assert_int_equal(system(sh), 0);
	assert_int_equal(model_dir_save(&f->m, f->dir), 0);
	snprintf(sh, sizeof(sh), cmd, f->dir, f->dir, f->dir, f->dir);
	assert_int_equal(system(sh), 0);
	assert_int_equal(model_dir_load(&back, f->dir), -1);
	assert_null(back.names);
	assert_errors_contain(want);
}

static void test_corrupt(void **state)
{
	struct fixture *f = *state;

	corrupt(f, "printf '{\"schema\": ' > %s/model.json", "model.json':1: not valid JSON");
	corrupt(f, "rm %s/model.json", "model.json");
	corrupt(f, "sed -i 's/vmint.model\\/1/vmint.model\\/9/' %s/model.json",
		"schema is 'vmint.model/9', expected 'vmint.model/1'");
	corrupt(f, "sed -i '0,/\"mean\"/{/\"mean\"/d}' %s/model.json", "features[0]: missing key 'mean'");
	corrupt(f, "sed -i 's/\"transform\": \"log1p\"/\"transform\": \"sqrt\"/' %s/model.json",
		"unknown transform 'sqrt'");
	corrupt(f, "sed -i 's/\"net\"/\"gpu\"/' %s/model.json", "classes[3] is not a workload class");
	corrupt(f, "sed -i 's/\"file\": \"workload.model\"/\"file\": \"..\\/x\"/' %s/model.json",
		"'file' must be a file name");
	corrupt(f, "echo hello > %s/workload.model", "workload.model': not a libsvm model file");
	corrupt(f, "rm %s/resource.model", "resource.model': No such file");
	corrupt(f, "head -c 900 %s/workload.model > %s/w && mv %s/w %s/workload.model",
		"workload.model': ");
	/* a model file with fewer classes than model.json says */
	corrupt(f, "cp %s/resource.model %s/workload.model",
		"workload.model': 3 classes, but model.json lists 4");
	corrupt(f, "sed -i '/^probA/d; /^probB/d' %s/interference.model",
		"interference.model': no probability estimates");
	corrupt(f, "sed -i 's/ 7:/ 9:/' %s/interference.model",
		"interference.model': feature index 9, but the model has 7 features");
}

static void test_save_refuses(void **state)
{
	struct fixture *f = *state;
	char path[128], cmd[256];
	FILE *fp;

	/* A directory that is not a model directory is not replaced. */
	assert_int_equal(mkdir(f->dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/precious.txt", f->dir);
	fp = fopen(path, "w");
	fputs("keep me\n", fp);
	fclose(fp);
	assert_int_equal(model_dir_save(&f->m, f->dir), -2);
	assert_errors_contain("exists and is not a model directory (no model.json)");
	assert_int_equal(access(path, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "rm -r '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	/* A regular file neither. */
	fp = fopen(f->dir, "w");
	fclose(fp);
	assert_int_equal(model_dir_save(&f->m, f->dir), -2);
	assert_errors_contain("exists and is not a directory");
	unlink(f->dir);
}

/* model.json keeps each feature's training range; a row far beyond it, or
 * far from every support vector, is out of distribution. Models without
 * the range still load (and skip that test). */
static void test_range_and_distribution(void **state)
{
	struct fixture *f = *state;
	struct model_dir back;
	struct classify_ctx cx;
	struct classification c;
	double x[7];
	size_t inside = 0;
	char sh[512];

	assert_int_equal(model_dir_save(&f->m, f->dir), 0);
	assert_int_equal(model_dir_load(&back, f->dir), 0);
	assert_int_equal(back.sc.has_range, 1);
	for (size_t j = 0; j < 7; j++) {
		assert_true(back.sc.lo[j] == f->m.sc.lo[j]);
		assert_true(back.sc.hi[j] == f->m.sc.hi[j]);
	}
	assert_true(back.sc.hi[2] > 1000); /* exits_per_s reaches the thousands */
	assert_int_equal(classify_init(&cx, &back), 0);
	for (size_t i = 0; i < f->ds.nrows; i++) {
		classify_row(&cx, dataset_row(&f->ds, i), &c);
		assert_true(c.out_of_range == 0); /* its own training rows */
		inside += c.in_distribution;
	}
	assert_true(inside >= f->ds.nrows * 9 / 10);
	/* exits_per_s a million times its training maximum */
	memcpy(x, dataset_row(&f->ds, 0), sizeof(x));
	x[2] = back.sc.hi[2] * 1e6;
	classify_row(&cx, x, &c);
	assert_int_equal(c.in_distribution, 0);
	assert_int_equal(c.far_feature, 2);
	assert_true(c.out_of_range > CLASSIFY_MAX_OUT_OF_RANGE);
	assert_true(c.max_kernel < CLASSIFY_MIN_KERNEL);
	classify_fini(&cx);
	model_dir_fini(&back);

	/* an older model.json without min/max: loads, no range test */
	snprintf(sh, sizeof(sh), "sed -i '/\"min\":/d; /\"max\":/d; s/\"sd\": \\([0-9.e+-]*\\),$/\"sd\": \\1/' '%s/model.json'",
		 f->dir);
	assert_int_equal(system(sh), 0);
	assert_int_equal(model_dir_load(&back, f->dir), 0);
	assert_int_equal(back.sc.has_range, 0);
	assert_true(scaler_out_of_range(&back.sc, 2, 1e12) == 0);
	model_dir_fini(&back);
}

/* A feature subset: an unused feature gives no libsvm node, so its value
 * cannot move a prediction; used_features survives a save and load; an
 * unknown name is refused. */
static void test_used_features(void **state)
{
	struct fixture *f = *state;
	static const char *const use[] = { "cpu_run_ratio", "cpu_wait_ratio", "disk_wait_ratio",
					   "net_wait_ratio" };
	struct model_dir back;
	struct classify_ctx cx;
	struct classification a, b;
	struct svm_set set;
	size_t rows[] = { 0, 1 };
	int target[] = { 0, 1 };
	double x[7];

	assert_int_equal(model_dir_use_only(&f->m, use, 4, "test"), 0);
	assert_int_equal(model_dir_nused(&f->m), 4);
	assert_int_equal(model_dir_uses(&f->m, 2), 0); /* exits_per_s */
	assert_int_equal(svm_set_build_used(&set, &f->ds, &f->m.sc, f->m.used, rows,
					    target, 2, 2), 0);
	/* nodes 1, 2, 5, 7 (1-based: the full index space), then the end */
	assert_int_equal(set.prob.x[1][0].index, 1);
	assert_int_equal(set.prob.x[1][2].index, 5);
	assert_int_equal(set.prob.x[1][3].index, 7);
	assert_int_equal(set.prob.x[1][4].index, -1);
	svm_set_fini(&set);

	assert_int_equal(model_dir_save(&f->m, f->dir), 0);
	assert_int_equal(model_dir_load(&back, f->dir), 0);
	assert_int_equal(back.nfeat, 7); /* every name stays, for the extractor check */
	assert_int_equal(model_dir_nused(&back), 4);
	assert_int_equal(model_dir_uses(&back, 4), 1);
	assert_int_equal(model_dir_uses(&back, 5), 0);
	assert_int_equal(classify_init(&cx, &back), 0);
	memcpy(x, dataset_row(&f->ds, 5), sizeof(x));
	classify_row(&cx, x, &a);
	x[2] = 1e9; /* unused: no effect, and not out of range either */
	x[3] = -7;
	classify_row(&cx, x, &b);
	assert_true(a.p_interference == b.p_interference);
	assert_int_equal(a.workload, b.workload);
	assert_true(b.out_of_range == 0);
	classify_fini(&cx);
	model_dir_fini(&back);

	{
		const char *bad[] = { "cpu_run_ratio", "gpu_ratio" };

		assert_int_equal(model_dir_use_only(&f->m, bad, 2, "--features file 'f.txt'"), -1);
		assert_errors_contain("--features file 'f.txt': 'gpu_ratio' is not a feature");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_and_distribution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_used_features, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
