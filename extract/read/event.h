/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_EVENT_H
#define VMINT_EXTRACT_EVENT_H

/*
 * One decoded kernel event, as the host model needs it. The trace reader
 * fills a `struct ev` on its stack for each event message and hands it to
 * the analysis; it never outlives that message, so its strings are
 * borrowed from babeltrace2's fields and must be copied to be kept.
 *
 * Event names of lttng-modules 2.13 and of the kernel/older LTTng are both
 * mapped to one kind (kvm_x86_exit / kvm_exit, net_if_receive_skb /
 * netif_receive_skb ...). An integer field the event lacks reads as
 * EV_ABSENT (for example `vcpu_id` of kvm_x86_exit before Linux 5.10).
 *
 * perf's CTF (`perf data convert --to-ctf`) is read with the same kinds:
 * its fields carry the kernel's names and types (doc/trace-events.md, "Traces
 * recorded with perf"), and every event says which thread and process
 * were current (perf_tid, perf_pid: ctx_tid, ctx_pid below), which is how
 * threads find their process without a statedump.
 */

#include <stdint.h>

#define EV_ABSENT INT64_MIN

enum ev_kind {
	EV_OTHER = 0,         /* any event the model does not interpret */
	EV_STATEDUMP_PROCESS, /* lttng_statedump_process_state */
	EV_PROCESS_FORK,      /* sched_process_fork */
	EV_PROCESS_EXEC,      /* sched_process_exec */
	EV_PROCESS_EXIT,      /* sched_process_exit */
	EV_PROCESS_FREE,      /* sched_process_free */
	EV_SCHED_SWITCH,      /* sched_switch */
	EV_SCHED_WAKING,      /* sched_waking (recorded by the waker) */
	EV_SCHED_WAKEUP,      /* sched_wakeup */
	EV_SCHED_WAKEUP_NEW,  /* sched_wakeup_new */
	EV_SCHED_MIGRATE,     /* sched_migrate_task */
	EV_KVM_ENTRY,         /* kvm_x86_entry, kvm_entry */
	EV_KVM_EXIT,          /* kvm_x86_exit, kvm_exit */
	EV_KVM_USERSPACE_EXIT,/* kvm_userspace_exit */
	EV_KVM_INJ_VIRQ,      /* kvm_x86_inj_virq, kvm_inj_virq */
	EV_KVM_APIC_ACCEPT_IRQ, /* kvm_x86_apic_accept_irq, kvm_apic_accept_irq */
	EV_KVM_DETAIL,        /* other kvm_* events: hypercall, pio, msr, ... */
	EV_BLOCK_INSERT,      /* block_rq_insert */
	EV_BLOCK_ISSUE,       /* block_rq_issue */
	EV_BLOCK_COMPLETE,    /* block_rq_complete */
	EV_NET_QUEUE,         /* net_dev_queue */
	EV_NET_XMIT,          /* net_dev_xmit */
	EV_NET_RECEIVE,       /* net_if_receive_skb, netif_receive_skb */
	EV_NET_RX,            /* net_if_rx, netif_rx: handed to the backlog, which
			       * receives it later (netif_receive_skb, same skb) */
	EV_IRQ_ENTRY,         /* irq_handler_entry */
	EV_IRQ_EXIT,          /* irq_handler_exit */
	EV_SOFTIRQ_ENTRY,     /* irq_softirq_entry */
	EV_SOFTIRQ_EXIT,      /* irq_softirq_exit */
	EV__COUNT
};

/* Bits of `rwbs` as lttng-modules records it (an integer bit field);
 * perf records the kernel's letters ("WS", "RA", "FWFS"), which the
 * decoder turns into these bits (ev_rwbs_from_letters). */
enum ev_rwbs {
	EV_RWBS_WRITE = 1 << 0,
	EV_RWBS_DISCARD = 1 << 1,
	EV_RWBS_READ = 1 << 2,
	EV_RWBS_RAHEAD = 1 << 3,
	EV_RWBS_BARRIER = 1 << 4,
	EV_RWBS_SYNC = 1 << 5,
	EV_RWBS_META = 1 << 6,
	EV_RWBS_SECURE = 1 << 7,
	EV_RWBS_FLUSH = 1 << 8,
	EV_RWBS_FUA = 1 << 9,
	EV_RWBS_PREFLUSH = 1 << 10,
};

struct ev {
	enum ev_kind kind;
	uint64_t ts;        /* ns from the clock's origin (Unix epoch for LTTng) */
	int cpu;            /* cpu_id of the packet context; -1 when unknown */
	uint32_t type_id;   /* dense id of the event's name, see ev_type_name() */
	/* The thread and process current when the event was recorded (perf's
	 * perf_tid, perf_pid on every event); EV_ABSENT in LTTng traces. */
	int64_t ctx_tid, ctx_pid;
	union {
		struct { int64_t tid, pid, ppid, status, cpu;
			 const char *name; } statedump;
		/* LTTng: child_pid is the child's process (tgid). The kernel's
		 * own tracepoint (perf) has only parent_pid and child_pid, both
		 * thread ids: child_tid is then read from child_pid, and
		 * parent_pid and child_pid are EV_ABSENT (the child's process
		 * is known from its own later events' perf_pid). */
		struct { int64_t parent_tid, parent_pid, child_tid, child_pid;
			 const char *child_comm; } fork;
		struct { int64_t tid; const char *filename; } exec;
		struct { int64_t tid; const char *comm; } proc_exit; /* exit, free */
		struct { int64_t prev_tid, prev_state, next_tid;
			 const char *prev_comm, *next_comm; } sched_switch;
		struct { int64_t tid, target_cpu; const char *comm; } wakeup;
		struct { int64_t tid, orig_cpu, dest_cpu; } migrate;
		struct { int64_t vcpu_id; } kvm_entry;
		struct { int64_t exit_reason, isa, vcpu_id; } kvm_exit;
		struct { int64_t reason; } kvm_userspace_exit;
		struct { int64_t vector; } kvm_irq; /* inj_virq irq, apic vec */
		struct { uint64_t dev, sector, nr_sector, bytes, rwbs;
			 int64_t tid, error; const char *comm; } block;
		struct { uint64_t skbaddr, len; const char *ifname; } net;
		struct { int64_t irq; } irq;
		struct { int64_t vec; } softirq;
	} u;
};

/* Name of the event type `type_id` as it appears in the trace. */
const char *ev_type_name(uint32_t type_id);

/* Number of distinct event names seen so far (type ids are < this). */
uint32_t ev_type_count(void);

/* Gives `name` its dense type id (the same id for the same name, across
 * traces). Returns 0, or -1 when out of memory. Called once per event
 * class, not per event. */
int ev_type_intern(const char *name, uint32_t *id);

/* The EV_RWBS_* bits of the kernel's rwbs letters (blk_fill_rwbs: an
 * optional leading F for a preflush, the operation W/R/D/F/N, then F for
 * FUA, A, S, M; DE is a secure erase; B a barrier before 2.6.36). */
uint64_t ev_rwbs_from_letters(const char *letters);

/* Kind of an event name, both spellings; EV_OTHER when not interpreted. */
enum ev_kind ev_kind_of_name(const char *name);

/* Is `prev_state` of sched_switch a preemption (thread still runnable)?
 * 0, or only a preemption marker bit, is runnable (doc/trace-events.md). */
static inline int ev_prev_state_is_preempt(int64_t prev_state)
{
	/* TASK_REPORT_MAX (0x100, >= 4.14), TASK_STATE_MAX (0x400/0x800/...
	 * in 4.4-4.13, a single high bit): a single bit >= 0x100 alone. */
	uint64_t s = (uint64_t)prev_state;

	return s == 0 || (s >= 0x100 && (s & (s - 1)) == 0);
}

#endif
