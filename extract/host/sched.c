/* SPDX-License-Identifier: MIT */
#include "extract/host/sched.h"
#include "extract/host/vcpu.h"

#include <string.h>

/* The name a switch or wakeup shows. A thread renamed after its fork is
 * seen here only: a vhost kthread (< 6.4) names itself after kthreadd's
 * fork, a vhost task (>= 6.4) is a QEMU thread whose fork (if any) shows
 * QEMU's name. Only the vhost name changes what a thread is, so a named
 * thread costs one byte compare per event. */
static void see_comm(struct host *h, struct thread *t, const char *comm)
{
	if (!comm)
		return;
	if (!t->comm[0] || (comm[0] == 'v' && t->role != ROLE_VHOST &&
			    t->role != ROLE_VCPU && strncmp(comm, "vhost-", 6) == 0))
		host_set_comm(h, t, comm);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void charge_running(struct host *h, struct thread *t, int vm, uint64_t dt)
{
	struct vm_acc *a;

	h->acc.cpu_ns += dt;
	if (vm < 0) {
		h->acc.host_cpu_ns += dt;
		return;
	}
	a = &h->vms[vm]->acc;
	a->active = 1;
	a->cpu_ns += dt;
	h->vms[vm]->tot.cpu_ns += dt;
	switch (t->role) {
	case ROLE_VCPU:
		if (t->active_window != h->win_index + 1) {
			t->active_window = h->win_index + 1;
			a->vcpus_active++;
		}
		if (t->in_guest) {
			a->guest_ns += dt;
			h->vms[vm]->tot.guest_ns += dt;
		} else {
			a->root_ns += dt;
			h->vms[vm]->tot.root_ns += dt;
		}
		break;
	case ROLE_VHOST:
		a->vhost_ns += dt;
		break;
	case ROLE_TASK:
		a->task_ns += dt;
		break;
	default:
		a->emu_ns += dt;
		break;
	}
}

void sched_charge(struct host *h, struct thread *t, uint64_t now)
{
	uint64_t dt;
	int vm;
	struct vm *v;

	if (now <= t->since) {
		t->since = max_u64(t->since, now);
		return;
	}
	dt = now - t->since;
	t->since = now;
	vm = host_thread_vm(h, t);
	if (t->state == TS_RUNNING) {
		charge_running(h, t, vm, dt);
		return;
	}
	if (vm < 0)
		return;
	v = h->vms[vm];
	if (t->state == TS_RUNNABLE && role_waits(t->role)) {
		t->wait_ns += dt;
		v->acc.active = 1;
		v->acc.wait_ns += dt;
		v->tot.wait_ns += dt;
		if (t->wait_preempted) {
			v->acc.preempted_ns += dt;
			v->tot.preempted_ns += dt;
		}
	} else if (t->state == TS_RUNNABLE && t->role == ROLE_VHOST) {
		v->acc.active = 1;
		v->acc.vhost_wait_ns += dt;
	} else if (t->state == TS_BLOCKED && t->role == ROLE_VCPU) {
		v->acc.active = 1;
		v->acc.blocked_ns += dt;
		v->tot.blocked_ns += dt;
	}
}

static void charge_wait_to_holder(struct host *h, struct thread *w,
				  struct thread *holder, uint64_t dt)
{
	int vm = host_thread_vm(h, w);
	int hvm;
	struct vm_acc *a;
	struct culprit *c;

	if (vm < 0 || !role_waits(w->role))
		return;
	a = &h->vms[vm]->acc;
	if (!holder) {
		a->wait_idle_ns += dt;
		return;
	}
	hvm = host_thread_vm(h, holder);
	if (hvm == vm) {
		a->wait_self_ns += dt;
		return;
	}
	if (hvm >= 0)
		a->wait_other_vm_ns += dt;
	else
		a->wait_host_ns += dt;
	c = vm_acc_culprit(a, hvm >= 0 ? hvm : CULPRIT_HOST);
	if (c)
		c->cpu_ns += dt;
}

void sched_charge_waiters(struct host *h, int cpu, uint64_t now)
{
	struct cpu *c;
	struct thread *w;
	uint64_t dt;

	if (cpu < 0 || cpu >= h->ncpus)
		return;
	c = &h->cpus[cpu];
	if (now <= c->wq_seg || !c->wq) {
		c->wq_seg = max_u64(c->wq_seg, now);
		return;
	}
	dt = now - c->wq_seg;
	c->wq_seg = now;
	for (w = c->wq; w; w = w->wq_next)
		charge_wait_to_holder(h, w, c->known ? c->cur : NULL, dt);
}

static void wq_remove(struct host *h, struct thread *t, uint64_t now)
{
	struct cpu *c;

	if (!t->on_wq)
		return;
	sched_charge_waiters(h, t->cpu, now);
	c = &h->cpus[t->cpu];
	if (t->wq_prev)
		t->wq_prev->wq_next = t->wq_next;
	else
		c->wq = t->wq_next;
	if (t->wq_next)
		t->wq_next->wq_prev = t->wq_prev;
	t->wq_prev = t->wq_next = NULL;
	t->on_wq = 0;
}

/* Only VM threads wait in the lists: the host's waits are not analysed. */
static int wq_add(struct host *h, struct thread *t, int cpu, uint64_t now)
{
	struct cpu *c = host_cpu(h, cpu);

	t->cpu = cpu;
	if (!c)
		return cpu < 0 ? 0 : -1;
	if (host_thread_vm(h, t) < 0)
		return 0;
	sched_charge_waiters(h, cpu, now);
	t->wq_prev = NULL;
	t->wq_next = c->wq;
	if (c->wq)
		c->wq->wq_prev = t;
	c->wq = t;
	t->on_wq = 1;
	return 0;
}

/* The switch-out of a thread whose switch-in was not seen. */
static void assume_running(struct host *h, struct thread *t, struct cpu *c,
			   int cpu, uint64_t now)
{
	uint64_t since = c->known ? c->last_switch : h->first_ts;

	/* A thread woken for a CPU left idle ran as soon as it was woken:
	 * perf on recent kernels drops most switches away from the idle
	 * task, and this is the one it dropped. */
	if (c->known && !c->cur && t->state == TS_RUNNABLE && t->cpu == cpu &&
	    t->wait_start >= since && t->wait_start <= now) {
		since = t->wait_start;
		t->run_since = since;
		t->run_known = 1;
		t->seen_switch = 1;
	}
	wq_remove(h, t, now);
	sched_charge(h, t, now > since ? since : now);
	t->state = TS_RUNNING;
	t->cpu = cpu;
	t->since = max_u64(max_u64(since, h->win_start), t->since);
}

static void switch_out(struct host *h, struct thread *t, struct cpu *c,
		       const struct ev *ev)
{
	uint64_t now = ev->ts;
	int vm;

	if (t->state != TS_RUNNING || t->cpu != ev->cpu)
		assume_running(h, t, c, ev->cpu, now);
	sched_charge(h, t, now);
	if (!t->seen_switch) /* running since the trace began, or its fork */
		t->cpu_ns += now - max_u64(h->first_ts, t->born);
	else if (t->run_known)
		t->cpu_ns += now - t->run_since;
	t->seen_switch = 1;
	t->run_known = 0;
	vm = host_thread_vm(h, t);
	if (ev_prev_state_is_preempt(ev->u.sched_switch.prev_state)) {
		t->state = TS_RUNNABLE;
		t->wait_start = now;
		t->wait_preempted = 1;
		if (vm >= 0 && role_waits(t->role)) {
			h->vms[vm]->acc.preemptions++;
			h->vms[vm]->tot.preemptions++;
		}
		wq_add(h, t, ev->cpu, now);
	} else {
		t->state = TS_BLOCKED;
		if (t->role == ROLE_VCPU)
			vcpu_on_block(h, t, now);
	}
}

static void switch_in(struct host *h, struct thread *t, const struct ev *ev)
{
	uint64_t now = ev->ts;
	int vm;

	sched_charge(h, t, now);
	if (t->state == TS_RUNNABLE) {
		wq_remove(h, t, now);
		vm = host_thread_vm(h, t);
		if (vm >= 0 && role_waits(t->role))
			sample_add(&h->vms[vm]->acc.wait, (double)(now - t->wait_start));
	} else if (t->state == TS_BLOCKED && t->role == ROLE_VCPU) {
		vcpu_on_wakeup(h, t, NULL, now); /* its wakeup was not recorded */
	}
	t->state = TS_RUNNING;
	t->cpu = ev->cpu;
	t->since = now;
	t->in_guest = 0;
	t->run_since = now;
	t->run_known = 1;
	t->seen_switch = 1;
}

int sched_on_switch(struct host *h, const struct ev *ev)
{
	struct cpu *c = host_cpu(h, ev->cpu);
	struct thread *prev = NULL, *next = NULL;

	if (!c)
		return ev->cpu < 0 ? 0 : -1;
	sched_charge_waiters(h, ev->cpu, ev->ts);
	if (ev->u.sched_switch.prev_tid > 0) {
		prev = host_thread(h, ev->u.sched_switch.prev_tid);
		if (!prev)
			return -1;
		see_comm(h, prev, ev->u.sched_switch.prev_comm);
		switch_out(h, prev, c, ev);
	}
	if (ev->u.sched_switch.next_tid > 0) {
		next = host_thread(h, ev->u.sched_switch.next_tid);
		if (!next)
			return -1;
		see_comm(h, next, ev->u.sched_switch.next_comm);
		switch_in(h, next, ev);
	}
	c = &h->cpus[ev->cpu]; /* the table may have moved */
	c->cur = next;
	c->known = 1;
	c->last_switch = ev->ts;
	return 0;
}

int sched_on_wakeup(struct host *h, const struct ev *ev)
{
	struct thread *t = host_thread(h, ev->u.wakeup.tid);
	struct thread *waker = NULL;
	int64_t target = ev->u.wakeup.target_cpu;
	int cpu;

	if (!t)
		return ev->u.wakeup.tid > 0 ? -1 : 0;
	see_comm(h, t, ev->u.wakeup.comm);
	cpu = target == EV_ABSENT || target < 0 ? ev->cpu : (int)target;
	if (t->state == TS_RUNNING)
		return 0;
	if (t->state == TS_RUNNABLE) {
		/* sched_wakeup after sched_waking: the target may differ. */
		if (cpu != t->cpu) {
			wq_remove(h, t, ev->ts);
			return wq_add(h, t, cpu, ev->ts);
		}
		return 0;
	}
	sched_charge(h, t, ev->ts);
	if (t->state == TS_BLOCKED && t->role == ROLE_VCPU) {
		if (ev->cpu >= 0 && ev->cpu < h->ncpus)
			waker = h->cpus[ev->cpu].cur;
		vcpu_on_wakeup(h, t, waker == t ? NULL : waker, ev->ts);
	}
	t->state = TS_RUNNABLE;
	t->wait_start = ev->ts;
	t->wait_preempted = 0;
	t->since = ev->ts;
	return wq_add(h, t, cpu, ev->ts);
}

int sched_on_migrate(struct host *h, const struct ev *ev)
{
	struct thread *t = host_find(h, ev->u.migrate.tid);
	int64_t dest = ev->u.migrate.dest_cpu;

	if (!t || dest == EV_ABSENT || dest < 0 || t->state == TS_RUNNING)
		return 0;
	if (t->state != TS_RUNNABLE) {
		t->cpu = (int)dest;
		return 0;
	}
	wq_remove(h, t, ev->ts);
	return wq_add(h, t, (int)dest, ev->ts);
}

void sched_flush(struct host *h, uint64_t now)
{
	size_t pos = 0;
	int64_t tid;
	void *v;
	int c;

	for (c = 0; c < h->ncpus; c++)
		sched_charge_waiters(h, c, now);
	while (tidmap_next(&h->threads, &pos, &tid, &v))
		sched_charge(h, v, now);
}

void sched_finish(struct host *h, uint64_t last_ts)
{
	int c;

	for (c = 0; c < h->ncpus; c++) {
		struct thread *t = h->cpus[c].cur;

		if (t && t->run_known && last_ts > t->run_since) {
			t->cpu_ns += last_ts - t->run_since;
			t->run_known = 0;
		}
	}
}
