/* SPDX-License-Identifier: MIT */
/*
 * The host's shared devices: one disk (sda) and one NIC (eth0), each a
 * FIFO queue in front of a single server. The disk serves a request in
 * a fixed latency plus its size over the bandwidth; the link sends a
 * packet in its size over the link rate. While a request waits, the time
 * the server spends on other VMs' requests is the delay they cause
 * (the labeling rule of doc/formats.md).
 */
#include "datasets/sim-internal.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

#define DEV_SDA ((8u << 20) | 0) /* MKDEV(8, 0) as the kernel records it */
#define QUEUE_CAP 65536
#define ETH0 "eth0"
#define FRAME_LEN 1514
#define ACK_LEN 66

enum { RWBS_WRITE = 1, RWBS_READ = 4, RWBS_SYNC = 32 };
enum { SOFTIRQ_NET_RX = 3, SOFTIRQ_BLOCK = 4 };
#define IRQ_DISK 24
#define IRQ_DISK_NAME "ahci[0000:00:17.0]"
#define IRQ_NIC 30
#define IRQ_NIC_NAME "eth0-TxRx-0"

/* The device's interrupt: the handler raises its softirq, which runs
 * right after it; irq_end() closes the softirq. */
static void irq_begin(struct sim *s, int cpu, int irq, const char *name,
		      int softirq)
{
	int64_t entry[1] = { irq }, exit[2] = { irq, 1 }, vec[1] = { softirq };

	guest_host_irq(s, cpu, 0x20 + irq); /* a vCPU in guest mode exits */
	sim_emit(s, SIMEV_IRQ_ENTRY, cpu, entry, 1, name, NULL);
	sim_emit(s, SIMEV_SOFTIRQ_RAISE, cpu, vec, 1, NULL, NULL);
	sim_emit(s, SIMEV_IRQ_EXIT, cpu, exit, 2, NULL, NULL);
	sim_emit(s, SIMEV_SOFTIRQ_ENTRY, cpu, vec, 1, NULL, NULL);
}

static void irq_end(struct sim *s, int cpu, int softirq)
{
	int64_t vec[1] = { softirq };

	sim_emit(s, SIMEV_SOFTIRQ_EXIT, cpu, vec, 1, NULL, NULL);
}

static int req_alloc(struct sim *s)
{
	int i;

	if (s->free_req < 0) {
		int cap = s->nreq ? s->nreq * 2 : 1024;
		struct request *r = realloc(s->req, cap * sizeof(*r));

		if (!r) {
			s->failed = 1;
			err_fail(ERR_RESOURCE, "out of memory");
			return -1;
		}
		s->req = r;
		for (i = cap - 1; i >= s->nreq; i--) {
			s->req[i].next_free = s->free_req;
			s->free_req = i;
		}
		s->nreq = cap;
	}
	i = s->free_req;
	s->free_req = s->req[i].next_free;
	memset(&s->req[i], 0, sizeof(s->req[i]));
	return i;
}

static void req_free(struct sim *s, int i)
{
	s->req[i].next_free = s->free_req;
	s->free_req = i;
}

static void q_push(struct sim *s, struct device *d, int r)
{
	if (d->tail - d->head >= d->cap) {
		s->failed = 1;
		err_append("simulated device queue overflow");
		return;
	}
	d->queue[d->tail++ % d->cap] = r;
}

/* The server finished request `done`: every request still queued
 * waited for it since it was queued (or since `done` started). */
static void charge_queue(struct sim *s, struct device *d, int done)
{
	const struct request *r = &s->req[done];

	for (unsigned i = d->head; i != d->tail; i++) {
		struct request *w = &s->req[d->queue[i % d->cap]];
		uint64_t from = w->enq > r->start ? w->enq : r->start;

		if (w->owner != r->owner && s->now > from)
			w->delay_by[r->owner] += s->now - from;
	}
}

static void emit_block(struct sim *s, int type, int cpu, const struct request *r)
{
	const struct thr *t = &s->thr[r->worker];

	if (type == SIMEV_BLOCK_COMPLETE) {
		int64_t v[5] = { DEV_SDA, (int64_t)r->sector, r->bytes / 512, 0,
				 r->rwbs };

		sim_emit(s, type, cpu, v, 5, NULL, NULL);
	} else {
		int64_t v[6] = { DEV_SDA, (int64_t)r->sector, r->bytes / 512,
				 r->bytes, t->tid, r->rwbs };

		sim_emit(s, type, cpu, v, 6, t->comm, NULL);
	}
}

static void disk_start(struct sim *s, int i, int cpu)
{
	struct request *r = &s->req[i];

	s->disk.busy = i;
	r->start = s->now;
	emit_block(s, SIMEV_BLOCK_ISSUE, cpu, r);
	if (simq_push(&s->q, s->now + r->service, Q_DISK_DONE, i, 0))
		s->failed = 1;
}

int dev_disk_submit(struct sim *s, struct thr *worker, int vcpu, int cpu)
{
	static const uint32_t sizes[] = { 4096, 16384, 65536, 131072 };
	int vm = worker->owner, i = req_alloc(s);
	struct request *r;

	if (i < 0)
		return -1;
	r = &s->req[i];
	r->owner = vm;
	r->vcpu = vcpu;
	r->worker = thr_index(s, worker);
	r->enq = s->now;
	r->bytes = sizes[gsl_rng_uniform_int(s->rng, 4)];
	r->rwbs = gsl_rng_uniform(s->rng) < 0.7 ? RWBS_READ :
		  RWBS_WRITE | RWBS_SYNC;
	if (gsl_rng_uniform(s->rng) < 0.2) /* a seek elsewhere in the image */
		s->vm_sector[vm] += 8 * gsl_rng_uniform_int(s->rng, 1 << 20);
	r->sector = s->vm_sector[vm];
	s->vm_sector[vm] += r->bytes / 512;
	r->service = s->sc->disk_latency_ns +
		     (uint64_t)(r->bytes / (s->sc->disk_mb_s * 1e6) * 1e9 *
				(0.8 + 0.4 * gsl_rng_uniform(s->rng)));
	emit_block(s, SIMEV_BLOCK_INSERT, cpu, r);
	if (s->disk.busy < 0)
		disk_start(s, i, cpu);
	else
		q_push(s, &s->disk, i);
	return 0;
}

void dev_disk_done(struct sim *s)
{
	int i = s->disk.busy;
	struct request *r = &s->req[i];
	struct thr *worker = &s->thr[r->worker];
	int cpu = worker->cpu; /* the completion interrupt's CPU */

	charge_queue(s, &s->disk, i);
	irq_begin(s, cpu, IRQ_DISK, IRQ_DISK_NAME, SOFTIRQ_BLOCK);
	emit_block(s, SIMEV_BLOCK_COMPLETE, cpu, r);
	irq_end(s, cpu, SOFTIRQ_BLOCK);
	acct_io_done(s, 0, r);
	s->disk.busy = -1;
	job_push(s, worker, J_DISK_DONE, r->vcpu, cpu);
	req_free(s, i);
	if (s->disk.head != s->disk.tail)
		disk_start(s, s->disk.queue[s->disk.head++ % s->disk.cap], cpu);
}

static void emit_net(struct sim *s, int type, int cpu, uint64_t skb,
		     uint32_t len, const char *ifname)
{
	if (type == SIMEV_NET_XMIT) {
		int64_t v[3] = { (int64_t)skb, 0, len };

		sim_emit(s, type, cpu, v, 3, ifname, NULL);
	} else {
		int64_t v[2] = { (int64_t)skb, len };

		sim_emit(s, type, cpu, v, 2, ifname, NULL);
	}
}

static uint64_t next_skb(struct sim *s)
{
	s->skb_next += 0x100;
	return 0xffff888100000000ull + (s->skb_next & 0xffffff00);
}

static void nic_start(struct sim *s, int i, int cpu)
{
	struct request *r = &s->req[i];

	s->nic.busy = i;
	r->start = s->now;
	emit_net(s, SIMEV_NET_XMIT, cpu, r->skb, r->bytes, ETH0);
	if (simq_push(&s->q, s->now + r->service, Q_NIC_DONE, i, 0))
		s->failed = 1;
}

void dev_net_send(struct sim *s, struct thr *vhost, int vcpu, int last,
		  int cpu)
{
	int vm = vhost->owner, i = req_alloc(s);
	struct request *r;

	if (i < 0)
		return;
	r = &s->req[i];
	r->owner = vm;
	r->vcpu = vcpu;
	r->worker = thr_index(s, vhost);
	r->enq = s->now;
	r->bytes = FRAME_LEN;
	r->last = last;
	r->skb = next_skb(s);
	r->service = (uint64_t)(FRAME_LEN * 8 / (s->sc->nic_mbit_s * 1e6) * 1e9);
	/* The guest's frame enters the host on the tap device, then the
	 * bridge queues it on the physical NIC. */
	emit_net(s, SIMEV_NET_RECEIVE, cpu, r->skb, r->bytes, s->vm_tap[vm]);
	emit_net(s, SIMEV_NET_QUEUE, cpu, r->skb, r->bytes, ETH0);
	if (s->nic.busy < 0)
		nic_start(s, i, cpu);
	else
		q_push(s, &s->nic, i);
}

void dev_nic_done(struct sim *s)
{
	int i = s->nic.busy;
	struct request *r = &s->req[i];

	charge_queue(s, &s->nic, i);
	acct_io_done(s, 1, r);
	if (r->last) {
		uint64_t rtt = 40000 + sim_exp_ns(s, 30000, 0);

		if (simq_push(&s->q, s->now + rtt, Q_NET_RX, r->vcpu, 0))
			s->failed = 1;
	}
	s->nic.busy = -1;
	req_free(s, i);
	if (s->nic.head != s->nic.tail) {
		int n = s->nic.queue[s->nic.head++ % s->nic.cap];

		nic_start(s, n, s->thr[s->req[n].worker].cpu);
	}
}

void dev_net_rx(struct sim *s, int vcpu)
{
	int vm = s->thr[vcpu].owner;
	struct thr *vhost = &s->thr[s->vm_vhost[vm]];
	int cpu = vhost->cpu;
	uint64_t skb = next_skb(s);

	/* The peer's answer: eth0, the bridge, the tap device, vhost. */
	irq_begin(s, cpu, IRQ_NIC, IRQ_NIC_NAME, SOFTIRQ_NET_RX);
	emit_net(s, SIMEV_NET_RECEIVE, cpu, skb, ACK_LEN, ETH0);
	emit_net(s, SIMEV_NET_QUEUE, cpu, skb, ACK_LEN, s->vm_tap[vm]);
	emit_net(s, SIMEV_NET_XMIT, cpu, skb, ACK_LEN, s->vm_tap[vm]);
	irq_end(s, cpu, SOFTIRQ_NET_RX);
	job_push(s, vhost, J_NET_ACK, vcpu, cpu);
}

int dev_init(struct sim *s)
{
	s->free_req = -1;
	s->disk.busy = s->nic.busy = -1;
	s->disk.cap = s->nic.cap = QUEUE_CAP;
	s->disk.queue = calloc(QUEUE_CAP, sizeof(int));
	s->nic.queue = calloc(QUEUE_CAP, sizeof(int));
	if (!s->disk.queue || !s->nic.queue) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return 0;
}

void dev_free(struct sim *s)
{
	free(s->disk.queue);
	free(s->nic.queue);
	free(s->req);
	s->req = NULL;
}
