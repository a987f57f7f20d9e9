/* SPDX-License-Identifier: MIT */
#include "extract/read/event.h"

#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

/* Event names of lttng-modules and of the kernel/older LTTng/perf for each
 * kind the host model interprets (doc/trace-events.md). */
static const struct {
	const char *name;
	enum ev_kind kind;
} kind_names[] = {
	{ "lttng_statedump_process_state", EV_STATEDUMP_PROCESS },
	{ "sched_process_fork", EV_PROCESS_FORK },
	{ "sched_process_exec", EV_PROCESS_EXEC },
	{ "sched_process_exit", EV_PROCESS_EXIT },
	{ "sched_process_free", EV_PROCESS_FREE },
	{ "sched_switch", EV_SCHED_SWITCH },
	{ "sched_waking", EV_SCHED_WAKING },
	{ "sched_wakeup", EV_SCHED_WAKEUP },
	{ "sched_wakeup_new", EV_SCHED_WAKEUP_NEW },
	{ "sched_migrate_task", EV_SCHED_MIGRATE },
	{ "kvm_x86_entry", EV_KVM_ENTRY },
	{ "kvm_entry", EV_KVM_ENTRY },
	{ "kvm_x86_exit", EV_KVM_EXIT },
	{ "kvm_exit", EV_KVM_EXIT },
	{ "kvm_userspace_exit", EV_KVM_USERSPACE_EXIT },
	{ "kvm_x86_inj_virq", EV_KVM_INJ_VIRQ },
	{ "kvm_inj_virq", EV_KVM_INJ_VIRQ },
	{ "kvm_x86_apic_accept_irq", EV_KVM_APIC_ACCEPT_IRQ },
	{ "kvm_apic_accept_irq", EV_KVM_APIC_ACCEPT_IRQ },
	{ "block_rq_insert", EV_BLOCK_INSERT },
	{ "block_rq_issue", EV_BLOCK_ISSUE },
	{ "block_rq_complete", EV_BLOCK_COMPLETE },
	{ "net_dev_queue", EV_NET_QUEUE },
	{ "net_dev_xmit", EV_NET_XMIT },
	{ "net_if_receive_skb", EV_NET_RECEIVE },
	{ "netif_receive_skb", EV_NET_RECEIVE },
	{ "net_if_rx", EV_NET_RX },
	{ "netif_rx", EV_NET_RX },
	{ "irq_handler_entry", EV_IRQ_ENTRY },
	{ "irq_handler_exit", EV_IRQ_EXIT },
	{ "irq_softirq_entry", EV_SOFTIRQ_ENTRY },
	{ "irq_softirq_exit", EV_SOFTIRQ_EXIT },
	{ "softirq_entry", EV_SOFTIRQ_ENTRY },
	{ "softirq_exit", EV_SOFTIRQ_EXIT },
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

uint64_t ev_rwbs_from_letters(const char *s)
{
	uint64_t bits = 0;
	int op_seen = 0;

	for (; *s; s++) {
		/* F is a preflush before the operation, the flush operation
		 * alone, and FUA after it. */
		if (*s == 'F' && !op_seen) {
			if (s[1] && strchr("WRDFN", s[1])) {
				bits |= EV_RWBS_PREFLUSH;
				continue;
			}
			bits |= EV_RWBS_FLUSH;
			op_seen = 1;
			continue;
		}
		switch (*s) {
		case 'W': bits |= EV_RWBS_WRITE; op_seen = 1; break;
		case 'R': bits |= EV_RWBS_READ; op_seen = 1; break;
		case 'D': bits |= EV_RWBS_DISCARD; op_seen = 1; break;
		case 'N': op_seen = 1; break;
		case 'E': bits |= EV_RWBS_SECURE; break;
		case 'F': bits |= EV_RWBS_FUA; break;
		case 'A': bits |= EV_RWBS_RAHEAD; break;
		case 'S': bits |= EV_RWBS_SYNC; break;
		case 'M': bits |= EV_RWBS_META; break;
		case 'B': bits |= EV_RWBS_BARRIER; break;
		default: break;
		}
	}
	return bits;
}

enum ev_kind ev_kind_of_name(const char *name)
{
	const char *colon = strchr(name, ':');
	size_t i;

	/* perf's CTF names events "subsystem:event". */
	if (colon)
		name = colon + 1;
	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(name, kind_names[i].name) == 0)
			return kind_names[i].kind;
	if (strncmp(name, "kvm_", 4) == 0)
		return EV_KVM_DETAIL;
	return EV_OTHER;
}

/*
 * Dense ids for event names, so that counters are arrays. Names are
 * interned once per event class (not per event), kept sorted in a tree.
 */
/* Decoding threads (trace-par.c) intern concurrently: once per event
 * class, so one lock costs nothing. */
static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;
static void *name_tree;
static char **type_names;
static uint32_t nr_types, cap_types;

struct type_node {
	char *name; /* first member: compared by cmp_name */
	uint32_t id;
};

static int intern_locked(const char *name, uint32_t *id);

int ev_type_intern(const char *name, uint32_t *id)
{
	int ret;

	pthread_mutex_lock(&types_lock);
	ret = intern_locked(name, id);
	pthread_mutex_unlock(&types_lock);
	return ret;
}

static int intern_locked(const char *name, uint32_t *id)
{
	struct type_node key = { .name = (char *)name };
	struct type_node **found, *node;

	found = tfind(&key, &name_tree, cmp_name);
	if (found) {
		*id = (*found)->id;
		return 0;
	}
	if (nr_types == cap_types) {
		uint32_t cap = cap_types ? cap_types * 2 : 64;
		char **n = realloc(type_names, cap * sizeof(*n));

		if (!n)
			return -1;
		type_names = n;
		cap_types = cap;
	}
	node = malloc(sizeof(*node));
	if (!node || !(node->name = strdup(name))) {
		free(node);
		return -1;
	}
	node->id = nr_types;
	if (!tsearch(node, &name_tree, cmp_name)) {
		free(node->name);
		free(node);
		return -1;
	}
	type_names[nr_types] = node->name;
	*id = nr_types++;
	return 0;
}

const char *ev_type_name(uint32_t type_id)
{
	const char *name;

	pthread_mutex_lock(&types_lock);
	name = type_id < nr_types ? type_names[type_id] : "?";
	pthread_mutex_unlock(&types_lock);
	return name;
}

uint32_t ev_type_count(void)
{
	uint32_t n;

	pthread_mutex_lock(&types_lock);
	n = nr_types;
	pthread_mutex_unlock(&types_lock);
	return n;
}
