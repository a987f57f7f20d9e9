/* SPDX-License-Identifier: MIT */
/* The simulator's ground truth on small hosts: separated VMs are never
 * interfered; a neighbour that starts computing, reading the disk or a
 * host daemon is found as the culprit of the right resource, from the
 * window it starts in; the same seed gives the same labels. Devices: on
 * an NVMe device below saturation requests overlap and nobody is
 * delayed; saturated, or on one queue (SSD, HDD), they are. Guest
 * habits change the events, not the truth. */
#include "datasets/sim-model.h"
#include "common/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD(cpus, dur) \
	"{\"schema\":\"vmint.scenario/1\",\"seed\":3,\"duration_s\":" #dur "," \
	"\"host\":{\"cpus\":" #cpus ",\"kernel\":\"5.15.0\""

struct run {
	struct scenario sc;
	struct sim *sim;
	uint64_t counts[SIMEV__COUNT];
	char dir[64];
};

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st;
	(void)f;
	(void)w;
	return remove(p);
}

static void simulate(struct run *r, const char *json)
{
	char trace[96];

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/test-sim-model.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(trace, sizeof(trace), "%s/kernel", r->dir);
	if (scenario_parse(&r->sc, json, "test")) {
		err_print(stderr);
		fail();
	}
	r->sim = sim_create(&r->sc, r->sc.seed);
	assert_non_null(r->sim);
	if (sim_run(r->sim, trace, r->counts)) {
		err_print(stderr);
		fail();
	}
}

static void release(struct run *r)
{
	sim_destroy(r->sim);
	scenario_free(&r->sc);
	nftw(r->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int vm_index(const struct run *r, const char *name)
{
	for (int i = 0; i < r->sc.nvms; i++)
		if (strcmp(r->sc.vms[i].name, name) == 0)
			return i;
	fail_msg("no VM %s", name);
	return -1;
}

static void test_pinned_apart(void **state)
{
	struct run r;
	struct sim_label l;

	(void)state;
	simulate(&r, HEAD(4, 4) "}, \"vms\":["
		 "{\"name\":\"a\",\"vcpus\":2,\"pin\":[0,1],\"workload\":"
		 "[{\"start_s\":0,\"end_s\":4,\"type\":\"cpu\"}]},"
		 "{\"name\":\"b\",\"vcpus\":2,\"pin\":[2,3],\"workload\":"
		 "[{\"start_s\":0,\"end_s\":4,\"type\":\"cpu\"}]}]}");
	assert_int_equal(sim_window_count(r.sim), 4);
	for (int vm = 0; vm < 2; vm++) {
		for (int w = 0; w < 4; w++) {
			assert_int_equal(sim_label(r.sim, vm, w, &l), 1);
			assert_false(l.interference);
			assert_int_equal(l.workload, WL_CPU);
			assert_true(l.share[RES_CPU] < 0.02);
		}
	}
	assert_true(r.counts[SIMEV_KVM_ENTRY] > 10000);
	assert_true(r.counts[SIMEV_KVM_EXIT] >= r.counts[SIMEV_KVM_ENTRY] - 4);
	release(&r);
}

static void test_cpu_neighbour(void **state)
{
	struct run r;
	struct sim_label l;
	int a, b;

	(void)state;
	simulate(&r, HEAD(2, 4) "}, \"vms\":["
		 "{\"name\":\"victim\",\"vcpus\":2,\"workload\":"
		 "[{\"start_s\":0,\"end_s\":4,\"type\":\"cpu\",\"intensity\":0.7}]},"
		 "{\"name\":\"hog\",\"vcpus\":2,\"workload\":"
		 "[{\"start_s\":2,\"end_s\":4,\"type\":\"cpu\"}]}]}");
	a = vm_index(&r, "victim");
	b = vm_index(&r, "hog");
	for (int w = 0; w < 2; w++) {
		assert_int_equal(sim_label(r.sim, a, w, &l), 1);
		assert_false(l.interference);
	}
	for (int w = 2; w < 4; w++) {
		assert_int_equal(sim_label(r.sim, a, w, &l), 1);
		assert_true(l.interference);
		assert_int_equal(l.resource, RES_CPU);
		assert_int_equal(l.culprits[0], b);
		assert_true(l.share[RES_CPU] >= 0.10);
		assert_true(l.delay_ns[RES_CPU] >= 1e7);
	}
	release(&r);
}

static void test_disk_neighbour_starts_later(void **state)
{
	struct run r;
	struct sim_label l;
	int a, b;

	(void)state;
	simulate(&r, HEAD(4, 4) "}, \"vms\":["
		 "{\"name\":\"db\",\"vcpus\":1,\"workload\":"
		 "[{\"start_s\":0,\"end_s\":4,\"type\":\"disk\",\"intensity\":0.6}]},"
		 "{\"name\":\"backup\",\"vcpus\":2,\"start_s\":1.5,\"workload\":"
		 "[{\"start_s\":2,\"end_s\":4,\"type\":\"disk\"}]}]}");
	a = vm_index(&r, "db");
	b = vm_index(&r, "backup");
	assert_int_equal(r.counts[SIMEV_PROCESS_EXEC], 1);
	assert_int_equal(r.counts[SIMEV_PROCESS_FORK], 2 + 1 + 2); /* qemu, 2 vCPUs, worker, vhost */
	/* Requests still queued or in service when the trace ends. */
	assert_true(r.counts[SIMEV_BLOCK_ISSUE] <= r.counts[SIMEV_BLOCK_INSERT]);
	assert_true(r.counts[SIMEV_BLOCK_COMPLETE] <= r.counts[SIMEV_BLOCK_ISSUE]);
	assert_true(r.counts[SIMEV_BLOCK_COMPLETE] + 16 >= r.counts[SIMEV_BLOCK_INSERT]);
	assert_true(r.counts[SIMEV_BLOCK_COMPLETE] > 1000);
	assert_int_equal(sim_label(r.sim, b, 0, &l), 0); /* not started yet */
	assert_int_equal(sim_label(r.sim, a, 0, &l), 1);
	assert_false(l.interference);
	for (int w = 2; w < 4; w++) {
		assert_int_equal(sim_label(r.sim, a, w, &l), 1);
		assert_true(l.interference);
		assert_int_equal(l.resource, RES_DISK);
		assert_int_equal(l.culprits[0], b);
		assert_int_equal(l.workload, WL_DISK);
	}
	release(&r);
}

static void test_host_daemon(void **state)
{
	struct run r;
	struct sim_label l;

	(void)state;
	simulate(&r, HEAD(2, 3) ",\"daemons\":[{\"name\":\"backupd\","
		 "\"start_s\":1,\"end_s\":2,\"cpu_share\":2}]}, \"vms\":["
		 "{\"name\":\"app\",\"vcpus\":2,\"workload\":"
		 "[{\"start_s\":0,\"end_s\":3,\"type\":\"cpu\",\"intensity\":0.8}]}]}");
	assert_int_equal(sim_label(r.sim, 0, 0, &l), 1);
	assert_false(l.interference);
	assert_int_equal(sim_label(r.sim, 0, 1, &l), 1);
	assert_true(l.interference);
	assert_int_equal(l.resource, RES_CPU);
	assert_string_equal(sim_owner_name(r.sim, l.culprits[0]), "host");
	assert_int_equal(sim_label(r.sim, 0, 2, &l), 1);
	assert_false(l.interference);
	release(&r);
}

static void test_vm_stops(void **state)
{
	struct run r;
	struct sim_label l;

	(void)state;
	simulate(&r, HEAD(2, 4) "}, \"vms\":["
		 "{\"name\":\"short\",\"vcpus\":2,\"end_s\":2.2,\"workload\":"
		 "[{\"start_s\":0,\"end_s\":4,\"type\":\"disk\"}]},"
		 "{\"name\":\"long\",\"vcpus\":1,\"workload\":"
		 "[{\"start_s\":0,\"end_s\":4,\"type\":\"cpu\"}]}]}");
	/* QEMU, 2 vCPUs, worker, vhost: each exits and is freed once. */
	assert_int_equal(r.counts[SIMEV_PROCESS_EXIT], 5);
	assert_int_equal(r.counts[SIMEV_PROCESS_FREE], 5);
	assert_int_equal(sim_label(r.sim, 0, 1, &l), 1);
	assert_int_equal(sim_label(r.sim, 0, 2, &l), 0); /* mostly after its end */
	assert_int_equal(sim_label(r.sim, 0, 3, &l), 0);
	assert_int_equal(sim_label(r.sim, 1, 3, &l), 1);
	assert_false(l.interference); /* alone on the host by then */
	release(&r);
}

static void test_same_seed_same_labels(void **state)
{
	static const char *json = HEAD(2, 2) "}, \"vms\":["
		"{\"name\":\"x\",\"vcpus\":2,\"workload\":"
		"[{\"start_s\":0,\"end_s\":2,\"type\":\"net\",\"intensity\":0.5}]},"
		"{\"name\":\"y\",\"vcpus\":1,\"workload\":"
		"[{\"start_s\":0,\"end_s\":2,\"type\":\"cpu\"}]}]}";
	struct run r1, r2;
	json_t *j1, *j2;
	char *s1, *s2;

	(void)state;
	simulate(&r1, json);
	simulate(&r2, json);
	assert_memory_equal(r1.counts, r2.counts, sizeof(r1.counts));
	assert_true(r1.counts[SIMEV_NET_XMIT] > 100);
	j1 = sim_labels_json(r1.sim);
	j2 = sim_labels_json(r2.sim);
	s1 = json_dumps(j1, 0);
	s2 = json_dumps(j2, 0);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	json_decref(j1);
	json_decref(j2);
	release(&r1);
	release(&r2);
}

/* Two disk VMs (one vCPU each, `depth` requests per kick) on 4 pCPUs,
 * on the disk `disk` (a JSON object). */
static void two_disk_vms(struct run *r, const char *disk, int depth)
{
	char json[1024];

	snprintf(json, sizeof(json), HEAD(4, 4) ",\"disk\":%s}, \"vms\":["
		 "{\"name\":\"d1\",\"vcpus\":1,\"workload\":[{\"start_s\":0,"
		 "\"end_s\":4,\"type\":\"disk\",\"depth\":%d,\"io_kb\":16}]},"
		 "{\"name\":\"d2\",\"vcpus\":1,\"workload\":[{\"start_s\":0,"
		 "\"end_s\":4,\"type\":\"disk\",\"depth\":%d,\"io_kb\":16}]}]}",
		 disk, depth, depth);
	simulate(r, json);
}

/* Windows 0-3 of both VMs: how many are interfered on disk, each by the
 * other VM. */
static int disk_interfered(const struct run *r)
{
	struct sim_label l;
	int n = 0;

	for (int vm = 0; vm < 2; vm++)
		for (int w = 0; w < 4; w++) {
			assert_int_equal(sim_label(r->sim, vm, w, &l), 1);
			assert_int_equal(l.workload, WL_DISK);
			if (!l.interference)
				continue;
			assert_int_equal(l.resource, RES_DISK);
			assert_int_equal(l.culprits[0], 1 - vm);
			n++;
		}
	return n;
}

static void test_nvme_overlap_is_not_delay(void **state)
{
	struct run r;
	struct sim_label l;

	(void)state;
	/* 8 requests in flight at most, 16 queues: never one queued; the
	 * 16 KiB transfers seldom meet on the data channel. */
	two_disk_vms(&r, "{\"kind\":\"nvme\",\"queues\":16,"
		     "\"latency_us\":100,\"bandwidth_mb_s\":2000}", 4);
	assert_true(r.counts[SIMEV_BLOCK_COMPLETE] > 20000);
	assert_int_equal(disk_interfered(&r), 0);
	for (int vm = 0; vm < 2; vm++)
		for (int w = 0; w < 4; w++) {
			sim_label(r.sim, vm, w, &l);
			assert_true(l.share[RES_DISK] < 0.03);
		}
	release(&r);
}

static void test_single_queue_delays(void **state)
{
	struct run r;

	(void)state;
	/* The same load on one queue: each waits behind the other. */
	two_disk_vms(&r, "{\"kind\":\"ssd\",\"latency_us\":100,"
		     "\"bandwidth_mb_s\":2000}", 4);
	assert_int_equal(disk_interfered(&r), 8);
	release(&r);
}

static void test_nvme_saturated_delays(void **state)
{
	struct run r;

	(void)state;
	/* 16 requests in flight on 2 queues: the device saturates. */
	two_disk_vms(&r, "{\"kind\":\"nvme\",\"queues\":2,"
		     "\"latency_us\":100,\"bandwidth_mb_s\":2000}", 8);
	assert_int_equal(disk_interfered(&r), 8);
	release(&r);
	/* Queues enough, but 1 MiB requests fill its bandwidth: they wait
	 * for each other's transfers. */
	simulate(&r, HEAD(4, 4) ",\"disk\":{\"kind\":\"nvme\",\"queues\":16,"
		 "\"latency_us\":100,\"bandwidth_mb_s\":2000}}, \"vms\":["
		 "{\"name\":\"d1\",\"vcpus\":1,\"workload\":[{\"start_s\":0,"
		 "\"end_s\":4,\"type\":\"disk\",\"depth\":4,\"io_kb\":1024}]},"
		 "{\"name\":\"d2\",\"vcpus\":1,\"workload\":[{\"start_s\":0,"
		 "\"end_s\":4,\"type\":\"disk\",\"depth\":4,\"io_kb\":1024}]}]}");
	assert_int_equal(disk_interfered(&r), 8);
	release(&r);
}

static void test_hdd_contention(void **state)
{
	struct run r, alone, ssd;
	struct sim_label l;

	(void)state;
	two_disk_vms(&r, "{\"kind\":\"hdd\",\"seek_us\":5000}", 2);
	assert_int_equal(disk_interfered(&r), 8);
	/* Alone on the disk, a VM's own seeks are no interference. */
	simulate(&alone, HEAD(4, 4) ",\"disk\":{\"kind\":\"hdd\"}}, \"vms\":["
		 "{\"name\":\"d1\",\"vcpus\":2,\"workload\":[{\"start_s\":0,"
		 "\"end_s\":4,\"type\":\"disk\",\"depth\":4}]}]}");
	for (int w = 0; w < 4; w++) {
		assert_int_equal(sim_label(alone.sim, 0, w, &l), 1);
		assert_false(l.interference);
		assert_true(l.delay_ns[RES_DISK] == 0);
	}
	/* Seeks: a quarter fewer requests than on the default SSD. */
	simulate(&ssd, HEAD(4, 4) "}, \"vms\":["
		 "{\"name\":\"d1\",\"vcpus\":2,\"workload\":[{\"start_s\":0,"
		 "\"end_s\":4,\"type\":\"disk\",\"depth\":4}]}]}");
	assert_true(alone.counts[SIMEV_BLOCK_COMPLETE] * 4 <
		    ssd.counts[SIMEV_BLOCK_COMPLETE] * 3);
	release(&ssd);
	release(&alone);
	release(&r);
}

/* Answers of many frames share the receive side of the link: two VMs
 * downloading on a 100 Mbit/s link delay each other; alone, nobody. */
static void test_receive_contention(void **state)
{
	static const char *vm = "{\"name\":\"%s\",\"vcpus\":1,\"workload\":"
		"[{\"start_s\":0,\"end_s\":3,\"type\":\"net\",\"frames\":1,"
		"\"frame_bytes\":200,\"rx_frames\":16,\"rx_bytes\":1514}]}";
	char json[1024], a[256], b[256];
	struct run two, one;
	struct sim_label l;

	(void)state;
	snprintf(a, sizeof(a), vm, "r1");
	snprintf(b, sizeof(b), vm, "r2");
	snprintf(json, sizeof(json), HEAD(4, 3) ",\"nic\":{\"rate_mbit_s\":100}},"
		 "\"vms\":[%s,%s]}", a, b);
	simulate(&two, json);
	snprintf(json, sizeof(json), HEAD(4, 3) ",\"nic\":{\"rate_mbit_s\":100}},"
		 "\"vms\":[%s]}", a);
	simulate(&one, json);
	/* 16 received frames per round: eth0 receives them, tap sends them. */
	assert_true(two.counts[SIMEV_NET_RECEIVE] > 2 * 16 * 100);
	for (int w = 0; w < 3; w++) {
		for (int v = 0; v < 2; v++) {
			assert_int_equal(sim_label(two.sim, v, w, &l), 1);
			assert_true(l.interference);
			assert_int_equal(l.resource, RES_NET);
			assert_int_equal(l.culprits[0], 1 - v);
		}
		assert_int_equal(sim_label(one.sim, 0, w, &l), 1);
		assert_false(l.interference);
		assert_true(l.delay_ns[RES_NET] == 0);
	}
	release(&two);
	release(&one);
}

/* Every guest habit at once on VMs pinned apart: still no interference. */
static void test_guest_habits_pinned_apart(void **state)
{
	struct run r;
	struct sim_label l;

	(void)state;
	simulate(&r, HEAD(4, 4) ",\"preempt\":\"none\",\"slice_us\":1500,"
		 "\"nic\":{\"coalesce_us\":100},\"disk\":{\"kind\":\"nvme\"}},"
		 "\"vms\":["
		 "{\"name\":\"w\",\"vcpus\":2,\"pin\":[0,1],\"guest\":"
		 "{\"os\":\"windows\",\"timer\":\"lapic\",\"halt_poll_us\":200,"
		 "\"net_kick\":\"mmio\"},\"workload\":[{\"start_s\":0,\"end_s\":4,"
		 "\"type\":\"cpu\",\"intensity\":0.7,\"burst_ms\":2,\"io_net\":0.5}]},"
		 "{\"name\":\"l\",\"vcpus\":2,\"pin\":[2,3],\"guest\":"
		 "{\"hz\":1000,\"tickless\":false,\"halt_poll_us\":50,"
		 "\"halt_poll_grow\":0,\"disk_kick\":\"pio\"},\"workload\":"
		 "[{\"start_s\":0,\"end_s\":4,\"type\":\"disk\",\"compute_us\":300,"
		 "\"depth\":2}]}]}");
	for (int vm = 0; vm < 2; vm++)
		for (int w = 0; w < 4; w++) {
			assert_int_equal(sim_label(r.sim, vm, w, &l), 1);
			assert_false(l.interference);
		}
	assert_true(r.counts[SIMEV_NET_XMIT] > 1000);
	assert_true(r.counts[SIMEV_BLOCK_COMPLETE] > 1000);
	release(&r);
}

/* The guest's tick rate drives an idle guest's exits. */
static void test_guest_hz(void **state)
{
	static const char *fmt = HEAD(2, 4) "}, \"vms\":[{\"name\":\"i\","
		"\"vcpus\":1,\"guest\":{\"hz\":%d,\"tickless\":false},"
		"\"workload\":[]}]}";
	struct run slow, fast;
	char json[512];
	double ratio;

	(void)state;
	snprintf(json, sizeof(json), fmt, 100);
	simulate(&slow, json);
	snprintf(json, sizeof(json), fmt, 1000);
	simulate(&fast, json);
	/* Each tick: the wakeup, the timer re-arm exit, the HLT exit. */
	assert_true(slow.counts[SIMEV_KVM_EXIT] >= 2 * 100 * 4 * 95 / 100);
	assert_true(slow.counts[SIMEV_KVM_EXIT] <= 2 * 100 * 4 * 120 / 100);
	ratio = (double)fast.counts[SIMEV_KVM_EXIT] / slow.counts[SIMEV_KVM_EXIT];
	assert_true(ratio > 8 && ratio < 12);
	release(&slow);
	release(&fast);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_apart),
		cmocka_unit_test(test_cpu_neighbour),
		cmocka_unit_test(test_disk_neighbour_starts_later),
		cmocka_unit_test(test_host_daemon),
		cmocka_unit_test(test_vm_stops),
		cmocka_unit_test(test_same_seed_same_labels),
		cmocka_unit_test(test_nvme_overlap_is_not_delay),
		cmocka_unit_test(test_single_queue_delays),
		cmocka_unit_test(test_nvme_saturated_delays),
		cmocka_unit_test(test_hdd_contention),
		cmocka_unit_test(test_receive_contention),
		cmocka_unit_test(test_guest_habits_pinned_apart),
		cmocka_unit_test(test_guest_hz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
