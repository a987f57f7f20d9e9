/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DATASETS_SIM_EVENTS_H
#define VMINT_DATASETS_SIM_EVENTS_H

/*
 * The kernel events the simulator writes, with the event names, field
 * names and integer types of lttng-modules 2.13 (include/instrumentation/
 * events/{sched,irq,block,net,lttng-statedump}.h, arch/x86/kvm/trace.h).
 * Fields that depend on the traced kernel version (kvm_x86_exit gained
 * intr_info, error_code and vcpu_id in 5.10; LTTng spelled
 * netif_receive_skb before it became net_if_receive_skb) are chosen by
 * simev_table(). A record carries its integer fields in `v` and its
 * string fields in `s`, each in the order of the table.
 */

#include <stdint.h>

enum simev_type {
	SIMEV_STATEDUMP_START,
	SIMEV_STATEDUMP_PROCESS,
	SIMEV_STATEDUMP_END,
	SIMEV_SCHED_SWITCH,
	SIMEV_SCHED_WAKING,
	SIMEV_SCHED_WAKEUP,
	SIMEV_SCHED_WAKEUP_NEW,
	SIMEV_SCHED_MIGRATE,
	SIMEV_PROCESS_FORK,
	SIMEV_PROCESS_EXEC,
	SIMEV_PROCESS_EXIT,
	SIMEV_PROCESS_FREE,
	SIMEV_KVM_ENTRY,
	SIMEV_KVM_EXIT,
	SIMEV_KVM_INJ_VIRQ,
	SIMEV_KVM_APIC_ACCEPT_IRQ,
	SIMEV_BLOCK_INSERT,
	SIMEV_BLOCK_ISSUE,
	SIMEV_BLOCK_COMPLETE,
	SIMEV_NET_QUEUE,
	SIMEV_NET_XMIT,
	SIMEV_NET_RECEIVE,
	SIMEV_IRQ_ENTRY,
	SIMEV_IRQ_EXIT,
	SIMEV_SOFTIRQ_RAISE,
	SIMEV_SOFTIRQ_ENTRY,
	SIMEV_SOFTIRQ_EXIT,
	SIMEV__COUNT
};

#define SIMEV_MAX_INTS 8
#define SIMEV_MAX_STRINGS 2

enum simev_field_type {
	SIMF_END = 0,
	SIMF_U8, SIMF_U16, SIMF_U32, SIMF_U64, SIMF_X64, /* hex-displayed u64 */
	SIMF_S32, SIMF_S64,
	SIMF_STR,
};

struct simev_field {
	const char *name;
	enum simev_field_type type;
};

struct simev_desc {
	const char *name;
	const struct simev_field *fields; /* SIMF_END-terminated */
};

/* One event to write: absolute time (ns since the Unix epoch), CPU. */
struct simev_rec {
	uint64_t ts;
	uint16_t type; /* enum simev_type */
	uint16_t cpu;
	int64_t v[SIMEV_MAX_INTS];
	const char *s[SIMEV_MAX_STRINGS]; /* weak: live until the trace is written */
	int32_t ctx_tid, ctx_pid; /* perf layout: current thread, its process */
};

/* Kernel version as a comparable number: KVER(5, 15) = 5015. */
#define KVER(major, minor) ((major) * 1000 + (minor))

/* The event table for kernel `kver`, indexed by enum simev_type. */
const struct simev_desc *simev_table(int kver);

#endif
