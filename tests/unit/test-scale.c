/* SPDX-License-Identifier: MIT */
/* Unit tests of model/scale.c: the fitted values, the log1p rule, the
 * constant-feature case, and applying the scaling. */
#include "common/err.h"
#include "model/scale.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define EPS 1e-12

/* Columns: a ratio (stays linear), a rate (log1p), a constant. */
static const double X[] = {
	0.1, 0, 5,
	0.2, 9, 5,
	0.3, 99, 5,
	0.6, 999, 5,
};
static const size_t ROWS_ALL[] = { 0, 1, 2, 3 };

static void test_fit_values(void **state)
{
	struct scaler sc;
	double sd_ratio, sd_rate;

	(void)state;
	assert_int_equal(scaler_init(&sc, 3), 0);
	assert_int_equal(scaler_fit(&sc, X, 3, ROWS_ALL, 4), 0);

	assert_int_equal(sc.transform[0], SCALE_NONE);
	assert_true(fabs(sc.mean[0] - 0.3) < EPS);
	/* sample sd (n - 1) of 0.1 0.2 0.3 0.6: sqrt(0.14 / 3) */
	sd_ratio = sqrt(0.14 / 3);
	assert_true(fabs(sc.sd[0] - sd_ratio) < 1e-12);

	/* log1p of 0 9 99 999 is ln 1, ln 10, ln 100, ln 1000 */
	assert_int_equal(sc.transform[1], SCALE_LOG1P);
	assert_true(fabs(sc.mean[1] - 1.5 * log(10)) < 1e-12);
	sd_rate = log(10) * sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3);
	assert_true(fabs(sc.sd[1] - sd_rate) < 1e-12);

	/* constant: centred only */
	assert_true(fabs(sc.mean[2] - log1p(5)) < EPS);
	assert_true(sc.sd[2] == 1.0);
	scaler_fini(&sc);
}

static void test_apply(void **state)
{
	struct scaler sc;
	double in[3] = { 0.3, 99, 5 }, out[3];

	(void)state;
	assert_int_equal(scaler_init(&sc, 3), 0);
	assert_int_equal(scaler_fit(&sc, X, 3, ROWS_ALL, 4), 0);
	scaler_apply(&sc, in, out);
	assert_true(fabs(out[0]) < EPS);   /* the mean */
	assert_true(fabs(out[1] - (log(100) - 1.5 * log(10)) / sc.sd[1]) < 1e-12);
	assert_true(fabs(out[2]) < EPS);
	/* A negative value on a log1p feature stays finite (sign-preserving). */
	assert_true(isfinite(scaler_apply1(&sc, 1, -50)));
	assert_true(scaler_apply1(&sc, 1, -50) < scaler_apply1(&sc, 1, 0));
	scaler_fini(&sc);
}

static void test_subset_and_errors(void **state)
{
	struct scaler sc;
	const size_t two[] = { 0, 3 };

	(void)state;
	assert_int_equal(scaler_init(&sc, 3), 0);
	/* Only the listed rows count. */
	assert_int_equal(scaler_fit(&sc, X, 3, two, 2), 0);
	assert_true(fabs(sc.mean[0] - 0.35) < EPS);
	/* One row: no spread, sd 1. */
	assert_int_equal(scaler_fit(&sc, X, 3, two, 1), 0);
	assert_true(sc.sd[0] == 1.0);
	assert_int_equal(scaler_fit(&sc, X, 3, two, 0), -1);
	assert_int_equal(err_count(), 1);
	err_clear();
	scaler_fini(&sc);
	scaler_fini(&sc); /* idempotent */
	assert_int_equal(scale_transform_parse("log1p"), SCALE_LOG1P);
	assert_int_equal(scale_transform_parse("none"), SCALE_NONE);
	assert_int_equal(scale_transform_parse("sqrt"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_values),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_subset_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
