/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_VCPU_H
#define VMINT_EXTRACT_VCPU_H

/*
 * The vCPU side of the model: guest mode entries and exits (exit counts
 * by reason, handling time from exit to next entry), and why a blocked
 * (halted) vCPU was woken. The reason is first taken from the waker (the
 * current thread of the CPU that recorded the wakeup): the VM's vhost
 * thread -> net, its emulation (I/O, worker) thread -> disk, another of
 * its vCPUs -> task. Such a wakeup also teaches the VM's vector table
 * what the first vector injected after it means; a wakeup by anything
 * else (interrupt context, host threads, idle) is classified by that
 * table, and is a timer when the vector is unknown.
 */

#include "extract/read/event.h"
#include "extract/host/host.h"

/* kvm_x86_entry / kvm_x86_exit / inj_virq on the current thread of
 * ev->cpu. Return 0 or -1 (out of memory, cause appended). */
int vcpu_on_entry(struct host *h, const struct ev *ev);
int vcpu_on_exit(struct host *h, const struct ev *ev);
int vcpu_on_irq(struct host *h, const struct ev *ev);

/* Called by the scheduler part: `t` (a vCPU) blocks / is woken at `now`
 * by `waker` (NULL: idle or unknown). */
void vcpu_on_block(struct host *h, struct thread *t, uint64_t now);
void vcpu_on_wakeup(struct host *h, struct thread *t, struct thread *waker,
		    uint64_t now);

/* Marks `t` a vCPU of its process's VM (creating the VM). Returns the VM
 * index or -1. */
int vcpu_adopt(struct host *h, struct thread *t);

#endif
