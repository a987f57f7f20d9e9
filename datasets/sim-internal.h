/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_SIM_INTERNAL_H
#define VMINT_DATASETS_SIM_INTERNAL_H

/*
 * The simulator's state, shared by its parts: the event queue
 * (sim-heap.c), the scheduler (sim-sched.c), what threads do when they
 * run (sim-guest.c: vCPUs, QEMU workers, vhost, host daemons), the
 * shared disk and NIC queues (sim-devices.c) and the ground-truth
 * accounting (sim-account.c). Times are absolute ns since the Unix epoch.
 */

#include "datasets/sim-events.h"
#include "datasets/sim-scenario.h"
#include "datasets/sim-writer.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>

#define SIM_HOST_OWNER(s) ((s)->nvm) /* culprit index of host threads */
#define SIM_NO_OWNER (-1)

/* ---- event queue ---- */

enum simq_kind {
	Q_CPU_STEP,   /* idx: cpu; the running thread's next action or slice end */
	Q_THR_TIMER,  /* idx: thread; a sleeping thread's timer */
	Q_DISK_DONE,  /* the disk finished its current request */
	Q_NIC_DONE,   /* the link finished sending its current packet */
	Q_NET_RX,     /* idx: vm; the peer's answer arrives on eth0 */
	Q_VM_START,   /* idx: vm; libvirtd starts its QEMU */
	Q_VM_STOP,    /* idx: vm; its QEMU is killed */
	Q_NIC_IRQ,    /* the coalesced receive interrupt fires */
	Q_NIC_RX_DONE, /* the receive link delivered its current frame */
};

struct simq_item {
	uint64_t t;
	uint64_t seq;  /* ties resolved in insertion order: deterministic */
	uint64_t gen;  /* stale when it differs from the target's generation */
	int32_t idx;
	uint8_t kind;
};

struct simq {
	struct simq_item *items; /* owned: binary min-heap */
	size_t n, cap;
	uint64_t next_seq;
};

int simq_push(struct simq *q, uint64_t t, enum simq_kind kind, int idx,
	      uint64_t gen);
int simq_pop(struct simq *q, struct simq_item *out); /* 0, or -1 if empty */
void simq_free(struct simq *q);

/* ---- threads and CPUs ---- */

enum thr_kind {
	T_IDLE,    /* swapper/N */
	T_HOST,    /* host process or kernel thread with a periodic job */
	T_DAEMON,  /* host daemon of the scenario: CPU bursts */
	T_QEMU,    /* QEMU main thread */
	T_VCPU,    /* "CPU n/KVM" */
	T_WORKER,  /* QEMU I/O worker: disk requests */
	T_VHOST,   /* vhost-<pid>: virtio-net */
};

enum thr_state { TS_UNBORN, TS_BLOCKED, TS_RUNNABLE, TS_RUNNING, TS_DEAD };

/* What a vCPU does when its current guest burst ends. */
enum guest_end { G_HLT, G_KICK_DISK, G_KICK_NET };

/* Phases of a running vCPU thread. */
enum vcpu_phase { V_ENTER, V_GUEST, V_EXIT, V_POLL /* KVM halt polling */ };

/* A job queued for a worker or vhost thread. */
enum job_kind { J_DISK_SUBMIT, J_DISK_DONE, J_NET_TX, J_NET_ACK,
		J_NET_RXF /* a received frame that is not the last */ };

struct job {
	uint8_t kind;
	int32_t arg; /* request/packet index, or vCPU thread index */
};

#define JOB_RING 4096

struct thr {
	int tid, pid, ppid;
	char comm[16];
	enum thr_kind kind;
	int owner;          /* VM index, or SIM_HOST_OWNER */
	int vcpu_id;
	int kthread;
	enum thr_state state;
	int cpu;            /* current, or last */
	uint64_t allowed;   /* CPU mask */
	uint64_t timer_gen;

	/* Execution while running. */
	uint64_t work_left; /* CPU (guest) time before the burst's action */
	uint64_t seg_start;
	uint64_t act_at;    /* time of the next action */
	int phase;          /* enum vcpu_phase for vCPUs */
	int exit_reason;

	/* Guest of a vCPU. */
	enum guest_end end;
	uint64_t sleep_ns;  /* timer armed when the vCPU halts (0: none) */
	int pending_vec;    /* interrupt to inject at the next entry */
	int io_pending;     /* requests or packet batches in flight */
	int rearm;          /* woken by its tick: re-arms its timer first */
	uint64_t poll_ns;   /* current halt-polling window */
	uint64_t halt_at;   /* when it last halted */

	/* Periodic host threads and daemons. */
	uint64_t period_ns, burst_ns;
	int daemon;         /* index in the scenario, T_DAEMON */
	int need_exec;      /* QEMU main thread not yet exec'd */
	int dying;          /* exits the next time it runs */

	/* Jobs of worker and vhost threads. */
	struct job *jobs;   /* owned: JOB_RING entries */
	unsigned job_head, job_tail;

	/* Ground-truth accounting. */
	uint64_t mark;      /* start of the current run or wait segment */
};

struct cpu {
	struct thr *cur;    /* weak */
	struct thr *idle;   /* weak */
	struct thr **rq;    /* owned: runnable threads, FIFO */
	int nrq;
	uint64_t slice_end;
	uint64_t step_gen;
};

/* ---- shared devices ---- */

struct request {
	int owner;          /* VM */
	int vcpu;           /* thread index of the vCPU waiting for it */
	int worker;         /* thread index of the issuer (worker or vhost) */
	uint64_t enq;       /* queued on the device */
	uint64_t start;     /* service started */
	uint64_t service;   /* service time */
	uint64_t xfer;      /* parallel disk: its data transfer's start */
	uint64_t sector, skb;
	uint32_t bytes, rwbs;
	int last;           /* net: last packet of its batch */
	uint64_t delay_by[SIM_MAX_VMS + 1]; /* queued behind each owner */
	int next_free;
};

struct device {
	int *queue;         /* owned: ring of request indices */
	unsigned head, tail, cap;
	int busy;           /* NIC: request in service, or -1 */
	int *serving;       /* disk, owned: the requests in service */
	int nserving;       /* ... how many (at most sc->disk_queues) */
	uint64_t head_sector; /* HDD: where the head is */
	uint64_t xfer_free;   /* parallel disk: its data channel is free */
	int irq_cpu_of_vm[SIM_MAX_VMS];
};

/* ---- ground truth ---- */

struct acct_cell {
	double cpu_run, cpu_wait;
	double cpu_by[SIM_MAX_VMS + 1];
	double disk_lat, disk_by[SIM_MAX_VMS + 1];
	double net_lat, net_by[SIM_MAX_VMS + 1];
	double disk_n, net_n;
};

/* The exits of a guest with a profile, weighted by their rates. */
#define EXIT_MIX_MAX 10
struct exit_mix {
	gsl_ran_discrete_t *table; /* owned; NULL: the default guest */
	int reason[EXIT_MIX_MAX];
};

struct sim {
	const struct scenario *sc; /* weak */
	gsl_rng *rng;              /* owned */
	struct simw *w;            /* weak: set while producing */
	uint64_t t0, t_end, now;
	int nvm;
	int preempt_state;         /* prev_state of a preempted thread */
	enum simw_layout layout;   /* of the trace written */

	struct simq q;
	struct thr *thr;           /* owned */
	int nthr;
	struct cpu *cpus;          /* owned */
	int ncpu;

	/* Per VM: thread indices. */
	int vm_pid[SIM_MAX_VMS];
	int vm_qemu[SIM_MAX_VMS];
	int vm_worker[SIM_MAX_VMS];
	int vm_vhost[SIM_MAX_VMS];
	int vm_vcpu0[SIM_MAX_VMS]; /* first vCPU; the others follow */
	struct exit_mix exit_mix[SIM_MAX_VMS];
	char vm_tap[SIM_MAX_VMS][16];
	uint64_t vm_sector[SIM_MAX_VMS];
	int libvirtd, kthreadd;

	struct request *req;       /* owned pool */
	int nreq, free_req;
	struct device disk, nic, nic_rx;
	uint64_t skb_next;
	int *rx_pending;           /* owned: frames awaiting the coalesced
				    * interrupt: vCPU | last << 30 */
	uint32_t *rx_pending_bytes; /* owned: their lengths */
	int nrx_pending;

	/* Accounting: nwin windows from win0. */
	uint64_t win0;
	int nwin;
	struct acct_cell *acct;    /* owned: nvm * nwin */

	uint64_t steps;
	int started;
	int failed;
};

/* sim-sched.c */
void sched_wake(struct sim *s, struct thr *t, int waker_cpu, int vec);
void sched_wake_new(struct sim *s, struct thr *t, int parent_cpu);
void sched_block(struct sim *s, struct cpu *c, uint64_t timer_ns);
void sched_step(struct sim *s, int cpu);
void sched_arm(struct sim *s, struct cpu *c, uint64_t at);
void sched_start_thread(struct sim *s, struct thr *t); /* on dispatch */
void sched_timer(struct sim *s, struct thr *t, uint64_t at);
void sched_exit(struct sim *s, struct cpu *c);

/* sim-guest.c */
void guest_dispatch(struct sim *s, struct cpu *c, struct thr *t);
void guest_action(struct sim *s, struct cpu *c, struct thr *t);
void guest_preempted(struct sim *s, struct cpu *c, struct thr *t);
void guest_timer(struct sim *s, struct thr *t);
void guest_host_irq(struct sim *s, int cpu, int host_vec);
void guest_vm_start(struct sim *s, int vm);
void guest_vm_stop(struct sim *s, int vm);
void guest_poll_abort(struct sim *s, struct cpu *c, struct thr *t);
int guest_init(struct sim *s);  /* 0, or -1 when out of memory */
void guest_free(struct sim *s);
void job_push(struct sim *s, struct thr *t, enum job_kind kind, int arg,
	      int waker_cpu);

/* sim-devices.c */
int dev_disk_submit(struct sim *s, struct thr *worker, int vcpu, int cpu);
void dev_disk_done(struct sim *s, int req);
void dev_net_send(struct sim *s, struct thr *vhost, int vcpu, int last,
		  int cpu);
void dev_nic_done(struct sim *s);
void dev_net_rx(struct sim *s, int vcpu);
void dev_nic_irq(struct sim *s);
void dev_nic_rx_done(struct sim *s);
int dev_init(struct sim *s);
void dev_free(struct sim *s);

/* sim-account.c */
void acct_cpu_run(struct sim *s, int vm, uint64_t from, uint64_t to);
void acct_cpu_wait(struct sim *s, int vm, int culprit, uint64_t from,
		   uint64_t to);
void acct_io_done(struct sim *s, int is_net, const struct request *r);
int acct_init(struct sim *s);

/* sim-model.c: emitting records */
void sim_emit(struct sim *s, int type, int cpu, const int64_t *v,
	      int nv, const char *s0, const char *s1);
double sim_exp(struct sim *s, double mean);
uint64_t sim_exp_ns(struct sim *s, double mean_ns, uint64_t min_ns);

/* A cost of host CPU work on this host's CPUs. */
static inline uint64_t sim_host_ns(const struct sim *s, uint64_t ns)
{
	return s->sc->cpu_speed == 1 ? ns : (uint64_t)(ns / s->sc->cpu_speed);
}

static inline int thr_index(const struct sim *s, const struct thr *t)
{
	return (int)(t - s->thr);
}

#endif
