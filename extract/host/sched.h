/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_SCHED_H
#define VMINT_EXTRACT_SCHED_H

/*
 * Scheduling in the host model: who runs on each CPU (sched_switch), who
 * waits for which CPU (wakeups, preemptions, migrations), and the time
 * accounting that follows: every thread's state is charged to its VM's
 * window accumulator (run, guest/root, runnable wait, preempted, blocked)
 * and every vCPU's wait is split by who held the pCPU meanwhile (idle,
 * its own VM, another VM: the culprit ledger, or the host).
 * Per-thread CPU time for `stats` follows lttng-analyses' cputop: from
 * switch-in to switch-out, and from the first event of the trace for a
 * thread whose first switch is a switch-out.
 */

#include "extract/read/event.h"
#include "extract/host/host.h"

/* Charges the thread's current state from its `since` to `now`. */
void sched_charge(struct host *h, struct thread *t, uint64_t now);

/* Charges the waiters of CPU `cpu` up to `now` to its current holder. */
void sched_charge_waiters(struct host *h, int cpu, uint64_t now);

/* Handlers; return 0 or -1 (out of memory, cause appended). */
int sched_on_switch(struct host *h, const struct ev *ev);
int sched_on_wakeup(struct host *h, const struct ev *ev);
int sched_on_migrate(struct host *h, const struct ev *ev);

/* At a window border: charges every thread and waiter up to `now`. */
void sched_flush(struct host *h, uint64_t now);

/* At the end of the trace: running threads' CPU time up to `last_ts`
 * (lttng-analyses counts them up to the last event). */
void sched_finish(struct host *h, uint64_t last_ts);

#endif
