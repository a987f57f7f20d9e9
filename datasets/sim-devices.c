/* SPDX-License-Identifier: MIT */
/*
 * The host's shared devices: one disk (sda) and one NIC (eth0). The disk
 * serves up to `disk_queues` requests at once (an SSD or HDD: one; an
 * NVMe device: several, overlapping), each in a fixed latency plus its
 * size over the bandwidth, plus a seek on an HDD when the request is not
 * where the head is; the others wait in one FIFO queue. On a parallel
 * device the latencies overlap, but the transfers share its bandwidth:
 * one at a time, so that a saturated device makes requests wait. The link sends
 * one packet at a time in its size over the link rate, in each
 * direction (the answers of the peer may be frames too). While a request
 * waits in the queue, the time the device spends on other VMs' requests
 * (each of the busy servers' share) is the delay they cause (the
 * labeling rule of doc/formats.md): overlap inside the device is not delay.
 * Receive interrupts may be coalesced: one interrupt for the answers that
 * arrived within the coalescing time.
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

/* A server finished request `done`: every request still queued waited
 * for it since it was queued (or since `done` started), for the share of
 * one of the device's `servers` (all busy while anything is queued). */
static void charge_queue(struct sim *s, struct device *d, int done,
			 int servers)
{
	const struct request *r = &s->req[done];

	for (unsigned i = d->head; i != d->tail; i++) {
		struct request *w = &s->req[d->queue[i % d->cap]];
		uint64_t from = w->enq > r->start ? w->enq : r->start;

		if (w->owner != r->owner && s->now > from)
			w->delay_by[r->owner] += (s->now - from) / servers;
	}
}

/* The phase of the VM of vCPU thread `vcpu` now (NULL: idle). */
static const struct sim_phase *vcpu_phase(const struct sim *s, int vcpu)
{
	return scenario_phase_at(&s->sc->vms[s->thr[vcpu].owner],
				 s->now - s->t0);
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

/* An HDD seeks when the request is not where the head stopped: the
 * farther, the longer (VM images lie 100 GB apart). */
static uint64_t seek_cost(const struct sim *s, const struct request *r)
{
	uint64_t h = s->disk.head_sector;
	double dist = (double)(r->sector > h ? r->sector - h : h - r->sector);

	if (!s->sc->disk_seek_ns || dist == 0)
		return 0;
	return (uint64_t)(s->sc->disk_seek_ns *
			  (0.4 + 0.6 * (dist > 4e8 ? 1 : dist / 4e8)));
}

/*
 * A parallel device: request r's data moves once its latency is over and
 * the data channel is free. While it waits for the channel, the requests
 * whose transfers hold it delay r (the labeling rule: queued behind
 * others' requests), those of its own VM aside.
 */
static void disk_transfer(struct sim *s, struct request *r)
{
	uint64_t ready = s->now + s->sc->disk_latency_ns;
	uint64_t len = r->service - s->sc->disk_latency_ns;
	uint64_t begin = ready > s->disk.xfer_free ? ready : s->disk.xfer_free;

	for (int k = 0; k < s->disk.nserving && begin > ready; k++) {
		const struct request *o = &s->req[s->disk.serving[k]];
		uint64_t a = o->xfer > ready ? o->xfer : ready;
		uint64_t b = o->start + o->service < begin ?
			     o->start + o->service : begin;

		if (o->owner != r->owner && b > a)
			r->delay_by[o->owner] += b - a;
	}
	r->xfer = begin;
	r->service = begin + len - s->now;
	s->disk.xfer_free = begin + len;
}

static void disk_start(struct sim *s, int i, int cpu)
{
	struct request *r = &s->req[i];

	r->start = s->now;
	r->service += seek_cost(s, r);
	if (s->sc->disk_queues > 1)
		disk_transfer(s, r);
	s->disk.serving[s->disk.nserving++] = i;
	s->disk.head_sector = r->sector + r->bytes / 512;
	emit_block(s, SIMEV_BLOCK_ISSUE, cpu, r);
	if (simq_push(&s->q, s->now + r->service, Q_DISK_DONE, i, 0))
		s->failed = 1;
}

int dev_disk_submit(struct sim *s, struct thr *worker, int vcpu, int cpu)
{
	static const uint32_t sizes[] = { 4096, 16384, 65536, 131072 };
	int vm = worker->owner, i = req_alloc(s);
	const struct sim_phase *p = vcpu_phase(s, vcpu);
	double reads = p && p->read_share >= 0 ? p->read_share : 0.7;
	struct request *r;

	if (i < 0)
		return -1;
	r = &s->req[i];
	r->owner = vm;
	r->vcpu = vcpu;
	r->worker = thr_index(s, worker);
	r->enq = s->now;
	r->bytes = p && p->io_kb ? 1024u * p->io_kb :
		   sizes[gsl_rng_uniform_int(s->rng, 4)];
	r->rwbs = gsl_rng_uniform(s->rng) < reads ? RWBS_READ :
		  RWBS_WRITE | RWBS_SYNC;
	if (gsl_rng_uniform(s->rng) < 0.2) /* a seek elsewhere in the image */
		s->vm_sector[vm] += 8 * gsl_rng_uniform_int(s->rng, 1 << 20);
	r->sector = s->vm_sector[vm];
	s->vm_sector[vm] += r->bytes / 512;
	r->service = s->sc->disk_latency_ns +
		     (uint64_t)(r->bytes / (s->sc->disk_mb_s * 1e6) * 1e9 *
				(0.8 + 0.4 * gsl_rng_uniform(s->rng)));
	emit_block(s, SIMEV_BLOCK_INSERT, cpu, r);
	if (s->disk.nserving < s->sc->disk_queues)
		disk_start(s, i, cpu);
	else
		q_push(s, &s->disk, i);
	return 0;
}

void dev_disk_done(struct sim *s, int i)
{
	struct request *r = &s->req[i];
	struct thr *worker = &s->thr[r->worker];
	int cpu = worker->cpu; /* the completion interrupt's CPU */

	for (int k = 0; k < s->disk.nserving; k++)
		if (s->disk.serving[k] == i)
			s->disk.serving[k] = s->disk.serving[--s->disk.nserving];
	charge_queue(s, &s->disk, i, s->sc->disk_queues);
	irq_begin(s, cpu, IRQ_DISK, IRQ_DISK_NAME, SOFTIRQ_BLOCK);
	emit_block(s, SIMEV_BLOCK_COMPLETE, cpu, r);
	irq_end(s, cpu, SOFTIRQ_BLOCK);
	acct_io_done(s, 0, r);
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
	const struct sim_phase *p = vcpu_phase(s, vcpu);
	struct request *r;

	if (i < 0)
		return;
	r = &s->req[i];
	r->owner = vm;
	r->vcpu = vcpu;
	r->worker = thr_index(s, vhost);
	r->enq = s->now;
	r->bytes = p && p->frame_bytes ? (uint32_t)p->frame_bytes : FRAME_LEN;
	r->last = last;
	r->skb = next_skb(s);
	r->service = (uint64_t)(r->bytes * 8 / (s->sc->nic_mbit_s * 1e6) * 1e9);
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

	charge_queue(s, &s->nic, i, 1);
	acct_io_done(s, 1, r);
	if (r->last) {
		uint64_t half = s->sc->nic_rtt_ns / 2;
		uint64_t rtt = half ? half + sim_exp_ns(s, (double)half, 0) :
			       40000 + sim_exp_ns(s, 30000, 0);

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

/* A frame of the peer's answer for vCPU `vcpu`, inside the receive
 * softirq on `cpu`: eth0, the bridge, the tap device. */
static void rx_deliver(struct sim *s, int vcpu, uint32_t bytes, int cpu)
{
	int vm = s->thr[vcpu].owner;
	uint64_t skb = next_skb(s);

	emit_net(s, SIMEV_NET_RECEIVE, cpu, skb, bytes, ETH0);
	emit_net(s, SIMEV_NET_QUEUE, cpu, skb, bytes, s->vm_tap[vm]);
	emit_net(s, SIMEV_NET_XMIT, cpu, skb, bytes, s->vm_tap[vm]);
}

static int vhost_cpu(const struct sim *s, int vcpu)
{
	return s->thr[s->vm_vhost[s->thr[vcpu].owner]].cpu;
}

/* vhost takes the frame to the guest; the last one completes the round. */
static void rx_to_vhost(struct sim *s, int vcpu, int last, int cpu)
{
	job_push(s, &s->thr[s->vm_vhost[s->thr[vcpu].owner]],
		 last ? J_NET_ACK : J_NET_RXF, vcpu, cpu);
}

/* A frame for vCPU `vcpu` arrives: its interrupt now, or, coalescing,
 * held back with the others for the coalescing time. */
static void rx_frame(struct sim *s, int vcpu, uint32_t bytes, int last)
{
	int cpu = vhost_cpu(s, vcpu);

	if (s->sc->nic_coalesce_ns) {
		if (s->nrx_pending >= QUEUE_CAP) {
			s->failed = 1;
			err_append("simulated receive queue overflow");
			return;
		}
		s->rx_pending_bytes[s->nrx_pending] = bytes;
		s->rx_pending[s->nrx_pending++] = vcpu | (last ? 1 << 30 : 0);
		if (s->nrx_pending == 1 &&
		    simq_push(&s->q, s->now + s->sc->nic_coalesce_ns, Q_NIC_IRQ,
			      0, 0))
			s->failed = 1;
		return;
	}
	irq_begin(s, cpu, IRQ_NIC, IRQ_NIC_NAME, SOFTIRQ_NET_RX);
	rx_deliver(s, vcpu, bytes, cpu);
	irq_end(s, cpu, SOFTIRQ_NET_RX);
	rx_to_vhost(s, vcpu, last, cpu);
}

static void nic_rx_start(struct sim *s, int i)
{
	s->nic_rx.busy = i;
	s->req[i].start = s->now;
	if (simq_push(&s->q, s->now + s->req[i].service, Q_NIC_RX_DONE, i, 0))
		s->failed = 1;
}

/*
 * The peer answers vCPU `vcpu`: a 66-byte acknowledgement at once, or,
 * when its phase says `rx_frames`, that many frames through the receive
 * side of eth0's link, one at a time at the link rate, queued behind
 * the frames for other VMs.
 */
void dev_net_rx(struct sim *s, int vcpu)
{
	const struct sim_phase *p = vcpu_phase(s, vcpu);

	if (!p || !p->rx_frames) {
		rx_frame(s, vcpu, ACK_LEN, 1);
		return;
	}
	for (int k = 0; k < p->rx_frames; k++) {
		int i = req_alloc(s);
		struct request *r;

		if (i < 0)
			return;
		r = &s->req[i];
		r->owner = s->thr[vcpu].owner;
		r->vcpu = vcpu;
		r->worker = s->vm_vhost[r->owner];
		r->enq = s->now;
		r->bytes = p->rx_bytes ? (uint32_t)p->rx_bytes : FRAME_LEN;
		r->last = k == p->rx_frames - 1;
		r->service = (uint64_t)(r->bytes * 8 /
					(s->sc->nic_mbit_s * 1e6) * 1e9);
		if (s->nic_rx.busy < 0)
			nic_rx_start(s, i);
		else
			q_push(s, &s->nic_rx, i);
	}
}

void dev_nic_rx_done(struct sim *s)
{
	int i = s->nic_rx.busy;
	struct request *r = &s->req[i];

	charge_queue(s, &s->nic_rx, i, 1);
	acct_io_done(s, 1, r);
	s->nic_rx.busy = -1;
	rx_frame(s, r->vcpu, r->bytes, r->last);
	req_free(s, i);
	if (s->nic_rx.head != s->nic_rx.tail)
		nic_rx_start(s, s->nic_rx.queue[s->nic_rx.head++ % s->nic_rx.cap]);
}

void dev_nic_irq(struct sim *s)
{
	int n = s->nrx_pending, cpu;

	if (!n)
		return;
	cpu = vhost_cpu(s, s->rx_pending[0] & 0xffffff);
	irq_begin(s, cpu, IRQ_NIC, IRQ_NIC_NAME, SOFTIRQ_NET_RX);
	for (int k = 0; k < n; k++)
		rx_deliver(s, s->rx_pending[k] & 0xffffff,
			   s->rx_pending_bytes[k], cpu);
	irq_end(s, cpu, SOFTIRQ_NET_RX);
	s->nrx_pending = 0;
	for (int k = 0; k < n; k++)
		rx_to_vhost(s, s->rx_pending[k] & 0xffffff,
			    !!(s->rx_pending[k] >> 30), cpu);
}

int dev_init(struct sim *s)
{
	s->free_req = -1;
	s->disk.busy = s->nic.busy = s->nic_rx.busy = -1;
	s->disk.cap = s->nic.cap = s->nic_rx.cap = QUEUE_CAP;
	s->disk.queue = calloc(QUEUE_CAP, sizeof(int));
	s->nic.queue = calloc(QUEUE_CAP, sizeof(int));
	s->disk.serving = calloc(s->sc->disk_queues, sizeof(int));
	s->nic_rx.queue = calloc(QUEUE_CAP, sizeof(int));
	s->rx_pending = calloc(QUEUE_CAP, sizeof(int));
	s->rx_pending_bytes = calloc(QUEUE_CAP, sizeof(uint32_t));
	if (!s->disk.queue || !s->nic.queue || !s->disk.serving ||
	    !s->nic_rx.queue || !s->rx_pending || !s->rx_pending_bytes) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return 0;
}

void dev_free(struct sim *s)
{
	free(s->disk.queue);
	free(s->nic.queue);
	free(s->disk.serving);
	free(s->nic_rx.queue);
	free(s->rx_pending);
	free(s->rx_pending_bytes);
	free(s->req);
	s->req = NULL;
}
