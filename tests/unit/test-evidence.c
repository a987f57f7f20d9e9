/* SPDX-License-Identifier: MIT */
/* detect/evidence.c: the labeling rule on the measured shares, and the
 * guard on the classifier's alarms (in distribution, P >= 0.8, half the
 * rule's thresholds measured on the resource it names). */
#include "detect/evidence.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define W 1000000000ull

static void rule_on_the_measurement(void **state)
{
	double share[RES__COUNT] = { 0, 0.12, 0.30, 0.05 };
	double delay[RES__COUNT] = { 0, 20e6, 5e6, 50e6 };

	(void)state;
	/* disk has the largest share but only 5 ms of delay: cpu */
	assert_int_equal(evidence_measured(share, delay, W), RES_CPU);
	delay[RES_DISK] = 10e6;
	assert_int_equal(evidence_measured(share, delay, W), RES_DISK);
	share[RES_CPU] = share[RES_DISK] = 0.09;
	assert_int_equal(evidence_measured(share, delay, W), RES_NONE);
}

/* A confident, in-distribution vote for disk, with `share` and `delay`
 * measured on disk. */
static enum resource alarm(double p, int in_dist, double share, double delay)
{
	struct classification cl;
	double s[RES__COUNT] = { 0 }, d[RES__COUNT] = { 0 };

	memset(&cl, 0, sizeof(cl));
	cl.interference = p >= 0.5;
	cl.p_interference = p;
	cl.in_distribution = in_dist;
	cl.resource = RES_DISK;
	s[RES_DISK] = share;
	d[RES_DISK] = delay;
	s[RES_CPU] = 0.5; /* a large share elsewhere does not count */
	d[RES_CPU] = 0.2e9;
	return evidence_model_alarm(&cl, s, d, W);
}

static void model_alarm_needs_trust_and_a_measurement(void **state)
{
	(void)state;
	/* the gate is the labeling rule's own thresholds (MODEL_ONLY_SHARE_FACTOR
	 * 1): a share of 0.10 adding up to 10 ms of the 1 s window */
	assert_int_equal(alarm(0.95, 1, 0.12, 12e6), RES_DISK);
	assert_int_equal(alarm(0.95, 0, 0.12, 12e6), RES_NONE); /* out of distribution */
	assert_int_equal(alarm(0.75, 1, 0.12, 12e6), RES_NONE); /* not sure enough */
	assert_int_equal(alarm(0.95, 1, 0.06, 12e6), RES_NONE); /* share < 0.10 */
	assert_int_equal(alarm(0.95, 1, 0.12, 8e6), RES_NONE);  /* delay < 10 ms */
	assert_int_equal(alarm(0.99, 1, 0, 0), RES_NONE);      /* nothing measured */
	assert_int_equal(alarm(0.3, 1, 0.5, 0.3e9), RES_NONE); /* the model said no */
}

/* Without a resource classifier, the resource is the largest share. */
static void model_alarm_without_resource_model(void **state)
{
	struct classification cl;
	double s[RES__COUNT] = { 0, 0.02, 0.14, 0.01 };
	double d[RES__COUNT] = { 0, 2e6, 16e6, 1e6 };

	(void)state;
	memset(&cl, 0, sizeof(cl));
	cl.interference = 1;
	cl.p_interference = 0.9;
	cl.in_distribution = 1;
	cl.resource = RES_NONE;
	assert_int_equal(evidence_model_alarm(&cl, s, d, W), RES_DISK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rule_on_the_measurement),
		cmocka_unit_test(model_alarm_needs_trust_and_a_measurement),
		cmocka_unit_test(model_alarm_without_resource_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
