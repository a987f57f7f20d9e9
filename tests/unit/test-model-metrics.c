/* SPDX-License-Identifier: MIT */
/* Unit tests of model/metrics.c: known confusion matrices -> known scores. */
#include "model/metrics.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void add_n(struct confusion *c, int t, int p, int n)
{
	for (int i = 0; i < n; i++)
		confusion_add(c, t, p);
}

static void test_binary(void **state)
{
	struct confusion c;

	(void)state;
	confusion_init(&c, 2);
	add_n(&c, 1, 1, 8);  /* tp */
	add_n(&c, 0, 1, 2);  /* fp */
	add_n(&c, 1, 0, 4);  /* fn */
	add_n(&c, 0, 0, 86); /* tn */
	assert_int_equal(confusion_total(&c), 100);
	assert_true(fabs(metrics_precision(&c, 1) - 0.8) < 1e-12);
	assert_true(fabs(metrics_recall(&c, 1) - 8.0 / 12) < 1e-12);
	/* 2PR/(P+R) = 2 tp / (2 tp + fp + fn) = 16 / 22 */
	assert_true(fabs(metrics_f1(&c, 1) - 16.0 / 22) < 1e-12);
	assert_true(fabs(metrics_accuracy(&c) - 0.94) < 1e-12);
	/* Out-of-range classes are ignored, not counted. */
	confusion_add(&c, 2, 0);
	confusion_add(&c, -1, 0);
	assert_int_equal(confusion_total(&c), 100);
}

static void test_undefined(void **state)
{
	struct confusion c;

	(void)state;
	confusion_init(&c, 2);
	assert_true(isnan(metrics_accuracy(&c)));
	add_n(&c, 0, 0, 5); /* no positive at all */
	assert_true(isnan(metrics_precision(&c, 1)));
	assert_true(isnan(metrics_recall(&c, 1)));
	assert_true(isnan(metrics_f1(&c, 1)));
	assert_true(metrics_accuracy(&c) == 1.0);
	add_n(&c, 1, 0, 1); /* one missed positive: F1 0, precision still undefined */
	assert_true(metrics_f1(&c, 1) == 0.0);
	assert_true(isnan(metrics_precision(&c, 1)));
	assert_true(metrics_recall(&c, 1) == 0.0);
}

static void test_multiclass_and_merge(void **state)
{
	struct confusion a, b;

	(void)state;
	confusion_init(&a, 3);
	add_n(&a, 0, 0, 4);
	add_n(&a, 1, 1, 2);
	add_n(&a, 1, 2, 2);
	/* class 2 never true, predicted twice: F1 0; class 0: 1; class 1: 4/6 */
	assert_true(fabs(metrics_f1(&a, 1) - 4.0 / 6) < 1e-12);
	assert_true(metrics_f1(&a, 2) == 0.0);
	assert_true(fabs(metrics_macro_f1(&a) - (1 + 4.0 / 6 + 0) / 3) < 1e-12);
	assert_true(fabs(metrics_accuracy(&a) - 0.75) < 1e-12);

	confusion_init(&b, 3);
	add_n(&b, 2, 2, 8);
	confusion_merge(&a, &b); /* micro-average: counts add */
	assert_int_equal(confusion_total(&a), 16);
	assert_true(fabs(metrics_accuracy(&a) - 14.0 / 16) < 1e-12);
	assert_true(fabs(metrics_f1(&a, 2) - 16.0 / 18) < 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_multiclass_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
