/* SPDX-License-Identifier: MIT */
/* Unit tests of the host model (extract/analysis.c and the modules under
 * it): synthetic event sequences in, exact times and counts out. */
#include "common/vms.h"
#include "extract/analysis.h"
#include "extract/features.h"
#include "extract/host/tidmap.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC) /* aligned to 1 s */

#define MAX_ROWS 16

struct row_copy {
	char vm[64];
	uint64_t start, end, covered;
	double f[128];
	struct vm_acc acc; /* counters only (samples/ledger pointers not kept) */
	struct culprit ledger[8];
	size_t nledger;
};

struct fixture {
	struct analysis *a;
	struct row_copy rows[MAX_ROWS];
	size_t nrows;
	struct vms_file vms;
	struct vm_entry entries[2];
};

static int on_row(void *ctx, const struct window_row *row)
{
	struct fixture *fx = ctx;
	struct row_copy *r;

	assert_true(fx->nrows < MAX_ROWS);
	r = &fx->rows[fx->nrows++];
	snprintf(r->vm, sizeof(r->vm), "%s", row->vm->name);
	r->start = row->start_ns;
	r->end = row->end_ns;
	r->covered = row->covered_ns;
	assert_true(nr_features <= 128);
	memcpy(r->f, row->features, nr_features * sizeof(double));
	memcpy(&r->acc, row->acc, sizeof(r->acc));
	r->nledger = row->nledger < 8 ? row->nledger : 8;
	if (r->nledger)
		memcpy(r->ledger, row->ledger, r->nledger * sizeof(*r->ledger));
	return 0;
}

/* Two VMs named in a vms.json: A = pid 100, B = pid 300. */
static struct fixture *setup_fx(uint64_t window_ns, int with_vms)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct analysis_config cfg = { .window_ns = window_ns, .on_row = on_row };

	assert_non_null(fx);
	fx->entries[0] = (struct vm_entry){ .pid = 100, .name = "A" };
	fx->entries[1] = (struct vm_entry){ .pid = 300, .name = "B" };
	fx->vms.vms = fx->entries;
	fx->vms.n = 2;
	cfg.ctx = fx;
	cfg.vms = with_vms ? &fx->vms : NULL;
	fx->a = analysis_create(&cfg);
	assert_non_null(fx->a);
	return fx;
}

static void teardown_fx(struct fixture *fx)
{
	analysis_destroy(fx->a);
	free(fx);
}

static void feed(struct fixture *fx, const struct ev *ev)
{
	assert_int_equal(analysis_on_event(fx->a, ev), 0);
}

static void statedump(struct fixture *fx, uint64_t ts, int64_t tid, int64_t pid, const char *name)
{
	struct ev ev = { .kind = EV_STATEDUMP_PROCESS, .ts = ts, .cpu = 0 };

	ev.u.statedump.tid = tid;
	ev.u.statedump.pid = pid;
	ev.u.statedump.name = name;
	feed(fx, &ev);
}

static void sw(struct fixture *fx, uint64_t ts, int cpu, int64_t prev, int64_t state, int64_t next)
{
	struct ev ev = { .kind = EV_SCHED_SWITCH, .ts = ts, .cpu = cpu };

	ev.u.sched_switch.prev_tid = prev;
	ev.u.sched_switch.prev_state = state;
	ev.u.sched_switch.next_tid = next;
	feed(fx, &ev);
}

static void kvm(struct fixture *fx, uint64_t ts, int cpu, int entry, int64_t reason)
{
	struct ev ev = { .kind = entry ? EV_KVM_ENTRY : EV_KVM_EXIT, .ts = ts, .cpu = cpu };

	if (entry) {
		ev.u.kvm_entry.vcpu_id = 0;
	} else {
		ev.u.kvm_exit.exit_reason = reason;
		ev.u.kvm_exit.isa = 1;
		ev.u.kvm_exit.vcpu_id = EV_ABSENT;
	}
	feed(fx, &ev);
}

static void wakeup(struct fixture *fx, uint64_t ts, int cpu, int64_t tid, int target)
{
	struct ev ev = { .kind = EV_SCHED_WAKEUP, .ts = ts, .cpu = cpu };

	ev.u.wakeup.tid = tid;
	ev.u.wakeup.target_cpu = target;
	feed(fx, &ev);
}

static void block(struct fixture *fx, enum ev_kind kind, uint64_t ts, uint64_t sector, int64_t tid)
{
	struct ev ev = { .kind = kind, .ts = ts, .cpu = 1 };

	ev.u.block.dev = 8;
	ev.u.block.sector = sector;
	ev.u.block.nr_sector = 8;
	ev.u.block.rwbs = EV_RWBS_READ;
	ev.u.block.tid = kind == EV_BLOCK_COMPLETE ? EV_ABSENT : tid;
	feed(fx, &ev);
}

/* A request issued (or completed) at once on device 8 (4 KiB read). */
static void rq(struct fixture *fx, uint64_t ts, uint64_t sector, int64_t tid, int issue)
{
	block(fx, EV_BLOCK_INSERT, ts, sector, tid);
	if (issue)
		block(fx, EV_BLOCK_ISSUE, ts, sector, tid);
}

static void sw_comm(struct fixture *fx, uint64_t ts, int cpu, int64_t prev, int64_t state,
		    int64_t next, const char *next_comm)
{
	struct ev ev = { .kind = EV_SCHED_SWITCH, .ts = ts, .cpu = cpu };

	ev.u.sched_switch.prev_tid = prev;
	ev.u.sched_switch.prev_state = state;
	ev.u.sched_switch.next_tid = next;
	ev.u.sched_switch.next_comm = next_comm;
	feed(fx, &ev);
}

static void net(struct fixture *fx, enum ev_kind kind, uint64_t ts, int cpu, uint64_t skb,
		uint64_t len, const char *ifname)
{
	struct ev ev = { .kind = kind, .ts = ts, .cpu = cpu };

	ev.u.net.skbaddr = skb;
	ev.u.net.len = len;
	ev.u.net.ifname = ifname;
	feed(fx, &ev);
}

static void migrate(struct fixture *fx, uint64_t ts, int cpu, int64_t tid, int from, int to)
{
	struct ev ev = { .kind = EV_SCHED_MIGRATE, .ts = ts, .cpu = cpu };

	ev.u.migrate.tid = tid;
	ev.u.migrate.orig_cpu = from;
	ev.u.migrate.dest_cpu = to;
	feed(fx, &ev);
}

static void tick(struct fixture *fx, uint64_t ts)
{
	struct ev ev = { .kind = EV_OTHER, .ts = ts, .cpu = 0 };

	feed(fx, &ev);
}

/* perf's CTF: an event recorded in thread `tid` of process `pid`. */
static void perf_tick(struct fixture *fx, uint64_t ts, int cpu, int64_t tid, int64_t pid)
{
	struct ev ev = { .kind = EV_OTHER, .ts = ts, .cpu = cpu, .ctx_tid = tid, .ctx_pid = pid };

	feed(fx, &ev);
}

/* perf's sched_process_fork (the kernel's naming): thread ids only. */
static void perf_fork(struct fixture *fx, uint64_t ts, int64_t parent_tid, int64_t parent_pid,
		      int64_t child_tid)
{
	struct ev ev = { .kind = EV_PROCESS_FORK, .ts = ts, .cpu = 0,
			 .ctx_tid = parent_tid, .ctx_pid = parent_pid };

	ev.u.fork.parent_tid = parent_tid;
	ev.u.fork.parent_pid = EV_ABSENT;
	ev.u.fork.child_tid = child_tid;
	ev.u.fork.child_pid = EV_ABSENT;
	ev.u.fork.child_comm = "child";
	feed(fx, &ev);
}

static double feat(const struct row_copy *r, const char *name)
{
	int i = features_index(name);

	assert_true(i >= 0);
	return r->f[i];
}

static const struct row_copy *row_of(struct fixture *fx, const char *vm, uint64_t start)
{
	size_t i;

	for (i = 0; i < fx->nrows; i++)
		if (strcmp(fx->rows[i].vm, vm) == 0 && fx->rows[i].start == start)
			return &fx->rows[i];
	fail_msg("no row for %s at %llu", vm, (unsigned long long)start);
	return NULL;
}

/* A vCPU preempted by a host thread for 3 ms: preempted 3 ms, waiting
 * 3 ms while the host held the pCPU, culprit "host". */
static void test_preempted_by_host(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *r;

	(void)state;
	statedump(fx, T0, 101, 100, "CPU 0/KVM");
	statedump(fx, T0, 200, 200, "kworker/0:1");
	sw(fx, T0 + 1 * MS, 0, 0, 0, 101);
	kvm(fx, T0 + 2 * MS, 0, 1, 0);
	kvm(fx, T0 + 100 * MS, 0, 0, 1);          /* EXTERNAL_INTERRUPT */
	sw(fx, T0 + 100 * MS, 0, 101, 0x100, 200); /* preempted (>= 4.14) */
	sw(fx, T0 + 103 * MS, 0, 200, 1, 101);
	kvm(fx, T0 + 104 * MS, 0, 1, 0);
	kvm(fx, T0 + 500 * MS, 0, 0, 12);          /* HLT */
	sw(fx, T0 + 501 * MS, 0, 101, 1, 0);        /* blocks */
	tick(fx, T0 + 1500 * MS);
	assert_int_equal(analysis_finish(fx->a, T0 + 1500 * MS), 0);

	r = row_of(fx, "A", T0);
	assert_int_equal(r->end, T0 + SEC);
	assert_int_equal(r->acc.preemptions, 1);
	assert_int_equal(r->acc.preempted_ns, 3 * MS);
	assert_int_equal(r->acc.wait_ns, 3 * MS);
	assert_int_equal(r->acc.wait_host_ns, 3 * MS);
	assert_int_equal(r->acc.wait_other_vm_ns, 0);
	assert_int_equal(r->nledger, 1);
	assert_int_equal(r->ledger[0].vm, CULPRIT_HOST);
	assert_int_equal(r->ledger[0].cpu_ns, 3 * MS);
	assert_int_equal(r->acc.guest_ns, 98 * MS + 396 * MS);
	assert_int_equal(r->acc.cpu_ns, 99 * MS + 398 * MS);
	assert_int_equal(r->acc.exits_total, 2);
	assert_int_equal(r->acc.exits[EXC_HLT], 1);
	assert_int_equal(r->acc.exits[EXC_EXTERNAL_INTERRUPT], 1);
	assert_int_equal(r->acc.blocked_ns, 499 * MS);
	assert_float_equal(feat(r, "preempted_ratio"), 0.003, 1e-12);
	assert_float_equal(feat(r, "wait_host_ratio"), 0.003, 1e-12);
	assert_float_equal(feat(r, "wait_mean_us"), 3000.0, 1e-9);
	assert_float_equal(feat(r, "exits_hlt_per_s"), 1.0, 1e-12);
	/* guest 494 ms + root 2 ms (its first 1 ms it was not known as a vCPU
	 * yet: emulation time) + 3 ms waiting behind the host */
	assert_int_equal(r->acc.root_ns, 2 * MS);
	assert_int_equal(r->acc.emu_ns, 1 * MS);
	assert_float_equal(feat(r, "cpu_delay_share"), 3.0 / (494 + 2 + 3), 1e-12);
	assert_float_equal(feat(r, "vcpus_active"), 1.0, 0);
	/* The host's kworker ran 3 ms. */
	assert_float_equal(feat(r, "host_only_cpu_util"), 0.003, 1e-12);

	/* Window 1 is half covered and the vCPU is blocked all along. */
	r = row_of(fx, "A", T0 + SEC);
	assert_int_equal(r->covered, 500 * MS);
	assert_int_equal(r->acc.blocked_ns, 500 * MS);
	assert_float_equal(feat(r, "blocked_ratio"), 1.0, 1e-12);
	teardown_fx(fx);
}

/* A's request queued behind B's on the same disk: A's culprit is B. */
static void test_disk_culprit(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a, *b;

	(void)state;
	statedump(fx, T0, 102, 100, "IO iothread1");
	statedump(fx, T0, 302, 300, "IO iothread1");
	block(fx, EV_BLOCK_INSERT, T0 + 10 * MS, 1000, 302);
	block(fx, EV_BLOCK_ISSUE, T0 + 10 * MS, 1000, 302);
	block(fx, EV_BLOCK_INSERT, T0 + 11 * MS, 2000, 102);
	block(fx, EV_BLOCK_COMPLETE, T0 + 15 * MS, 1000, 0);
	block(fx, EV_BLOCK_ISSUE, T0 + 16 * MS, 2000, 102);
	block(fx, EV_BLOCK_COMPLETE, T0 + 20 * MS, 2000, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + SEC - 1), 0);

	a = row_of(fx, "A", T0);
	b = row_of(fx, "B", T0);
	assert_int_equal(a->acc.disk_rd, 1);
	assert_int_equal(a->acc.disk_life_ns, 9 * MS);
	assert_int_equal(a->acc.disk_delay_ns, 4 * MS);
	assert_int_equal(a->nledger, 1);
	assert_int_equal(a->ledger[0].vm, 1); /* B */
	assert_int_equal(a->ledger[0].disk_ns, 4 * MS);
	assert_float_equal(feat(a, "disk_delay_share"), 4.0 / 9.0, 1e-12);
	assert_float_equal(feat(a, "disk_lat_mean_us"), 4000.0, 1e-9);
	assert_float_equal(feat(a, "disk_queue_mean_us"), 5000.0, 1e-9);
	assert_int_equal(b->acc.disk_delay_ns, 0);
	assert_int_equal(b->nledger, 0);
	assert_float_equal(feat(b, "disk_other_inflight"), 4.0 / 5.0, 1e-12);
	assert_float_equal(feat(b, "disk_lat_mean_us"), 5000.0, 1e-9);
	/* Context: B sees A's one request. */
	assert_float_equal(feat(b, "others_disk_per_s") * (double)(SEC - 1 - 0) / SEC,
			   1.0, 1e-6);
	teardown_fx(fx);
}

/* Exit counts by reason and the variance of the rate across the 10
 * sub-intervals; window alignment and splitting at the border. */
static void test_exits_and_windows(void **state)
{
	struct fixture *fx = setup_fx(SEC, 0); /* VM found from kvm_entry */
	const struct row_copy *r0, *r1;
	int i;

	(void)state;
	statedump(fx, T0 + 500 * MS, 101, 555, "qemu-system-x86");
	sw(fx, T0 + 600 * MS, 0, 0, 0, 101);
	for (i = 0; i < 10; i++) { /* all in sub-interval 6 [0.6, 0.7) */
		kvm(fx, T0 + 600 * MS + (uint64_t)(2 * i + 1) * MS, 0, 1, 0);
		kvm(fx, T0 + 600 * MS + (uint64_t)(2 * i + 2) * MS, 0, 0, i < 4 ? 48 : 30);
	}
	sw(fx, T0 + 1200 * MS, 0, 101, 0, 0); /* preempted, idle holds the CPU */
	sw(fx, T0 + 1300 * MS, 0, 0, 0, 101);
	assert_int_equal(analysis_finish(fx->a, T0 + 1400 * MS), 0);

	r0 = row_of(fx, "qemu-555", T0);
	r1 = row_of(fx, "qemu-555", T0 + SEC);
	assert_int_equal(r0->covered, 500 * MS); /* trace starts at T0 + 0.5 s */
	/* [0.6, 0.601) ran before its first kvm_entry: the host's then */
	assert_int_equal(r0->acc.cpu_ns, 399 * MS);
	assert_int_equal(r1->acc.cpu_ns, 300 * MS);
	assert_float_equal(feat(r0, "cpu_util"), 0.798, 1e-12);
	assert_int_equal(r0->acc.exits_total, 10);
	assert_int_equal(r0->acc.exits[EXC_EPT_VIOLATION], 4);
	assert_int_equal(r0->acc.exits[EXC_IO_INSTRUCTION], 6);
	assert_float_equal(feat(r0, "exits_ept_violation_per_s"), 8.0, 1e-9);
	/* rates per sub-interval (0.1 s): 100/s once, 0 nine times. */
	assert_float_equal(feat(r0, "exits_var"), 1000.0, 1e-6);
	assert_int_equal(r1->acc.wait_idle_ns, 100 * MS);
	assert_int_equal(r1->acc.preempted_ns, 100 * MS);
	assert_int_equal(r1->nledger, 0);
	teardown_fx(fx);
}

/* prev_state encodings of the kernels: 0 (< 4.4), TASK_STATE_MAX alone
 * (4.4-4.13), TASK_REPORT_MAX 0x100 (>= 4.14) are preemptions; S, D,
 * and S with the marker are blocks. */
static void test_prev_state_encodings(void **state)
{
	static const int64_t preempt[] = { 0, 0x400, 0x800, 0x100 };
	static const int64_t blocks[] = { 1, 2, 0x101 };
	struct fixture *fx = setup_fx(SEC, 1);
	uint64_t ts = T0 + MS;
	size_t i;

	(void)state;
	statedump(fx, T0, 101, 100, "CPU 0/KVM");
	sw(fx, ts, 0, 0, 0, 101);
	kvm(fx, ts += MS, 0, 1, 0);
	for (i = 0; i < 4; i++) {
		sw(fx, ts += MS, 0, 101, preempt[i], 0);
		sw(fx, ts += MS, 0, 0, 0, 101);
	}
	for (i = 0; i < 3; i++) {
		sw(fx, ts += MS, 0, 101, blocks[i], 0);
		wakeup(fx, ts += MS, 0, 101, 0);
		sw(fx, ts += MS, 0, 0, 0, 101);
	}
	assert_int_equal(analysis_finish(fx->a, ts + MS), 0);
	assert_int_equal(row_of(fx, "A", T0)->acc.preemptions, 4);
	assert_int_equal(row_of(fx, "A", T0)->acc.blocked_ns, 3 * MS);
	teardown_fx(fx);
}

/* A tid reused after its thread exited starts fresh: it is no longer the
 * VM's vCPU. */
static void test_tid_reuse(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	struct ev ev = { .ts = T0 + 10 * MS, .cpu = 0 };
	const struct row_copy *r;

	(void)state;
	statedump(fx, T0, 101, 100, "CPU 0/KVM");
	sw(fx, T0 + MS, 0, 0, 0, 101);
	kvm(fx, T0 + 2 * MS, 0, 1, 0);
	kvm(fx, T0 + 3 * MS, 0, 0, 12);
	sw(fx, T0 + 4 * MS, 0, 101, 1, 0);
	ev.kind = EV_PROCESS_FREE;
	ev.u.proc_exit.tid = 101;
	feed(fx, &ev);
	ev.kind = EV_PROCESS_FORK;
	ev.ts = T0 + 20 * MS;
	ev.u.fork.parent_pid = 1;
	ev.u.fork.child_tid = 101;
	ev.u.fork.child_pid = 101;
	ev.u.fork.child_comm = "bash";
	feed(fx, &ev);
	sw(fx, T0 + 30 * MS, 0, 0, 0, 101);
	sw(fx, T0 + 80 * MS, 0, 101, 1, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + 100 * MS), 0);
	r = row_of(fx, "A", T0);
	assert_int_equal(r->acc.cpu_ns, 3 * MS);
	assert_int_equal(r->acc.blocked_ns, 6 * MS); /* until the free */
	assert_float_equal(feat(r, "host_only_cpu_util"), 0.05 / 0.1, 1e-12);
	assert_null(fx->a->host.threads.n == 1 ? NULL : "thread table");
	teardown_fx(fx);
}

/* Wakeup reasons: a vhost wakeup teaches the vector; a later wakeup from
 * interrupt context with the same vector is classified net too. */
static void test_block_reasons(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	struct ev irq = { .kind = EV_KVM_INJ_VIRQ, .cpu = 0 };
	const struct row_copy *r;

	(void)state;
	statedump(fx, T0, 101, 100, "CPU 0/KVM");
	statedump(fx, T0, 150, 150, "vhost-100");
	sw(fx, T0 + MS, 0, 0, 0, 101);
	kvm(fx, T0 + 2 * MS, 0, 1, 0);
	kvm(fx, T0 + 3 * MS, 0, 0, 12);
	sw(fx, T0 + 4 * MS, 0, 101, 1, 0);      /* halted */
	sw(fx, T0 + 10 * MS, 1, 0, 0, 150);     /* vhost runs on cpu 1 */
	wakeup(fx, T0 + 14 * MS, 1, 101, 0);    /* and wakes the vCPU: net */
	sw(fx, T0 + 15 * MS, 0, 0, 0, 101);
	irq.ts = T0 + 15 * MS + 1;
	irq.u.kvm_irq.vector = 0x41;
	feed(fx, &irq);
	kvm(fx, T0 + 16 * MS, 0, 1, 0);
	kvm(fx, T0 + 17 * MS, 0, 0, 12);
	sw(fx, T0 + 18 * MS, 0, 101, 1, 0);     /* halted again */
	wakeup(fx, T0 + 38 * MS, 0, 101, 0);    /* from idle (interrupt) */
	sw(fx, T0 + 39 * MS, 0, 0, 0, 101);
	irq.ts = T0 + 39 * MS + 1;
	feed(fx, &irq);                          /* vector 0x41: net */
	kvm(fx, T0 + 40 * MS, 0, 1, 0);
	kvm(fx, T0 + 41 * MS, 0, 0, 12);
	sw(fx, T0 + 42 * MS, 0, 101, 1, 0);
	wakeup(fx, T0 + 52 * MS, 0, 101, 0);    /* unknown vector: timer */
	sw(fx, T0 + 53 * MS, 0, 0, 0, 101);
	kvm(fx, T0 + 54 * MS, 0, 1, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + 60 * MS), 0);
	r = row_of(fx, "A", T0);
	assert_int_equal(r->acc.blk_count[BLK_NET], 2);
	assert_int_equal(r->acc.blk_ns[BLK_NET], 10 * MS + 20 * MS);
	assert_int_equal(r->acc.blk_count[BLK_TIMER], 1);
	assert_int_equal(r->acc.blk_ns[BLK_TIMER], 10 * MS);
	assert_float_equal(feat(r, "blk_net_mean_us"), 15000.0, 1e-9);
	teardown_fx(fx);
}

/* Tap devices learned from the vhost threads; A's packet waits on eth0
 * while B's is being sent: A's net culprit is B. */
static void test_net_tap_and_culprit(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a, *b;

	(void)state;
	statedump(fx, T0, 150, 150, "vhost-100");
	statedump(fx, T0, 350, 350, "vhost-300");
	sw(fx, T0 + 1 * MS, 0, 0, 0, 150);
	sw(fx, T0 + 1 * MS, 1, 0, 0, 350);
	net(fx, EV_NET_RECEIVE, T0 + 2 * MS, 1, 0x2000, 1514, "tap1"); /* B sends */
	net(fx, EV_NET_QUEUE, T0 + 2 * MS, 1, 0x2000, 1514, "eth0");
	net(fx, EV_NET_XMIT, T0 + 2 * MS, 1, 0x2000, 1514, "eth0");
	net(fx, EV_NET_RECEIVE, T0 + 3 * MS, 0, 0x1000, 1514, "tap0"); /* A sends */
	net(fx, EV_NET_QUEUE, T0 + 3 * MS, 0, 0x1000, 1514, "eth0");
	net(fx, EV_NET_XMIT, T0 + 5 * MS, 1, 0x1000, 1514, "eth0");
	net(fx, EV_NET_QUEUE, T0 + 6 * MS, 1, 0x3000, 66, "tap0");   /* to A */
	net(fx, EV_NET_XMIT, T0 + 6 * MS, 1, 0x3000, 66, "tap0");
	assert_int_equal(analysis_finish(fx->a, T0 + 10 * MS), 0);
	a = row_of(fx, "A", T0);
	b = row_of(fx, "B", T0);
	assert_int_equal(a->acc.net_tx_pkts, 1);
	assert_int_equal(a->acc.net_tx_bytes, 1514);
	assert_int_equal(a->acc.net_rx_pkts, 1);
	assert_int_equal(a->acc.net_rx_bytes, 66);
	assert_int_equal(b->acc.net_tx_pkts, 1);
	assert_int_equal(b->acc.net_rx_pkts, 0);
	assert_float_equal(a->acc.net_delay_ns, 2.0 * MS, 1e-6);
	assert_int_equal(a->nledger, 1);
	assert_int_equal(a->ledger[0].vm, 1);
	assert_int_equal(a->ledger[0].net_ns, 2 * MS);
	assert_float_equal(feat(a, "net_delay_share"), 1.0, 1e-12);
	assert_float_equal(feat(a, "net_queue_mean_us"), 1000.0, 1e-9); /* 2 ms, 0 ms */
	assert_int_equal(b->nledger, 0);
	teardown_fx(fx);
}

/* A packet handed to the backlog (netif_rx: veth, tun, loopback) is
 * received again by netif_receive_skb with the same skb: one packet. */
static void test_net_rx_backlog_once(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a;

	(void)state;
	statedump(fx, T0, 150, 150, "vhost-100");
	sw(fx, T0 + 1 * MS, 0, 0, 0, 150);
	net(fx, EV_NET_RX, T0 + 2 * MS, 0, 0x1000, 1000, "tap0");
	net(fx, EV_NET_RECEIVE, T0 + 2 * MS + 10, 0, 0x1000, 1000, "tap0");
	net(fx, EV_NET_RX, T0 + 3 * MS, 0, 0x2000, 500, "tap0");
	net(fx, EV_NET_RX, T0 + 3 * MS + 5, 0, 0x3000, 300, "tap0");
	net(fx, EV_NET_RECEIVE, T0 + 3 * MS + 10, 0, 0x2000, 500, "tap0");
	net(fx, EV_NET_RECEIVE, T0 + 3 * MS + 20, 0, 0x3000, 300, "tap0");
	/* NAPI: netif_receive_skb alone, and the skb of a matched one reused */
	net(fx, EV_NET_RECEIVE, T0 + 4 * MS, 0, 0x4000, 200, "tap0");
	net(fx, EV_NET_RECEIVE, T0 + 5 * MS, 0, 0x1000, 100, "tap0");
	assert_int_equal(analysis_finish(fx->a, T0 + 10 * MS), 0);
	a = row_of(fx, "A", T0);
	assert_int_equal(a->acc.net_tx_pkts, 5);
	assert_int_equal(a->acc.net_tx_bytes, 2100);
	teardown_fx(fx);
}

/* A's vCPU waits on CPU 0 behind B's thread, then migrates to the idle
 * CPU 1: 4 ms behind B (culprit B), 1 ms behind idle. */
static void test_wait_behind_other_vm(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a;

	(void)state;
	statedump(fx, T0, 101, 100, "CPU 0/KVM");
	statedump(fx, T0, 301, 300, "CPU 0/KVM");
	sw(fx, T0 + 1 * MS, 0, 0, 0, 301);
	sw(fx, T0 + 1 * MS, 1, 0, 0, 101);
	kvm(fx, T0 + 1 * MS + 1, 1, 1, 0);
	kvm(fx, T0 + 2 * MS, 1, 0, 12);
	sw(fx, T0 + 2 * MS, 1, 101, 1, 0);
	wakeup(fx, T0 + 10 * MS, 1, 101, 0);
	migrate(fx, T0 + 14 * MS, 1, 101, 0, 1);
	sw(fx, T0 + 15 * MS, 1, 0, 0, 101);
	kvm(fx, T0 + 16 * MS, 1, 1, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + 20 * MS), 0);
	a = row_of(fx, "A", T0);
	assert_int_equal(a->acc.wait_ns, 5 * MS);
	assert_int_equal(a->acc.wait_other_vm_ns, 4 * MS);
	assert_int_equal(a->acc.wait_idle_ns, 1 * MS);
	assert_int_equal(a->acc.wait_host_ns, 0);
	assert_int_equal(a->acc.preempted_ns, 0);
	assert_int_equal(a->nledger, 1);
	assert_int_equal(a->ledger[0].vm, 1);
	assert_int_equal(a->ledger[0].cpu_ns, 4 * MS);
	assert_float_equal(feat(a, "wait_p95_us"), 5000.0, 1e-9);
	assert_int_equal(a->acc.blocked_ns, 8 * MS);
	teardown_fx(fx);
}

/* An NVMe-like device: each VM first shows it takes 4 requests at once,
 * served in 100 us (their uncontended service). Then 4 requests of A
 * and B overlap, B's waiting 20 us in the block layer while A's are in
 * service, the device below its concurrency: overlap, no delay. */
static void test_disk_parallel_no_delay(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a, *b;
	uint64_t t = T0 + 10 * MS, sec = 1000;
	int k, i;

	(void)state;
	statedump(fx, T0, 102, 100, "IO iothread1");
	statedump(fx, T0, 302, 300, "IO iothread1");
	for (k = 0; k < 4; k++, t += 200 * US) { /* A, B, A, B: solo bursts */
		int64_t tid = k % 2 ? 302 : 102;

		for (i = 0; i < 4; i++)
			rq(fx, t, sec + (uint64_t)(8 * i), tid, 1);
		for (i = 0; i < 4; i++)
			block(fx, EV_BLOCK_COMPLETE, t + 100 * US, sec + (uint64_t)(8 * i), 0);
		sec += 100;
	}
	rq(fx, t, 10000, 102, 1);                  /* A1 */
	rq(fx, t + 10 * US, 20000, 302, 0);        /* B1 waits 20 us */
	rq(fx, t + 20 * US, 10008, 102, 1);        /* A2 */
	block(fx, EV_BLOCK_ISSUE, t + 30 * US, 20000, 302);
	rq(fx, t + 40 * US, 20008, 302, 0);        /* B2 waits 20 us */
	block(fx, EV_BLOCK_ISSUE, t + 60 * US, 20008, 302);
	block(fx, EV_BLOCK_COMPLETE, t + 100 * US, 10000, 0);
	block(fx, EV_BLOCK_COMPLETE, t + 120 * US, 10008, 0);
	block(fx, EV_BLOCK_COMPLETE, t + 130 * US, 20000, 0);
	block(fx, EV_BLOCK_COMPLETE, t + 160 * US, 20008, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + SEC - 1), 0);

	a = row_of(fx, "A", T0);
	b = row_of(fx, "B", T0);
	assert_int_equal(a->acc.disk_rd, 10);
	assert_int_equal(b->acc.disk_rd, 10);
	assert_true(feat(b, "disk_other_inflight") > 0); /* they did overlap */
	assert_true(feat(a, "disk_other_inflight") > 0);
	assert_float_equal(a->acc.disk_delay_ns, 0, 0);
	assert_float_equal(b->acc.disk_delay_ns, 0, 0);
	assert_int_equal(a->nledger, 0);
	assert_int_equal(b->nledger, 0);
	assert_float_equal(feat(b, "disk_delay_share"), 0, 0);
	/* every request served in its uncontended 100 us */
	assert_float_equal(feat(a, "disk_lat_inflation"), 0, 1e-9);
	assert_float_equal(feat(b, "disk_lat_inflation"), 0, 1e-9);
	teardown_fx(fx);
}

/* A single-queue HDD (one request in service at a time, once two by
 * exception: not its concurrency): B floods it with 3 requests, A's
 * request arrives behind them and is issued only after the last: its
 * delay is the 10 ms it queued behind B's. */
static void test_disk_hdd_queued_behind(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a, *b;
	uint64_t t = T0 + 10 * MS;
	int i;

	(void)state;
	statedump(fx, T0, 102, 100, "IO iothread1");
	statedump(fx, T0, 302, 300, "IO iothread1");
	for (i = 0; i < 8; i++) { /* one at a time */
		rq(fx, T0 + MS + (uint64_t)i * MS / 2, 50000 + (uint64_t)(8 * i), 302, 1);
		block(fx, EV_BLOCK_COMPLETE, T0 + MS + (uint64_t)i * MS / 2 + 400 * US,
		      50000 + (uint64_t)(8 * i), 0);
	}
	rq(fx, T0 + 6 * MS, 60000, 302, 1);        /* two at once, once */
	rq(fx, T0 + 6 * MS, 60008, 302, 1);
	block(fx, EV_BLOCK_COMPLETE, T0 + 7 * MS, 60000, 0);
	block(fx, EV_BLOCK_COMPLETE, T0 + 7 * MS, 60008, 0);
	rq(fx, t, 1000, 302, 1);
	rq(fx, t + 1 * MS, 1008, 302, 0);
	rq(fx, t + 1 * MS, 1016, 302, 0);
	rq(fx, t + 2 * MS, 5000, 102, 0);          /* A, behind 3 of B's */
	block(fx, EV_BLOCK_COMPLETE, t + 4 * MS, 1000, 0);
	block(fx, EV_BLOCK_ISSUE, t + 4 * MS, 1008, 302);
	block(fx, EV_BLOCK_COMPLETE, t + 8 * MS, 1008, 0);
	block(fx, EV_BLOCK_ISSUE, t + 8 * MS, 1016, 302);
	block(fx, EV_BLOCK_COMPLETE, t + 12 * MS, 1016, 0);
	block(fx, EV_BLOCK_ISSUE, t + 12 * MS, 5000, 102);
	block(fx, EV_BLOCK_COMPLETE, t + 16 * MS, 5000, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + SEC - 1), 0);

	a = row_of(fx, "A", T0);
	b = row_of(fx, "B", T0);
	assert_float_equal(a->acc.disk_delay_ns, 10.0 * MS, 1e-6);
	assert_int_equal(a->nledger, 1);
	assert_int_equal(a->ledger[0].vm, 1);
	assert_int_equal(a->ledger[0].disk_ns, 10 * MS);
	assert_float_equal(feat(a, "disk_delay_share"), 10.0 / 14.0, 1e-12);
	assert_float_equal(feat(a, "disk_busy_share"), 0.014 / (SEC - 1) * SEC, 1e-9);
	/* B's own queue is not interference */
	assert_float_equal(b->acc.disk_delay_ns, 0, 0);
	assert_int_equal(b->nledger, 0);
	teardown_fx(fx);
}

/* An HDD with a device queue (NCQ): both requests go in at once and the
 * device serves them one after the other. A's uncontended service is
 * 4 ms (8 solo requests); with B's request ahead it takes 7 ms: the
 * 3 ms beyond it, while B's was in service, are lost to B. */
static void test_disk_inflation_behind(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a, *b;
	uint64_t t = T0 + 10 * MS;
	int i;

	(void)state;
	statedump(fx, T0, 102, 100, "IO iothread1");
	statedump(fx, T0, 302, 300, "IO iothread1");
	for (i = 0; i < 8; i++, t += 5 * MS) {
		rq(fx, t, 1000 + (uint64_t)(8 * i), 102, 1);
		block(fx, EV_BLOCK_COMPLETE, t + 4 * MS, 1000 + (uint64_t)(8 * i), 0);
	}
	rq(fx, t, 9000, 302, 1);                   /* B first */
	rq(fx, t + 1 * MS, 5000, 102, 1);          /* A in the device too */
	block(fx, EV_BLOCK_COMPLETE, t + 4 * MS, 9000, 0);
	block(fx, EV_BLOCK_COMPLETE, t + 8 * MS, 5000, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + SEC - 1), 0);

	a = row_of(fx, "A", T0);
	b = row_of(fx, "B", T0);
	assert_float_equal(a->acc.disk_delay_ns, 3.0 * MS, 1e3);
	assert_int_equal(a->nledger, 1);
	assert_int_equal(a->ledger[0].vm, 1);
	assert_true(a->ledger[0].disk_ns > 3 * MS - 1000 && a->ledger[0].disk_ns < 3 * MS + 1000);
	/* the baseline holds from the 8th solo request on: that one in 4 ms,
	 * the contended one in 7 ms, over a 4 ms median */
	assert_float_equal(feat(a, "disk_lat_inflation"), (4.0 + 7.0) / (2 * 4.0) - 1, 1e-3);
	/* B's 4 ms is within the device's uncontended service */
	assert_float_equal(b->acc.disk_delay_ns, 0, 0);
	teardown_fx(fx);
}

/* Linux >= 6.4: A's vhost worker is a task of the QEMU process (pid 100),
 * forked with QEMU's name and renamed vhost-100; B's is a kthread of
 * before 6.4, forked by kthreadd and renamed. The bridge forwards A's
 * packet to eth0 in a softirq that interrupted B's vCPU. A's packet is
 * A's and waits 2 ms behind B's packet being sent. */
static void test_net_vhost_task(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	struct ev fork = { .kind = EV_PROCESS_FORK, .ts = T0 + MS / 2, .cpu = 0 };
	const struct row_copy *a;

	(void)state;
	statedump(fx, T0, 301, 300, "CPU 0/KVM");
	fork.u.fork.parent_pid = 2;                 /* B's: a kthread (< 6.4), */
	fork.u.fork.child_tid = 350;                /* kthreadd's child, named */
	fork.u.fork.child_pid = 350;                /* vhost-300 by itself */
	fork.u.fork.child_comm = "kthreadd";
	feed(fx, &fork);
	fork.u.fork.parent_pid = 100;
	fork.u.fork.child_tid = 160;
	fork.u.fork.child_pid = 100;
	fork.u.fork.child_comm = "qemu-system-x86";
	feed(fx, &fork);
	sw_comm(fx, T0 + 1 * MS, 0, 0, 0, 160, "vhost-100");
	sw_comm(fx, T0 + 1 * MS, 1, 0, 0, 350, "vhost-300");
	net(fx, EV_NET_RECEIVE, T0 + 2 * MS, 1, 0x2000, 1514, "tap1"); /* B sends */
	net(fx, EV_NET_QUEUE, T0 + 2 * MS, 1, 0x2000, 1514, "eth0");
	net(fx, EV_NET_XMIT, T0 + 2 * MS, 1, 0x2000, 1514, "eth0");
	net(fx, EV_NET_RECEIVE, T0 + 3 * MS, 0, 0x1000, 1514, "tap0"); /* A sends */
	sw(fx, T0 + 3 * MS, 1, 350, 1, 301);       /* B's vCPU on CPU 1 */
	kvm(fx, T0 + 3 * MS + 1, 1, 1, 0);
	net(fx, EV_NET_QUEUE, T0 + 3 * MS + 2, 1, 0x1000, 1514, "eth0"); /* softirq */
	net(fx, EV_NET_XMIT, T0 + 5 * MS, 1, 0x1000, 1514, "eth0");
	assert_int_equal(analysis_finish(fx->a, T0 + 10 * MS), 0);
	a = row_of(fx, "A", T0);
	assert_int_equal(a->acc.net_tx_pkts, 1);
	assert_int_equal(row_of(fx, "B", T0)->acc.net_tx_pkts, 1); /* the kthread's tap */
	assert_float_equal(feat(a, "vhost_cpu_util"), 0.9, 1e-9); /* the task's 9 ms */
	assert_float_equal(a->acc.net_delay_ns, 2.0 * MS - 2, 1e-6);
	assert_int_equal(a->nledger, 1);
	assert_int_equal(a->ledger[0].vm, 1);
	assert_int_equal(a->ledger[0].net_ns, 2 * MS - 2);
	assert_true(feat(a, "net_delay_share") > 0.5);
	teardown_fx(fx);
}

/* One frame through the host: received on `dev` and queued (then sent)
 * on `to`, as the bridge forwards it. */
static void hop(struct fixture *fx, uint64_t ts, int cpu, uint64_t skb, uint64_t len,
		const char *dev, const char *to)
{
	net(fx, EV_NET_RECEIVE, ts, cpu, skb, len, dev);
	net(fx, EV_NET_QUEUE, ts, cpu, skb, len, to);
	net(fx, EV_NET_XMIT, ts, cpu, skb, len, to);
}

/* The receive side of a shared 1 GbE link (8 ns a byte, learned from
 * B's two back-to-back frames): A's answers come 100 us after its
 * request left (8 uncontended exchanges). Then B's answer of 5 frames
 * holds the wire from 8 us before A's answer is due until 32 us after:
 * A's frame waited 32 us behind B's, its latency 40 us. */
static void test_net_rx_behind_other(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *a;
	uint64_t t = T0 + 10 * MS, skb = 0x10000;
	int i;

	(void)state;
	statedump(fx, T0, 150, 150, "vhost-100");
	statedump(fx, T0, 350, 350, "vhost-300");
	sw(fx, T0 + 1 * MS, 0, 0, 0, 150);
	sw(fx, T0 + 1 * MS, 1, 0, 0, 350);
	/* B's two frames back to back: the link's rate */
	net(fx, EV_NET_RECEIVE, T0 + 2 * MS, 1, 0x100, 1000, "tap1");
	net(fx, EV_NET_QUEUE, T0 + 2 * MS, 1, 0x100, 1000, "eth0");
	net(fx, EV_NET_RECEIVE, T0 + 2 * MS, 1, 0x200, 1000, "tap1");
	net(fx, EV_NET_QUEUE, T0 + 2 * MS, 1, 0x200, 1000, "eth0");
	net(fx, EV_NET_XMIT, T0 + 2 * MS, 1, 0x100, 1000, "eth0");
	net(fx, EV_NET_XMIT, T0 + 2 * MS + 8 * US, 1, 0x200, 1000, "eth0");
	for (i = 0; i <= 8; i++, t += MS) { /* A's request, 100 us, its answer */
		net(fx, EV_NET_RECEIVE, t, 0, skb, 1000, "tap0");
		net(fx, EV_NET_QUEUE, t, 0, skb, 1000, "eth0");
		net(fx, EV_NET_XMIT, t, 0, skb, 1000, "eth0");
		skb += 0x100;
		if (i == 8) { /* B's answer: on the wire from t + 100 us */
			int k;

			for (k = 1; k <= 5; k++, skb += 0x100)
				hop(fx, t + 100 * US + (uint64_t)(8 * k) * US, 1, skb, 1000,
				    "eth0", "tap1");
			hop(fx, t + 148 * US, 0, skb, 1000, "eth0", "tap0");
		} else {
			hop(fx, t + 116 * US, 0, skb, 1000, "eth0", "tap0");
		}
		skb += 0x100;
	}
	assert_int_equal(analysis_finish(fx->a, T0 + 100 * MS), 0);
	a = row_of(fx, "A", T0);
	assert_int_equal(a->acc.net_rx_pkts, 9);
	assert_float_equal(a->acc.net_delay_ns, 32.0 * US, 1);
	assert_int_equal(a->nledger, 1);
	assert_int_equal(a->ledger[0].vm, 1);
	assert_int_equal(a->ledger[0].net_ns, 32 * US);
	/* 9 requests (no wait, 8 us each), 8 answers in 8 us, one in 40 */
	assert_float_equal(a->acc.net_done_ns, (9 * 8.0 + 8 * 8.0 + 40.0) * US, 1);
	teardown_fx(fx);
}

/* Blocks classified by the VM's own I/O: a halt that ends 50 us after
 * its disk request completed is disk; a halt into which a packet for the
 * VM fell 500 ms before a timer ended it is not net; one that ends 100 us
 * after a packet is. */
static void test_block_io_wait(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *r;

	(void)state;
	statedump(fx, T0, 101, 100, "CPU 0/KVM");
	statedump(fx, T0, 102, 100, "IO iothread1");
	statedump(fx, T0, 150, 150, "vhost-100");
	sw(fx, T0 + 1 * MS, 1, 0, 0, 150);
	net(fx, EV_NET_RECEIVE, T0 + 1 * MS, 1, 0x100, 100, "tap0"); /* tap0: A's */
	sw(fx, T0 + 1 * MS, 0, 0, 0, 101);
	kvm(fx, T0 + 2 * MS, 0, 1, 0);
	kvm(fx, T0 + 3 * MS, 0, 0, 12);
	rq(fx, T0 + 3 * MS, 1000, 102, 1);
	sw(fx, T0 + 4 * MS, 0, 101, 1, 0);          /* halts: 10 ms, disk */
	block(fx, EV_BLOCK_COMPLETE, T0 + 14 * MS - 50 * US, 1000, 0);
	wakeup(fx, T0 + 14 * MS, 0, 101, 0);
	sw(fx, T0 + 14 * MS, 0, 0, 0, 101);
	kvm(fx, T0 + 15 * MS, 0, 0, 12);
	sw(fx, T0 + 16 * MS, 0, 101, 1, 0);         /* halts 600 ms: timer */
	net(fx, EV_NET_QUEUE, T0 + 116 * MS, 1, 0x200, 60, "tap0");
	net(fx, EV_NET_XMIT, T0 + 116 * MS, 1, 0x200, 60, "tap0");
	wakeup(fx, T0 + 616 * MS, 0, 101, 0);
	sw(fx, T0 + 616 * MS, 0, 0, 0, 101);
	kvm(fx, T0 + 617 * MS, 0, 0, 12);
	sw(fx, T0 + 618 * MS, 0, 101, 1, 0);        /* halts 20 ms: net */
	net(fx, EV_NET_QUEUE, T0 + 638 * MS - 100 * US, 1, 0x300, 60, "tap0");
	net(fx, EV_NET_XMIT, T0 + 638 * MS - 100 * US, 1, 0x300, 60, "tap0");
	wakeup(fx, T0 + 638 * MS, 0, 101, 0);
	sw(fx, T0 + 638 * MS, 0, 0, 0, 101);
	assert_int_equal(analysis_finish(fx->a, T0 + SEC - 1), 0);
	r = row_of(fx, "A", T0);
	assert_int_equal(r->acc.net_rx_pkts, 2);
	assert_int_equal(r->acc.blk_io_disk_ns, 10 * MS);
	assert_int_equal(r->acc.blk_io_net_ns, 20 * MS);
	assert_float_equal(feat(r, "vcpu_blk_net_share"), 0.020 * SEC / (SEC - 1), 1e-9);
	teardown_fx(fx);
}

/* A host daemon's 20 ms burst on the pCPU of a busy vCPU: the vCPU is
 * preempted, waits 20 ms, all charged to the host, even across the
 * window border (the burst starts 10 ms before it). */
static void test_short_host_burst(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	const struct row_copy *r0, *r1;

	(void)state;
	statedump(fx, T0, 101, 100, "CPU 0/KVM");
	statedump(fx, T0, 200, 200, "backupd");
	sw(fx, T0 + 1 * MS, 0, 0, 0, 101);
	kvm(fx, T0 + 2 * MS, 0, 1, 0);
	kvm(fx, T0 + 990 * MS, 0, 0, 1);
	wakeup(fx, T0 + 990 * MS, 0, 200, 0);
	sw(fx, T0 + 990 * MS, 0, 101, 0x100, 200);
	sw(fx, T0 + 1010 * MS, 0, 200, 1, 101);
	kvm(fx, T0 + 1010 * MS + 1, 0, 1, 0);
	assert_int_equal(analysis_finish(fx->a, T0 + 1100 * MS), 0);
	r0 = row_of(fx, "A", T0);
	r1 = row_of(fx, "A", T0 + SEC);
	assert_int_equal(r0->acc.wait_host_ns, 10 * MS);
	assert_int_equal(r1->acc.wait_host_ns, 10 * MS);
	assert_int_equal(r0->nledger, 1);
	assert_int_equal(r0->ledger[0].vm, CULPRIT_HOST);
	assert_int_equal(r0->ledger[0].cpu_ns, 10 * MS);
	assert_int_equal(r1->ledger[0].vm, CULPRIT_HOST);
	assert_int_equal(r1->ledger[0].cpu_ns, 10 * MS);
	/* window 1: 10 ms waiting, ~90 ms running: over the labeling rule */
	assert_true(feat(r1, "cpu_delay_share") >= LABEL_MIN_SHARE);
	assert_float_equal(feat(r1, "cpu_delay_share"), 10.0 / 100.0, 1e-6);
	teardown_fx(fx);
}

static void test_tidmap(void **state)
{
	struct tidmap m;
	int64_t i;

	(void)state;
	tidmap_init(&m);
	for (i = 1; i <= 5000; i++)
		assert_int_equal(tidmap_put(&m, i * 7, (void *)(intptr_t)i), 0);
	for (i = 1; i <= 5000; i += 2)
		assert_ptr_equal(tidmap_remove(&m, i * 7), (void *)(intptr_t)i);
	for (i = 1; i <= 5000; i++)
		assert_ptr_equal(tidmap_get(&m, i * 7), i % 2 ? NULL : (void *)(intptr_t)i);
	assert_int_equal(m.n, 2500);
	tidmap_fini(&m);
}

/* Without statedump (perf): each thread's process from perf_pid; a
 * forked child is a thread of its parent's process until its own events
 * say otherwise; what a process tenant forks joins it, what the host
 * forks does not; a thread of a process tenant waits like a vCPU. */
static void perf_context_forks_and_tenants(void **state)
{
	struct fixture *fx = setup_fx(SEC, 1);
	struct host *h = &fx->a->host;

	(void)state;
	fx->a->host.vms[0]->kind = TENANT_PROCESS; /* A (pid 100) */
	perf_tick(fx, T0, 0, 101, 100);  /* a thread of A, no statedump */
	assert_int_equal(host_find(h, 101)->pid, 100);
	assert_int_equal(host_thread_vm(h, host_find(h, 101)), 0);
	assert_int_equal(host_find(h, 101)->role, ROLE_TASK);
	perf_fork(fx, T0 + 1, 101, 100, 102); /* a new process, as it turns out */
	perf_fork(fx, T0 + 2, 101, 100, 103); /* a new thread of A */
	perf_fork(fx, T0 + 3, 7, 7, 104);     /* forked by the host */
	assert_int_equal(host_find(h, 102)->pid, 100); /* until it says */
	perf_tick(fx, T0 + 4, 1, 102, 102);
	perf_tick(fx, T0 + 5, 1, 103, 100);
	perf_tick(fx, T0 + 6, 1, 104, 104);
	assert_int_equal(host_find(h, 102)->pid, 102);
	assert_int_equal(host_thread_vm(h, host_find(h, 102)), 0); /* A's child */
	assert_int_equal(host_find(h, 103)->pid, 100);
	assert_int_equal(host_thread_vm(h, host_find(h, 103)), 0);
	assert_int_equal(host_thread_vm(h, host_find(h, 104)), -1); /* the host's */
	/* 102 preempted on CPU 1 by the host's 104 for 10 ms: a wait by host */
	sw(fx, T0 + 10 * MS, 1, 104, 0, 102);
	sw(fx, T0 + 20 * MS, 1, 102, 0, 104);
	sw(fx, T0 + 30 * MS, 1, 104, 1, 102);
	tick(fx, T0 + 40 * MS);
	analysis_finish(fx->a, T0 + 40 * MS);
	assert_int_equal(fx->nrows, 1);
	assert_string_equal(fx->rows[0].vm, "A");
	assert_int_equal(fx->rows[0].acc.wait_ns, 10 * MS);
	assert_int_equal(fx->rows[0].acc.wait_host_ns, 10 * MS);
	assert_true(isnan(feat(&fx->rows[0], "vcpu_guest_ratio")));
	assert_true(isnan(feat(&fx->rows[0], "exits_per_s")));
	assert_false(isnan(feat(&fx->rows[0], "wait_ratio")));
	teardown_fx(fx);
}

/* VM churn, as `vmint watch` meets it over days: VM i starts in window
 * i (QEMU forked by libvirtd, a vCPU and a vhost task), sends a packet
 * through its tap and reads the disk, and ends (every thread freed). With
 * retire_vms the VM table, the pid map, the thread table and the device
 * tables follow the VMs alive, not the VMs seen; each row is its own
 * VM's, also when a later VM's tap takes an earlier one's name. */
struct churn {
	struct analysis *a;
	size_t rows, wrong, retired;
	int named; /* vm_named says every retired slot is still named */
};

#define CHURN_PID(i) (1000 + 10 * (int64_t)(i))

static int churn_row(void *ctx, const struct window_row *row)
{
	struct churn *c = ctx;
	size_t i = (size_t)((row->start_ns - T0) / SEC);

	c->rows++;
	if (row->vm->pid != CHURN_PID(i) || row->acc->net_tx_pkts != 1 ||
	    row->acc->disk_rd != 1)
		c->wrong++;
	return 0;
}

static int churn_retired(void *ctx, int vm)
{
	struct churn *c = ctx;

	(void)vm;
	c->retired++;
	return 0;
}

static int churn_named(void *ctx, int vm)
{
	(void)vm;
	return ((struct churn *)ctx)->named;
}

static void churn_feed(struct churn *c, const struct ev *ev)
{
	assert_int_equal(analysis_on_event(c->a, ev), 0);
}

static void churn_fork(struct churn *c, uint64_t ts, int64_t tid, int64_t pid, const char *comm)
{
	struct ev ev = { .kind = EV_PROCESS_FORK, .ts = ts, .cpu = 2 };

	ev.u.fork.parent_tid = 50;
	ev.u.fork.parent_pid = 50;
	ev.u.fork.child_tid = tid;
	ev.u.fork.child_pid = pid;
	ev.u.fork.child_comm = comm;
	churn_feed(c, &ev);
}

static void churn_sw(struct churn *c, uint64_t ts, int cpu, int64_t prev, int64_t next)
{
	struct ev ev = { .kind = EV_SCHED_SWITCH, .ts = ts, .cpu = cpu };

	ev.u.sched_switch.prev_tid = prev;
	ev.u.sched_switch.prev_state = prev ? 1 : 0;
	ev.u.sched_switch.next_tid = next;
	churn_feed(c, &ev);
}

static void churn_ev(struct churn *c, enum ev_kind kind, uint64_t ts, int cpu)
{
	struct ev ev = { .kind = kind, .ts = ts, .cpu = cpu };

	churn_feed(c, &ev);
}

static void churn_vm(struct churn *c, size_t i, const char *tap)
{
	uint64_t t = T0 + i * SEC;
	int64_t pid = CHURN_PID(i);
	char vhost[32];
	struct ev ev = { .ts = t + 7 * MS, .cpu = 1 };

	snprintf(vhost, sizeof(vhost), "vhost-%lld", (long long)pid);
	churn_fork(c, t + MS, pid, pid, "qemu-system-x86");
	churn_fork(c, t + MS, pid + 1, pid, "CPU 0/KVM");
	churn_fork(c, t + MS, pid + 2, pid, vhost);
	churn_sw(c, t + 2 * MS, 0, 0, pid + 1);
	churn_ev(c, EV_KVM_ENTRY, t + 3 * MS, 0);
	ev.kind = EV_KVM_EXIT;
	ev.ts = t + 4 * MS;
	ev.cpu = 0;
	ev.u.kvm_exit.exit_reason = 12;
	ev.u.kvm_exit.isa = 1;
	ev.u.kvm_exit.vcpu_id = EV_ABSENT;
	churn_feed(c, &ev);
	churn_sw(c, t + 5 * MS, 0, pid + 1, 0);
	churn_sw(c, t + 6 * MS, 1, 0, pid + 2);
	/* it sends a frame: received on its tap, forwarded to eth0 */
	memset(&ev, 0, sizeof(ev));
	ev.cpu = 1;
	ev.u.net.skbaddr = 0x100000 + 64 * i;
	ev.u.net.len = 1514;
	ev.kind = EV_NET_RECEIVE;
	ev.ts = t + 7 * MS;
	ev.u.net.ifname = tap;
	churn_feed(c, &ev);
	ev.kind = EV_NET_QUEUE;
	ev.u.net.ifname = "eth0";
	churn_feed(c, &ev);
	ev.kind = EV_NET_XMIT;
	ev.ts = t + 8 * MS;
	churn_feed(c, &ev);
	churn_sw(c, t + 9 * MS, 1, pid + 2, 0);
	/* and reads 4 KiB */
	memset(&ev, 0, sizeof(ev));
	ev.cpu = 1;
	ev.u.block.dev = 8;
	ev.u.block.sector = 4096 + 8 * i;
	ev.u.block.nr_sector = 8;
	ev.u.block.rwbs = EV_RWBS_READ;
	ev.u.block.tid = pid + 1;
	ev.ts = t + 10 * MS;
	ev.kind = EV_BLOCK_INSERT;
	churn_feed(c, &ev);
	ev.kind = EV_BLOCK_ISSUE;
	churn_feed(c, &ev);
	ev.kind = EV_BLOCK_COMPLETE;
	ev.u.block.tid = EV_ABSENT;
	ev.ts = t + 11 * MS;
	churn_feed(c, &ev);
	/* it ends: its threads, then its leader */
	for (int64_t tid = pid + 2; tid >= pid; tid--) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = EV_PROCESS_FREE;
		ev.ts = t + 20 * MS;
		ev.cpu = 2;
		ev.u.proc_exit.tid = tid;
		churn_feed(c, &ev);
	}
}

static void churn_run(struct churn *c, int retire, int named, size_t n)
{
	struct analysis_config cfg = { .window_ns = SEC, .on_row = churn_row, .ctx = c,
				       .retire_vms = retire, .on_vm_retired = churn_retired,
				       .vm_named = churn_named };
	struct ev ev = { .kind = EV_STATEDUMP_PROCESS, .ts = T0, .cpu = 2 };
	char tap[32];

	memset(c, 0, sizeof(*c));
	c->named = named;
	c->a = analysis_create(&cfg);
	assert_non_null(c->a);
	ev.u.statedump.tid = 50;
	ev.u.statedump.pid = 50;
	ev.u.statedump.name = "libvirtd";
	churn_feed(c, &ev);
	for (size_t i = 0; i < n; i++) {
		/* libvirt's new vnetN names, then one tap name given again */
		snprintf(tap, sizeof(tap), i < n / 2 ? "vnet%zu" : "tap0", i);
		churn_vm(c, i, tap);
	}
	assert_int_equal(analysis_finish(c->a, T0 + n * SEC - MS), 0);
}

static void test_vm_churn_bounded(void **state)
{
	struct churn c;
	const size_t n = 50;

	(void)state;
	churn_run(&c, 1, 0, n);
	assert_int_equal(c.rows, n);
	assert_int_equal(c.wrong, 0);
	assert_int_equal(c.retired, n);
	assert_int_equal(c.a->host.vms_retired, n);
	assert_int_equal(c.a->host.nvms, 1);       /* one slot, taken in turn */
	assert_int_equal(c.a->host.vm_by_pid.n, 0);
	assert_int_equal(c.a->host.threads.n, 1);  /* libvirtd */
	assert_int_equal(c.a->io.nnets, 2);        /* eth0 and one tap slot */
	assert_int_equal(c.a->io.ndisks, 1);
	analysis_destroy(c.a);
	/* without it (extract, detect: a report names every VM of the
	 * trace), every VM keeps its own index */
	/* a slot still named (the watch's outputs) is not given away */
	churn_run(&c, 1, 1, n);
	assert_int_equal(c.wrong, 0);
	assert_int_equal(c.retired, n);
	assert_int_equal(c.a->host.nvms, n);
	analysis_destroy(c.a);
	churn_run(&c, 0, 0, n);
	assert_int_equal(c.a->host.nvms, n);
	assert_int_equal(c.a->host.vms_retired, 0);
	assert_int_equal(c.a->host.threads.n, 1);
	analysis_destroy(c.a);
}

/* A process that a process tenant forked joins it while it lives; once
 * it ended, with retire_vms (watch), a later process given its pid is
 * not the tenant's (without it the pid stays the tenant's: batch). */
static void test_tenant_child_pid_forgotten(void **state)
{
	for (int retire = 0; retire <= 1; retire++) {
		struct fixture *fx = setup_fx(SEC, 1);
		struct host *h = &fx->a->host;
		struct ev ev = { .kind = EV_PROCESS_FORK, .ts = T0 + MS, .cpu = 0 };

		(void)state;
		h->retire_vms = retire;
		h->vms[0]->kind = TENANT_PROCESS; /* A (pid 100) */
		statedump(fx, T0, 101, 100, "make");
		statedump(fx, T0, 7, 7, "cron");
		ev.u.fork.parent_tid = 101;
		ev.u.fork.parent_pid = 100;
		ev.u.fork.child_tid = 200;
		ev.u.fork.child_pid = 200;
		ev.u.fork.child_comm = "cc1";
		feed(fx, &ev);
		assert_int_equal(host_thread_vm(h, host_find(h, 200)), 0);
		memset(&ev, 0, sizeof(ev));
		ev.kind = EV_PROCESS_FREE;
		ev.ts = T0 + 2 * MS;
		ev.u.proc_exit.tid = 200;
		feed(fx, &ev);
		ev.kind = EV_PROCESS_FORK;
		ev.ts = T0 + 3 * MS;
		ev.u.fork.parent_tid = 7;
		ev.u.fork.parent_pid = 7;
		ev.u.fork.child_tid = 200;
		ev.u.fork.child_pid = 200;
		ev.u.fork.child_comm = "logrotate";
		feed(fx, &ev);
		assert_int_equal(host_thread_vm(h, host_find(h, 200)), retire ? -1 : 0);
		teardown_fx(fx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(perf_context_forks_and_tenants),
		cmocka_unit_test(test_preempted_by_host),
		cmocka_unit_test(test_disk_culprit),
		cmocka_unit_test(test_exits_and_windows),
		cmocka_unit_test(test_prev_state_encodings),
		cmocka_unit_test(test_tid_reuse),
		cmocka_unit_test(test_block_reasons),
		cmocka_unit_test(test_net_tap_and_culprit),
		cmocka_unit_test(test_net_rx_backlog_once),
		cmocka_unit_test(test_wait_behind_other_vm),
		cmocka_unit_test(test_disk_parallel_no_delay),
		cmocka_unit_test(test_disk_hdd_queued_behind),
		cmocka_unit_test(test_disk_inflation_behind),
		cmocka_unit_test(test_net_vhost_task),
		cmocka_unit_test(test_net_rx_behind_other),
		cmocka_unit_test(test_block_io_wait),
		cmocka_unit_test(test_short_host_burst),
		cmocka_unit_test(test_tidmap),
		cmocka_unit_test(test_vm_churn_bounded),
		cmocka_unit_test(test_tenant_child_pid_forgotten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
