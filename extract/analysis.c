/* SPDX-License-Identifier: MIT */
#include "extract/analysis.h"
#include "extract/features.h"
#include "extract/host/sched.h"
#include "extract/host/vcpu.h"
#include "common/err.h"
#include "common/vocab.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Most empty windows between two consecutive events (about a day of 1 s
 * windows: a tracing session paused overnight still reads). */
#define ANALYSIS_MAX_GAP_WINDOWS 100000

struct analysis *analysis_create(const struct analysis_config *cfg)
{
	struct analysis *a = calloc(1, sizeof(*a));

	if (!a)
		goto oom;
	a->cfg = *cfg;
	a->row = calloc(nr_features, sizeof(*a->row));
	if (!a->row)
		goto oom;
	io_init(&a->io);
	if (host_init(&a->host, cfg->vms) < 0) {
		analysis_destroy(a);
		return NULL;
	}
	a->host.keep_dead = cfg->keep_dead_threads;
	a->host.retire_vms = cfg->retire_vms;
	a->host.slot_named = cfg->vm_named;
	a->host.slot_ctx = cfg->ctx;
	a->host.window_ns = cfg->window_ns;
	return a;
oom:
	if (a)
		free(a);
	err_fail(ERR_RESOURCE, "out of memory (analysis)");
	return NULL;
}

void analysis_destroy(struct analysis *a)
{
	if (!a)
		return;
	io_fini(&a->io);
	host_fini(&a->host);
	free(a->row);
	free(a);
}

const char *analysis_culprit_name(const struct analysis *a, int culprit)
{
	if (culprit >= 0 && (size_t)culprit < a->host.nvms)
		return a->host.vms[culprit]->name;
	return CULPRIT_HOST_NAME;
}

static uint64_t disk_reqs(const struct vm_acc *acc)
{
	return acc->disk_rd + acc->disk_wr;
}

static int emit_rows(struct analysis *a, uint64_t end)
{
	struct host *h = &a->host;
	uint64_t start = h->win_start;
	uint64_t from = start > h->first_ts ? start : h->first_ts;
	double all_cpu = 0, all_dreq = 0, all_dbytes = 0, all_pkts = 0, all_nbytes = 0;
	struct feat_ctx c = { .host = &h->acc };
	size_t i;

	c.window_s = end > from ? (double)(end - from) / 1e9 : 0.0;
	c.full_window_s = (double)a->cfg.window_ns / 1e9;
	c.ncpus = h->ncpus;
	for (i = 0; i < h->nvms; i++) {
		const struct vm_acc *v = &h->vms[i]->acc;

		all_cpu += v->cpu_ns;
		all_dreq += disk_reqs(v);
		all_dbytes += v->disk_rd_bytes + v->disk_wr_bytes;
		all_pkts += v->net_tx_pkts + v->net_rx_pkts;
		all_nbytes += v->net_tx_bytes + v->net_rx_bytes;
	}
	for (i = 0; i < h->nvms; i++) {
		struct vm *vm = h->vms[i];
		struct vm_acc *v = &vm->acc;
		struct window_row row;
		uint64_t lo, hi;

		if (!v->active)
			continue;
		vm->seen = 1;
		c.acc = v;
		c.process = vm->kind == TENANT_PROCESS;
		c.vcpus = (unsigned)(vm->vcpus_config > vm->nvcpus ? vm->vcpus_config : vm->nvcpus);
		c.others_cpu_ns = all_cpu - v->cpu_ns;
		c.others_disk_reqs = all_dreq - disk_reqs(v);
		c.others_disk_bytes = all_dbytes - (v->disk_rd_bytes + v->disk_wr_bytes);
		c.others_net_pkts = all_pkts - (v->net_tx_pkts + v->net_rx_pkts);
		c.others_net_bytes = all_nbytes - (v->net_tx_bytes + v->net_rx_bytes);
		features_compute(&c, a->row);
		lo = from > vm->since ? from : vm->since;
		hi = vm->until && vm->until < end ? vm->until : end;
		row = (struct window_row){
			.vm = vm, .vm_index = (int)i, .start_ns = start,
			.end_ns = start + a->cfg.window_ns,
			.covered_ns = end > from ? end - from : 0,
			.present_ns = hi > lo ? hi - lo : 0,
			.features = a->row, .ledger = v->ledger, .nledger = v->nledger,
			.acc = v,
		};
		a->rows++;
		if (a->cfg.on_row && a->cfg.on_row(a->cfg.ctx, &row) < 0)
			return -1;
	}
	return 0;
}

/* Charges the window ending at `we` its part of each pending discarded-
 * events record: in proportion to its overlap with what is left of the
 * record's range, at least one, everything when the range ends here. */
static void charge_lost(struct analysis *a, uint64_t we)
{
	size_t i, kept = 0;

	for (i = 0; i < a->nlost; i++) {
		struct lost_range *l = &a->lost[i];
		uint64_t from = l->from > a->host.win_start ? l->from : a->host.win_start;
		uint64_t n = l->count;

		if (from < we) {
			if (l->to > we) {
				n = (uint64_t)((double)l->count * (double)(we - from) /
					       (double)(l->to - from));
				if (n < 1)
					n = 1;
				if (n > l->count)
					n = l->count;
			}
			a->host.acc.lost_events += n;
			l->count -= n;
			l->from = we;
		}
		if (l->count)
			a->lost[kept++] = *l;
	}
	a->nlost = kept;
}

/* retire_vms: the VMs whose process ended and whose last window was
 * just given, with nothing in flight, free their slots (host.h). */
static int retire_vms(struct analysis *a)
{
	struct host *h = &a->host;

	for (size_t i = 0; i < h->nvms; i++) {
		struct vm *vm = h->vms[i];

		if (!vm->gone || vm->retired || vm->kind != TENANT_VM ||
		    vm->disk_inflight || io_holds(&a->io, (int)i))
			continue;
		io_forget_owner(&a->io, (int)i);
		if (host_vm_retire(h, (int)i) < 0 ||
		    (a->cfg.on_vm_retired && a->cfg.on_vm_retired(a->cfg.ctx, (int)i) < 0))
			return -1;
	}
	return 0;
}

/* Charges everything open up to `end` (the border, or the last event),
 * emits the rows, and starts the next window. */
static int close_window(struct analysis *a, uint64_t end)
{
	struct host *h = &a->host;
	size_t i;
	int rc;

	sched_flush(h, end);
	io_flush(&a->io, h, end);
	charge_lost(a, h->win_start + a->cfg.window_ns);
	rc = emit_rows(a, end);
	for (i = 0; i < h->nvms; i++)
		vm_acc_reset(&h->vms[i]->acc);
	memset(&h->acc, 0, sizeof(h->acc));
	h->win_start += a->cfg.window_ns;
	h->win_index++;
	if (rc == 0 && h->retire_vms)
		rc = retire_vms(a);
	return rc;
}

static void start(struct analysis *a, uint64_t ts)
{
	struct host *h = &a->host;

	a->started = 1;
	h->first_ts = ts;
	h->win_index = ts / a->cfg.window_ns;
	h->win_start = h->win_index * a->cfg.window_ns;
}

/* The thread whose id the fork event gives as the parent. */
static struct thread *fork_parent(struct host *h, const struct ev *ev)
{
	int64_t tid = ev->u.fork.parent_tid;

	if (tid == EV_ABSENT || tid <= 0)
		tid = ev->ctx_tid;
	return tid > 0 ? host_find(h, tid) : NULL;
}

/* What a process tenant forks joins it: the child's process when it is
 * a new one (LTTng gives it; with the kernel's naming the child's tid is
 * its pid if it turns out to be a process). */
static int adopt_child(struct host *h, struct thread *parent, const struct ev *ev)
{
	int vm = parent ? host_thread_vm(h, parent) : -1;
	int64_t pid = ev->u.fork.child_pid;

	if (vm < 0 || h->vms[vm]->kind != TENANT_PROCESS)
		return 0;
	if (pid == EV_ABSENT)
		pid = ev->u.fork.child_tid;
	if (pid == parent->pid)
		return 0; /* a thread of the same process */
	return host_tenant_adopt(h, pid, vm);
}

static int on_fork(struct host *h, const struct ev *ev)
{
	struct thread *parent = fork_parent(h, ev), *t;
	int64_t pid = ev->u.fork.child_pid;

	/* A tid still in the table belongs to an earlier thread whose end
	 * was not recorded: the new one starts fresh. */
	t = host_find(h, ev->u.fork.child_tid);
	if (t)
		host_thread_free(h, t);
	t = host_thread(h, ev->u.fork.child_tid);
	if (!t)
		return ev->u.fork.child_tid > 0 ? -1 : 0;
	if (pid == EV_ABSENT) {
		/* The kernel's naming (perf): only the child thread's id. A new
		 * thread keeps its parent's process, a new process has its own;
		 * the child's own events (perf_pid) tell which. Until then it
		 * is taken as a thread of the parent's process. */
		pid = ev->ctx_pid > 0 ? ev->ctx_pid : parent ? parent->pid : -1;
	}
	host_set_pid(h, t, pid);
	host_set_comm(h, t, ev->u.fork.child_comm);
	t->since = ev->ts;
	t->born = ev->ts;
	if (ev->u.fork.child_tid == pid) {
		/* a process reborn under the pid of one that ended: alive again */
		int vm = host_vm_of_pid(h, pid, 0);

		if (vm >= 0)
			h->vms[vm]->until = 0;
	}
	return adopt_child(h, parent, ev);
}

static int on_process(struct host *h, const struct ev *ev)
{
	struct thread *t;

	switch (ev->kind) {
	case EV_STATEDUMP_PROCESS:
		t = host_thread(h, ev->u.statedump.tid);
		if (!t)
			return ev->u.statedump.tid > 0 ? -1 : 0;
		host_set_pid(h, t, ev->u.statedump.pid);
		host_set_comm(h, t, ev->u.statedump.name);
		return 0;
	case EV_PROCESS_FORK:
		return on_fork(h, ev);
	case EV_PROCESS_EXEC:
		t = host_thread(h, ev->u.exec.tid);
		if (t && ev->u.exec.filename) {
			const char *base = strrchr(ev->u.exec.filename, '/');

			host_set_comm(h, t, base ? base + 1 : ev->u.exec.filename);
		}
		return 0;
	case EV_PROCESS_EXIT: {
		/* the process leader's exit ends the VM (its other threads are
		 * killed with it) */
		int vm = host_vm_of_pid(h, ev->u.proc_exit.tid, 0);

		if (vm >= 0)
			h->vms[vm]->until = ev->ts;
		return 0;
	}
	case EV_PROCESS_FREE:
		t = host_find(h, ev->u.proc_exit.tid);
		if (t) {
			sched_charge(h, t, ev->ts);
			host_thread_free(h, t);
		}
		return 0;
	default:
		return 0;
	}
}

static int dispatch(struct analysis *a, const struct ev *ev)
{
	struct host *h = &a->host;

	switch (ev->kind) {
	case EV_STATEDUMP_PROCESS:
	case EV_PROCESS_FORK:
	case EV_PROCESS_EXEC:
	case EV_PROCESS_EXIT:
	case EV_PROCESS_FREE:
		return on_process(h, ev);
	case EV_SCHED_SWITCH:
		return sched_on_switch(h, ev);
	case EV_SCHED_WAKING:
	case EV_SCHED_WAKEUP:
	case EV_SCHED_WAKEUP_NEW:
		return sched_on_wakeup(h, ev);
	case EV_SCHED_MIGRATE:
		return sched_on_migrate(h, ev);
	case EV_KVM_ENTRY:
		return vcpu_on_entry(h, ev);
	case EV_KVM_EXIT:
		return vcpu_on_exit(h, ev);
	case EV_KVM_INJ_VIRQ:
	case EV_KVM_APIC_ACCEPT_IRQ:
		return vcpu_on_irq(h, ev);
	case EV_BLOCK_INSERT:
	case EV_BLOCK_ISSUE:
	case EV_BLOCK_COMPLETE:
		return io_on_block(&a->io, h, ev);
	case EV_NET_QUEUE:
	case EV_NET_XMIT:
	case EV_NET_RECEIVE:
	case EV_NET_RX:
		return io_on_net(&a->io, h, ev);
	default:
		return 0;
	}
}

/* Closes the windows that end before `ts`, the time of the next event. */
static int close_windows(struct analysis *a, uint64_t ts)
{
	struct host *h = &a->host;

	/* A corrupt timestamp (one flipped bit of a packet's clock) can put
	 * an event years after the previous one: refuse it rather than emit a
	 * row for each of the billions of windows in between. */
	if ((ts - h->win_start) / a->cfg.window_ns > ANALYSIS_MAX_GAP_WINDOWS) {
		err_fail(ERR_INPUT, "event at %" PRIu64 " ns comes %.0f s after the previous one "
			 "(%" PRIu64 " ns), more than %d windows without an event: "
			 "corrupt timestamps (or use a longer --window)", ts,
			 (double)(ts - a->last_ts) / 1e9, a->last_ts,
			 ANALYSIS_MAX_GAP_WINDOWS);
		return -1;
	}
	while (ts >= h->win_start + a->cfg.window_ns)
		if (close_window(a, h->win_start + a->cfg.window_ns) < 0)
			return -1;
	return 0;
}

/* perf's CTF: every event names the current thread and its process, the
 * only way to tie threads to processes without a statedump. Learned
 * before the event is interpreted, so that the time it closes is charged
 * to the right owner. */
static int learn_context(struct host *h, const struct ev *ev)
{
	struct thread *t = NULL;

	if (ev->ctx_tid <= 0 || ev->ctx_pid <= 0)
		return 0;
	if (ev->cpu >= 0 && ev->cpu < h->ncpus && h->cpus[ev->cpu].cur &&
	    h->cpus[ev->cpu].cur->tid == ev->ctx_tid)
		t = h->cpus[ev->cpu].cur;
	else if (!(t = host_thread(h, ev->ctx_tid)))
		return -1;
	if (t->pid != ev->ctx_pid)
		host_set_pid(h, t, ev->ctx_pid);
	return 0;
}

int analysis_on_event(struct analysis *a, const struct ev *ev)
{
	struct host *h = &a->host;

	if (!a->started)
		start(a, ev->ts);
	if (ev->ts < a->last_ts) {
		/* out of order: the muxer guarantees it never is within a
		 * read; only a later read (watch's next chunk) can go back */
		a->late_events++;
		return 0;
	}
	if (a->awaiting) {
		a->awaiting = 0;
		a->resume_ts = ev->ts;
	}
	if (ev->ts >= h->win_start + a->cfg.window_ns && close_windows(a, ev->ts) != 0)
		return -1;
	a->last_ts = ev->ts;
	if (ev->cpu >= 0 && !host_cpu(h, ev->cpu))
		return -1;
	if (ev->ctx_tid != EV_ABSENT && learn_context(h, ev) != 0)
		return -1;
	return dispatch(a, ev);
}

void analysis_on_discarded(struct analysis *a, int cpu, uint64_t begin_ns,
			   uint64_t end_ns, uint64_t count)
{
	(void)cpu;
	if (end_ns < begin_ns)
		end_ns = begin_ns;
	if (a->nlost == ANALYSIS_LOST_RANGES) { /* full: widen the last one */
		struct lost_range *l = &a->lost[a->nlost - 1];

		l->count += count;
		if (begin_ns < l->from)
			l->from = begin_ns;
		if (end_ns > l->to)
			l->to = end_ns;
	} else {
		a->lost[a->nlost++] = (struct lost_range){ count, begin_ns, end_ns };
	}
	a->lost_events += count;
}

int analysis_finish(struct analysis *a, uint64_t last_ts)
{
	if (!a->started)
		return 0;
	if (last_ts < a->last_ts)
		last_ts = a->last_ts;
	sched_finish(&a->host, last_ts);
	for (size_t i = 0; i < a->nlost; i++) /* the trace ends here */
		a->host.acc.lost_events += a->lost[i].count;
	a->nlost = 0;
	return close_window(a, last_ts);
}

int analysis_event_cb(void *ctx, const struct ev *ev)
{
	return analysis_on_event(ctx, ev);
}

void analysis_discarded_cb(void *ctx, int cpu, uint64_t begin_ns,
			   uint64_t end_ns, uint64_t count)
{
	analysis_on_discarded(ctx, cpu, begin_ns, end_ns, count);
}
