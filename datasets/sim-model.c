/* SPDX-License-Identifier: MIT */
/*
 * The simulation's frame: builds the host's threads from the scenario,
 * runs the event loop under the trace writer, and turns the ground truth
 * into vms.json and labels.json.
 */
#include "datasets/sim-model.h"
#include "datasets/sim-internal.h"
#include "datasets/sim-perf.h"
#include "common/err.h"
#include "common/outfile.h"

#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PACKET_NS 100000000ull /* 100 ms packets, as a switch timer would */
#define UPTIME_NS 86400000000000ull /* the host booted a day before */
#define NS_INUM 4026531836ll

double sim_exp(struct sim *s, double mean)
{
	return gsl_ran_exponential(s->rng, mean);
}

uint64_t sim_exp_ns(struct sim *s, double mean_ns, uint64_t min_ns)
{
	uint64_t v = (uint64_t)sim_exp(s, mean_ns);

	return v < min_ns ? min_ns : v;
}

void sim_emit(struct sim *s, int type, int cpu, const int64_t *v, int nv,
	      const char *s0, const char *s1)
{
	struct simev_rec r;

	r.ts = s->now;
	r.type = (uint16_t)type;
	r.cpu = (uint16_t)cpu;
	memcpy(r.v, v, nv * sizeof(*v));
	for (int i = nv; i < SIMEV_MAX_INTS; i++)
		r.v[i] = 0;
	r.s[0] = s0;
	r.s[1] = s1;
	if (simw_emit(s->w, &r))
		s->failed = 1;
}

/* FNV-1a, to derive UUIDs from the seed and names. */
static uint64_t fnv(uint64_t h, const char *str)
{
	if (!h)
		h = 1469598103934665603ull;
	for (; *str; str++)
		h = (h ^ (uint8_t)*str) * 1099511628211ull;
	return h;
}

static void make_uuid(uint64_t seed, const char *name, uint8_t *out)
{
	char sbuf[32];
	uint64_t a, b;

	snprintf(sbuf, sizeof(sbuf), "%llu", (unsigned long long)seed);
	a = fnv(fnv(0, sbuf), name);
	b = fnv(a, "vmint");
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
	out[6] = (out[6] & 0x0f) | 0x40; /* version 4 layout */
	out[8] = (out[8] & 0x3f) | 0x80;
}

static struct thr *add_thread(struct sim *s, int tid, int pid, int ppid,
			      const char *comm, enum thr_kind kind, int owner)
{
	struct thr *t = &s->thr[s->nthr++];

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	t->ppid = ppid;
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	t->kind = kind;
	t->owner = owner;
	t->state = TS_BLOCKED;
	t->allowed = s->ncpu >= 64 ? ~0ull : (1ull << s->ncpu) - 1;
	t->cpu = tid % s->ncpu;
	return t;
}

static struct thr *add_periodic(struct sim *s, int tid, int pid, int ppid,
				const char *comm, uint64_t period, uint64_t burst)
{
	struct thr *t = add_thread(s, tid, pid, ppid, comm, T_HOST,
				   SIM_HOST_OWNER(s));

	t->period_ns = period;
	t->burst_ns = burst;
	t->kthread = ppid == 2 || tid == 2;
	return t;
}

static void add_host_threads(struct sim *s)
{
	add_periodic(s, 1, 1, 0, "systemd", 0, 0);
	s->kthreadd = add_periodic(s, 2, 2, 0, "kthreadd", 0, 0) - s->thr;
	add_periodic(s, 10, 10, 2, "rcu_sched", 4000000, 3000);
	for (int c = 0; c < s->ncpu; c++) {
		char name[32];
		struct thr *t;

		snprintf(name, sizeof(name), "kworker/%d:1", c);
		t = add_periodic(s, 100 + c, 100 + c, 2, name, 20000000, 12000);
		t->allowed = 1ull << c;
		t->cpu = c;
	}
	add_periodic(s, 412, 412, 1, "systemd-journal", 300000000, 150000);
	add_periodic(s, 890, 890, 1, "sshd", 0, 0);
	add_periodic(s, 1010, 1010, 1, "lttng-sessiond", 1000000000, 100000);
	add_periodic(s, 1030, 1030, 1010, "lttng-consumerd", 100000000, 80000);
	s->libvirtd = add_periodic(s, 1200, 1200, 1, "libvirtd", 500000000,
				   60000) - s->thr;
	for (int i = 0; i < s->sc->ndaemons; i++) {
		const struct sim_daemon_spec *d = &s->sc->daemons[i];
		int n = (int)(d->cpu_share + 0.999), pid = 2000 + 20 * i;

		for (int j = 0; j < n; j++) {
			struct thr *t = add_thread(s, pid + j, pid, 1, d->name,
						   T_DAEMON, SIM_HOST_OWNER(s));

			t->daemon = i;
		}
	}
}

static void add_vm_threads(struct sim *s, int vm)
{
	const struct sim_vm_spec *v = &s->sc->vms[vm];
	int pid = v->pid ? v->pid : 3000 + 300 * vm + 17 * (vm % 5);
	int new_vhost = s->sc->kver >= KVER(6, 4);
	struct thr *t;
	char name[32];

	s->vm_pid[vm] = pid;
	snprintf(s->vm_tap[vm], sizeof(s->vm_tap[vm]), "tap%d", vm);
	s->vm_sector[vm] = 2048 + (uint64_t)vm * 200000000ull;
	t = add_thread(s, pid, pid, 1200, "qemu-system-x86", T_QEMU, vm);
	t->period_ns = 50000000;
	t->burst_ns = 20000;
	s->vm_qemu[vm] = t - s->thr;
	s->vm_vcpu0[vm] = s->nthr;
	for (int i = 0; i < v->vcpus; i++) {
		snprintf(name, sizeof(name), "CPU %d/KVM", i);
		t = add_thread(s, pid + 3 + i, pid, 1200, name, T_VCPU, vm);
		t->vcpu_id = i;
		if (!v->guest.halt_poll_grow) /* a fixed window */
			t->poll_ns = v->guest.halt_poll_ns;
		if (v->pin[i] >= 0) {
			t->allowed = 1ull << v->pin[i];
			t->cpu = v->pin[i];
		} else {
			t->cpu = (vm + i) % s->ncpu;
		}
	}
	t = add_thread(s, pid + 3 + v->vcpus, pid, 1200, "worker", T_WORKER, vm);
	s->vm_worker[vm] = t - s->thr;
	snprintf(name, sizeof(name), "vhost-%d", pid);
	if (new_vhost) {
		t = add_thread(s, pid + 4 + v->vcpus, pid, 1200, name, T_VHOST, vm);
	} else {
		t = add_thread(s, pid + 4 + v->vcpus, pid + 4 + v->vcpus, 2,
			       name, T_VHOST, vm);
		t->kthread = 1;
	}
	s->vm_vhost[vm] = t - s->thr;
	for (int i = s->vm_qemu[vm]; i < s->nthr; i++)
		if (v->start_ns > 0)
			s->thr[i].state = TS_UNBORN;
}

static int alloc_state(struct sim *s)
{
	int n = 32 + s->ncpu * 2;

	for (int i = 0; i < s->sc->ndaemons; i++)
		n += (int)(s->sc->daemons[i].cpu_share + 1);
	for (int i = 0; i < s->nvm; i++)
		n += s->sc->vms[i].vcpus + 3;
	s->thr = calloc(n, sizeof(*s->thr));
	s->cpus = calloc(s->ncpu, sizeof(*s->cpus));
	if (!s->thr || !s->cpus)
		return -1;
	for (int c = 0; c < s->ncpu; c++) {
		s->cpus[c].rq = calloc(n, sizeof(struct thr *));
		if (!s->cpus[c].rq)
			return -1;
	}
	return 0;
}

struct sim *sim_create(const struct scenario *sc, uint64_t seed)
{
	struct sim *s = calloc(1, sizeof(*s));

	if (!s) {
		err_fail(ERR_RESOURCE, "out of memory");
		return NULL;
	}
	s->sc = sc;
	s->ncpu = sc->cpus;
	s->nvm = sc->nvms;
	s->t0 = sc->start_ns;
	s->t_end = sc->start_ns + sc->duration_ns;
	s->now = s->t0;
	s->rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!s->rng || alloc_state(s) || dev_init(s) || acct_init(s) ||
	    guest_init(s))
		goto error;
	gsl_rng_set(s->rng, (unsigned long)seed);
	if (sc->kver < KVER(4, 4))
		s->preempt_state = 0;
	else if (sc->kver < KVER(4, 8))
		s->preempt_state = 2048;  /* TASK_STATE_MAX */
	else if (sc->kver < KVER(4, 14))
		s->preempt_state = 4096;  /* TASK_STATE_MAX, with TASK_NEW */
	else
		s->preempt_state = 0x100; /* TASK_REPORT_MAX */
	for (int c = 0; c < s->ncpu; c++) {
		char name[32];
		struct thr *t;

		snprintf(name, sizeof(name), "swapper/%d", c);
		t = add_thread(s, 0, 0, 0, name, T_IDLE, SIM_HOST_OWNER(s));
		t->allowed = 1ull << c;
		t->cpu = c;
		t->state = TS_RUNNING;
		s->cpus[c].idle = s->cpus[c].cur = t;
	}
	add_host_threads(s);
	for (int vm = 0; vm < s->nvm; vm++)
		add_vm_threads(s, vm);
	return s;
error:
	err_fail(ERR_RESOURCE, "out of memory");
	sim_destroy(s);
	return NULL;
}

void sim_destroy(struct sim *s)
{
	if (!s)
		return;
	for (int i = 0; s->thr && i < s->nthr; i++)
		free(s->thr[i].jobs);
	for (int c = 0; s->cpus && c < s->ncpu; c++)
		free(s->cpus[c].rq);
	free(s->cpus);
	free(s->thr);
	free(s->acct);
	guest_free(s);
	dev_free(s);
	simq_free(&s->q);
	if (s->rng)
		gsl_rng_free(s->rng);
	free(s);
}

/* Statedump of the threads alive at the start, then their first timers. */
static int start(struct sim *s)
{
	int64_t none[1] = { 0 };

	sim_emit(s, SIMEV_STATEDUMP_START, 0, none, 0, NULL, NULL);
	for (int i = 0; i < s->nthr; i++) {
		struct thr *t = &s->thr[i];
		int64_t v[8] = { t->tid, t->pid, t->ppid, t->kthread, 5, 0, 5,
				 t->cpu };

		if (t->kind == T_IDLE || t->state == TS_UNBORN)
			continue;
		sim_emit(s, SIMEV_STATEDUMP_PROCESS, 0, v, 8, t->comm, NULL);
	}
	sim_emit(s, SIMEV_STATEDUMP_END, 0, none, 0, NULL, NULL);

	for (int i = 0; i < s->nthr; i++) {
		struct thr *t = &s->thr[i];
		uint64_t at = s->t0 + 20000 +
			      gsl_rng_uniform_int(s->rng, 2000000);

		if (t->kind == T_WORKER || t->kind == T_VHOST) {
			t->jobs = calloc(JOB_RING, sizeof(*t->jobs));
			if (!t->jobs) {
				err_fail(ERR_RESOURCE, "out of memory");
				return -1;
			}
		}
		if (t->state != TS_BLOCKED)
			continue;
		if (t->kind == T_DAEMON)
			sched_timer(s, t, s->t0 + s->sc->daemons[t->daemon].start_ns +
					  gsl_rng_uniform_int(s->rng, 100000));
		else if (t->kind == T_VCPU || t->period_ns)
			sched_timer(s, t, at);
	}
	for (int vm = 0; vm < s->nvm; vm++)
		if (s->sc->vms[vm].end_ns > 0 &&
		    simq_push(&s->q, s->t0 + s->sc->vms[vm].end_ns, Q_VM_STOP,
			      vm, 0))
			return -1;
	for (int vm = 0; vm < s->nvm; vm++)
		if (s->sc->vms[vm].start_ns > 0 &&
		    simq_push(&s->q, s->t0 + s->sc->vms[vm].start_ns, Q_VM_START,
			      vm, 0))
			return -1;
	return s->failed ? -1 : 0;
}

/* Accounts the segments still open when the trace ends. */
static void finish(struct sim *s)
{
	s->now = s->t_end;
	for (int c = 0; c < s->ncpu; c++) {
		struct cpu *cp = &s->cpus[c];
		int culprit = cp->cur->kind == T_IDLE ? SIM_NO_OWNER :
			      cp->cur->owner;

		if (cp->cur->kind == T_VCPU)
			acct_cpu_run(s, cp->cur->owner, cp->cur->mark, s->t_end);
		for (int i = 0; i < cp->nrq; i++)
			if (cp->rq[i]->kind == T_VCPU)
				acct_cpu_wait(s, cp->rq[i]->owner, culprit,
					      cp->rq[i]->mark, s->t_end);
	}
}

static void handle(struct sim *s, const struct simq_item *it)
{
	switch (it->kind) {
	case Q_CPU_STEP:
		if (it->gen == s->cpus[it->idx].step_gen)
			sched_step(s, it->idx);
		break;
	case Q_THR_TIMER:
		if (it->gen == s->thr[it->idx].timer_gen)
			guest_timer(s, &s->thr[it->idx]);
		break;
	case Q_DISK_DONE:
		dev_disk_done(s, it->idx);
		break;
	case Q_NIC_DONE:
		dev_nic_done(s);
		break;
	case Q_NET_RX:
		dev_net_rx(s, it->idx);
		break;
	case Q_VM_START:
		guest_vm_start(s, it->idx);
		break;
	case Q_VM_STOP:
		guest_vm_stop(s, it->idx);
		break;
	case Q_NIC_IRQ:
		dev_nic_irq(s);
		break;
	case Q_NIC_RX_DONE:
		dev_nic_rx_done(s);
		break;
	}
}

static int produce(void *data, struct simw *w, uint64_t *now)
{
	struct sim *s = data;
	struct simq_item it;

	s->w = w;
	if (outfile_interrupted()) {
		err_fail(ERR_INTERRUPTED, "interrupted");
		return -1;
	}
	if (!s->started) {
		s->started = 1;
		if (start(s))
			return -1;
	}
	for (int k = 0; k < 4096; k++) {
		if (s->q.n == 0 || s->q.items[0].t >= s->t_end) {
			finish(s);
			return 1;
		}
		simq_pop(&s->q, &it);
		s->now = it.t;
		s->steps++;
		handle(s, &it);
		if (s->failed)
			return -1;
	}
	*now = s->q.n ? s->q.items[0].t : s->t_end;
	return 0;
}

/* The trace clock's origin, the host's boot: a day before the start. */
static uint64_t clock_offset_ns(const struct sim *s)
{
	return s->t0 > UPTIME_NS ? s->t0 - UPTIME_NS : 0;
}

void sim_set_layout(struct sim *s, int perf)
{
	s->layout = perf ? SIMW_LAYOUT_PERF : SIMW_LAYOUT_LTTNG;
}

json_t *sim_clock_offset_json(const struct sim *s)
{
	return json_pack("{s:s, s:I, s:s}", "schema", "vmint.clock-offset/1",
			 "offset_ns", (json_int_t)clock_offset_ns(s), "clock",
			 "CLOCK_MONOTONIC");
}

int sim_run(struct sim *s, const char *dir, uint64_t *counts)
{
	char release[96];
	struct simw_config cfg = { 0 };

	snprintf(release, sizeof(release), "%s-vmint", s->sc->kernel);
	cfg.layout = s->layout;
	cfg.kver = s->sc->kver;
	cfg.path = dir;
	cfg.table = simev_table(s->sc->kver);
	cfg.ncpus = s->ncpu;
	cfg.hostname = s->sc->host_name;
	cfg.kernel_release = release;
	cfg.start_ns = s->t0;
	cfg.end_ns = s->t_end;
	cfg.clock_offset_ns = clock_offset_ns(s);
	cfg.packet_ns = PACKET_NS;
	make_uuid(s->sc->seed, s->sc->host_name, cfg.uuid);
	return simw_run(&cfg, produce, s, counts);
}

const char *sim_event_name(const struct sim *s, int type)
{
	if (s->layout == SIMW_LAYOUT_PERF)
		return simperf_event_name(type);
	return simev_table(s->sc->kver)[type].name;
}

const char *sim_owner_name(const struct sim *s, int owner)
{
	return owner >= s->nvm ? CULPRIT_HOST_NAME : s->sc->vms[owner].name;
}

int sim_vm_pid(const struct sim *s, int vm)
{
	return s->vm_pid[vm];
}

json_t *sim_vms_json(const struct sim *s)
{
	json_t *vms = json_array(), *doc;

	for (int i = 0; i < s->nvm; i++) {
		uint8_t u[16];
		char uuid[40];

		make_uuid(s->sc->seed, s->sc->vms[i].name, u);
		snprintf(uuid, sizeof(uuid),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
			 u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
			 u[12], u[13], u[14], u[15]);
		json_array_append_new(vms, json_pack("{s:i, s:s, s:s, s:i}",
			"pid", s->vm_pid[i], "name", s->sc->vms[i].name,
			"uuid", uuid, "vcpus", s->sc->vms[i].vcpus));
	}
	doc = json_pack("{s:s, s:s, s:o}", "schema", "vmint.vms/1", "host",
			s->sc->host_name, "vms", vms);
	return doc;
}

static json_t *label_json(const struct sim *s, int vm,
			  const struct sim_label *l)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:b}", "vm", s->sc->vms[vm].name,
			      "start_ns", (json_int_t)l->start_ns, "end_ns",
			      (json_int_t)l->end_ns, "interference",
			      l->interference);

	if (!o)
		return NULL;
	if (l->interference) {
		json_t *c = json_array();

		for (int i = 0; i < l->nculprits; i++)
			json_array_append_new(c, json_string(
				sim_owner_name(s, l->culprits[i])));
		json_object_set_new(o, "resource",
				    json_string(resource_name(l->resource)));
		json_object_set_new(o, "culprits", c);
	}
	json_object_set_new(o, "delayed_share", json_pack("{s:f, s:f, s:f}",
		resource_name(RES_CPU), l->share[RES_CPU],
		resource_name(RES_DISK), l->share[RES_DISK],
		resource_name(RES_NET), l->share[RES_NET]));
	json_object_set_new(o, "workload",
			    json_string(workload_name(l->workload)));
	return o;
}

json_t *sim_labels_json(const struct sim *s)
{
	json_t *vms = json_array(), *iv = json_array();

	for (int vm = 0; vm < s->nvm; vm++) {
		json_array_append_new(vms, json_pack("{s:s, s:i, s:s}", "name",
			s->sc->vms[vm].name, "pid", s->vm_pid[vm], "workload",
			workload_name(sim_vm_workload(s, vm))));
		for (int w = 0; w < s->nwin; w++) {
			struct sim_label l;

			if (sim_label(s, vm, w, &l))
				json_array_append_new(iv, label_json(s, vm, &l));
		}
	}
	return json_pack("{s:s, s:I, s:o, s:o}", "schema", "vmint.labels/1",
			 "window_ns", (json_int_t)s->sc->window_ns, "vms", vms,
			 "intervals", iv);
}
