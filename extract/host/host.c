/* SPDX-License-Identifier: MIT */
#include "extract/host/host.h"
#include "common/err.h"
#include "common/vms.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CPUS 4096

static int add_vm(struct host *h, int64_t pid)
{
	const struct vm_entry *e = h->names ? vms_find(h->names, pid) : NULL;
	struct vm *vm;
	size_t index = h->nvms;

	for (size_t k = h->nfree_vms; k-- > 0;) {
		/* a retired VM's slot and memory, once nothing names it (the
		 * accumulator is reset below, its ledger's capacity kept; the
		 * samples' buffers are not cleared, as at every window) */
		if (h->slot_named && h->slot_named(h->slot_ctx, h->free_vms[k]))
			continue;
		index = (size_t)h->free_vms[k];
		h->free_vms[k] = h->free_vms[--h->nfree_vms];
		vm = h->vms[index];
		memset(vm, 0, offsetof(struct vm, acc));
		memset(&vm->tot, 0, sizeof(vm->tot));
		memset(vm->vec_reason, 0, sizeof(vm->vec_reason));
		vm->gone = vm->retired = 0;
		goto fill;
	}
	if (h->nvms == h->cap_vms) {
		size_t cap = h->cap_vms ? h->cap_vms * 2 : 8;
		struct vm **v = realloc(h->vms, cap * sizeof(*v));

		if (!v)
			goto oom;
		h->vms = v;
		h->cap_vms = cap;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		goto oom;
fill:
	vm->pid = pid;
	if (e) {
		snprintf(vm->name, sizeof(vm->name), "%s", e->name);
		vm->uuid = e->uuid;
		vm->vcpus_config = e->vcpus;
		vm->kind = e->kind;
	} else {
		snprintf(vm->name, sizeof(vm->name), "qemu-%lld", (long long)pid);
	}
	vm_acc_reset(&vm->acc);
	if (tidmap_put(&h->vm_by_pid, pid, (void *)(uintptr_t)(index + 1)) < 0) {
		if (index < h->nvms) { /* still free */
			vm->retired = 1;
			h->free_vms[h->nfree_vms++] = (int)index;
		} else {
			free(vm);
		}
		return -1;
	}
	h->vm_gen++;
	if (index < h->nvms)
		return (int)index;
	h->vms[h->nvms] = vm;
	return (int)h->nvms++;
oom:
	err_fail(ERR_RESOURCE, "out of memory (VM table)");
	return -1;
}

int host_init(struct host *h, const struct vms_file *names)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	tidmap_init(&h->threads);
	tidmap_init(&h->vm_by_pid);
	h->names = names;
	h->vm_gen = 1;
	for (i = 0; names && i < names->n; i++)
		if (add_vm(h, names->vms[i].pid) < 0)
			return -1;
	return 0;
}

void host_fini(struct host *h)
{
	size_t pos = 0, i;
	int64_t key;
	void *v;

	while (tidmap_next(&h->threads, &pos, &key, &v))
		free(v);
	tidmap_fini(&h->threads);
	tidmap_fini(&h->vm_by_pid);
	for (i = 0; i < h->nvms; i++) {
		vm_acc_fini(&h->vms[i]->acc);
		free(h->vms[i]);
	}
	free(h->vms);
	free(h->cpus);
	free(h->dead);
	free(h->free_vms);
	memset(h, 0, sizeof(*h));
}

struct thread *host_find(const struct host *h, int64_t tid)
{
	return tidmap_get(&h->threads, tid);
}

struct thread *host_thread(struct host *h, int64_t tid)
{
	struct thread *t;

	if (tid <= 0)
		return NULL;
	t = tidmap_get(&h->threads, tid);
	if (t)
		return t;
	/* On a cache line of its own: its first line is what vCPU events use. */
	t = aligned_alloc(64, (sizeof(*t) + 63) / 64 * 64);
	if (!t) {
		err_fail(ERR_RESOURCE, "out of memory (thread table)");
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = -1;
	t->vhost_of = -1;
	t->vcpu_id = -1;
	t->cpu = -1;
	t->vm = -1;
	if (tidmap_put(&h->threads, tid, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void remember_dead(struct host *h, const struct thread *t)
{
	struct thread_summary *s;

	if (h->ndead == h->cap_dead) {
		size_t cap = h->cap_dead ? h->cap_dead * 2 : 256;

		s = realloc(h->dead, cap * sizeof(*s));
		if (!s)
			return; /* a summary lost, not the run */
		h->dead = s;
		h->cap_dead = cap;
	}
	s = &h->dead[h->ndead++];
	s->tid = t->tid;
	s->pid = t->pid;
	memcpy(s->comm, t->comm, sizeof(s->comm));
	s->vm = t->vm;
	s->role = t->role;
	s->cpu_ns = t->cpu_ns;
	s->wait_ns = t->wait_ns;
}

void host_thread_free(struct host *h, struct thread *t)
{
	int c, vm;

	for (c = 0; c < h->ncpus; c++)
		if (h->cpus[c].cur == t)
			h->cpus[c].cur = NULL;
	if (t->on_wq && t->cpu >= 0 && t->cpu < h->ncpus) {
		struct cpu *cpu = &h->cpus[t->cpu];

		if (t->wq_prev)
			t->wq_prev->wq_next = t->wq_next;
		else
			cpu->wq = t->wq_next;
		if (t->wq_next)
			t->wq_next->wq_prev = t->wq_prev;
	}
	vm = host_thread_vm(h, t);
	/* the leader is freed last: its process is gone */
	if (vm >= 0 && t->tid == h->vms[vm]->pid)
		h->vms[vm]->gone = 1;
	/* a process a tenant adopted ended: its pid, which the kernel may
	 * give to anybody later, no longer joins the tenant (retire_vms: the
	 * map follows the processes alive) */
	else if (vm >= 0 && h->retire_vms && t->tid == t->pid &&
		 (uintptr_t)tidmap_get(&h->vm_by_pid, t->pid) == (uintptr_t)vm + 1)
		tidmap_remove(&h->vm_by_pid, t->pid);
	if (h->keep_dead)
		remember_dead(h, t);
	tidmap_remove(&h->threads, t->tid);
	free(t);
}

void host_set_comm(struct host *h, struct thread *t, const char *comm)
{
	long long pid;
	int end = 0;

	if (!comm)
		return;
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	if (sscanf(t->comm, "vhost-%lld%n", &pid, &end) == 1 && t->comm[end] == '\0' &&
	    pid > 0) {
		t->role = ROLE_VHOST;
		t->vhost_of = pid;
		t->vm_gen = 0;
		(void)h;
	}
}

void host_set_pid(struct host *h, struct thread *t, int64_t pid)
{
	(void)h;
	if (pid > 0 && pid != t->pid) {
		t->pid = pid;
		t->vm_gen = 0;
	}
}

int host_vm_of_pid(struct host *h, int64_t pid, int create)
{
	uintptr_t v;

	if (pid <= 0)
		return -1;
	v = (uintptr_t)tidmap_get(&h->vm_by_pid, pid);
	if (v)
		return (int)v - 1;
	return create ? add_vm(h, pid) : -1;
}

int host_tenant_adopt(struct host *h, int64_t pid, int vm)
{
	if (pid <= 0 || tidmap_get(&h->vm_by_pid, pid))
		return 0;
	if (tidmap_put(&h->vm_by_pid, pid, (void *)(uintptr_t)(vm + 1)) < 0)
		return -1;
	h->vm_gen++;
	return 0;
}

/* Cached until a VM appears or the thread changes name or process. */
int host_thread_vm_refresh(struct host *h, struct thread *t)
{
	int64_t pid = t->role == ROLE_VHOST ? t->vhost_of : t->pid;

	t->vm = host_vm_of_pid(h, pid, 0);
	t->vm_gen = h->vm_gen;
	if (t->vm >= 0) {
		struct vm *vm = h->vms[t->vm];
		int task = vm->kind == TENANT_PROCESS;

		vm->seen = 1;
		/* the earliest of its threads' births; a thread that ran before
		 * the trace (born 0) makes the VM older than the trace */
		if (!vm->attached || t->born < vm->since)
			vm->since = t->born;
		vm->attached = 1;
		if (t->role == ROLE_HOST || (t->role == ROLE_EMU && task) ||
		    (t->role == ROLE_TASK && !task))
			t->role = task ? ROLE_TASK : ROLE_EMU;
	} else if (t->role == ROLE_EMU || t->role == ROLE_TASK) {
		t->role = ROLE_HOST;
	}
	return t->vm;
}

struct thread *host_event_thread(struct host *h, const struct ev *ev)
{
	struct thread *cur = ev->cpu >= 0 && ev->cpu < h->ncpus && h->cpus[ev->cpu].known ?
			     h->cpus[ev->cpu].cur : NULL;

	/* perf names the thread; it is nearly always the CPU's current one
	 * (no hash lookup then) */
	if (ev->ctx_tid > 0)
		return cur && cur->tid == ev->ctx_tid ? cur : host_find(h, ev->ctx_tid);
	return cur;
}

struct cpu *host_cpu_add(struct host *h, int cpu)
{
	struct cpu *c;

	if (cpu < 0 || cpu >= MAX_CPUS)
		return NULL;
	if (cpu < h->ncpus)
		return &h->cpus[cpu];
	c = realloc(h->cpus, (size_t)(cpu + 1) * sizeof(*c));
	if (!c) {
		err_fail(ERR_RESOURCE, "out of memory (CPU table)");
		return NULL;
	}
	memset(c + h->ncpus, 0, (size_t)(cpu + 1 - h->ncpus) * sizeof(*c));
	h->cpus = c;
	h->ncpus = cpu + 1;
	return &h->cpus[cpu];
}

size_t host_vms_seen(const struct host *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->nvms; i++)
		n += h->vms[i]->seen != 0;
	return n;
}

int host_vm_retire(struct host *h, int vm)
{
	size_t pos = 0, n = 0;
	int64_t pid, stale[64];
	void *v;

	if (vm < 0 || (size_t)vm >= h->nvms || h->vms[vm]->retired)
		return 0;
	if (h->nfree_vms == h->cap_free_vms) {
		size_t cap = h->cap_free_vms ? h->cap_free_vms * 2 : 8;
		int *f = realloc(h->free_vms, cap * sizeof(*f));

		if (!f) {
			err_fail(ERR_RESOURCE, "out of memory (VM table)");
			return -1;
		}
		h->free_vms = f;
		h->cap_free_vms = cap;
	}
	/* its pid, and the processes a tenant adopted (none for a VM, which
	 * is all that is retired; a few at most): the map cannot change while
	 * it is walked, so in rounds */
	do {
		n = 0;
		pos = 0;
		while (n < sizeof(stale) / sizeof(stale[0]) &&
		       tidmap_next(&h->vm_by_pid, &pos, &pid, &v))
			if ((uintptr_t)v == (uintptr_t)vm + 1)
				stale[n++] = pid;
		for (size_t i = 0; i < n; i++)
			tidmap_remove(&h->vm_by_pid, stale[i]);
	} while (n == sizeof(stale) / sizeof(stale[0]));
	h->vms[vm]->retired = 1;
	h->vms[vm]->seen = 0;
	h->vms[vm]->acc.active = 0;
	h->free_vms[h->nfree_vms++] = vm;
	h->vms_retired++;
	h->vm_gen++; /* threads that cached it look again */
	return 0;
}
