/* SPDX-License-Identifier: MIT */
/* Reliability regressions of the analysis (extract/analysis.c) found by
 * fuzzing and odd traces: a corrupt timestamp jump is refused at once
 * instead of closing billions of empty windows; a legal gap still gives
 * one row per window; discarded events land in the windows of their
 * range. Run from the repository root. */
#include "common/err.h"
#include "common/vms.h"
#include "extract/analysis.h"
#include "extract/features.h"
#include "tests/unit/unit-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include <cmocka.h>

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC) /* aligned to 1 s */

struct fixture {
	struct analysis *a;
	struct vms_file vms;
	struct vm_entry entry;
	size_t rows;
	uint64_t lost[8];       /* lost_events of the rows of windows 0..7 */
	uint64_t first_start, last_start;
};

static int on_row(void *ctx, const struct window_row *row)
{
	struct fixture *fx = ctx;
	uint64_t w = (row->start_ns - T0) / SEC;

	if (!fx->rows++)
		fx->first_start = row->start_ns;
	fx->last_start = row->start_ns;
	/* lost_events_per_s times the covered seconds: the window's count */
	if (w < 8)
		fx->lost[w] = (uint64_t)llround(row->features[features_index("lost_events_per_s")] *
						(double)row->covered_ns / 1e9);
	return 0;
}

/* VM A (QEMU pid 100) whose vCPU thread 101 runs on CPU 0 from T0. */
static struct fixture *setup_running_vm(void)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct analysis_config cfg = { .window_ns = SEC, .on_row = on_row };
	struct ev ev = { .kind = EV_STATEDUMP_PROCESS, .ts = T0, .cpu = 0 };

	assert_non_null(fx);
	fx->entry = (struct vm_entry){ .pid = 100, .name = "A" };
	fx->vms.vms = &fx->entry;
	fx->vms.n = 1;
	cfg.ctx = fx;
	cfg.vms = &fx->vms;
	fx->a = analysis_create(&cfg);
	assert_non_null(fx->a);
	ev.u.statedump.tid = 101;
	ev.u.statedump.pid = 100;
	ev.u.statedump.name = "CPU 0/KVM";
	assert_int_equal(analysis_on_event(fx->a, &ev), 0);
	ev = (struct ev){ .kind = EV_SCHED_SWITCH, .ts = T0 + 1 * MS, .cpu = 0 };
	ev.u.sched_switch.prev_tid = 0;
	ev.u.sched_switch.next_tid = 101;
	assert_int_equal(analysis_on_event(fx->a, &ev), 0);
	ev = (struct ev){ .kind = EV_KVM_ENTRY, .ts = T0 + 2 * MS, .cpu = 0 };
	assert_int_equal(analysis_on_event(fx->a, &ev), 0);
	return fx;
}

static void kvm_exit_at(struct fixture *fx, uint64_t ts, int want)
{
	struct ev ev = { .kind = EV_KVM_EXIT, .ts = ts, .cpu = 0 };

	ev.u.kvm_exit.exit_reason = 1;
	ev.u.kvm_exit.isa = 1;
	ev.u.kvm_exit.vcpu_id = EV_ABSENT;
	assert_int_equal(analysis_on_event(fx->a, &ev), want);
}

static void teardown(struct fixture *fx)
{
	analysis_destroy(fx->a);
	free(fx);
	err_clear();
}

/* fuzz-trace-stream: one flipped timestamp bit put an event 5.6e9 s after
 * the previous one; the analysis closed window after window for hours. */
static void test_time_jump_refused(void **state)
{
	struct fixture *fx = setup_running_vm();
	clock_t c0 = clock();
	char *msg;

	(void)state;
	kvm_exit_at(fx, 7362224096124928000ull, -1);
	assert_true(clock() - c0 < CLOCKS_PER_SEC); /* at once */
	assert_true(fx->rows == 0);
	msg = take_errors();
	assert_non_null(strstr(msg, "corrupt timestamps"));
	assert_non_null(strstr(msg, "7362224096124928000"));
	free(msg);
	teardown(fx);
}

/* A session paused for 1000 s is legal: one row per window of the gap. */
static void test_gap_within_limit(void **state)
{
	struct fixture *fx = setup_running_vm();

	(void)state;
	kvm_exit_at(fx, T0 + 1000 * SEC + 5 * MS, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + 1000 * SEC + 5 * MS), 0);
	assert_int_equal(fx->rows, 1001);
	assert_int_equal(fx->first_start, T0);
	assert_int_equal(fx->last_start, T0 + 1000 * SEC);
	teardown(fx);
}

/* Records reported while window 0 is open: 2 lost in [0.1, 0.2] s, 3 in
 * [0.7, 2.5] s. Window 0 gets the 2 and max(1, 3 * 0.3/1.8) = 1; window 1
 * gets 2 * 1.0/1.5 -> 1; window 2 the last one. */
static void test_lost_events_by_range(void **state)
{
	struct fixture *fx = setup_running_vm();

	(void)state;
	analysis_on_discarded(fx->a, 0, T0 + 100 * MS, T0 + 200 * MS, 2);
	analysis_on_discarded(fx->a, 0, T0 + 700 * MS, T0 + 2500 * MS, 3);
	kvm_exit_at(fx, T0 + 3 * SEC + 5 * MS, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + 3 * SEC + 5 * MS), 0);
	assert_int_equal(fx->rows, 4);
	assert_int_equal(fx->lost[0], 3);
	assert_int_equal(fx->lost[1], 1);
	assert_int_equal(fx->lost[2], 1);
	assert_int_equal(fx->lost[3], 0);
	assert_int_equal(fx->a->lost_events, 5);
	teardown(fx);
}

/* More records than slots: nothing is lost from the total. */
static void test_lost_events_overflow(void **state)
{
	struct fixture *fx = setup_running_vm();
	uint64_t sum = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		analysis_on_discarded(fx->a, i % 4, T0 + (uint64_t)i * 30 * MS,
				      T0 + (uint64_t)i * 30 * MS + 10 * MS, 1);
	kvm_exit_at(fx, T0 + 4 * SEC + 5 * MS, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + 4 * SEC + 5 * MS), 0);
	for (int w = 0; w < 8; w++)
		sum += fx->lost[w];
	assert_int_equal(sum, 100);
	assert_true(fx->lost[0] >= 1 && fx->lost[1] >= 1 && fx->lost[2] >= 1);
	teardown(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_jump_refused),
		cmocka_unit_test(test_gap_within_limit),
		cmocka_unit_test(test_lost_events_by_range),
		cmocka_unit_test(test_lost_events_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
