/* SPDX-License-Identifier: MIT */
#include "datasets/sim-perf.h"

#include <stdlib.h>
#include <string.h>

/* Where a perf field's value comes from in the LTTng-shaped record. */
enum src {
	FROM_V,     /* rec->v[idx] */
	FROM_S,     /* rec->s[idx] */
	FROM_RWBS,  /* letters of the bit mask rec->v[idx] */
	FROM_CONST, /* the constant `cst` */
	FROM_EMPTY, /* "" */
};

struct pfield {
	const char *name;
	enum simev_field_type type;
	enum src src;
	int idx;
	int64_t cst;
};

/* One tracepoint: perf's name, the kernel's id (common_type, as on the
 * 6.18 kernel tried), typical common_flags and common_preempt_count. */
struct pevent {
	const char *name;
	int id;
	int flags, preempt;
	const struct pfield *fields;
};

#define V(n, t, i) { n, t, FROM_V, i, 0 }
#define S(n, i) { n, SIMF_STR, FROM_S, i, 0 }
#define K(n, t, c) { n, t, FROM_CONST, 0, c }
#define END { NULL, SIMF_END, FROM_CONST, 0, 0 }

/* perf's types: signed ints of 4 bytes s32, of 8 s64; unsigned ints u32
 * (bool, u8 and u16 included) or u64; pointers and longs u64 in hex;
 * char arrays and __data_loc strings are strings. */
static const struct pfield f_switch[] = {
	S("prev_comm", 0), V("prev_pid", SIMF_S32, 0), V("prev_prio", SIMF_S32, 1),
	V("prev_state", SIMF_S64, 2), S("next_comm", 1), V("next_pid", SIMF_S32, 3),
	V("next_prio", SIMF_S32, 4), END
};
static const struct pfield f_wakeup[] = {
	S("comm", 0), V("pid", SIMF_S32, 0), V("prio", SIMF_S32, 1),
	V("target_cpu", SIMF_S32, 2), END
};
static const struct pfield f_migrate[] = {
	S("comm", 0), V("pid", SIMF_S32, 0), V("prio", SIMF_S32, 1),
	V("orig_cpu", SIMF_S32, 2), V("dest_cpu", SIMF_S32, 3), END
};
/* The kernel's fork names thread ids *_pid: LTTng's parent_tid, child_tid. */
static const struct pfield f_fork[] = {
	S("parent_comm", 0), V("parent_pid", SIMF_S32, 0), S("child_comm", 1),
	V("child_pid", SIMF_S32, 3), END
};
static const struct pfield f_exec[] = {
	S("filename", 0), V("pid", SIMF_S32, 0), V("old_pid", SIMF_S32, 1), END
};
/* group_dead: put in v[2] by the tracker. */
static const struct pfield f_exit[] = {
	S("comm", 0), V("pid", SIMF_S32, 0), V("prio", SIMF_S32, 1),
	V("group_dead", SIMF_U32, 2), END
};
static const struct pfield f_free[] = {
	S("comm", 0), V("pid", SIMF_S32, 0), V("prio", SIMF_S32, 1), END
};
/* rip: the guest_rip of the last exit on that CPU, put in v[1]. */
static const struct pfield f_kvm_entry[] = {
	V("vcpu_id", SIMF_U32, 0), V("rip", SIMF_X64, 1),
	K("immediate_exit", SIMF_U32, 0), K("intr_info", SIMF_U32, 0),
	K("error_code", SIMF_U32, 0), END
};
static const struct pfield f_kvm_exit[] = {
	V("exit_reason", SIMF_U32, 0), V("guest_rip", SIMF_X64, 1),
	V("isa", SIMF_U32, 2), V("info1", SIMF_U64, 3), V("info2", SIMF_U64, 4),
	V("intr_info", SIMF_U32, 5), V("error_code", SIMF_U32, 6),
	V("vcpu_id", SIMF_U32, 7), K("requests", SIMF_U64, 0), END
};
static const struct pfield f_kvm_exit_old[] = {
	V("exit_reason", SIMF_U32, 0), V("guest_rip", SIMF_X64, 1),
	V("isa", SIMF_U32, 2), V("info1", SIMF_U64, 3), V("info2", SIMF_U64, 4),
	END
};
static const struct pfield f_inj_virq[] = {
	V("vector", SIMF_U32, 0), K("soft", SIMF_U32, 0),
	K("reinjected", SIMF_U32, 0), END
};
static const struct pfield f_apic[] = {
	V("apicid", SIMF_U32, 0), V("dm", SIMF_U32, 1), V("tm", SIMF_U32, 2),
	V("vec", SIMF_U32, 3), END
};
/* ioprio: IOPRIO_CLASS_BE level 4, what the recordings show. */
#define IOPRIO_BE4 16388
static const struct pfield f_block_rq[] = {
	V("dev", SIMF_U32, 0), V("sector", SIMF_U64, 1), V("nr_sector", SIMF_U32, 2),
	V("bytes", SIMF_U32, 3), K("ioprio", SIMF_U32, IOPRIO_BE4),
	{ "rwbs", SIMF_STR, FROM_RWBS, 5, 0 }, S("comm", 0),
	{ "cmd", SIMF_STR, FROM_EMPTY, 0, 0 }, END
};
static const struct pfield f_block_complete[] = {
	V("dev", SIMF_U32, 0), V("sector", SIMF_U64, 1), V("nr_sector", SIMF_U32, 2),
	V("error", SIMF_S32, 3), K("ioprio", SIMF_U32, IOPRIO_BE4),
	{ "rwbs", SIMF_STR, FROM_RWBS, 4, 0 }, { "cmd", SIMF_STR, FROM_EMPTY, 0, 0 },
	END
};
static const struct pfield f_net[] = {
	V("skbaddr", SIMF_X64, 0), V("len", SIMF_U32, 1), S("name", 0), END
};
/* LTTng's order is skbaddr, rc, len. */
static const struct pfield f_net_xmit[] = {
	V("skbaddr", SIMF_X64, 0), V("len", SIMF_U32, 2), V("rc", SIMF_S32, 1),
	S("name", 0), END
};
static const struct pfield f_irq_entry[] = {
	V("irq", SIMF_S32, 0), S("name", 0), END
};
static const struct pfield f_irq_exit[] = {
	V("irq", SIMF_S32, 0), V("ret", SIMF_S32, 1), END
};
static const struct pfield f_softirq[] = { V("vec", SIMF_U32, 0), END };

static const struct pevent events[SIMEV__COUNT] = {
	[SIMEV_SCHED_SWITCH] = { "sched:sched_switch", 372, 1, 3, f_switch },
	[SIMEV_SCHED_WAKING] = { "sched:sched_waking", 375, 1, 4, f_wakeup },
	[SIMEV_SCHED_WAKEUP] = { "sched:sched_wakeup", 374, 5, 3, f_wakeup },
	[SIMEV_SCHED_WAKEUP_NEW] = { "sched:sched_wakeup_new", 373, 1, 2, f_wakeup },
	[SIMEV_SCHED_MIGRATE] = { "sched:sched_migrate_task", 371, 1, 2, f_migrate },
	[SIMEV_PROCESS_FORK] = { "sched:sched_process_fork", 366, 0, 1, f_fork },
	[SIMEV_PROCESS_EXEC] = { "sched:sched_process_exec", 365, 0, 0, f_exec },
	[SIMEV_PROCESS_EXIT] = { "sched:sched_process_exit", 369, 0, 0, f_exit },
	[SIMEV_PROCESS_FREE] = { "sched:sched_process_free", 370, 0, 1, f_free },
	[SIMEV_KVM_ENTRY] = { "kvm:kvm_entry", 115, 1, 1, f_kvm_entry },
	[SIMEV_KVM_EXIT] = { "kvm:kvm_exit", 103, 1, 1, f_kvm_exit },
	[SIMEV_KVM_INJ_VIRQ] = { "kvm:kvm_inj_virq", 102, 1, 1, f_inj_virq },
	[SIMEV_KVM_APIC_ACCEPT_IRQ] = { "kvm:kvm_apic_accept_irq", 95, 1, 2, f_apic },
	[SIMEV_BLOCK_INSERT] = { "block:block_rq_insert", 2105, 0, 1, f_block_rq },
	[SIMEV_BLOCK_ISSUE] = { "block:block_rq_issue", 2104, 0, 1, f_block_rq },
	[SIMEV_BLOCK_COMPLETE] = { "block:block_rq_complete", 2107, 0x1d, 2,
				   f_block_complete },
	[SIMEV_NET_QUEUE] = { "net:net_dev_queue", 2304, 0, 2, f_net },
	[SIMEV_NET_XMIT] = { "net:net_dev_xmit", 2306, 0, 2, f_net_xmit },
	[SIMEV_NET_RECEIVE] = { "net:netif_receive_skb", 2303, 0x11, 1, f_net },
	[SIMEV_IRQ_ENTRY] = { "irq:irq_handler_entry", 225, 9, 1, f_irq_entry },
	[SIMEV_IRQ_EXIT] = { "irq:irq_handler_exit", 224, 9, 1, f_irq_exit },
	[SIMEV_SOFTIRQ_RAISE] = { "irq:softirq_raise", 221, 9, 1, f_softirq },
	[SIMEV_SOFTIRQ_ENTRY] = { "irq:softirq_entry", 223, 0x11, 1, f_softirq },
	[SIMEV_SOFTIRQ_EXIT] = { "irq:softirq_exit", 222, 0x11, 1, f_softirq },
};

/* perf's sample fields, then the tracepoint's common ones. */
static const struct simev_field prefix[] = {
	{ "perf_ip", SIMF_X64 }, { "perf_tid", SIMF_S32 }, { "perf_pid", SIMF_S32 },
	{ "perf_id", SIMF_U64 }, { "perf_period", SIMF_U64 },
	{ "common_type", SIMF_U32 }, { "common_flags", SIMF_U32 },
	{ "common_preempt_count", SIMF_U32 }, { "common_pid", SIMF_S32 },
};
#define NPREFIX ((int)(sizeof(prefix) / sizeof(prefix[0])))

/* The sample ids perf gives each (event, CPU) pair start about here. */
#define PERF_ID_BASE 200

struct simperf {
	int ncpus;
	const struct pfield *fields[SIMEV__COUNT];  /* weak: static */
	struct simev_desc desc[SIMEV__COUNT];
	struct simev_field *desc_fields[SIMEV__COUNT]; /* owned */
	int *cur;           /* owned, ncpus: thread current on each CPU */
	uint64_t *last_rip; /* owned, ncpus: guest_rip of the last exit */
	int32_t *pid_of;    /* owned: tid -> process (tgid), -1 unknown */
	int32_t *live;      /* owned: pid -> threads alive */
	int ntids;
};

static int build_desc(struct simperf *p, int type)
{
	const struct pfield *f = p->fields[type];
	struct simev_field *out;
	int n = 0;

	while (f[n].name)
		n++;
	out = calloc(NPREFIX + n + 1, sizeof(*out));
	if (!out)
		return -1;
	memcpy(out, prefix, sizeof(prefix));
	for (int i = 0; i < n; i++)
		out[NPREFIX + i] = (struct simev_field){ f[i].name, f[i].type };
	p->desc_fields[type] = out;
	p->desc[type] = (struct simev_desc){ events[type].name, out };
	return 0;
}

struct simperf *simperf_create(int ncpus, int kver)
{
	struct simperf *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ncpus = ncpus;
	p->cur = calloc(ncpus, sizeof(*p->cur));
	p->last_rip = calloc(ncpus, sizeof(*p->last_rip));
	if (!p->cur || !p->last_rip)
		goto error;
	for (int t = 0; t < SIMEV__COUNT; t++) {
		p->fields[t] = events[t].fields;
		if (t == SIMEV_KVM_EXIT && kver < KVER(5, 10))
			p->fields[t] = f_kvm_exit_old;
		if (p->fields[t] && build_desc(p, t))
			goto error;
	}
	return p;
error:
	simperf_destroy(p);
	return NULL;
}

void simperf_destroy(struct simperf *p)
{
	if (!p)
		return;
	for (int t = 0; t < SIMEV__COUNT; t++)
		free(p->desc_fields[t]);
	free(p->cur);
	free(p->last_rip);
	free(p->pid_of);
	free(p->live);
	free(p);
}

const char *simperf_event_name(int type)
{
	return events[type].name;
}

const struct simev_desc *simperf_desc(struct simperf *p, int type)
{
	return p->fields[type] ? &p->desc[type] : NULL;
}

/* Makes tid (and pid) index the tables. Returns 0, or -1. */
static int reach(struct simperf *p, int64_t id)
{
	int n = p->ntids;

	if (id < 0 || id > (1 << 22))
		return -1;
	if (id < n)
		return 0;
	while (n <= id)
		n = n ? n * 2 : 4096;
	{
		int32_t *pid_of = realloc(p->pid_of, n * sizeof(*pid_of));
		int32_t *live;

		if (!pid_of)
			return -1;
		p->pid_of = pid_of;
		live = realloc(p->live, n * sizeof(*live));
		if (!live)
			return -1;
		p->live = live;
	}
	for (int i = p->ntids; i < n; i++) {
		p->pid_of[i] = -1;
		p->live[i] = 0;
	}
	p->ntids = n;
	return 0;
}

static void born(struct simperf *p, int64_t tid, int64_t pid)
{
	if (reach(p, tid) || reach(p, pid))
		return;
	p->pid_of[tid] = (int32_t)pid;
	p->live[pid]++;
}

static int32_t process_of(const struct simperf *p, int64_t tid)
{
	if (tid <= 0 || tid >= p->ntids || p->pid_of[tid] < 0)
		return tid > 0 ? (int32_t)tid : 0;
	return p->pid_of[tid];
}

int simperf_track(struct simperf *p, struct simev_rec *rec)
{
	int cpu = rec->cpu;
	int32_t tid = cpu < p->ncpus ? p->cur[cpu] : 0;

	switch (rec->type) {
	case SIMEV_STATEDUMP_PROCESS:
		born(p, rec->v[0], rec->v[1]);
		return 1;
	case SIMEV_STATEDUMP_START:
	case SIMEV_STATEDUMP_END:
		return 1;
	case SIMEV_PROCESS_FORK:
		/* The tracepoint fires in the parent, whatever runs there in
		 * the simulation's bookkeeping. */
		tid = (int32_t)rec->v[0];
		born(p, rec->v[3], rec->v[4]);
		break;
	case SIMEV_PROCESS_EXIT: {
		int32_t pid = process_of(p, rec->v[0]);

		if (pid > 0 && pid < p->ntids && p->live[pid] > 0)
			p->live[pid]--;
		rec->v[2] = pid > 0 && pid < p->ntids && p->live[pid] == 0;
		break;
	}
	case SIMEV_KVM_EXIT:
		p->last_rip[cpu] = (uint64_t)rec->v[1];
		break;
	case SIMEV_KVM_ENTRY:
		rec->v[1] = (int64_t)p->last_rip[cpu];
		break;
	default:
		break;
	}
	rec->ctx_tid = tid;
	rec->ctx_pid = process_of(p, tid);
	/* sched_switch fires in the thread leaving; the next one is current
	 * from here on. */
	if (rec->type == SIMEV_SCHED_SWITCH)
		p->cur[cpu] = (int32_t)rec->v[3];
	return 0;
}

void simperf_rwbs_letters(uint32_t bits, char *out)
{
	/* extract/read/event.h, enum ev_rwbs */
	enum { WRITE = 1, DISCARD = 2, READ = 4, RAHEAD = 8, SYNC = 32,
	       META = 64, SECURE = 128, FLUSH = 256, FUA = 512, PREFLUSH = 1024 };
	int i = 0;

	if (bits & PREFLUSH)
		out[i++] = 'F';
	if (bits & WRITE)
		out[i++] = 'W';
	else if (bits & DISCARD) {
		out[i++] = 'D';
		if (bits & SECURE)
			out[i++] = 'E';
	} else if (bits & FLUSH)
		out[i++] = 'F';
	else if (bits & READ)
		out[i++] = 'R';
	else
		out[i++] = 'N';
	if (bits & FUA)
		out[i++] = 'F';
	if (bits & RAHEAD)
		out[i++] = 'A';
	if (bits & SYNC)
		out[i++] = 'S';
	if (bits & META)
		out[i++] = 'M';
	out[i] = 0;
}

void simperf_values(const struct simperf *p, const struct simev_rec *rec,
		    int64_t *v, const char **s, char *scratch)
{
	const struct pevent *e = &events[rec->type];
	const struct pfield *f = p->fields[rec->type];
	int iv = 0, is = 0;

	/* A call site in the kernel's text per tracepoint. */
	v[iv++] = (int64_t)(0xffffffff81000000ull + 0x1000ull * (uint64_t)e->id +
			    0x45ull);
	v[iv++] = rec->ctx_tid;
	v[iv++] = rec->ctx_pid;
	v[iv++] = PERF_ID_BASE + rec->type * p->ncpus + rec->cpu;
	v[iv++] = 1; /* perf_period: every tracepoint hit is a sample */
	v[iv++] = e->id;
	v[iv++] = e->flags;
	v[iv++] = e->preempt;
	v[iv++] = rec->ctx_tid;
	for (; f->name; f++) {
		switch (f->src) {
		case FROM_V:
			v[iv++] = rec->v[f->idx];
			break;
		case FROM_CONST:
			v[iv++] = f->cst;
			break;
		case FROM_S:
			s[is++] = rec->s[f->idx] ? rec->s[f->idx] : "";
			break;
		case FROM_RWBS:
			simperf_rwbs_letters((uint32_t)rec->v[f->idx], scratch);
			s[is++] = scratch;
			break;
		case FROM_EMPTY:
			s[is++] = "";
			break;
		}
	}
}
