/* SPDX-License-Identifier: MIT */
/*
 * What threads do when they run. A vCPU thread alternates guest mode
 * (kvm_x86_entry .. kvm_x86_exit) and short hypervisor work; its guest
 * follows the VM's workload phase: compute bursts with timer, MSR and
 * external-interrupt exits; virtio kicks (EPT_MISCONFIG for the disk,
 * IO_INSTRUCTION for the NIC) that wake the QEMU worker or vhost thread;
 * HLT when it has nothing to do, after which the thread sleeps until a
 * timer or an injected interrupt wakes it. Workers and vhost threads
 * work through job queues; host threads and daemons run periodic bursts.
 * A VM with a `guest` profile has its own habits: tick rate, tickless
 * idle, how it arms its timer (MSR_WRITE to TSC_DEADLINE or an APIC
 * write), a Linux or Windows exit mix, virtio kicks as MMIO or port
 * writes, and KVM halt polling (the thread spins in the host after HLT
 * for a window that grows while wakeups come soon enough).
 */
#include "datasets/sim-internal.h"
#include "common/err.h"

#include <stdio.h>
#include <string.h>

/* VMX basic exit reasons (Intel SDM vol. 3, appendix C). */
enum {
	EXIT_EXTERNAL_INTERRUPT = 1, EXIT_CPUID = 10, EXIT_HLT = 12,
	EXIT_IO_INSTRUCTION = 30, EXIT_MSR_READ = 31, EXIT_MSR_WRITE = 32,
	EXIT_PAUSE = 40, EXIT_APIC_ACCESS = 44, EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49, EXIT_PREEMPTION_TIMER = 52,
	EXIT_APIC_WRITE = 56,
};

#define POLL_GROW_START_NS 10000 /* halt_poll_ns_grow_start */

/* Guest interrupt vectors (a recent Linux guest). */
enum { VEC_TIMER = 236, VEC_DISK = 34, VEC_NET = 37 };

enum wake_why { WAKE_TIMER, WAKE_IO, WAKE_START };

#define ENTRY_NS 700         /* vcpu_run until VM entry */
#define HOST_TIMER_VEC 0xec  /* the host's local timer vector */
#define GUEST_ISA_VMX 1

static const struct sim_phase *phase_of(struct sim *s, const struct thr *t)
{
	return scenario_phase_at(&s->sc->vms[t->owner], s->now - s->t0);
}

/* Root-mode time to handle an exit. */
static uint64_t handle_ns(struct sim *s, int reason)
{
	switch (reason) {
	case EXIT_HLT:
		return sim_host_ns(s, 1500);
	case EXIT_EPT_MISCONFIG:
	case EXIT_IO_INSTRUCTION:
		return sim_host_ns(s, 4000 + sim_exp_ns(s, 2000, 0));
	case EXIT_EPT_VIOLATION:
		return sim_host_ns(s, 3000 + sim_exp_ns(s, 3000, 0));
	default:
		return sim_host_ns(s, 800 + sim_exp_ns(s, 700, 0));
	}
}

static const struct sim_guest_spec *guest_of(const struct sim *s,
					     const struct thr *t)
{
	return &s->sc->vms[t->owner].guest;
}

/* The exit that re-arms the guest's timer. */
static int rearm_reason(const struct sim_guest_spec *g)
{
	return g->timer == SIM_TIMER_LAPIC ? EXIT_APIC_WRITE : EXIT_MSR_WRITE;
}

/*
 * The exits of a guest with a profile, per second of guest time: its
 * tick (the timer's expiry, then the write that re-arms it) `hz` times
 * each, and `exit_rate` others, mixed as a Linux or a Windows guest does
 * (Windows: TPR accesses, Hyper-V MSRs), in percent.
 */
static int exit_mix_init(struct exit_mix *m, const struct sim_guest_spec *g)
{
	static const int linux_mix[] = { EXIT_EXTERNAL_INTERRUPT, 35,
		EXIT_MSR_WRITE, 20, EXIT_EPT_VIOLATION, 20, EXIT_PAUSE, 10,
		EXIT_MSR_READ, 8, EXIT_CPUID, 4, EXIT_IO_INSTRUCTION, 3, 0 };
	static const int windows_mix[] = { EXIT_APIC_ACCESS, 25,
		EXIT_MSR_WRITE, 20, EXIT_EXTERNAL_INTERRUPT, 20,
		EXIT_EPT_VIOLATION, 12, EXIT_PAUSE, 10, EXIT_MSR_READ, 6,
		EXIT_CPUID, 4, EXIT_IO_INSTRUCTION, 3, 0 };
	const int *mix = g->os == SIM_OS_WINDOWS ? windows_mix : linux_mix;
	double w[EXIT_MIX_MAX];
	int n = 0;

	m->reason[n] = rearm_reason(g);
	w[n++] = g->hz;
	m->reason[n] = g->timer == SIM_TIMER_LAPIC ? EXIT_EXTERNAL_INTERRUPT :
		       EXIT_PREEMPTION_TIMER;
	w[n++] = g->hz;
	for (int i = 0; mix[i]; i += 2) {
		m->reason[n] = mix[i];
		w[n++] = g->exit_rate * mix[i + 1] / 100;
	}
	m->table = gsl_ran_discrete_preproc((size_t)n, w);
	return m->table ? 0 : -1;
}

int guest_init(struct sim *s)
{
	for (int vm = 0; vm < s->nvm; vm++)
		if (s->sc->vms[vm].guest.set &&
		    exit_mix_init(&s->exit_mix[vm], &s->sc->vms[vm].guest) < 0)
			return -1;
	return 0;
}

void guest_free(struct sim *s)
{
	for (int vm = 0; vm < s->nvm; vm++)
		if (s->exit_mix[vm].table)
			gsl_ran_discrete_free(s->exit_mix[vm].table);
}

/* Why a computing guest leaves guest mode, weighted as on a busy host. */
static int compute_exit_reason(struct sim *s, const struct thr *t)
{
	double u;

	if (guest_of(s, t)->set) {
		const struct exit_mix *m = &s->exit_mix[t->owner];

		return m->reason[gsl_ran_discrete(s->rng, m->table)];
	}
	u = gsl_rng_uniform(s->rng);

	if (u < 0.40)
		return EXIT_EXTERNAL_INTERRUPT;
	if (u < 0.65)
		return EXIT_MSR_WRITE;
	if (u < 0.80)
		return EXIT_PREEMPTION_TIMER;
	if (u < 0.90)
		return EXIT_EPT_VIOLATION;
	if (u < 0.95)
		return EXIT_PAUSE;
	if (u < 0.98)
		return EXIT_MSR_READ;
	return EXIT_CPUID;
}

static void emit_exit(struct sim *s, int cpu, const struct thr *t, int reason,
		      int host_vec)
{
	uint64_t rip = 0xffffffff81000000ull + (gsl_rng_get(s->rng) & 0xfffff0);
	int64_t v[8] = { reason, 0, GUEST_ISA_VMX, 0, 0, 0, 0, t->vcpu_id };

	switch (reason) {
	case EXIT_HLT:
		rip = 0xffffffff81c3a5beull; /* the guest's safe_halt */
		break;
	case EXIT_EXTERNAL_INTERRUPT:
		v[5] = 0x80000000ll | host_vec; /* valid, external */
		break;
	case EXIT_IO_INSTRUCTION:
		v[3] = (0xc050ll << 16) | 0x8; /* virtio-net notify, out */
		break;
	case EXIT_EPT_MISCONFIG:
		v[4] = 0xfe003000ll; /* virtio-blk notify area */
		break;
	case EXIT_MSR_WRITE:
		v[3] = 0;
		break;
	case EXIT_APIC_WRITE:
		v[3] = 0x380; /* TMICT, the one-shot count */
		break;
	case EXIT_APIC_ACCESS:
		v[3] = 0x1080; /* a write to the TPR */
		break;
	}
	v[1] = (int64_t)rip;
	sim_emit(s, SIMEV_KVM_EXIT, cpu, v, 8, NULL, NULL);
}

static void emit_apic_accept(struct sim *s, int cpu, const struct thr *vcpu,
			     int vec)
{
	int64_t v[5] = { vcpu->vcpu_id, 0, 0, vec, 0 };

	sim_emit(s, SIMEV_KVM_APIC_ACCEPT_IRQ, cpu, v, 5, NULL, NULL);
}

/* How long an idle guest with a profile sleeps: to its next tick, or,
 * tickless, to its next timer (a few per second, at tick resolution). */
static uint64_t profile_idle_ns(struct sim *s, const struct sim_guest_spec *g)
{
	double tick = 1e9 / g->hz;

	if (!g->tickless)
		return (uint64_t)(tick * (0.98 + 0.04 * gsl_rng_uniform(s->rng)));
	return sim_exp_ns(s, 40e6, (uint64_t)tick);
}

/* Ends a compute burst of a mixed phase with an I/O round trip. */
static void maybe_io_round(struct sim *s, struct thr *t,
			   const struct sim_phase *p)
{
	double u;

	if (!p || (p->io_disk <= 0 && p->io_net <= 0))
		return;
	u = gsl_rng_uniform(s->rng);
	if (u < p->io_disk)
		t->end = G_KICK_DISK;
	else if (u < p->io_disk + p->io_net)
		t->end = G_KICK_NET;
}

/* Plans the guest's next burst on vCPU `t` after it was woken. */
static void guest_plan(struct sim *s, struct thr *t, enum wake_why why)
{
	const struct sim_phase *p = phase_of(s, t);
	const struct sim_guest_spec *g = guest_of(s, t);
	enum workload load = p ? p->load : WL_IDLE;
	double in = p ? p->intensity : 0;
	double think, burst = p && p->burst_ms > 0 ? p->burst_ms * 1e6 : 30e6;

	t->sleep_ns = 0;
	t->rearm = g->set && why == WAKE_TIMER;
	if (why == WAKE_IO && t->io_pending > 0) {
		/* Handle one completion, wait for the others. */
		t->work_left = sim_exp_ns(s, 10000, 1000);
		t->end = G_HLT;
		return;
	}
	switch (load) {
	case WL_IDLE:
		t->work_left = sim_exp_ns(s, 25000, 2000);
		t->end = G_HLT;
		t->sleep_ns = g->set ? profile_idle_ns(s, g) :
			      sim_exp_ns(s, 8e6, 100000);
		break;
	case WL_CPU:
		t->work_left = sim_exp_ns(s, burst, 100000);
		t->end = G_HLT;
		if (in >= 0.99)
			t->sleep_ns = 0; /* never halts: see burst_done */
		else
			t->sleep_ns = sim_exp_ns(s, burst * (1 - in) / in, 50000);
		maybe_io_round(s, t, p);
		break;
	case WL_DISK:
	case WL_NET:
		think = 2e6 * (1 - in) / (in > 0.05 ? in : 0.05);
		if (why == WAKE_IO && think > 50000) {
			t->work_left = sim_exp_ns(s, 10000, 1000);
			t->end = G_HLT;
			t->sleep_ns = sim_exp_ns(s, think, 10000);
		} else {
			t->work_left = sim_exp_ns(s, p->compute_us > 0 ?
						  p->compute_us * 1000 : 40000,
						  2000);
			t->end = load == WL_DISK ? G_KICK_DISK : G_KICK_NET;
		}
		break;
	default:
		break;
	}
}

static void run_until(struct sim *s, struct cpu *c, struct thr *t, uint64_t at)
{
	t->act_at = at;
	t->seg_start = s->now;
	sched_arm(s, c, at < c->slice_end ? at : c->slice_end);
}

static uint64_t job_cost(struct sim *s, enum job_kind kind)
{
	switch (kind) {
	case J_DISK_SUBMIT:
		return sim_host_ns(s, sim_exp_ns(s, 8000, 3000));
	case J_DISK_DONE:
		return sim_host_ns(s, sim_exp_ns(s, 5000, 2000));
	case J_NET_TX:
	case J_NET_RXF:
		return sim_host_ns(s, sim_exp_ns(s, 3000, 1000));
	default:
		return sim_host_ns(s, sim_exp_ns(s, 4000, 1500));
	}
}

void job_push(struct sim *s, struct thr *t, enum job_kind kind, int arg,
	      int waker_cpu)
{
	if (t->dying || t->state == TS_DEAD)
		return; /* its VM is gone */
	if (t->job_tail - t->job_head >= JOB_RING) {
		/* Cannot happen with the bounded queue depths. */
		err_append("job queue of thread %d overflows", t->tid);
		s->failed = 1;
		return;
	}
	t->jobs[t->job_tail % JOB_RING] = (struct job){ (uint8_t)kind, arg };
	t->job_tail++;
	if (t->state == TS_BLOCKED) {
		t->work_left = job_cost(s, kind);
		sched_wake(s, t, waker_cpu, 0);
	}
}

void guest_dispatch(struct sim *s, struct cpu *c, struct thr *t)
{
	int cpu = (int)(c - s->cpus);

	if (t->dying) {
		sched_exit(s, c);
		return;
	}
	if (t->kind == T_VCPU) {
		t->phase = V_ENTER;
		run_until(s, c, t, s->now + sim_host_ns(s, ENTRY_NS));
		return;
	}
	if (t->need_exec) {
		int64_t v[2] = { t->tid, t->tid };

		sim_emit(s, SIMEV_PROCESS_EXEC, cpu, v, 2,
			 "/usr/bin/qemu-system-x86_64", NULL);
		t->need_exec = 0;
	}
	run_until(s, c, t, s->now + t->work_left);
}

void guest_host_irq(struct sim *s, int cpu, int host_vec)
{
	struct cpu *c = &s->cpus[cpu];
	struct thr *t = c->cur;
	uint64_t done;

	if (t->kind != T_VCPU || t->phase != V_GUEST)
		return;
	/* A host interrupt while in guest mode: VM exit first. */
	done = s->now - t->seg_start;
	t->work_left -= done < t->work_left ? done : t->work_left;
	t->exit_reason = EXIT_EXTERNAL_INTERRUPT;
	emit_exit(s, cpu, t, EXIT_EXTERNAL_INTERRUPT, host_vec);
	t->phase = V_EXIT;
	run_until(s, c, t, s->now + handle_ns(s, EXIT_EXTERNAL_INTERRUPT));
}

void guest_preempted(struct sim *s, struct cpu *c, struct thr *t)
{
	uint64_t done = s->now - t->seg_start;

	if (done > t->work_left)
		done = t->work_left;
	t->work_left -= done;
	if (t->kind == T_VCPU && t->phase == V_GUEST) {
		/* The host's tick interrupt takes the CPU from the guest. */
		emit_exit(s, (int)(c - s->cpus), t, EXIT_EXTERNAL_INTERRUPT,
			  HOST_TIMER_VEC);
		t->phase = V_ENTER;
	}
}

static void vcpu_enter(struct sim *s, struct cpu *c, struct thr *t)
{
	int cpu = (int)(c - s->cpus);
	const struct sim_guest_spec *g = guest_of(s, t);
	uint64_t seg, mean = phase_of(s, t) && phase_of(s, t)->load == WL_CPU ?
			     150000 : 80000;
	int64_t v[1] = { t->vcpu_id };

	if (g->set)
		mean = t->rearm ? 3000 : (uint64_t)(1e9 / (2.0 * g->hz +
							    g->exit_rate + 1));
	if (t->pending_vec) {
		int64_t irq[1] = { t->pending_vec };

		sim_emit(s, SIMEV_KVM_INJ_VIRQ, cpu, irq, 1, NULL, NULL);
		t->pending_vec = 0;
	}
	if (t->work_left < 500)
		t->work_left = 500;
	sim_emit(s, SIMEV_KVM_ENTRY, cpu, v, 1, NULL, NULL);
	t->phase = V_GUEST;
	seg = sim_exp_ns(s, (double)mean, 300);
	if (seg > t->work_left)
		seg = t->work_left;
	run_until(s, c, t, s->now + seg);
}

static int end_reason(const struct sim *s, const struct thr *t)
{
	const struct sim_guest_spec *g = guest_of(s, t);

	if (t->end == G_KICK_DISK)
		return g->set ? g->disk_kick : EXIT_EPT_MISCONFIG;
	if (t->end == G_KICK_NET)
		return g->set ? g->net_kick : EXIT_IO_INSTRUCTION;
	return EXIT_HLT;
}

/* KVM's halt polling after HLT: spin for the current window, unless
 * another thread waits for this CPU. Returns 1 when it polls. */
static int halt_poll(struct sim *s, struct cpu *c, struct thr *t)
{
	t->halt_at = s->now;
	if (!guest_of(s, t)->halt_poll_ns || !t->poll_ns || c->nrq > 0)
		return 0;
	t->phase = V_POLL;
	if (t->sleep_ns)
		sched_timer(s, t, s->now + t->sleep_ns);
	run_until(s, c, t, s->now + t->poll_ns);
	return 1;
}

/* A halted vCPU is woken after blocking for `block_ns`: the window grows
 * when a longer poll would have caught the wakeup, and is reset when
 * the wakeup came after the ceiling (KVM's grow_halt_poll_ns and
 * shrink_halt_poll_ns with halt_poll_ns_shrink = 0). */
static void poll_adapt(struct sim *s, struct thr *t)
{
	const struct sim_guest_spec *g = guest_of(s, t);
	uint64_t block_ns = s->now - t->halt_at;

	if (!g->halt_poll_ns || !g->halt_poll_grow)
		return;
	if (block_ns > g->halt_poll_ns) {
		t->poll_ns = 0;
	} else if (block_ns > t->poll_ns) {
		t->poll_ns = t->poll_ns ? t->poll_ns * g->halt_poll_grow :
			     POLL_GROW_START_NS;
		if (t->poll_ns > g->halt_poll_ns)
			t->poll_ns = g->halt_poll_ns;
	}
}

/* A wakeup reaches a polling vCPU: it enters the guest again at once,
 * without having slept. */
static void poll_hit(struct sim *s, struct thr *t, enum wake_why why, int vec)
{
	struct cpu *c = &s->cpus[t->cpu];

	t->timer_gen++;
	if (!t->pending_vec)
		t->pending_vec = vec;
	guest_plan(s, t, why);
	t->phase = V_ENTER;
	t->act_at = s->now;
	sched_arm(s, c, s->now);
}

void guest_poll_abort(struct sim *s, struct cpu *c, struct thr *t)
{
	t->act_at = s->now;
	sched_arm(s, c, s->now);
}

/* The guest finished its burst: halt, or kick a virtio device. */
static void burst_done(struct sim *s, struct cpu *c, struct thr *t)
{
	int cpu = (int)(c - s->cpus), vm = t->owner, k;
	const struct sim_phase *p;

	switch (t->end) {
	case G_HLT:
		/* An interrupt came while it ran, or nothing would wake
		 * it (no timer, no I/O in flight): the guest goes on. */
		if (t->pending_vec || (!t->sleep_ns && !t->io_pending)) {
			guest_plan(s, t, WAKE_IO);
			break;
		}
		if (halt_poll(s, c, t))
			return;
		sched_block(s, c, t->sleep_ns);
		return;
	case G_KICK_DISK:
		p = phase_of(s, t);
		k = p && p->depth ? p->depth :
		    1 + (int)((p ? p->intensity : 0) * 3.99);
		for (int i = 0; i < k; i++)
			job_push(s, &s->thr[s->vm_worker[vm]], J_DISK_SUBMIT,
				 thr_index(s, t), cpu);
		t->io_pending += k;
		t->work_left = sim_exp_ns(s, 5000, 1000);
		t->end = G_HLT;
		t->sleep_ns = 0;
		break;
	case G_KICK_NET:
		p = phase_of(s, t);
		k = p && p->frames ? p->frames :
		    4 + (int)((p ? p->intensity : 0) * 28);
		for (int i = 0; i < k; i++)
			job_push(s, &s->thr[s->vm_vhost[vm]], J_NET_TX,
				 thr_index(s, t) | (i == k - 1 ? 1 << 30 : 0),
				 cpu);
		t->io_pending += 1; /* the peer's answer */
		t->work_left = sim_exp_ns(s, 5000, 1000);
		t->end = G_HLT;
		t->sleep_ns = 0;
		break;
	}
	vcpu_enter(s, c, t);
}

static void vcpu_action(struct sim *s, struct cpu *c, struct thr *t)
{
	uint64_t done;

	switch (t->phase) {
	case V_ENTER:
		vcpu_enter(s, c, t);
		return;
	case V_GUEST:
		done = s->now - t->seg_start;
		t->work_left -= done < t->work_left ? done : t->work_left;
		if (t->work_left && t->rearm)
			t->exit_reason = rearm_reason(guest_of(s, t));
		else
			t->exit_reason = t->work_left ?
				compute_exit_reason(s, t) : end_reason(s, t);
		t->rearm = 0;
		emit_exit(s, (int)(c - s->cpus), t, t->exit_reason,
			  HOST_TIMER_VEC);
		t->phase = V_EXIT;
		run_until(s, c, t, s->now + handle_ns(s, t->exit_reason));
		return;
	case V_EXIT:
		/* The burst ends with its own exit (HLT or a kick), not
		 * with a host interrupt that happened to land last. */
		if (t->work_left || t->exit_reason != end_reason(s, t))
			vcpu_enter(s, c, t);
		else
			burst_done(s, c, t);
		return;
	case V_POLL:
		/* Nothing came within the window (or a thread waits for
		 * this CPU): it sleeps; its timer is already armed. */
		sched_block(s, c, 0);
		return;
	}
}

/* An I/O completion for vCPU `v`: raise its interrupt, wake it. */
static void complete_io(struct sim *s, int cpu, struct thr *v, int vec)
{
	if (v->dying || v->state == TS_DEAD)
		return;
	if (v->io_pending > 0)
		v->io_pending--;
	emit_apic_accept(s, cpu, v, vec);
	if (v->state == TS_RUNNING && v->phase == V_POLL) {
		poll_hit(s, v, WAKE_IO, vec);
		return;
	}
	if (v->state == TS_BLOCKED) {
		poll_adapt(s, v);
		guest_plan(s, v, WAKE_IO);
	}
	sched_wake(s, v, cpu, vec);
}

static void io_thread_action(struct sim *s, struct cpu *c, struct thr *t)
{
	int cpu = (int)(c - s->cpus);

	if (t->job_head != t->job_tail) {
		struct job j = t->jobs[t->job_head % JOB_RING];

		t->job_head++;
		switch (j.kind) {
		case J_DISK_SUBMIT:
			dev_disk_submit(s, t, j.arg, cpu);
			break;
		case J_DISK_DONE:
			complete_io(s, cpu, &s->thr[j.arg], VEC_DISK);
			break;
		case J_NET_TX:
			dev_net_send(s, t, j.arg & 0xffffff, !!(j.arg >> 30),
				     cpu);
			break;
		case J_NET_ACK:
			complete_io(s, cpu, &s->thr[j.arg], VEC_NET);
			break;
		case J_NET_RXF: /* into the guest's ring; more to come */
			break;
		}
	}
	if (t->job_head != t->job_tail) {
		t->work_left = job_cost(s, t->jobs[t->job_head % JOB_RING].kind);
		run_until(s, c, t, s->now + t->work_left);
		return;
	}
	t->work_left = 0;
	sched_block(s, c, 0);
}

static void spawn_vm_threads(struct sim *s, int cpu, struct thr *qemu)
{
	int vm = qemu->owner;
	const struct sim_vm_spec *spec = &s->sc->vms[vm];

	for (int i = 0; i < spec->vcpus + 2; i++) {
		struct thr *t = &s->thr[i < spec->vcpus ? s->vm_vcpu0[vm] + i :
				i == spec->vcpus ? s->vm_worker[vm] :
				s->vm_vhost[vm]];
		const struct thr *parent = t->kthread ? &s->thr[s->kthreadd] : qemu;
		int64_t v[6] = { parent->tid, parent->pid, 4026531836ll,
				 t->tid, t->pid, 4026531836ll };

		sim_emit(s, SIMEV_PROCESS_FORK, cpu, v, 6, parent->comm,
			 parent->comm);
		t->state = TS_BLOCKED;
		if (t->kind == T_VCPU)
			guest_plan(s, t, WAKE_START);
		else
			t->work_left = 20000;
		sched_wake_new(s, t, cpu);
	}
}

static void host_action(struct sim *s, struct cpu *c, struct thr *t)
{
	int cpu = (int)(c - s->cpus);

	if (t->kind == T_QEMU && t->need_exec == 0 && t->period_ns == 0) {
		/* First run after exec: create the VM's threads. */
		spawn_vm_threads(s, cpu, t);
		t->period_ns = 50000000;
		t->burst_ns = 20000;
	}
	if (t->kind == T_DAEMON) {
		const struct sim_daemon_spec *d = &s->sc->daemons[t->daemon];
		uint64_t rel = s->now - s->t0;
		int nthreads = (int)(d->cpu_share + 0.999);
		double duty = d->cpu_share / nthreads;

		if (rel < d->end_ns && duty < 0.99) {
			sched_block(s, c, sim_exp_ns(s, 4e6 * (1 - duty) / duty,
						     20000));
			return;
		}
		if (rel < d->end_ns) {
			t->work_left = sim_exp_ns(s, 4e6, 10000);
			run_until(s, c, t, s->now + t->work_left);
			return;
		}
		sched_block(s, c, 0); /* done for this trace */
		return;
	}
	if (t->period_ns)
		sched_block(s, c, sim_exp_ns(s, (double)t->period_ns, 1000));
	else
		sched_block(s, c, 0);
}

void guest_action(struct sim *s, struct cpu *c, struct thr *t)
{
	switch (t->kind) {
	case T_VCPU:
		vcpu_action(s, c, t);
		break;
	case T_WORKER:
	case T_VHOST:
		io_thread_action(s, c, t);
		break;
	default:
		host_action(s, c, t);
		break;
	}
}

void guest_timer(struct sim *s, struct thr *t)
{
	if (t->kind == T_VCPU && t->state == TS_RUNNING && t->phase == V_POLL) {
		emit_apic_accept(s, t->cpu, t, VEC_TIMER);
		poll_hit(s, t, WAKE_TIMER, VEC_TIMER);
		return;
	}
	if (t->state != TS_BLOCKED)
		return;
	switch (t->kind) {
	case T_VCPU:
		/* The guest's LAPIC timer (a host hrtimer) fires on the CPU
		 * the vCPU last ran on and delivers its vector. */
		emit_apic_accept(s, t->cpu, t, VEC_TIMER);
		poll_adapt(s, t);
		guest_plan(s, t, WAKE_TIMER);
		sched_wake(s, t, t->cpu, VEC_TIMER);
		return;
	case T_DAEMON: {
		const struct sim_daemon_spec *d = &s->sc->daemons[t->daemon];
		uint64_t rel = s->now - s->t0;

		if (rel < d->start_ns) {
			sched_timer(s, t, s->t0 + d->start_ns);
			return;
		}
		if (rel >= d->end_ns)
			return;
		t->work_left = sim_exp_ns(s, 4e6, 10000);
		break;
	}
	default:
		t->work_left = sim_exp_ns(s, (double)t->burst_ns, 500);
		break;
	}
	sched_wake(s, t, t->cpu, 0);
}

/* QEMU is killed: each of its threads (and the vhost thread) exits the
 * next time it runs; blocked ones are woken for it, a running one exits
 * now. Requests in flight complete without anybody to tell. */
void guest_vm_stop(struct sim *s, int vm)
{
	int first = s->vm_qemu[vm], last = s->vm_vhost[vm];

	for (int i = first; i <= last; i++) {
		struct thr *t = &s->thr[i];

		if (t->state == TS_UNBORN || t->state == TS_DEAD)
			continue;
		t->dying = 1;
		t->job_head = t->job_tail;
		t->timer_gen++;
		if (t->state == TS_RUNNING)
			sched_exit(s, &s->cpus[t->cpu]);
		else if (t->state == TS_BLOCKED)
			sched_wake(s, t, t->cpu, 0);
	}
}

void guest_vm_start(struct sim *s, int vm)
{
	struct thr *lv = &s->thr[s->libvirtd];
	struct thr *q = &s->thr[s->vm_qemu[vm]];
	int cpu = lv->state == TS_RUNNING ? lv->cpu : q->cpu;
	int64_t v[6] = { lv->tid, lv->pid, 4026531836ll, q->tid, q->pid,
			 4026531836ll };

	sim_emit(s, SIMEV_PROCESS_FORK, cpu, v, 6, lv->comm, lv->comm);
	q->state = TS_BLOCKED;
	q->need_exec = 1;
	q->period_ns = 0;
	q->work_left = 3000000; /* exec, then QEMU's own start-up */
	sched_wake_new(s, q, cpu);
}
