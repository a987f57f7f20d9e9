/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_HOST_H
#define VMINT_EXTRACT_HOST_H

/*
 * The host model (doc/trace-events.md): threads and their process, the
 * current thread of every CPU, and which threads make up which VM.
 *
 * - A thread seen entering guest mode is a vCPU; its process is a VM.
 *   Processes listed in vms.json are VMs from the start.
 * - The VM process's other threads are its emulation threads.
 * - `vhost-<pid>` threads belong to VM <pid> (kernel threads before Linux
 *   6.4, threads of QEMU itself after).
 * - Everything else is the host.
 * - A process listed in vms.json with "kind": "process" is a tenant of
 *   its own: its threads (ROLE_TASK) are scheduled and charged like vCPUs
 *   (run time, runnable wait, who held their CPU), never in guest mode;
 *   the processes it forks during the trace join it.
 *
 * Owns: the thread table (live threads only: a thread is freed on
 * sched_process_free, so a reused tid starts fresh), the VM array, the
 * CPU array, and for `stats` the summaries of dead threads.
 *
 * A VM's index is its place in the VM array: rows, ledgers and the
 * per-owner state of the devices name it so. By default a VM keeps its
 * index for the whole run (a report names every VM of the trace). With
 * `retire_vms` (`vmint watch`), a VM whose QEMU process ended (its
 * leader thread freed) is retired once its last window is closed and
 * nothing of it is in flight (analysis.c): its pid is forgotten, and its
 * index and memory go to the next VM that appears, so that the tables
 * follow the VMs alive, not the VMs ever seen. An index then names
 * another VM in a later window: resolve it (name, pid) when its row is
 * given, or say through `slot_named` that it is still named (the slot is
 * then reused later, its name kept till then).
 */

#include "common/vms.h"
#include "extract/read/event.h"
#include "extract/host/acc.h"
#include "extract/host/tidmap.h"

#include <stddef.h>
#include <stdint.h>

struct vms_file;

/* TASK: a thread of a process tenant (follows its process, as EMU does). */
enum thread_role { ROLE_HOST, ROLE_VCPU, ROLE_EMU, ROLE_VHOST, ROLE_TASK };

/* Threads whose runnable wait is analysed: vCPUs and process tenants'. */
static inline int role_waits(enum thread_role r)
{
	return r == ROLE_VCPU || r == ROLE_TASK;
}

enum thread_state {
	TS_UNKNOWN,  /* not seen running, waking or blocking yet */
	TS_RUNNING,  /* current thread of `cpu` */
	TS_RUNNABLE, /* woken or preempted, waiting for `cpu` */
	TS_BLOCKED,  /* switched out asleep */
};

#define COMM_LEN 16

struct thread {
	/* First the fields every vCPU event reads or writes (kvm entry/exit
	 * and the charge of the time since the last event): one cache line. */
	enum thread_role role; /* VCPU/VHOST stick; EMU/HOST follow the VM */
	int vm;                /* VM index, -1 host; valid when vm_gen matches */
	unsigned vm_gen;
	enum thread_state state;
	uint64_t since;        /* start of the not yet charged part of the state */
	int in_guest;
	unsigned last_exit;    /* compact exit index, for handling time */
	uint64_t exit_ts;      /* 0: no exit awaiting its entry */
	uint64_t active_window;/* window number + 1 in which it last ran */
	int block_pending, wait_preempted; /* wait_preempted: RUNNABLE because preempted */
	int cpu;               /* RUNNING: its CPU; RUNNABLE: the CPU it waits for */
	/* identity */
	int64_t tid, pid;      /* pid: the process (tgid); -1 unknown */
	char comm[COMM_LEN + 1];
	int64_t vhost_of;      /* VHOST: the QEMU pid in the name */
	/* scheduling */
	uint64_t wait_start;   /* RUNNABLE: wakeup or preemption time */
	struct thread *wq_prev, *wq_next; /* weak: waiters of the same CPU */
	int on_wq;
	/* vCPU */
	int64_t vcpu_id;
	uint64_t block_start;  /* BLOCKED vCPU: when */
	uint64_t block_ns;     /* ended block awaiting its classification */
	int waker_reason, waker_informative;
	/* per-thread CPU time the way lttng-analyses cputop counts it */
	uint64_t cpu_ns;
	uint64_t run_since;
	int run_known, seen_switch;
	uint64_t born;         /* its fork, or 0: before the trace */
	uint64_t wait_ns;      /* runnable wait (role_waits threads only) */
};

/* Whole-trace totals of a VM (`stats`). */
struct vm_totals {
	uint64_t cpu_ns, guest_ns, root_ns, preempted_ns, wait_ns, blocked_ns;
	uint64_t preemptions, exits;
	uint64_t exit_count[EXIT_INDEX_MAX], exit_handle_ns[EXIT_INDEX_MAX];
	uint64_t disk_rd, disk_wr, disk_bytes, net_tx_pkts, net_rx_pkts,
		 net_tx_bytes, net_rx_bytes;
};

struct vm {
	int64_t pid;
	enum tenant_kind kind; /* a VM, or a process tenant (vms.json "kind") */
	char name[64];
	const char *uuid;  /* weak: from vms.json, or NULL */
	int vcpus_config;  /* from vms.json, 0 unknown */
	int seen;          /* some thread of it appeared in the trace */
	/* its life in the trace: from the fork of its first thread (0: it
	 * ran before the trace began) to the exit of its process leader
	 * (0: still running); a window it lived less than half of is a
	 * partial sample of its work (collect.c's per-VM workload) */
	int attached;      /* some thread was attached (since is set) */
	uint64_t since, until;
	int nvcpus;        /* distinct vCPU threads seen */
	uint64_t last_submit; /* previous disk submission, for inter-arrival */
	/* what a halted vCPU may wait for (io.c keeps them, vcpu.c reads) */
	uint32_t disk_inflight; /* its requests in flight, all devices */
	uint64_t disk_done_ts;  /* its last request completion */
	uint64_t net_rx_ts;     /* its last packet received */
	struct vm_acc acc; /* owned: the open window */
	struct vm_totals tot;
	int vec_reason[256]; /* learned: injected vector -> block reason + 1 */
	int gone;          /* its process ended (the QEMU leader was freed) */
	int retired;       /* a free slot (host_vm_retire): no VM */
};

struct cpu {
	struct thread *cur; /* weak: current thread, NULL idle or unknown */
	int known;          /* a sched_switch was seen on it */
	struct thread *wq;  /* weak: head of the list of its waiters */
	uint64_t wq_seg;    /* waiters charged up to here */
	uint64_t last_switch; /* time of its last sched_switch */
};

/* A dead thread remembered for `stats`. */
struct thread_summary {
	int64_t tid, pid;
	char comm[COMM_LEN + 1];
	int vm;
	enum thread_role role;
	uint64_t cpu_ns, wait_ns;
};

struct host {
	struct tidmap threads;     /* owned: tid -> struct thread (owned) */
	struct vm **vms;           /* owned: nvms VMs (pointers stay valid) */
	size_t nvms, cap_vms;
	struct tidmap vm_by_pid;   /* pid -> (VM index + 1) */
	unsigned vm_gen;           /* bumped when a VM appears */
	struct cpu *cpus;          /* owned: ncpus */
	int ncpus;
	const struct vms_file *names; /* weak: vms.json or NULL */
	uint64_t first_ts;         /* first event of the trace */
	uint64_t win_start;        /* open window [win_start, win_start + W) */
	uint64_t win_index;        /* its number (win_start / W) */
	uint64_t window_ns;        /* W */
	struct host_acc acc;       /* host-wide, the open window */
	int keep_dead;             /* remember dead threads (`stats`) */
	struct thread_summary *dead; /* owned */
	size_t ndead, cap_dead;
	int retire_vms;            /* reuse the slots of ended VMs (`watch`) */
	/* retire_vms: a retired slot is reused only once this says nothing
	 * names it any more (the watch's outputs may; NULL: at once) */
	int (*slot_named)(void *ctx, int vm);
	void *slot_ctx;
	int *free_vms;             /* owned: retired indices, to be reused */
	size_t nfree_vms, cap_free_vms;
	uint64_t vms_retired;      /* VMs retired so far */
};

/* Starts an empty model; VMs of `names` (may be NULL) exist from the
 * start. Returns 0 or -1 (cause appended). Free with host_fini(). */
int host_init(struct host *h, const struct vms_file *names);
void host_fini(struct host *h);

/* The thread `tid`, created (state unknown, role host) if new; NULL only
 * when out of memory (cause appended). tid 0 (idle) is never a thread. */
struct thread *host_thread(struct host *h, int64_t tid);
struct thread *host_find(const struct host *h, int64_t tid);

/* Forgets a thread that ended (sched_process_free). */
void host_thread_free(struct host *h, struct thread *t);

/* Sets a thread's name; `vhost-<pid>` makes it a vhost thread. */
void host_set_comm(struct host *h, struct thread *t, const char *comm);

/* Sets a thread's process. */
void host_set_pid(struct host *h, struct thread *t, int64_t pid);

/* The VM index of process `pid` (made a VM now if `create`), or -1. */
int host_vm_of_pid(struct host *h, int64_t pid, int create);

/* Process `pid`, forked by a thread of process tenant `vm`, joins it
 * (unless it is a tenant itself). Returns 0 or -1 (out of memory). */
int host_tenant_adopt(struct host *h, int64_t pid, int vm);

/* Looks up the VM of `t` again (the cache below is stale) and returns it. */
int host_thread_vm_refresh(struct host *h, struct thread *t);

/* The VM index of `t`, or -1 for the host. Called for most events: the
 * cached answer is inline. */
static inline int host_thread_vm(struct host *h, struct thread *t)
{
	return t->vm_gen == h->vm_gen ? t->vm : host_thread_vm_refresh(h, t);
}

/* The thread an event was recorded in: perf names it on every event
 * (ctx_tid), which holds even where perf dropped the switch to it; else
 * (LTTng, or perf's idle task) the current thread of the event's CPU.
 * NULL: idle or unknown. */
struct thread *host_event_thread(struct host *h, const struct ev *ev);

/* Grows the CPU array to hold `cpu`; see host_cpu(). */
struct cpu *host_cpu_add(struct host *h, int cpu);

/* The CPU `cpu` (the array grows as CPUs appear), NULL if out of range or
 * out of memory. */
static inline struct cpu *host_cpu(struct host *h, int cpu)
{
	if (cpu >= 0 && cpu < h->ncpus)
		return &h->cpus[cpu];
	return host_cpu_add(h, cpu);
}

/* Number of VMs seen in the trace. */
size_t host_vms_seen(const struct host *h);

/* Retires VM `vm` (retire_vms: its process ended, its last window is
 * closed, nothing of it is in flight): forgets its pids and makes its
 * slot the next new VM's. The caller forgets it in the devices first
 * (io_forget_owner). Returns 0 or -1 (out of memory, cause appended). */
int host_vm_retire(struct host *h, int vm);

#endif
