/* SPDX-License-Identifier: MIT */
#include "extract/read/decode.h"
#include "common/err.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SLOT_RWBS: LTTng's integer bit mask, or perf's string of letters. */
enum slot_type { SLOT_I64, SLOT_U64, SLOT_STR, SLOT_RWBS };

#define MAX_SLOTS 8
#define MAX_ALTS 3

/* Where a payload member lands in struct ev, and its accepted spellings. */
struct slot_spec {
	const char *names[MAX_ALTS];
	size_t offset;
	enum slot_type type;
	int required; /* the model relies on it: warn when it cannot be read */
};

struct kind_spec {
	enum ev_kind kind;
	struct slot_spec slots[MAX_SLOTS];
};

#define I64(member, ...) { { __VA_ARGS__ }, offsetof(struct ev, u.member), SLOT_I64, 0 }
#define U64(member, ...) { { __VA_ARGS__ }, offsetof(struct ev, u.member), SLOT_U64, 0 }
#define STR(member, ...) { { __VA_ARGS__ }, offsetof(struct ev, u.member), SLOT_STR, 0 }
/* The same for the fields the host model cannot do without. */
#define I64R(member, ...) { { __VA_ARGS__ }, offsetof(struct ev, u.member), SLOT_I64, 1 }
#define U64R(member, ...) { { __VA_ARGS__ }, offsetof(struct ev, u.member), SLOT_U64, 1 }
#define STRR(member, ...) { { __VA_ARGS__ }, offsetof(struct ev, u.member), SLOT_STR, 1 }
#define RWBS(member) { { "rwbs" }, offsetof(struct ev, u.member), SLOT_RWBS, 1 }

/* Field names of lttng-modules 2.13, older LTTng and perf (pid for tid).
 * Required fields (xxxR) get a warning naming them when an event class
 * lacks them or has them in a type vmint cannot read; optional ones (a
 * kernel version's extra, a tid perf gives as perf_tid) read as absent. */
static const struct kind_spec kind_specs[] = {
	{ EV_STATEDUMP_PROCESS, { I64R(statedump.tid, "tid"), I64R(statedump.pid, "pid"),
		I64(statedump.ppid, "ppid"), I64(statedump.status, "status"),
		I64(statedump.cpu, "cpu"), STR(statedump.name, "name") } },
	/* The kernel's own fork tracepoint (perf) names thread ids *_pid:
	 * see kernel_fork_naming(). */
	{ EV_PROCESS_FORK, { I64(fork.parent_tid, "parent_tid", "parent_pid"),
		I64(fork.parent_pid, "parent_pid"), I64R(fork.child_tid, "child_tid", "child_pid"),
		I64(fork.child_pid, "child_pid"), STR(fork.child_comm, "child_comm") } },
	{ EV_PROCESS_EXEC, { I64R(exec.tid, "tid", "pid"), STR(exec.filename, "filename") } },
	{ EV_PROCESS_EXIT, { I64R(proc_exit.tid, "tid", "pid"), STR(proc_exit.comm, "comm") } },
	{ EV_PROCESS_FREE, { I64R(proc_exit.tid, "tid", "pid"), STR(proc_exit.comm, "comm") } },
	{ EV_SCHED_SWITCH, { I64R(sched_switch.prev_tid, "prev_tid", "prev_pid"),
		I64R(sched_switch.prev_state, "prev_state"),
		I64R(sched_switch.next_tid, "next_tid", "next_pid"),
		STR(sched_switch.prev_comm, "prev_comm"), STR(sched_switch.next_comm, "next_comm") } },
	{ EV_SCHED_WAKING, { I64R(wakeup.tid, "tid", "pid"), I64(wakeup.target_cpu, "target_cpu"),
		STR(wakeup.comm, "comm") } },
	{ EV_SCHED_WAKEUP, { I64R(wakeup.tid, "tid", "pid"), I64(wakeup.target_cpu, "target_cpu"),
		STR(wakeup.comm, "comm") } },
	{ EV_SCHED_WAKEUP_NEW, { I64R(wakeup.tid, "tid", "pid"), I64(wakeup.target_cpu, "target_cpu"),
		STR(wakeup.comm, "comm") } },
	{ EV_SCHED_MIGRATE, { I64R(migrate.tid, "tid", "pid"), I64(migrate.orig_cpu, "orig_cpu"),
		I64R(migrate.dest_cpu, "dest_cpu") } },
	{ EV_KVM_ENTRY, { I64(kvm_entry.vcpu_id, "vcpu_id") } },
	{ EV_KVM_EXIT, { I64R(kvm_exit.exit_reason, "exit_reason"), I64(kvm_exit.isa, "isa"),
		I64(kvm_exit.vcpu_id, "vcpu_id") } },
	{ EV_KVM_USERSPACE_EXIT, { I64(kvm_userspace_exit.reason, "reason") } },
	{ EV_KVM_INJ_VIRQ, { I64(kvm_irq.vector, "irq", "vector") } },
	{ EV_KVM_APIC_ACCEPT_IRQ, { I64(kvm_irq.vector, "vec", "vector") } },
	{ EV_BLOCK_INSERT, { U64R(block.dev, "dev"), U64R(block.sector, "sector"),
		U64R(block.nr_sector, "nr_sector"), U64(block.bytes, "bytes"),
		RWBS(block.rwbs), I64(block.tid, "tid"), STR(block.comm, "comm") } },
	{ EV_BLOCK_ISSUE, { U64R(block.dev, "dev"), U64R(block.sector, "sector"),
		U64R(block.nr_sector, "nr_sector"), U64(block.bytes, "bytes"),
		RWBS(block.rwbs), I64(block.tid, "tid"), STR(block.comm, "comm") } },
	{ EV_BLOCK_COMPLETE, { U64R(block.dev, "dev"), U64R(block.sector, "sector"),
		U64R(block.nr_sector, "nr_sector"), RWBS(block.rwbs),
		I64(block.error, "error", "errors") } },
	{ EV_NET_QUEUE, { U64R(net.skbaddr, "skbaddr"), U64R(net.len, "len"), STRR(net.ifname, "name") } },
	{ EV_NET_XMIT, { U64R(net.skbaddr, "skbaddr"), U64R(net.len, "len"), STRR(net.ifname, "name") } },
	{ EV_NET_RECEIVE, { U64R(net.skbaddr, "skbaddr"), U64R(net.len, "len"), STRR(net.ifname, "name") } },
	{ EV_NET_RX, { U64R(net.skbaddr, "skbaddr"), U64R(net.len, "len"), STRR(net.ifname, "name") } },
	{ EV_IRQ_ENTRY, { I64(irq.irq, "irq") } },
	{ EV_IRQ_EXIT, { I64(irq.irq, "irq") } },
	{ EV_SOFTIRQ_ENTRY, { I64(softirq.vec, "vec") } },
	{ EV_SOFTIRQ_EXIT, { I64(softirq.vec, "vec") } },
};

/* How one member is read: by payload index, into struct ev at offset. */
enum read_as { READ_SIGNED, READ_UNSIGNED, READ_STRING, READ_RWBS_LETTERS };

struct member_read {
	uint64_t index; /* payload member index */
	size_t offset;
	enum read_as as;
};

/* Resolved layout of one event class: the members it has, in the order
 * they are read, and the slots of its kind it lacks (set to "absent"). */
struct class_decoder {
	const bt_event_class *cls; /* weak: key; lives as long as its trace */
	enum ev_kind kind;
	uint32_t type_id;
	int nreads, nabsent;
	struct member_read read[MAX_SLOTS];
	struct { size_t offset; enum slot_type type; } absent[MAX_SLOTS];
	int nstrings;
	size_t string_offset[MAX_SLOTS]; /* of the SLOT_STR slots */
	int64_t perf_cpu_index; /* payload index of perf's `perf_cpu`, or -1 */
	int perf_cpu_signed;
	int64_t perf_tid_index, perf_pid_index; /* perf's context, or -1 */
	int perf_tid_signed, perf_pid_signed;
};

struct stream_cpu {
	const bt_stream *stream; /* weak */
	int cpu;
};

struct decoder {
	/* Open-addressing table of class decoders keyed by class address. */
	struct class_decoder *classes; /* owned */
	size_t nclasses, cap;
	struct stream_cpu *streams;    /* owned: hash table by stream */
	size_t nstreams, stream_cap;
	const bt_event_class *last_cls; /* one-entry cache: runs of one class */
	struct class_decoder *last;
	const bt_stream *last_stream;   /* one-entry cache: runs of one stream */
	int last_cpu;
	const char *dir;                /* weak: the trace, for warnings, or NULL */
};

struct decoder *decoder_create(void)
{
	struct decoder *d = calloc(1, sizeof(*d));

	if (!d || !(d->classes = calloc(64, sizeof(*d->classes)))) {
		free(d);
		err_fail(ERR_RESOURCE, "out of memory");
		return NULL;
	}
	d->cap = 64;
	return d;
}

void decoder_set_trace_dir(struct decoder *d, const char *dir)
{
	d->dir = dir;
}

void decoder_destroy(struct decoder *d)
{
	if (!d)
		return;
	free(d->classes);
	free(d->streams);
	free(d);
}

/* Fibonacci hashing: the top bits of the product, which every bit of the
 * address reaches (allocator addresses differ mostly in their middle bits). */
static size_t hash_ptr(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;

	return (size_t)(x >> (64 - __builtin_ctzll(cap)));
}

static int grow(struct decoder *d)
{
	size_t cap = d->cap * 2, i;
	struct class_decoder *n = calloc(cap, sizeof(*n));

	if (!n)
		return -1;
	for (i = 0; i < d->cap; i++) {
		size_t h;

		if (!d->classes[i].cls)
			continue;
		h = hash_ptr(d->classes[i].cls, cap);
		while (n[h].cls)
			h = (h + 1) & (cap - 1);
		n[h] = d->classes[i];
	}
	free(d->classes);
	d->classes = n;
	d->cap = cap;
	d->last_cls = NULL;
	return 0;
}

static const struct kind_spec *spec_of(enum ev_kind kind)
{
	for (size_t i = 0; i < sizeof(kind_specs) / sizeof(kind_specs[0]); i++)
		if (kind_specs[i].kind == kind)
			return &kind_specs[i];
	return NULL;
}

/* How a payload member was found: its index and what it holds. */
struct member_info {
	uint64_t index;
	int is_signed, is_string;
};

/* Finds member `name`: 1 when it is of a type `want` can read, -1 when it
 * exists in another type, 0 when the payload has none. */
static int member_index(const bt_field_class *payload, const char *name,
			struct member_info *mi, enum slot_type want)
{
	uint64_t i, n = bt_field_class_structure_get_member_count(payload);

	for (i = 0; i < n; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(payload, i);
		const bt_field_class *fc;
		bt_field_class_type t;
		int is_int, is_str;

		if (strcmp(bt_field_class_structure_member_get_name(m), name) != 0)
			continue;
		fc = bt_field_class_structure_member_borrow_field_class_const(m);
		t = bt_field_class_get_type(fc);
		is_int = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER);
		is_str = t == BT_FIELD_CLASS_TYPE_STRING;
		if (want == SLOT_STR ? !is_str : want == SLOT_RWBS ? !is_int && !is_str : !is_int)
			return -1;
		mi->index = i;
		mi->is_signed = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
		mi->is_string = is_str;
		return 1;
	}
	return 0;
}

/* ---- warnings about fields vmint relies on but cannot read ---------- */

/* Once per (event, field) in the whole run: decoding threads share it. */
#define MAX_WARNED 64
static pthread_mutex_t warned_lock = PTHREAD_MUTEX_INITIALIZER;
static char warned[MAX_WARNED][160];
static size_t nwarned;

static void warn_field(const char *dir, const char *event, const char *field,
		       int wrong_type, enum slot_type want)
{
	char key[160];
	size_t i;
	int seen = 0;

	snprintf(key, sizeof(key), "%s/%s", event, field);
	pthread_mutex_lock(&warned_lock);
	for (i = 0; i < nwarned && !seen; i++)
		seen = strcmp(warned[i], key) == 0;
	if (!seen && nwarned < MAX_WARNED)
		snprintf(warned[nwarned++], sizeof(warned[0]), "%s", key);
	pthread_mutex_unlock(&warned_lock);
	if (seen)
		return;
	if (wrong_type)
		warn_msg("%s%s%sevent '%s' has field '%s' as another type than vmint reads "
			 "(%s): it is taken as absent, and what depends on it is not counted",
			 dir ? "trace '" : "", dir ? dir : "", dir ? "': " : "", event, field,
			 want == SLOT_STR ? "a string" :
			 want == SLOT_RWBS ? "an integer bit mask or letters" : "an integer");
	else
		warn_msg("%s%s%sevent '%s' has no field '%s', which vmint relies on: what "
			 "depends on it is not counted", dir ? "trace '" : "", dir ? dir : "",
			 dir ? "': " : "", event, field);
}

/* The kernel's own sched_process_fork (perf's CTF, ftrace) has
 * parent_pid and child_pid and no child_tid: both are thread ids (the
 * kernel's pid), not processes. */
static int kernel_fork_naming(const bt_field_class *payload)
{
	struct member_info mi;

	return member_index(payload, "child_tid", &mi, SLOT_I64) == 0;
}

static void resolve(const struct decoder *d, struct class_decoder *cd,
		    const bt_event_class *cls)
{
	const bt_field_class *payload =
		bt_event_class_borrow_payload_field_class_const(cls);
	const struct kind_spec *spec = spec_of(cd->kind);
	const char *event = bt_event_class_get_name(cls);
	struct member_info mi;
	int kernel_fork;

	cd->perf_cpu_index = cd->perf_tid_index = cd->perf_pid_index = -1;
	if (!payload ||
	    bt_field_class_get_type(payload) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return;
	if (member_index(payload, "perf_cpu", &mi, SLOT_U64) > 0) {
		cd->perf_cpu_index = (int64_t)mi.index;
		cd->perf_cpu_signed = mi.is_signed;
	}
	if (member_index(payload, "perf_tid", &mi, SLOT_I64) > 0) {
		cd->perf_tid_index = (int64_t)mi.index;
		cd->perf_tid_signed = mi.is_signed;
	}
	if (member_index(payload, "perf_pid", &mi, SLOT_I64) > 0) {
		cd->perf_pid_index = (int64_t)mi.index;
		cd->perf_pid_signed = mi.is_signed;
	}
	if (!spec)
		return;
	kernel_fork = cd->kind == EV_PROCESS_FORK && kernel_fork_naming(payload);
	for (int s = 0; s < MAX_SLOTS && spec->slots[s].names[0]; s++) {
		const struct slot_spec *ss = &spec->slots[s];
		int found = 0, wrong = 0;
		enum read_as as;

		if (ss->type == SLOT_STR)
			cd->string_offset[cd->nstrings++] = ss->offset;
		if (kernel_fork && (ss->offset == offsetof(struct ev, u.fork.parent_pid) ||
				    ss->offset == offsetof(struct ev, u.fork.child_pid)))
			goto absent; /* thread ids there: see kernel_fork_naming() */
		for (int a = 0; a < MAX_ALTS && ss->names[a] && found <= 0; a++) {
			found = member_index(payload, ss->names[a], &mi, ss->type);
			wrong |= found < 0;
		}
		if (found > 0) {
			as = mi.is_string ? (ss->type == SLOT_RWBS ? READ_RWBS_LETTERS : READ_STRING) :
			     mi.is_signed ? READ_SIGNED : READ_UNSIGNED;
			cd->read[cd->nreads++] = (struct member_read){ mi.index, ss->offset, as };
			continue;
		}
		if (wrong || ss->required)
			warn_field(d->dir, event ? event : "(unnamed)", ss->names[0], wrong,
				   ss->type);
absent:
		cd->absent[cd->nabsent].offset = ss->offset;
		cd->absent[cd->nabsent++].type = ss->type;
	}
}

static struct class_decoder *lookup(struct decoder *d, const bt_event_class *cls)
{
	size_t h;

	if (cls == d->last_cls)
		return d->last;
	h = hash_ptr(cls, d->cap);
	while (d->classes[h].cls && d->classes[h].cls != cls)
		h = (h + 1) & (d->cap - 1);
	if (!d->classes[h].cls) {
		struct class_decoder *cd;
		const char *name = bt_event_class_get_name(cls);

		if ((d->nclasses + 1) * 2 > d->cap) {
			if (grow(d) != 0)
				return NULL;
			return lookup(d, cls);
		}
		cd = &d->classes[h];
		memset(cd, 0, sizeof(*cd));
		if (!name)
			name = "(unnamed)";
		if (ev_type_intern(name, &cd->type_id) != 0)
			return NULL;
		cd->cls = cls;
		cd->kind = ev_kind_of_name(name);
		resolve(d, cd, cls);
		d->nclasses++;
	}
	d->last_cls = cls;
	d->last = &d->classes[h];
	return d->last;
}

static int64_t read_int(const bt_field *f, int is_signed)
{
	if (is_signed)
		return bt_field_integer_signed_get_value(f);
	return (int64_t)bt_field_integer_unsigned_get_value(f);
}

static void set_absent(struct ev *ev, size_t offset, enum slot_type type)
{
	char *p = (char *)ev + offset;

	if (type == SLOT_STR)
		*(const char **)p = NULL;
	else if (type == SLOT_I64)
		*(int64_t *)p = EV_ABSENT;
	else
		*(uint64_t *)p = 0;
}

static int packet_cpu(const bt_packet *packet)
{
	const bt_field *ctx = packet ? bt_packet_borrow_context_field_const(packet) : NULL;
	const bt_field *f;

	if (!ctx)
		return -1;
	f = bt_field_structure_borrow_member_field_by_name_const(ctx, "cpu_id");
	if (!f || !bt_field_class_type_is(bt_field_get_class_type(f),
					   BT_FIELD_CLASS_TYPE_INTEGER))
		return -1;
	return (int)read_int(f, bt_field_class_type_is(bt_field_get_class_type(f),
				BT_FIELD_CLASS_TYPE_SIGNED_INTEGER));
}

/* Streams by address (open addressing, cap a power of two): looked up
 * once per event, and a muxed trace alternates between its streams. */
static struct stream_cpu *stream_slot(struct stream_cpu *tab, size_t cap,
				      const bt_stream *stream)
{
	size_t h = hash_ptr(stream, cap);

	while (tab[h].stream && tab[h].stream != stream)
		h = (h + 1) & (cap - 1);
	return &tab[h];
}

static int streams_grow(struct decoder *d)
{
	size_t cap = d->stream_cap ? d->stream_cap * 2 : 64;
	struct stream_cpu *n = calloc(cap, sizeof(*n));

	if (!n)
		return -1;
	for (size_t i = 0; i < d->stream_cap; i++)
		if (d->streams[i].stream)
			*stream_slot(n, cap, d->streams[i].stream) = d->streams[i];
	free(d->streams);
	d->streams = n;
	d->stream_cap = cap;
	return 0;
}

void decoder_on_packet(struct decoder *d, const bt_packet *packet)
{
	const bt_stream *stream = bt_packet_borrow_stream_const(packet);
	struct stream_cpu *slot;

	if ((d->nstreams + 1) * 2 > d->stream_cap && streams_grow(d) != 0)
		return; /* the cpu then reads as unknown */
	slot = stream_slot(d->streams, d->stream_cap, stream);
	if (!slot->stream) {
		slot->stream = stream;
		d->nstreams++;
	}
	slot->cpu = packet_cpu(packet);
	d->last_stream = NULL;
}

int decoder_last_strings(const struct decoder *d, const size_t **offsets)
{
	if (!d->last) {
		*offsets = NULL;
		return 0;
	}
	*offsets = d->last->string_offset;
	return d->last->nstrings;
}

int decoder_stream_cpu(struct decoder *d, const bt_stream *stream)
{
	struct stream_cpu *slot;

	if (stream == d->last_stream)
		return d->last_cpu;
	if (!d->stream_cap)
		return -1;
	slot = stream_slot(d->streams, d->stream_cap, stream);
	d->last_stream = stream;
	d->last_cpu = slot->stream ? slot->cpu : -1;
	return d->last_cpu;
}

int decoder_decode(struct decoder *d, const bt_message *msg, struct ev *ev)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_event_class *cls = bt_event_borrow_class_const(event);
	const bt_field *payload;
	struct class_decoder *cd = lookup(d, cls);
	int64_t ns;

	if (!cd) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	if (bt_clock_snapshot_get_ns_from_origin(
		    bt_message_event_borrow_default_clock_snapshot_const(msg),
		    &ns) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
		err_fail(ERR_INPUT, "event time overflows 64-bit nanoseconds from origin");
		return -1;
	}
	ev->kind = cd->kind;
	ev->type_id = cd->type_id;
	ev->ts = (uint64_t)ns;
	ev->cpu = decoder_stream_cpu(d, bt_event_borrow_stream_const(event));
	ev->ctx_tid = ev->ctx_pid = EV_ABSENT;
	if (cd->nreads == 0 && cd->nabsent == 0 && cd->perf_cpu_index < 0 &&
	    cd->perf_tid_index < 0 && cd->perf_pid_index < 0)
		return 0;
	payload = bt_event_borrow_payload_field_const(event);
	if (cd->perf_cpu_index >= 0) {
		const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(
			payload, (uint64_t)cd->perf_cpu_index);
		ev->cpu = (int)read_int(f, cd->perf_cpu_signed);
	}
	if (cd->perf_tid_index >= 0)
		ev->ctx_tid = read_int(bt_field_structure_borrow_member_field_by_index_const(
			payload, (uint64_t)cd->perf_tid_index), cd->perf_tid_signed);
	if (cd->perf_pid_index >= 0)
		ev->ctx_pid = read_int(bt_field_structure_borrow_member_field_by_index_const(
			payload, (uint64_t)cd->perf_pid_index), cd->perf_pid_signed);
	for (int i = 0; i < cd->nreads; i++) {
		const struct member_read *m = &cd->read[i];
		const bt_field *f =
			bt_field_structure_borrow_member_field_by_index_const(payload, m->index);
		char *p = (char *)ev + m->offset;
		int64_t v;

		switch (m->as) {
		case READ_STRING:
			*(const char **)p = bt_field_string_get_value(f);
			continue;
		case READ_RWBS_LETTERS:
			v = (int64_t)ev_rwbs_from_letters(bt_field_string_get_value(f));
			break;
		case READ_SIGNED:
			v = bt_field_integer_signed_get_value(f);
			break;
		default:
			v = (int64_t)bt_field_integer_unsigned_get_value(f);
			break;
		}
		memcpy(p, &v, sizeof(v));
	}
	for (int i = 0; i < cd->nabsent; i++)
		set_absent(ev, cd->absent[i].offset, cd->absent[i].type);
	return 0;
}
