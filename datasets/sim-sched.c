/* SPDX-License-Identifier: MIT */
/*
 * The host scheduler: one FIFO run queue per CPU, fixed time slices,
 * wakeup placement on an idle allowed CPU (the previous one first) or
 * the least loaded one, and idle CPUs pulling runnable threads from the
 * busiest queue. It emits sched_waking/wakeup/wakeup_new, sched_switch
 * and sched_migrate_task, and tells the accounting who waited behind whom.
 */
#include "datasets/sim-internal.h"

#include <limits.h>

#define WAKEUP_GRAN_NS 1000000ull /* a woken sleeper preempts a thread
				       * that has run this long (CFS) */
#define PRIO 20             /* lttng-modules records prio - MAX_RT_PRIO */

static int cpu_of(const struct sim *s, const struct cpu *c)
{
	return (int)(c - s->cpus);
}

static int cpu_idle(const struct cpu *c)
{
	return c->cur->kind == T_IDLE && c->nrq == 0;
}

static int allowed(const struct thr *t, int cpu)
{
	return (t->allowed >> cpu) & 1;
}

static int owner_of_current(const struct cpu *c)
{
	return c->cur->kind == T_IDLE ? SIM_NO_OWNER : c->cur->owner;
}

/* The vCPUs waiting in `c`'s queue waited behind its current thread. */
static void account_queue(struct sim *s, struct cpu *c)
{
	int culprit = owner_of_current(c);

	for (int i = 0; i < c->nrq; i++) {
		struct thr *t = c->rq[i];

		if (t->kind == T_VCPU) {
			acct_cpu_wait(s, t->owner, culprit, t->mark, s->now);
			t->mark = s->now;
		}
	}
}

static void rq_remove(struct cpu *c, int i)
{
	for (; i + 1 < c->nrq; i++)
		c->rq[i] = c->rq[i + 1];
	c->nrq--;
}

static void emit_wakeup(struct sim *s, int type, int cpu, const struct thr *t,
			int target)
{
	int64_t v[3] = { t->tid, PRIO, target };

	sim_emit(s, type, cpu, v, 3, t->comm, NULL);
}

static void emit_migrate(struct sim *s, int cpu, const struct thr *t, int from,
			 int to)
{
	int64_t v[4] = { t->tid, PRIO, from, to };

	sim_emit(s, SIMEV_SCHED_MIGRATE, cpu, v, 4, t->comm, NULL);
}

void sched_arm(struct sim *s, struct cpu *c, uint64_t at)
{
	if (at < s->now)
		at = s->now;
	c->step_gen++;
	if (simq_push(&s->q, at, Q_CPU_STEP, cpu_of(s, c), c->step_gen))
		s->failed = 1;
}

void sched_timer(struct sim *s, struct thr *t, uint64_t at)
{
	t->timer_gen++;
	if (simq_push(&s->q, at, Q_THR_TIMER, thr_index(s, t), t->timer_gen))
		s->failed = 1;
}

/* A runnable thread of another CPU that may run on `c`, from the
 * busiest queue; NULL when there is none. */
static struct thr *pull(struct sim *s, struct cpu *c)
{
	int here = cpu_of(s, c), best = -1, best_i = -1;

	for (int o = 0; o < s->ncpu; o++) {
		struct cpu *oc = &s->cpus[o];

		if (o == here || (best >= 0 && oc->nrq <= s->cpus[best].nrq))
			continue;
		for (int i = 0; i < oc->nrq; i++) {
			if (allowed(oc->rq[i], here)) {
				best = o;
				best_i = i;
				break;
			}
		}
	}
	if (best < 0)
		return NULL;
	struct cpu *oc = &s->cpus[best];
	struct thr *t = oc->rq[best_i];

	account_queue(s, oc);
	rq_remove(oc, best_i);
	emit_migrate(s, here, t, best, here);
	t->cpu = here;
	return t;
}

static int64_t prev_state_of(const struct sim *s, const struct thr *prev)
{
	if (prev->kind == T_IDLE)
		return 0;
	if (prev->state == TS_RUNNABLE)
		return s->preempt_state;
	if (prev->state == TS_DEAD) {
		/* Before 4.14 the raw TASK_DEAD; then the reported exit
		 * state: Z for a process leader waiting for its parent,
		 * X (EXIT_DEAD) for threads and auto-reaped kthreads. */
		if (s->sc->kver < KVER(4, 14))
			return 64;
		return prev->tid == prev->pid && !prev->kthread ? 32 : 16;
	}
	return 1; /* TASK_INTERRUPTIBLE: S */
}

/* Switches `c` to the next runnable thread (or to idle). The caller set
 * the leaving thread's state (runnable and queued, or blocked). */
static void reschedule(struct sim *s, struct cpu *c)
{
	struct thr *prev = c->cur, *next;
	int cpu = cpu_of(s, c);

	account_queue(s, c);
	if (c->nrq > 0) {
		next = c->rq[0];
		rq_remove(c, 0);
	} else {
		next = pull(s, c);
		if (!next)
			next = c->idle;
	}
	if (next == prev)
		return;
	{
		int64_t v[5] = { prev->tid, PRIO, prev_state_of(s, prev),
				 next->tid, PRIO };
		/* Field order: prev_tid, prev_prio, prev_state, next_tid,
		 * next_prio (the strings go apart). */
		sim_emit(s, SIMEV_SCHED_SWITCH, cpu, v, 5, prev->comm,
			 next->comm);
	}
	c->cur = next;
	c->slice_end = s->now + s->sc->slice_ns;
	if (next->kind == T_IDLE) {
		c->step_gen++; /* nothing to run: no step */
		return;
	}
	next->state = TS_RUNNING;
	next->cpu = cpu;
	next->mark = s->now;
	guest_dispatch(s, c, next);
}

/*
 * When wakeup preemption takes effect. PREEMPT_FULL: at once.
 * VOLUNTARY: a thread in guest mode exits at once (KVM checks
 * need_resched), others at their next preemption point. NONE: never; the
 * woken thread waits for the end of the slice (the tick).
 */
static int preempt_at(struct sim *s, const struct thr *cur, uint64_t *at)
{
	switch (s->sc->preempt) {
	case SIM_PREEMPT_NONE:
		return 0;
	case SIM_PREEMPT_VOLUNTARY:
		*at = s->now;
		if (cur->kind != T_VCPU || cur->phase != V_GUEST)
			*at += sim_exp_ns(s, 300000, 1000);
		return 1;
	default:
		*at = s->now;
		return 1;
	}
}

static void enqueue(struct sim *s, int cpu, struct thr *t)
{
	struct cpu *c = &s->cpus[cpu];
	uint64_t at;

	t->state = TS_RUNNABLE;
	t->mark = s->now;
	c->rq[c->nrq++] = t;
	if (c->cur->kind == T_IDLE) {
		reschedule(s, c);
	} else if (c->cur->kind == T_VCPU && c->cur->phase == V_POLL) {
		guest_poll_abort(s, c, c->cur); /* the poll loop gives way */
	} else if (s->now - c->cur->mark >= WAKEUP_GRAN_NS &&
		   c->slice_end > s->now && preempt_at(s, c->cur, &at) &&
		   at < c->slice_end) {
		/* Wakeup preemption: end the current slice then; the
		 * running thread's own next step must not be lost. */
		c->slice_end = at;
		sched_arm(s, c, at < c->cur->act_at || at == s->now ?
			  at : c->cur->act_at);
	}
}

static int select_cpu(const struct sim *s, const struct thr *t)
{
	int prev = t->cpu, best = -1, best_load = INT_MAX;

	if (allowed(t, prev) && cpu_idle(&s->cpus[prev]))
		return prev;
	for (int k = 1; k < s->ncpu; k++) {
		int i = (prev + k) % s->ncpu;

		if (allowed(t, i) && cpu_idle(&s->cpus[i]))
			return i;
	}
	for (int k = 0; k < s->ncpu; k++) {
		int i = (prev + k) % s->ncpu;
		const struct cpu *c = &s->cpus[i];
		int load = c->nrq + (c->cur->kind != T_IDLE);

		if (allowed(t, i) && load < best_load) {
			best = i;
			best_load = load;
		}
	}
	return best;
}

void sched_wake(struct sim *s, struct thr *t, int waker_cpu, int vec)
{
	int target;

	if (vec && t->kind == T_VCPU && !t->pending_vec)
		t->pending_vec = vec;
	if (t->state != TS_BLOCKED)
		return;
	t->timer_gen++; /* a wakeup cancels the sleep's timer */
	target = select_cpu(s, t);
	emit_wakeup(s, SIMEV_SCHED_WAKING, waker_cpu, t, target);
	if (target != t->cpu) {
		emit_migrate(s, waker_cpu, t, t->cpu, target);
		t->cpu = target;
	}
	emit_wakeup(s, SIMEV_SCHED_WAKEUP, target, t, target);
	enqueue(s, target, t);
}

void sched_wake_new(struct sim *s, struct thr *t, int parent_cpu)
{
	int target;

	t->cpu = parent_cpu;
	target = select_cpu(s, t);
	t->cpu = target;
	emit_wakeup(s, SIMEV_SCHED_WAKEUP_NEW, parent_cpu, t, target);
	enqueue(s, target, t);
}

void sched_block(struct sim *s, struct cpu *c, uint64_t timer_ns)
{
	struct thr *t = c->cur;

	t->state = TS_BLOCKED;
	if (t->kind == T_VCPU)
		acct_cpu_run(s, t->owner, t->mark, s->now);
	if (timer_ns)
		sched_timer(s, t, s->now + timer_ns);
	reschedule(s, c);
}

void sched_exit(struct sim *s, struct cpu *c)
{
	struct thr *t = c->cur;
	int cpu = cpu_of(s, c);
	int64_t v[2] = { t->tid, PRIO };

	if (t->kind == T_VCPU)
		acct_cpu_run(s, t->owner, t->mark, s->now);
	sim_emit(s, SIMEV_PROCESS_EXIT, cpu, v, 2, t->comm, NULL);
	t->state = TS_DEAD;
	t->timer_gen++;
	c->step_gen++;
	reschedule(s, c);
	/* The task struct goes once nothing refers to it any more. */
	sim_emit(s, SIMEV_PROCESS_FREE, cpu, v, 2, t->comm, NULL);
}

void sched_step(struct sim *s, int cpu)
{
	struct cpu *c = &s->cpus[cpu];
	struct thr *t = c->cur;

	if (t->kind == T_IDLE)
		return;
	if (s->now >= t->act_at) {
		guest_action(s, c, t);
		return;
	}
	if (c->nrq > 0 && s->now >= c->slice_end &&
	    (t->kind != T_VCPU || t->phase == V_GUEST)) {
		guest_preempted(s, c, t);
		if (t->kind == T_VCPU)
			acct_cpu_run(s, t->owner, t->mark, s->now);
		t->state = TS_RUNNABLE;
		t->mark = s->now;
		c->rq[c->nrq++] = t;
		reschedule(s, c);
		return;
	}
	if (c->nrq > 0 && s->now >= c->slice_end) {
		/* Not preemptible now (hypervisor work): at its next step. */
		sched_arm(s, c, t->act_at);
		return;
	}
	if (s->now >= c->slice_end)
		c->slice_end = s->now + s->sc->slice_ns;
	sched_arm(s, c, t->act_at < c->slice_end ? t->act_at : c->slice_end);
}
