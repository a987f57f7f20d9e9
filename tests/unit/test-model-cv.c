/* SPDX-License-Identifier: MIT */
/* Unit tests of model/svm-util.c: fold assignment, cross-validation
 * grouped by input (no group on both sides of a fold), class weights,
 * and the grid search on separable data. */
#include "common/err.h"
#include "model/dataset.h"
#include "model/svm-util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

static void test_assign_folds(void **state)
{
	/* group sizes 5, 1, 3, 3, 2, 4 */
	const int group[] = { 0, 0, 0, 0, 0, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 5 };
	int fold[6], rows[3] = { 0 }, n;

	(void)state;
	n = svmu_assign_folds(group, 18, 6, 3, fold);
	assert_int_equal(n, 3);
	for (int g = 0; g < 6; g++) {
		assert_true(fold[g] >= 0 && fold[g] < 3);
	}
	for (int i = 0; i < 18; i++)
		rows[fold[group[i]]]++;
	/* 18 rows in 3 folds, greedy largest-first: 6 each */
	assert_int_equal(rows[0], 6);
	assert_int_equal(rows[1], 6);
	assert_int_equal(rows[2], 6);
	/* Fewer groups than k: one fold per group (the first 6 rows are groups 0, 1). */
	assert_int_equal(svmu_assign_folds(group, 6, 2, 5, fold), 2);
	assert_true(fold[0] != fold[1]);
}

/* Six inputs, each its own cluster and its own class: a model can only
 * predict a row's class if rows of its input were in training. */
static void build_group_classes(struct dataset *ds, struct svm_set *set,
				struct scaler *sc, int nclass_per_group)
{
	const char *names[] = { "a", "b" };
	size_t rows[60];
	int target[60];
	char vm[] = "vm";

	dataset_init(ds);
	assert_int_equal(dataset_set_names(ds, names, 2, "test"), 0);
	for (int g = 0; g < 6; g++) {
		char gname[32];

		snprintf(gname, sizeof(gname), "input-%d", g);
		assert_int_equal(dataset_add_group(ds, gname), g);
		for (int i = 0; i < 10; i++) {
			struct ds_row_meta meta = { .vm = vm, .start_ns = i, .end_ns = i + 1, .group = g };
			struct ds_labels lab = { 0, 0, 0 };
			double x[2] = { g * 10.0 + 0.01 * i, -g * 10.0 };

			assert_int_equal(dataset_append(ds, &meta, x, &lab), 0);
			rows[g * 10 + i] = g * 10 + i;
			target[g * 10 + i] = nclass_per_group ? g : g % 2;
		}
	}
	assert_int_equal(scaler_init(sc, 2), 0); /* identity */
	assert_int_equal(svm_set_build(set, ds, sc, rows, target, 60,
				       nclass_per_group ? 6 : 2), 0);
}

static void test_no_group_on_both_sides(void **state)
{
	struct dataset ds;
	struct svm_set set;
	struct scaler sc;
	struct svm_parameter p;
	int fold[6], labels[8];
	double pred[60];
	int nfolds;

	(void)state;
	svmu_set_verbose(0);
	build_group_classes(&ds, &set, &sc, 1);
	assert_int_equal(set.ngroups, 6);
	nfolds = svmu_assign_folds(set.group, 60, 6, 3, fold);
	assert_int_equal(nfolds, 3);
	svmu_param_init(&p, 8, 1, NULL, 6, labels, 0);
	assert_null(svm_check_parameter(&set.prob, &p));
	assert_int_equal(svmu_grouped_cv(&set, &p, fold, nfolds, pred), 0);
	for (int i = 0; i < 60; i++) {
		/* its class was never in training: never predicted */
		assert_true(pred[i] >= 0 && pred[i] < 6);
		assert_true(pred[i] != set.prob.y[i]);
	}
	svm_set_fini(&set);
	scaler_fini(&sc);
	dataset_fini(&ds);
}

static void test_weights(void **state)
{
	struct dataset ds;
	struct svm_set set;
	struct scaler sc;
	double w[6];

	(void)state;
	build_group_classes(&ds, &set, &sc, 0);
	/* classes 0/1, 30 rows each: weight 1 */
	assert_int_equal(svmu_class_weights(&set, w), 2);
	assert_true(fabs(w[0] - 1) < 1e-12 && fabs(w[1] - 1) < 1e-12);
	set.prob.l = 40; /* first 4 groups: 20 of each still */
	assert_int_equal(svmu_class_weights(&set, w), 2);
	set.prob.l = 30; /* groups 0,1,2: 20 of class 0, 10 of class 1 */
	svmu_class_weights(&set, w);
	assert_true(fabs(w[0] - 30.0 / (2 * 20)) < 1e-12);
	assert_true(fabs(w[1] - 30.0 / (2 * 10)) < 1e-12);
	set.prob.l = 60;
	svm_set_fini(&set);
	scaler_fini(&sc);
	dataset_fini(&ds);
}

static void test_grid_search_separable(void **state)
{
	struct dataset ds;
	struct svm_set set;
	struct scaler sc;
	struct grid_result best;
	struct grid_options o = {
		.c = { -1, 3, 2 }, .gamma = { -3, 1, 2 },
		.folds = 3, .jobs = 2, .positive = 1,
	};
	struct svm_model *m;

	(void)state;
	/* class = g % 2, and feature b's sign says it: separable across groups
	 * (feature a, the cluster, made small so held-out groups stay near) */
	build_group_classes(&ds, &set, &sc, 0);
	for (int i = 0; i < 60; i++) {
		set.prob.x[i][0].value = 0.01 * (i % 10);
		set.prob.x[i][1].value = set.prob.y[i] ? 1 : -1;
	}
	assert_int_equal(svmu_grid_search(&set, &o, &best), 0);
	assert_int_equal(best.points, 9);
	assert_int_equal(best.nfolds, 3);
	assert_true(best.score == 1.0);
	/* Every point is perfect here: nearest libsvm's defaults (C 1, gamma
	 * 1/2); 2^-1 and 2^1 are equally near 1, grid order decides. */
	assert_true(best.flat);
	assert_true(best.C == 0.5);
	assert_true(best.gamma == 0.5);
	assert_int_equal(confusion_total(&best.conf), 60);
	m = svmu_train(&set, best.C, best.gamma);
	assert_non_null(m);
	assert_true(svm_check_probability_model(m));
	svm_free_and_destroy_model(&m);

	/* A bad range is refused with a cause. */
	o.c.step = 0;
	assert_int_equal(svmu_grid_search(&set, &o, &best), -1);
	assert_true(err_count() > 0);
	err_clear();
	svm_set_fini(&set);
	scaler_fini(&sc);
	dataset_fini(&ds);
}

/* Each class in one group only: every grid point scores 0, and the
 * choice falls back to the point nearest libsvm's defaults. */
static void test_grid_search_flat(void **state)
{
	struct dataset ds;
	struct svm_set set;
	struct scaler sc;
	struct grid_result best;
	struct grid_options o = {
		.c = { -1, 3, 2 }, .gamma = { -3, 1, 2 },
		.folds = 3, .jobs = 2, .positive = -1,
	};

	(void)state;
	build_group_classes(&ds, &set, &sc, 1);
	assert_int_equal(svmu_grid_search(&set, &o, &best), 0);
	assert_true(best.flat);
	assert_true(best.score == 0.0);
	assert_true(best.C == 0.5);     /* 2^-1 and 2^1 equally near 1: grid order */
	assert_true(best.gamma == 0.5); /* 1 / 2 features */
	svm_set_fini(&set);
	scaler_fini(&sc);
	dataset_fini(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assign_folds),
		cmocka_unit_test(test_no_group_on_both_sides),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_grid_search_separable),
		cmocka_unit_test(test_grid_search_flat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
