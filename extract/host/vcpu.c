/* SPDX-License-Identifier: MIT */
#include "extract/host/vcpu.h"
#include "extract/host/exit-reason.h"
#include "extract/host/sched.h"

int vcpu_adopt(struct host *h, struct thread *t)
{
	int vm;

	if (t->role == ROLE_VCPU)
		return host_thread_vm(h, t);
	/* Without statedump or fork the process is unknown: the thread is
	 * then taken as its own process (old QEMU named vCPUs likewise). */
	vm = host_vm_of_pid(h, t->pid > 0 ? t->pid : t->tid, 1);
	if (vm < 0)
		return -1;
	if (t->pid <= 0)
		host_set_pid(h, t, t->tid);
	t->role = ROLE_VCPU;
	t->vm_gen = 0;
	h->vms[vm]->nvcpus++;
	return host_thread_vm(h, t);
}

/* A wakeup this soon after the VM's own completion or packet followed
 * from it (the host's path to the vCPU: irq, iothread or vhost, irqfd);
 * an idle VM's long halt that a stray packet or journal write fell into
 * is not waiting for I/O. */
#define IO_WAKE_NS 2000000ull

/* What the halted vCPU waited for, from the VM's own I/O, not from which
 * interrupt vector woke it: its disk requests were in flight when it woke
 * (the guest's iowait) or one completed just before; it received a packet
 * just before. */
static void io_wait(struct vm *v, uint64_t from, uint64_t ns)
{
	uint64_t now = from + ns;

	if (v->disk_inflight || (v->disk_done_ts >= from && now - v->disk_done_ts <= IO_WAKE_NS))
		v->acc.blk_io_disk_ns += ns;
	if (v->net_rx_ts >= from && now - v->net_rx_ts <= IO_WAKE_NS)
		v->acc.blk_io_net_ns += ns;
}

static void commit_block(struct host *h, struct thread *t, int reason)
{
	int vm = host_thread_vm(h, t);
	struct vm_acc *a;

	t->block_pending = 0;
	if (vm < 0)
		return;
	a = &h->vms[vm]->acc;
	a->active = 1;
	a->blk_count[reason]++;
	a->blk_ns[reason] += t->block_ns;
}

void vcpu_on_block(struct host *h, struct thread *t, uint64_t now)
{
	if (t->block_pending)
		commit_block(h, t, t->waker_informative ? t->waker_reason : BLK_TIMER);
	t->block_start = now;
}

void vcpu_on_wakeup(struct host *h, struct thread *t, struct thread *waker,
		    uint64_t now)
{
	int vm = host_thread_vm(h, t);

	if (t->block_pending)
		commit_block(h, t, t->waker_informative ? t->waker_reason : BLK_TIMER);
	t->block_ns = t->block_start && now > t->block_start ? now - t->block_start : 0;
	t->block_pending = t->block_start != 0;
	if (vm >= 0 && t->block_ns)
		io_wait(h->vms[vm], t->block_start, t->block_ns);
	t->block_start = 0;
	t->waker_reason = BLK_TIMER;
	t->waker_informative = 0;
	if (!waker || vm < 0 || host_thread_vm(h, waker) != vm)
		return;
	switch (waker->role) {
	case ROLE_VHOST:
		t->waker_reason = BLK_NET;
		break;
	case ROLE_VCPU:
		t->waker_reason = BLK_TASK;
		break;
	default:
		t->waker_reason = BLK_DISK;
		break;
	}
	t->waker_informative = 1;
}

int vcpu_on_irq(struct host *h, const struct ev *ev)
{
	struct thread *t = host_event_thread(h, ev);
	int64_t vec = ev->u.kvm_irq.vector;
	int vm, reason;
	struct vm *v;

	if (!t || t->role != ROLE_VCPU || !t->block_pending || vec < 0 || vec > 255)
		return 0;
	vm = host_thread_vm(h, t);
	if (vm < 0)
		return 0;
	v = h->vms[vm];
	if (t->waker_informative) {
		reason = t->waker_reason;
		v->vec_reason[vec] = reason + 1;
	} else {
		reason = v->vec_reason[vec] ? v->vec_reason[vec] - 1 : BLK_TIMER;
	}
	commit_block(h, t, reason);
	return 0;
}

/* The vCPU thread of a kvm event, its time charged up to the event, and
 * its VM in *vm; NULL when the event has no thread (then nothing to do)
 * or when adopting it failed (*vm < 0: out of memory, cause appended). */
static struct thread *vcpu_of_event(struct host *h, const struct ev *ev, int *vm)
{
	struct thread *t = host_event_thread(h, ev);

	*vm = 0;
	if (!t)
		return NULL;
	sched_charge(h, t, ev->ts);
	*vm = vcpu_adopt(h, t);
	return *vm < 0 ? NULL : t;
}

int vcpu_on_entry(struct host *h, const struct ev *ev)
{
	int vm;
	struct thread *t = vcpu_of_event(h, ev, &vm);

	if (!t)
		return vm < 0 ? -1 : 0;
	if (t->block_pending)
		commit_block(h, t, t->waker_informative ? t->waker_reason : BLK_TIMER);
	if (ev->u.kvm_entry.vcpu_id != EV_ABSENT)
		t->vcpu_id = ev->u.kvm_entry.vcpu_id;
	if (t->exit_ts && ev->ts >= t->exit_ts)
		h->vms[vm]->tot.exit_handle_ns[t->last_exit] += ev->ts - t->exit_ts;
	t->exit_ts = 0;
	t->in_guest = 1;
	return 0;
}

int vcpu_on_exit(struct host *h, const struct ev *ev)
{
	unsigned idx, sub;
	enum exit_class cls;
	struct vm *v;
	int vm;
	struct thread *t = vcpu_of_event(h, ev, &vm);

	if (!t)
		return vm < 0 ? -1 : 0;
	v = h->vms[vm];
	idx = exit_reason_index(ev->u.kvm_exit.isa, ev->u.kvm_exit.exit_reason);
	cls = exit_reason_class(idx);
	sub = acc_subinterval(ev->ts, h->win_start, h->window_ns);
	v->acc.active = 1;
	v->acc.exits[cls]++;
	v->acc.exits_total++;
	v->acc.sub_exits[sub][cls]++;
	v->acc.sub_exits[sub][EXC__COUNT]++;
	v->tot.exits++;
	v->tot.exit_count[idx]++;
	t->last_exit = idx;
	t->exit_ts = ev->ts;
	t->in_guest = 0;
	return 0;
}
