/* SPDX-License-Identifier: MIT */
/* The simulator's perf layout: the kernel's rwbs letters, the thread
 * current on each CPU and its process (perf_tid, perf_pid) followed from
 * the records, the fork in its parent, group_dead, and the values in the
 * order of perf's fields. */
#include "datasets/sim-perf.h"
#include "tests/unit/unit-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static void test_rwbs_letters(void **state)
{
	char out[16];

	(void)state;
	simperf_rwbs_letters(1 | 32, out);          /* WRITE | SYNC */
	assert_string_equal(out, "WS");
	simperf_rwbs_letters(4, out);               /* READ */
	assert_string_equal(out, "R");
	simperf_rwbs_letters(4 | 8 | 64, out);      /* READ | RAHEAD | META */
	assert_string_equal(out, "RAM");
	simperf_rwbs_letters(1024 | 1 | 512, out);  /* PREFLUSH | WRITE | FUA */
	assert_string_equal(out, "FWF");
	simperf_rwbs_letters(2 | 128, out);         /* DISCARD | SECURE */
	assert_string_equal(out, "DE");
	simperf_rwbs_letters(256, out);             /* FLUSH */
	assert_string_equal(out, "F");
	simperf_rwbs_letters(0, out);
	assert_string_equal(out, "N");
}

static struct simev_rec rec(int type, int cpu, int64_t v0, int64_t v1, int64_t v2,
			    int64_t v3, int64_t v4)
{
	struct simev_rec r = { .ts = 1, .type = (uint16_t)type, .cpu = (uint16_t)cpu };

	r.v[0] = v0;
	r.v[1] = v1;
	r.v[2] = v2;
	r.v[3] = v3;
	r.v[4] = v4;
	return r;
}

static void test_track(void **state)
{
	struct simperf *p = simperf_create(2, KVER(5, 15));
	struct simev_rec r;

	(void)state;
	assert_non_null(p);
	/* the statedump: threads and their processes, written as nothing */
	r = rec(SIMEV_STATEDUMP_PROCESS, 0, 1200, 1200, 1, 0, 5);
	assert_int_equal(simperf_track(p, &r), 1);
	r = rec(SIMEV_STATEDUMP_START, 0, 0, 0, 0, 0, 0);
	assert_int_equal(simperf_track(p, &r), 1);
	assert_null(simperf_desc(p, SIMEV_STATEDUMP_PROCESS));
	/* idle first; a switch fires in the thread leaving */
	r = rec(SIMEV_SCHED_SWITCH, 1, 0, 20, 0, 1200, 20);
	assert_int_equal(simperf_track(p, &r), 0);
	assert_int_equal(r.ctx_tid, 0);
	assert_int_equal(r.ctx_pid, 0);
	/* libvirtd forks QEMU (3000), whose vCPU thread 3003 follows */
	r = rec(SIMEV_PROCESS_FORK, 0, 1200, 1200, 0, 3000, 3000);
	assert_int_equal(simperf_track(p, &r), 0);
	assert_int_equal(r.ctx_tid, 1200); /* in the parent, not CPU 0's idle */
	assert_int_equal(r.ctx_pid, 1200);
	r = rec(SIMEV_PROCESS_FORK, 1, 3000, 3000, 0, 3003, 3000);
	simperf_track(p, &r);
	r = rec(SIMEV_SCHED_SWITCH, 1, 1200, 20, 1, 3003, 20);
	simperf_track(p, &r);
	assert_int_equal(r.ctx_tid, 1200);
	r = rec(SIMEV_KVM_EXIT, 1, 12, 0xfff0, 1, 0, 0);
	simperf_track(p, &r);
	assert_int_equal(r.ctx_tid, 3003);
	assert_int_equal(r.ctx_pid, 3000);
	/* kvm_entry's rip: where the last exit left the guest */
	r = rec(SIMEV_KVM_ENTRY, 1, 0, 0, 0, 0, 0);
	simperf_track(p, &r);
	assert_int_equal(r.v[1], 0xfff0);
	/* group_dead: the vCPU leaves QEMU's main thread alive */
	r = rec(SIMEV_PROCESS_EXIT, 1, 3003, 20, 0, 0, 0);
	simperf_track(p, &r);
	assert_int_equal(r.v[2], 0);
	r = rec(SIMEV_PROCESS_EXIT, 0, 3000, 20, 0, 0, 0);
	simperf_track(p, &r);
	assert_int_equal(r.v[2], 1);
	simperf_destroy(p);
}

static void test_values(void **state)
{
	struct simperf *p = simperf_create(2, KVER(5, 15));
	const struct simev_desc *d = simperf_desc(p, SIMEV_BLOCK_COMPLETE);
	struct simev_rec r = rec(SIMEV_BLOCK_COMPLETE, 1, 8 << 20, 2048, 8, 0, 1 | 32);
	int64_t v[SIMPERF_MAX_INTS];
	const char *s[SIMPERF_MAX_STRINGS];
	char scratch[16];
	const char *want[] = { "perf_ip", "perf_tid", "perf_pid", "perf_id", "perf_period",
			       "common_type", "common_flags", "common_preempt_count",
			       "common_pid", "dev", "sector", "nr_sector", "error", "ioprio",
			       "rwbs", "cmd", NULL };

	(void)state;
	assert_string_equal(d->name, "block:block_rq_complete");
	for (int i = 0; want[i]; i++)
		assert_string_equal(d->fields[i].name, want[i]);
	assert_int_equal(d->fields[16].type, SIMF_END);
	r.ctx_tid = 3003;
	r.ctx_pid = 3000;
	simperf_values(p, &r, v, s, scratch);
	assert_int_equal(v[1], 3003);
	assert_int_equal(v[2], 3000);
	assert_int_equal(v[4], 1);    /* perf_period */
	assert_int_equal(v[8], 3003); /* common_pid */
	assert_int_equal(v[9], 8 << 20);
	assert_int_equal(v[10], 2048);
	assert_int_equal(v[11], 8);
	assert_string_equal(s[0], "WS");
	assert_string_equal(s[1], "");
	/* net_dev_xmit: the kernel's order (len before rc), LTTng's differs */
	d = simperf_desc(p, SIMEV_NET_XMIT);
	assert_string_equal(d->fields[10].name, "len");
	assert_string_equal(d->fields[11].name, "rc");
	r = rec(SIMEV_NET_XMIT, 0, 0xabc, -5, 1514, 0, 0);
	r.s[0] = "eth0";
	simperf_values(p, &r, v, s, scratch);
	assert_int_equal(v[10], 1514);
	assert_int_equal(v[11], -5);
	assert_string_equal(s[0], "eth0");
	simperf_destroy(p);
	/* before 5.10, kvm_exit has five fields, as in the LTTng layout */
	p = simperf_create(1, KVER(4, 9));
	d = simperf_desc(p, SIMEV_KVM_EXIT);
	assert_string_equal(d->fields[13].name, "info2");
	assert_int_equal(d->fields[14].type, SIMF_END);
	simperf_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rwbs_letters),
		cmocka_unit_test(test_track),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
