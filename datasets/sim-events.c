/* SPDX-License-Identifier: MIT */
#include "datasets/sim-events.h"

static const struct simev_field f_none[] = { { 0 } };

static const struct simev_field f_statedump_process[] = {
	{ "tid", SIMF_S32 }, { "pid", SIMF_S32 }, { "ppid", SIMF_S32 },
	{ "name", SIMF_STR }, { "type", SIMF_S32 }, { "mode", SIMF_S32 },
	{ "submode", SIMF_S32 }, { "status", SIMF_S32 }, { "cpu", SIMF_U32 },
	{ 0 }
};

static const struct simev_field f_sched_switch[] = {
	{ "prev_comm", SIMF_STR }, { "prev_tid", SIMF_S32 },
	{ "prev_prio", SIMF_S32 }, { "prev_state", SIMF_S64 },
	{ "next_comm", SIMF_STR }, { "next_tid", SIMF_S32 },
	{ "next_prio", SIMF_S32 }, { 0 }
};

static const struct simev_field f_wakeup[] = {
	{ "comm", SIMF_STR }, { "tid", SIMF_S32 }, { "prio", SIMF_S32 },
	{ "target_cpu", SIMF_S32 }, { 0 }
};

static const struct simev_field f_migrate[] = {
	{ "comm", SIMF_STR }, { "tid", SIMF_S32 }, { "prio", SIMF_S32 },
	{ "orig_cpu", SIMF_S32 }, { "dest_cpu", SIMF_S32 }, { 0 }
};

static const struct simev_field f_fork[] = {
	{ "parent_comm", SIMF_STR }, { "parent_tid", SIMF_S32 },
	{ "parent_pid", SIMF_S32 }, { "parent_ns_inum", SIMF_U32 },
	{ "child_comm", SIMF_STR }, { "child_tid", SIMF_S32 },
	{ "child_pid", SIMF_S32 }, { "child_ns_inum", SIMF_U32 }, { 0 }
};

static const struct simev_field f_exec[] = {
	{ "filename", SIMF_STR }, { "tid", SIMF_S32 }, { "old_tid", SIMF_S32 },
	{ 0 }
};

static const struct simev_field f_exit_free[] = {
	{ "comm", SIMF_STR }, { "tid", SIMF_S32 }, { "prio", SIMF_S32 }, { 0 }
};

static const struct simev_field f_kvm_entry[] = {
	{ "vcpu_id", SIMF_U32 }, { 0 }
};

/* Producers fill all eight; kernels before 5.10 record the first five. */
static const struct simev_field f_kvm_exit_510[] = {
	{ "exit_reason", SIMF_U32 }, { "guest_rip", SIMF_U64 },
	{ "isa", SIMF_U32 }, { "info1", SIMF_U64 }, { "info2", SIMF_U64 },
	{ "intr_info", SIMF_U32 }, { "error_code", SIMF_U32 },
	{ "vcpu_id", SIMF_U32 }, { 0 }
};

static const struct simev_field f_kvm_exit_old[] = {
	{ "exit_reason", SIMF_U32 }, { "guest_rip", SIMF_U64 },
	{ "isa", SIMF_U32 }, { "info1", SIMF_U64 }, { "info2", SIMF_U64 },
	{ 0 }
};

static const struct simev_field f_inj_virq[] = {
	{ "irq", SIMF_U32 }, { 0 }
};

static const struct simev_field f_apic_accept_irq[] = {
	{ "apicid", SIMF_U32 }, { "dm", SIMF_U16 }, { "tm", SIMF_U8 },
	{ "vec", SIMF_U8 }, { "coalesced", SIMF_U8 }, { 0 }
};

static const struct simev_field f_block_rq[] = {
	{ "dev", SIMF_U32 }, { "sector", SIMF_U64 }, { "nr_sector", SIMF_U32 },
	{ "bytes", SIMF_U32 }, { "tid", SIMF_S32 }, { "rwbs", SIMF_U32 },
	{ "comm", SIMF_STR }, { 0 }
};

static const struct simev_field f_block_complete[] = {
	{ "dev", SIMF_U32 }, { "sector", SIMF_U64 }, { "nr_sector", SIMF_U32 },
	{ "error", SIMF_S32 }, { "rwbs", SIMF_U32 }, { 0 }
};

static const struct simev_field f_net_dev[] = {
	{ "skbaddr", SIMF_X64 }, { "len", SIMF_U32 }, { "name", SIMF_STR },
	{ 0 }
};

static const struct simev_field f_net_xmit[] = {
	{ "skbaddr", SIMF_X64 }, { "rc", SIMF_S32 }, { "len", SIMF_U32 },
	{ "name", SIMF_STR }, { 0 }
};

static const struct simev_field f_irq_entry[] = {
	{ "irq", SIMF_S32 }, { "name", SIMF_STR }, { 0 }
};

static const struct simev_field f_irq_exit[] = {
	{ "irq", SIMF_S32 }, { "ret", SIMF_S32 }, { 0 }
};

static const struct simev_field f_softirq[] = {
	{ "vec", SIMF_U32 }, { 0 }
};

#define DESC(type, n, f) [type] = { n, f }

static const struct simev_desc table_new[SIMEV__COUNT] = {
	DESC(SIMEV_STATEDUMP_START, "lttng_statedump_start", f_none),
	DESC(SIMEV_STATEDUMP_PROCESS, "lttng_statedump_process_state",
	     f_statedump_process),
	DESC(SIMEV_STATEDUMP_END, "lttng_statedump_end", f_none),
	DESC(SIMEV_SCHED_SWITCH, "sched_switch", f_sched_switch),
	DESC(SIMEV_SCHED_WAKING, "sched_waking", f_wakeup),
	DESC(SIMEV_SCHED_WAKEUP, "sched_wakeup", f_wakeup),
	DESC(SIMEV_SCHED_WAKEUP_NEW, "sched_wakeup_new", f_wakeup),
	DESC(SIMEV_SCHED_MIGRATE, "sched_migrate_task", f_migrate),
	DESC(SIMEV_PROCESS_FORK, "sched_process_fork", f_fork),
	DESC(SIMEV_PROCESS_EXEC, "sched_process_exec", f_exec),
	DESC(SIMEV_PROCESS_EXIT, "sched_process_exit", f_exit_free),
	DESC(SIMEV_PROCESS_FREE, "sched_process_free", f_exit_free),
	DESC(SIMEV_KVM_ENTRY, "kvm_x86_entry", f_kvm_entry),
	DESC(SIMEV_KVM_EXIT, "kvm_x86_exit", f_kvm_exit_510),
	DESC(SIMEV_KVM_INJ_VIRQ, "kvm_x86_inj_virq", f_inj_virq),
	DESC(SIMEV_KVM_APIC_ACCEPT_IRQ, "kvm_x86_apic_accept_irq",
	     f_apic_accept_irq),
	DESC(SIMEV_BLOCK_INSERT, "block_rq_insert", f_block_rq),
	DESC(SIMEV_BLOCK_ISSUE, "block_rq_issue", f_block_rq),
	DESC(SIMEV_BLOCK_COMPLETE, "block_rq_complete", f_block_complete),
	DESC(SIMEV_NET_QUEUE, "net_dev_queue", f_net_dev),
	DESC(SIMEV_NET_XMIT, "net_dev_xmit", f_net_xmit),
	DESC(SIMEV_NET_RECEIVE, "net_if_receive_skb", f_net_dev),
	DESC(SIMEV_IRQ_ENTRY, "irq_handler_entry", f_irq_entry),
	DESC(SIMEV_IRQ_EXIT, "irq_handler_exit", f_irq_exit),
	DESC(SIMEV_SOFTIRQ_RAISE, "irq_softirq_raise", f_softirq),
	DESC(SIMEV_SOFTIRQ_ENTRY, "irq_softirq_entry", f_softirq),
	DESC(SIMEV_SOFTIRQ_EXIT, "irq_softirq_exit", f_softirq),
};

/* Kernels before 5.10: kvm_x86_exit without vcpu_id. */
static struct simev_desc table_pre510[SIMEV__COUNT];
/* Kernels before 4.0: also the old LTTng spelling of the receive event. */
static struct simev_desc table_old[SIMEV__COUNT];

const struct simev_desc *simev_table(int kver)
{
	if (kver >= KVER(5, 10))
		return table_new;
	if (kver >= KVER(4, 0)) {
		for (int i = 0; i < SIMEV__COUNT; i++)
			table_pre510[i] = table_new[i];
		table_pre510[SIMEV_KVM_EXIT].fields = f_kvm_exit_old;
		return table_pre510;
	}
	for (int i = 0; i < SIMEV__COUNT; i++)
		table_old[i] = table_new[i];
	table_old[SIMEV_KVM_EXIT].fields = f_kvm_exit_old;
	table_old[SIMEV_NET_RECEIVE].name = "netif_receive_skb";
	return table_old;
}
