/* SPDX-License-Identifier: MIT */
/* Scenario files: values read as written, defaults, and errors that name
 * the key (missing, wrong type, out of range, impossible pinning). */
#include "datasets/sim-scenario.h"
#include "datasets/sim-events.h"
#include "common/err.h"
#include "tests/unit/unit-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOOD \
	"{\"schema\":\"vmint.scenario/1\",\"seed\":9,\"duration_s\":4," \
	"\"host\":{\"name\":\"h1\",\"cpus\":4,\"kernel\":\"4.9.0\"," \
	"\"daemons\":[{\"name\":\"backupd\",\"start_s\":1,\"end_s\":2,\"cpu_share\":1.5}]}," \
	"\"vms\":[{\"name\":\"a\",\"vcpus\":2,\"pin\":[0,3],\"workload\":" \
	"[{\"start_s\":0,\"end_s\":2,\"type\":\"cpu\",\"intensity\":0.5}," \
	"{\"start_s\":2,\"end_s\":4,\"type\":\"disk\"}]}," \
	"{\"name\":\"b\",\"vcpus\":1,\"start_s\":1,\"workload\":[]}]}"

static void test_good(void **state)
{
	struct scenario sc;

	(void)state;
	assert_int_equal(scenario_parse(&sc, GOOD, "good"), 0);
	assert_int_equal(sc.seed, 9);
	assert_int_equal(sc.duration_ns, 4000000000ull);
	assert_int_equal(sc.window_ns, 1000000000ull); /* default */
	assert_int_equal(sc.cpus, 4);
	assert_int_equal(sc.kver, KVER(4, 9));
	assert_string_equal(sc.host_name, "h1");
	assert_int_equal(sc.ndaemons, 1);
	assert_true(sc.daemons[0].cpu_share == 1.5);
	assert_int_equal(sc.daemons[0].start_ns, 1000000000ull);
	assert_int_equal(sc.nvms, 2);
	assert_int_equal(sc.vms[0].pin[0], 0);
	assert_int_equal(sc.vms[0].pin[1], 3);
	assert_int_equal(sc.vms[1].pin[0], -1);
	assert_int_equal(sc.vms[1].start_ns, 1000000000ull);
	assert_int_equal(sc.vms[0].nphases, 2);
	assert_int_equal(sc.vms[0].phases[1].load, WL_DISK);
	assert_true(sc.vms[0].phases[1].intensity == 1.0); /* default */
	assert_ptr_equal(scenario_phase_at(&sc.vms[0], 2500000000ull),
			 &sc.vms[0].phases[1]);
	assert_null(scenario_phase_at(&sc.vms[1], 0));
	/* Knobs absent: the simulator's habits of old. */
	assert_int_equal(sc.preempt, SIM_PREEMPT_FULL);
	assert_int_equal(sc.slice_ns, 3000000);
	assert_int_equal(sc.disk_kind, SIM_DISK_SSD);
	assert_int_equal(sc.disk_queues, 1);
	assert_int_equal(sc.disk_seek_ns, 0);
	assert_int_equal(sc.nic_coalesce_ns, 0);
	assert_int_equal(sc.nic_rtt_ns, 0);
	assert_true(sc.cpu_speed == 1);
	assert_int_equal(sc.vms[0].pid, 0);
	assert_false(sc.vms[0].guest.set);
	assert_true(sc.vms[0].phases[1].read_share < 0);
	assert_int_equal(sc.vms[0].phases[1].depth, 0);
	scenario_free(&sc);
}

#define KNOBS \
	"{\"schema\":\"vmint.scenario/1\",\"duration_s\":4," \
	"\"host\":{\"cpus\":4,\"preempt\":\"voluntary\",\"slice_us\":1500," \
	"\"cpu_speed\":1.5,\"disk\":{\"kind\":\"nvme\"}," \
	"\"nic\":{\"coalesce_us\":50,\"rtt_us\":500}}," \
	"\"vms\":[{\"name\":\"a\",\"pid\":5000,\"vcpus\":1,\"guest\":{\"os\":\"windows\"," \
	"\"timer\":\"lapic\",\"tickless\":false,\"halt_poll_us\":200," \
	"\"disk_kick\":\"pio\"},\"workload\":[{\"start_s\":0,\"end_s\":4," \
	"\"type\":\"cpu\",\"burst_ms\":5,\"io_net\":0.25,\"frames\":8," \
	"\"frame_bytes\":600}]}," \
	"{\"name\":\"b\",\"pid\":5006,\"vcpus\":1,\"guest\":{},\"workload\":[{\"start_s\":0," \
	"\"end_s\":4,\"type\":\"disk\",\"depth\":8,\"io_kb\":1024," \
	"\"read_share\":0,\"compute_us\":300}]}]}"

static void test_knobs(void **state)
{
	struct scenario sc;
	const struct sim_guest_spec *g;

	(void)state;
	assert_int_equal(scenario_parse(&sc, KNOBS, "knobs"), 0);
	assert_int_equal(sc.preempt, SIM_PREEMPT_VOLUNTARY);
	assert_int_equal(sc.slice_ns, 1500000);
	assert_int_equal(sc.disk_kind, SIM_DISK_NVME);
	assert_int_equal(sc.disk_queues, 16); /* the NVMe default */
	assert_int_equal(sc.nic_coalesce_ns, 50000);
	assert_int_equal(sc.nic_rtt_ns, 500000);
	assert_true(sc.cpu_speed == 1.5);
	assert_int_equal(sc.vms[0].pid, 5000);
	g = &sc.vms[0].guest;
	assert_true(g->set);
	assert_int_equal(g->os, SIM_OS_WINDOWS);
	assert_int_equal(g->hz, 64); /* Windows' default tick */
	assert_false(g->tickless);
	assert_int_equal(g->timer, SIM_TIMER_LAPIC);
	assert_int_equal(g->halt_poll_ns, 200000);
	assert_int_equal(g->halt_poll_grow, 2);
	assert_int_equal(g->disk_kick, 30); /* IO_INSTRUCTION */
	assert_int_equal(g->net_kick, 30);
	g = &sc.vms[1].guest; /* an empty profile: Linux defaults */
	assert_true(g->set);
	assert_int_equal(g->hz, 250);
	assert_true(g->tickless);
	assert_int_equal(g->disk_kick, 49); /* EPT_MISCONFIG */
	assert_true(sc.vms[0].phases[0].io_net == 0.25);
	assert_int_equal(sc.vms[0].phases[0].frame_bytes, 600);
	assert_int_equal(sc.vms[1].phases[0].io_kb, 1024);
	assert_true(sc.vms[1].phases[0].read_share == 0);
	assert_true(sc.vms[1].phases[0].compute_us == 300);
	scenario_free(&sc);
}

static void expect_knob_error(const char *from, const char *to,
			      const char *want)
{
	char text[2048], *p;
	struct scenario sc;

	p = strstr(KNOBS, from);
	assert_non_null(p);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - KNOBS), KNOBS, to,
		 p + strlen(from));
	err_clear();
	assert_int_equal(scenario_parse(&sc, text, "k.json"), -1);
	if (!err_contains(want)) {
		err_print(stderr);
		fail_msg("no '%s'", want);
	}
	err_clear();
}

static void test_knob_errors(void **state)
{
	(void)state;
	expect_knob_error("\"nvme\"", "\"floppy\"",
			  "'host.disk.kind' must be one of ssd, nvme, hdd");
	expect_knob_error("\"voluntary\"", "\"rt\"",
			  "'host.preempt' must be one of full, voluntary, none");
	expect_knob_error("\"windows\"", "\"beos\"",
			  "'vms[0].guest.os' must be one of linux, windows");
	expect_knob_error("\"pio\"", "\"pci\"", "'vms[0].guest.disk_kick'");
	expect_knob_error("\"tickless\":false", "\"tickless\":0",
			  "'vms[0].guest.tickless'");
	expect_knob_error("\"io_net\":0.25", "\"io_net\":0.25,\"io_disk\":0.8",
			  "'vms[0].workload[0].io_net' and io_disk add up to more than 1");
	expect_knob_error("\"depth\":8", "\"depth\":0",
			  "'vms[1].workload[0].depth'");
	expect_knob_error("\"pid\":5006", "\"pid\":5005",
			  "'vms[1].pid' overlaps the thread ids of vms[0]");
	expect_knob_error("\"pid\":5006,", "",
			  "'vms[1].pid' must be given for every VM or none");
	expect_knob_error("\"cpu_speed\":1.5", "\"cpu_speed\":0",
			  "'host.cpu_speed'");
	expect_knob_error("\"guest\":{}", "\"guest\":[]",
			  "'vms[1].guest' must be an object");
}

/* Replaces the first `from` of GOOD by `to`, parses, returns the errors. */
static char *parse_edited(const char *from, const char *to)
{
	char text[2048];
	const char *p = strstr(GOOD, from);
	struct scenario sc;

	assert_non_null(p);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - GOOD), GOOD, to,
		 p + strlen(from));
	assert_int_equal(scenario_parse(&sc, text, "edited.json"), -1);
	return take_errors();
}

static void expect_error(const char *from, const char *to, const char *want)
{
	char *msg = parse_edited(from, to);

	if (!strstr(msg, want) || !strstr(msg, "edited.json"))
		fail_msg("expected \"%s\" in: %s", want, msg);
	free(msg);
}

static void test_missing_keys(void **state)
{
	(void)state;
	expect_error("\"duration_s\":4,", "", "missing key 'duration_s'");
	expect_error("\"cpus\":4,", "", "missing key 'host.cpus'");
	expect_error("{\"name\":\"b\",", "{", "missing key 'vms[1].name'");
	expect_error("\"vcpus\":1,", "", "missing key 'vms[1].vcpus'");
	expect_error("\"cpu_share\":1.5", "\"x\":1",
		     "missing key 'host.daemons[0].cpu_share'");
	expect_error("\"start_s\":2,\"end_s\":4,", "\"end_s\":4,",
		     "missing key 'vms[0].workload[1].start_s'");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("\"cpus\":4", "\"cpus\":\"4\"", "'host.cpus' must be an integer");
	expect_error("\"vcpus\":2", "\"vcpus\":2.5", "'vms[0].vcpus' must be an integer");
	expect_error("\"workload\":[]", "\"workload\":{}", "'vms[1].workload' must be an array");
	expect_error("\"type\":\"disk\"", "\"type\":\"gpu\"",
		     "'vms[0].workload[1].type' must be one of");
	expect_error("\"vmint.scenario/1\"", "\"vmint.scenario/2\"", "'schema'");
	expect_error("\"kernel\":\"4.9.0\"", "\"kernel\":\"linux\"", "'host.kernel'");
	expect_error("\"intensity\":0.5", "\"intensity\":1.5",
		     "'vms[0].workload[0].intensity' is 1.5");
}

static void test_impossible_pinning(void **state)
{
	(void)state;
	expect_error("\"pin\":[0,3]", "\"pin\":[0,4]",
		     "'vms[0].pin[1]' is pCPU 4, but the host has 4 CPUs");
	expect_error("\"pin\":[0,3]", "\"pin\":[0]",
		     "'vms[0].pin' must list one pCPU per vCPU");
	expect_error("\"pin\":[0,3]", "\"pin\":[0,-1]", "'vms[0].pin[1]'");
	expect_error("\"start_s\":1,\"workload\":[]", "\"start_s\":1,\"end_s\":0.5,\"workload\":[]",
		     "'vms[1].end_s' must be after the VM's start_s");
}

static void test_bad_json_and_file(void **state)
{
	struct scenario sc;
	char *msg;

	(void)state;
	assert_int_equal(scenario_parse(&sc, "{\"schema\":", "trunc.json"), -1);
	msg = take_errors();
	assert_non_null(strstr(msg, "trunc.json"));
	assert_non_null(strstr(msg, "invalid JSON at line 1"));
	free(msg);
	assert_int_equal(scenario_load(&sc, "/nonexistent/x.json"), -1);
	msg = take_errors();
	assert_non_null(strstr(msg, "/nonexistent/x.json"));
	free(msg);
}

static void test_kernel_tables(void **state)
{
	(void)state;
	/* kvm_x86_exit has vcpu_id from 5.10 on; the old receive name. */
	const struct simev_desc *t510 = simev_table(KVER(5, 10));
	const struct simev_desc *t54 = simev_table(KVER(5, 4));
	const struct simev_desc *t310 = simev_table(KVER(3, 10));
	int n510 = 0, n54 = 0;

	while (t510[SIMEV_KVM_EXIT].fields[n510].name)
		n510++;
	while (t54[SIMEV_KVM_EXIT].fields[n54].name)
		n54++;
	assert_int_equal(n510, 8);
	assert_string_equal(t510[SIMEV_KVM_EXIT].fields[7].name, "vcpu_id");
	assert_int_equal(n54, 5);
	assert_string_equal(t54[SIMEV_NET_RECEIVE].name, "net_if_receive_skb");
	assert_string_equal(t310[SIMEV_NET_RECEIVE].name, "netif_receive_skb");
	assert_string_equal(t510[SIMEV_KVM_ENTRY].name, "kvm_x86_entry");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_impossible_pinning),
		cmocka_unit_test(test_bad_json_and_file),
		cmocka_unit_test(test_kernel_tables),
		cmocka_unit_test(test_knobs),
		cmocka_unit_test(test_knob_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
