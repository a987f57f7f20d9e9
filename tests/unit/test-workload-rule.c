/* SPDX-License-Identifier: MIT */
/* model/workload-rule.c: each class from capacity-normalized inputs, and
 * the cases where neighbours slow the VM down: a cpu VM kept waiting stays
 * cpu, an idle VM whose ticks wait stays idle, a disk VM on a busy host
 * stays disk. Also the columns it reads from a feature row. */
#include "model/workload-rule.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

/* dwait: the share of vCPU time halted while its requests were in flight,
 * which the rule does not read (idle vCPUs halt then too): given to show
 * that the answers do not depend on it. */
static enum workload rule(double busy, double dwait, double iops, double lat_us,
			  double nwait, double pps, double vhost, int vcpus)
{
	struct wl_inputs in = {
		.busy = busy, .disk_iops = iops,
		.disk_Bps = iops * 4096, .disk_inflight = iops * lat_us * 1e-6,
		.net_wait = nwait, .net_pps = pps, .net_Bps = pps * 800,
		.vhost_cpu = vhost, .vcpus = vcpus,
	};

	(void)dwait;
	return workload_rule_classify(&in);
}

static void each_class(void **state)
{
	(void)state;
	/* idle: ticks only (0.3% busy), a log line now and then */
	assert_int_equal(rule(0.003, 0, 2, 100, 0, 6, 0, 2), WL_IDLE);
	/* cpu: 0.75 of one vCPU of a 4-vCPU VM is 19% per vCPU */
	assert_int_equal(rule(0.19, 0, 0, 0, 0, 0, 0, 4), WL_CPU);
	/* one thread flat out on a 16-vCPU VM: 6% per vCPU, still cpu */
	assert_int_equal(rule(0.0625, 0, 0, 0, 0, 0, 0, 16), WL_CPU);
	/* and a tenth of one vCPU is next to nothing */
	assert_int_equal(rule(0.1, 0, 0, 0, 0, 0, 0, 1), WL_IDLE);
	/* disk: 300 requests/s, blocked on them half the time */
	assert_int_equal(rule(0.04, 0.5, 300, 1500, 0, 0, 0, 2), WL_DISK);
	/* net: thousands of packets/s, waiting for the peer */
	assert_int_equal(rule(0.04, 0, 0, 0, 0.3, 30000, 0.1, 2), WL_NET);
}

static void slowed_by_neighbours(void **state)
{
	(void)state;
	/* cpu VM preempted half the time: run 0.5 + preempted 0.5 */
	assert_int_equal(rule(1.0, 0, 0, 0, 0, 0, 0, 2), WL_CPU);
	/* a disk VM on a CPU-overcommitted host: preemptions inflate busy
	 * to 0.3, it still waits on its disk more */
	assert_int_equal(rule(0.3, 0.6, 400, 2000, 0, 0, 0, 1), WL_DISK);
	/* a disk VM behind a neighbour's writes: longer waits, fewer requests */
	assert_int_equal(rule(0.02, 0.9, 40, 20000, 0, 0, 0, 1), WL_DISK);
	/* net VM on a congested NIC: fewer packets, longer waits */
	assert_int_equal(rule(0.02, 0, 0, 0, 0.8, 300, 0.01, 1), WL_NET);
}

static void mixes_take_the_bounding_resource(void **state)
{
	(void)state;
	/* a web server computing 70% of the time and talking: cpu */
	assert_int_equal(rule(0.7, 0, 0, 0, 0.1, 5000, 0.05, 2), WL_CPU);
	/* a database computing 20% and waiting for its disk 60%: disk */
	assert_int_equal(rule(0.2, 0.6, 800, 700, 0, 0, 0, 2), WL_DISK);
	/* disk waits not attributed (an unknown wakeup path): a writer of
	 * 200 MB/s with 2 requests always in flight is disk */
	assert_int_equal(rule(0.08, 0, 400, 5000, 0, 0, 0, 2), WL_DISK);
	/* a 7-vCPU VM computing on 2 of them (2.1 vCPUs of work) with 1000
	 * requests/s of 200 us (0.2 outstanding): cpu, though its idle vCPUs
	 * halt 69% of the time while requests are in flight */
	assert_int_equal(rule(0.3, 0.69, 1000, 200, 0, 0, 0, 7), WL_CPU);
	/* both kinds of I/O: the one it waits for most */
	assert_int_equal(rule(0.05, 0.1, 50, 500, 0.4, 2000, 0.05, 1), WL_NET);
	/* halts woken by "disk" on a VM without steady disk I/O do not count */
	assert_int_equal(rule(0.003, 0.9, 0, 0, 0, 0, 0, 2), WL_IDLE);
}

/* What was measured rules classes out, whatever a classifier says. */
static void plausible_classes(void **state)
{
	struct wl_inputs disk_vm = { .busy = 0.04, .disk_iops = 300,
				     .disk_Bps = 1.2e6, .vcpus = 2 };
	struct wl_inputs quiet = { .busy = 0.003, .disk_iops = 2, .net_pps = 6, .vcpus = 1 };
	struct wl_inputs big = { .busy = 0.05, .vcpus = 16 }; /* 0.8 of a vCPU */
	struct wl_inputs busy = { .busy = 0.75, .vcpus = 1 };
	/* light work: both idle and its class are possible, the model decides */
	struct wl_inputs light_cpu = { .busy = 0.12, .vcpus = 1 };
	struct wl_inputs light_net = { .busy = 0.01, .net_pps = 40, .net_Bps = 3e4, .vcpus = 1 };

	(void)state;
	assert_true(workload_rule_plausible(&light_cpu, WL_CPU));
	assert_true(workload_rule_plausible(&light_cpu, WL_IDLE));
	assert_true(workload_rule_plausible(&light_net, WL_NET));
	assert_true(workload_rule_plausible(&light_net, WL_IDLE));
	assert_false(workload_rule_plausible(&light_net, WL_DISK));
	assert_false(workload_rule_plausible(&quiet, WL_NET)); /* 6 packets/s */
	assert_false(workload_rule_plausible(&quiet, WL_DISK)); /* 2 requests/s */
	assert_false(workload_rule_plausible(&disk_vm, WL_IDLE)); /* 300 requests/s */
	assert_false(workload_rule_plausible(&disk_vm, WL_NET));
	assert_true(workload_rule_plausible(&disk_vm, WL_DISK));
	assert_true(workload_rule_plausible(&quiet, WL_IDLE));
	assert_false(workload_rule_plausible(&quiet, WL_CPU));
	assert_false(workload_rule_plausible(&busy, WL_IDLE)); /* 0.75 of a CPU */
	assert_true(workload_rule_plausible(&busy, WL_CPU));
	assert_false(workload_rule_plausible(&big, WL_IDLE));
	assert_true(workload_rule_plausible(&big, WL_CPU));
}

static void inputs_from_a_feature_row(void **state)
{
	static const char *const names[] = {
		"vcpus_active", "vcpu_guest_ratio", "vcpu_root_ratio", "preempted_ratio",
		"wait_ratio", "blk_disk_ratio", "blk_net_ratio", "disk_read_per_s",
		"disk_write_per_s", "disk_read_Bps", "disk_write_Bps", "disk_lat_mean_us",
		"net_tx_pkts_per_s", "net_rx_pkts_per_s", "net_tx_Bps", "net_rx_Bps",
		"vhost_cpu_util",
	};
	const double x[] = { 2, 0.3, 0.02, 0.36, 0.5, 0.4, 0, 100, 50, 1e6, 2e6, 2000,
			     10, 20, 1000, 2000, 0.01 };
	struct workload_rule wr;
	struct wl_inputs in;
	const char *missing = NULL;

	(void)state;
	assert_int_equal(workload_rule_init(&wr, names, 17, &missing), 0);
	workload_rule_inputs(&wr, x, &in);
	/* run 0.32 per vCPU + preempted 0.36 over 2 vCPUs; wakeup waits not */
	assert_float_equal(in.busy, 0.5, 1e-12);
	assert_float_equal(in.disk_iops, 150, 1e-12);
	assert_float_equal(in.disk_Bps, 3e6, 1e-12);
	assert_float_equal(in.disk_inflight, 0.3, 1e-12);
	assert_float_equal(in.net_pps, 30, 1e-12);
	assert_float_equal(in.vcpus, 2, 1e-12);
	assert_int_equal(workload_rule_classify(&in), WL_CPU);
	assert_int_equal(workload_rule_init(&wr, names, 5, &missing), -1);
	assert_string_equal(missing, "blk_net_ratio");
}

/* Where the extractor measures blocked time from the VM's own I/O timeline
 * (vcpu_blk_disk_share, vcpu_blk_net_share, disk_busy_share), the rule
 * takes those instead of the wakeup attribution. */
static void own_timeline_columns_when_present(void **state)
{
	static const char *const names[] = {
		"vcpus_active", "vcpu_guest_ratio", "vcpu_root_ratio", "preempted_ratio",
		"blk_disk_ratio", "blk_net_ratio", "disk_read_per_s", "disk_write_per_s",
		"disk_read_Bps", "disk_write_Bps", "disk_lat_mean_us", "net_tx_pkts_per_s",
		"net_rx_pkts_per_s", "net_tx_Bps", "net_rx_Bps", "vhost_cpu_util",
		"vcpu_blk_disk_share", "vcpu_blk_net_share", "disk_busy_share",
	};
	/* 300 requests/s of 2 ms, disk_busy_share 0.7 (requests in flight 70%
	 * of the time), a net wait from its own traffic */
	const double x[] = { 1, 0.05, 0.01, 0, 0, 0, 300, 0, 1.2e6, 0, 2000, 0, 0, 0, 0, 0,
			     0.6, 0.25, 0.7 };
	struct workload_rule wr;
	struct wl_inputs in;
	const char *missing = NULL;

	(void)state;
	assert_int_equal(workload_rule_init(&wr, names, 19, &missing), 0);
	assert_int_equal(wr.blk_net_share, 17);
	assert_int_equal(wr.disk_busy, 18);
	workload_rule_inputs(&wr, x, &in);
	assert_float_equal(in.disk_inflight, 0.7, 1e-12);
	assert_float_equal(in.net_wait, 0.25, 1e-12);
	assert_int_equal(workload_rule_classify(&in), WL_DISK);
	/* without them: the older columns, and no error */
	assert_int_equal(workload_rule_init(&wr, names, 16, &missing), 0);
	assert_int_equal(wr.disk_busy, -1);
	workload_rule_inputs(&wr, x, &in);
	assert_float_equal(in.net_wait, 0, 1e-12);
	assert_float_equal(in.disk_inflight, 0.6, 1e-12); /* 300/s x 2 ms */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_class),
		cmocka_unit_test(slowed_by_neighbours),
		cmocka_unit_test(mixes_take_the_bounding_resource),
		cmocka_unit_test(plausible_classes),
		cmocka_unit_test(inputs_from_a_feature_row),
		cmocka_unit_test(own_timeline_columns_when_present),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
