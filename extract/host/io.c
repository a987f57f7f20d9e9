/* SPDX-License-Identifier: MIT */
#include "extract/host/io.h"
#include "common/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR_SIZE 512
#define DISK_STALE_NS (30ull * 1000000000)
#define NET_STALE_NS (1ull * 1000000000)

struct disk_req {
	struct sq_item q; /* first: the queue item */
	int64_t sector;
	uint64_t nr_sector, insert_ts, issue_ts;
	int write, issued;
	struct disk_req *next_free;
};

struct net_pkt {
	struct sq_item q; /* first */
	int64_t skbaddr;
	size_t dev;
	struct net_pkt *next_free;
};

void io_init(struct io *io)
{
	memset(io, 0, sizeof(*io));
	tidmap_init(&io->skbs);
}

static void free_pending(struct tidmap *m)
{
	size_t pos = 0;
	int64_t k;
	void *v;

	while (tidmap_next(m, &pos, &k, &v))
		free(v);
	tidmap_fini(m);
}

void io_fini(struct io *io)
{
	size_t i;

	for (i = 0; i < io->ndisks; i++) {
		free_pending(&io->disks[i].pending);
		squeue_fini(&io->disks[i].q);
		svc_base_fini(&io->disks[i].base);
	}
	for (i = 0; i < io->nnets; i++) {
		squeue_fini(&io->nets[i].q);
		rxlink_fini(&io->nets[i].rx);
	}
	free(io->disks);
	free(io->nets);
	free_pending(&io->skbs);
	while (io->free_reqs) {
		struct disk_req *r = io->free_reqs;

		io->free_reqs = r->next_free;
		free(r);
	}
	while (io->free_pkts) {
		struct net_pkt *p = io->free_pkts;

		io->free_pkts = p->next_free;
		free(p);
	}
	memset(io, 0, sizeof(*io));
}

/* ---- disk ---- */

static struct disk_dev *disk_of(struct io *io, uint64_t dev)
{
	size_t i;
	struct disk_dev *d;

	for (i = 0; i < io->ndisks; i++)
		if (io->disks[i].dev == dev)
			return &io->disks[i];
	d = realloc(io->disks, (io->ndisks + 1) * sizeof(*d));
	if (!d) {
		err_fail(ERR_RESOURCE, "out of memory (disk table)");
		return NULL;
	}
	io->disks = d;
	d = &io->disks[io->ndisks++];
	memset(d, 0, sizeof(*d));
	d->dev = dev;
	tidmap_init(&d->pending);
	squeue_init(&d->q);
	svc_base_init(&d->base);
	return d;
}

static int block_owner(struct host *h, const struct ev *ev)
{
	struct thread *t = NULL;

	if (ev->u.block.tid != EV_ABSENT && ev->u.block.tid > 0)
		t = host_find(h, ev->u.block.tid);
	else
		t = host_event_thread(h, ev);
	return t ? host_thread_vm(h, t) : CULPRIT_HOST;
}

static void disk_release(struct io *io, struct host *h, struct disk_dev *d,
			 struct disk_req *r)
{
	if (r->q.owner >= 0 && h->vms[r->q.owner]->disk_inflight)
		h->vms[r->q.owner]->disk_inflight--;
	tidmap_remove(&d->pending, r->sector);
	squeue_remove(&d->q, &r->q);
	r->next_free = io->free_reqs;
	io->free_reqs = r;
}

static struct disk_req *disk_new(struct io *io, struct host *h,
				 struct disk_dev *d, const struct ev *ev)
{
	struct disk_req *r;
	struct disk_req *old = tidmap_get(&d->pending, (int64_t)ev->u.block.sector);
	int owner = block_owner(h, ev);

	if (old) /* never completed: forget it */
		disk_release(io, h, d, old);
	r = io->free_reqs; /* after the release, which pushes onto the list */
	if (r) {
		io->free_reqs = r->next_free;
	} else {
		r = malloc(sizeof(*r));
		if (!r) {
			err_fail(ERR_RESOURCE, "out of memory (disk requests)");
			return NULL;
		}
	}
	memset(r, 0, sizeof(*r));
	r->sector = (int64_t)ev->u.block.sector;
	r->nr_sector = ev->u.block.nr_sector;
	r->insert_ts = ev->ts;
	r->write = (ev->u.block.rwbs & 1) != 0;
	if (squeue_push(&d->q, &r->q, owner, ev->ts) < 0) {
		free(r);
		err_fail(ERR_RESOURCE, "out of memory (disk queue)");
		return NULL;
	}
	if (tidmap_put(&d->pending, r->sector, r) < 0) {
		squeue_remove(&d->q, &r->q);
		free(r);
		return NULL;
	}
	if (owner >= 0) {
		struct vm *v = h->vms[owner];

		if (v->last_submit && ev->ts >= v->last_submit)
			sample_add(&v->acc.disk_iat, (double)(ev->ts - v->last_submit));
		v->last_submit = ev->ts;
		v->acc.active = 1;
		v->disk_inflight++;
	}
	return r;
}

static void disk_issue(struct host *h, struct disk_dev *d, struct disk_req *r,
		       const struct ev *ev)
{
	int owner = r->q.owner;

	r->issued = 1;
	squeue_serve(&d->q, &r->q);
	r->issue_ts = ev->ts;
	r->nr_sector = ev->u.block.nr_sector;
	r->write = (ev->u.block.rwbs & 1) != 0;
	if (owner < 0)
		return;
	struct vm *v = h->vms[owner];
	uint64_t bytes = r->nr_sector * SECTOR_SIZE;

	sample_add(&v->acc.disk_queue, (double)(ev->ts - r->insert_ts));
	if (r->write) {
		v->acc.disk_wr++;
		v->acc.disk_wr_bytes += bytes;
		v->tot.disk_wr++;
	} else {
		v->acc.disk_rd++;
		v->acc.disk_rd_bytes += bytes;
		v->tot.disk_rd++;
	}
	v->tot.disk_bytes += bytes;
}

/* Blames `ns` of lost service on the other owners of the device, by
 * their share of it in the window. */
static void blame_service(struct host *h, struct disk_dev *d, int owner, double ns)
{
	struct vm_acc *a = &h->vms[owner]->acc;
	double others = 0;
	size_t o;

	for (o = 0; o < d->q.cap; o++)
		if ((int)o != owner + 1)
			others += d->q.owners[o].busy;
	for (o = 0; o < d->q.cap && others > 0; o++) {
		struct culprit *c;

		if ((int)o == owner + 1 || d->q.owners[o].busy <= 0)
			continue;
		c = vm_acc_culprit(a, (int)o - 1);
		if (c)
			c->disk_ns += (uint64_t)(ns * d->q.owners[o].busy / others + 0.5);
	}
}

/* The service a request lost to others (io.h), and what it teaches the
 * baseline when nobody else was in service beside it. */
static double lost_service(struct host *h, struct disk_dev *d, struct disk_req *r,
			   double svc)
{
	int owner = r->q.owner;
	unsigned cls = svc_class(r->nr_sector * SECTOR_SIZE, r->write);
	double ovl = squeue_overlap(&d->q, &r->q), p50, p90, lost = 0;
	struct vm_acc *a;

	if (ovl <= 0)
		svc_base_learn(&d->base, owner, cls, svc);
	if (owner < 0 || svc_base_get(&d->base, owner, cls, &p50, &p90) < 0)
		return 0;
	a = &h->vms[owner]->acc;
	a->disk_svc_ns += svc;
	a->disk_base_ns += p50;
	/* Others cannot have taken more than the time they were in service
	 * beside it: the rest is its own queue depth's doing. */
	if (ovl > 0 && svc > p90) {
		lost = svc - p90 < ovl ? svc - p90 : ovl;
		blame_service(h, d, owner, lost);
	}
	return lost;
}

static void disk_complete(struct io *io, struct host *h, struct disk_dev *d,
			  struct disk_req *r, uint64_t now)
{
	uint64_t lat = now - r->issue_ts;
	double lost = lost_service(h, d, r, (double)lat);

	d->requests++;
	if (r->write)
		d->writes++;
	else
		d->reads++;
	d->bytes += r->nr_sector * SECTOR_SIZE;
	d->lat_sum += lat;
	if (d->requests == 1 || lat < d->lat_min)
		d->lat_min = lat;
	if (lat > d->lat_max)
		d->lat_max = lat;
	if (r->q.owner >= 0) {
		struct vm_acc *a = &h->vms[r->q.owner]->acc;

		sample_add(&a->disk_lat, (double)lat);
		a->disk_done_ns += now - r->insert_ts;
		a->disk_delay_ns += squeue_delay(&d->q, &r->q) + lost;
		h->vms[r->q.owner]->disk_done_ts = now;
	}
	disk_release(io, h, d, r);
}

int io_on_block(struct io *io, struct host *h, const struct ev *ev)
{
	struct disk_dev *d;
	struct disk_req *r;

	/* Flushes and other requests without sectors are not I/O (as in
	 * lttng-analyses). */
	if (ev->u.block.nr_sector == 0 || (int64_t)ev->u.block.sector == INT64_MIN)
		return 0;
	d = disk_of(io, ev->u.block.dev);
	if (!d)
		return -1;
	squeue_advance(&d->q, h, SQ_DISK, ev->ts);
	r = tidmap_get(&d->pending, (int64_t)ev->u.block.sector);
	switch (ev->kind) {
	case EV_BLOCK_INSERT:
		return disk_new(io, h, d, ev) ? 0 : -1;
	case EV_BLOCK_ISSUE:
		if (!r || r->issued) {
			r = disk_new(io, h, d, ev);
			if (!r)
				return -1;
		}
		disk_issue(h, d, r, ev);
		return 0;
	case EV_BLOCK_COMPLETE:
		if (r && r->issued && r->nr_sector == ev->u.block.nr_sector &&
		    ev->ts >= r->issue_ts)
			disk_complete(io, h, d, r, ev->ts);
		return 0;
	default:
		return 0;
	}
}

/* ---- network ---- */

static uint64_t name_hash(const char *s)
{
	uint64_t x = 0xcbf29ce484222325ull; /* FNV-1a */

	while (*s)
		x = (x ^ (unsigned char)*s++) * 0x100000001b3ull;
	return x;
}

static int looks_like_tap(const char *name)
{
	return strncmp(name, "tap", 3) == 0 || strncmp(name, "vnet", 4) == 0 ||
	       strncmp(name, "macvtap", 7) == 0 || strncmp(name, "tun", 3) == 0;
}

static struct net_dev *net_of(struct io *io, const char *name)
{
	uint64_t hash = name_hash(name);
	size_t i, free_slot = io->nnets;
	struct net_dev *n;

	for (i = 0; i < io->nnets; i++) {
		if (io->nets[i].released) {
			if (free_slot == io->nnets)
				free_slot = i;
			continue;
		}
		if (io->nets[i].hash == hash && strncmp(io->nets[i].name, name,
							sizeof(io->nets[i].name) - 1) == 0)
			return &io->nets[i];
	}
	if (free_slot < io->nnets) { /* a released tap's (io_forget_owner) */
		n = &io->nets[free_slot];
		squeue_fini(&n->q);
		rxlink_fini(&n->rx);
		memset(n, 0, sizeof(*n));
		goto fill;
	}
	n = realloc(io->nets, (io->nnets + 1) * sizeof(*n));
	if (!n) {
		err_fail(ERR_RESOURCE, "out of memory (network devices)");
		return NULL;
	}
	io->nets = n;
	n = &io->nets[io->nnets++];
	memset(n, 0, sizeof(*n));
fill:
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->hash = hash;
	n->vm = -1;
	n->tap_like = looks_like_tap(n->name);
	squeue_init(&n->q);
	rxlink_init(&n->rx);
	return n;
}

static int vm_has_tap(const struct io *io, int vm)
{
	size_t i;

	for (i = 0; i < io->nnets; i++)
		if (io->nets[i].vm == vm)
			return 1;
	return 0;
}

static void count_traffic(struct io *io, struct host *h, struct net_dev *n,
			  struct thread *t, const struct ev *ev)
{
	int xmit = ev->kind == EV_NET_XMIT;
	int vm = -1, vm_sends;
	struct vm *v;

	if (xmit) {
		n->packets_tx++;
		n->bytes_tx += ev->u.net.len;
	} else {
		n->packets_rx++;
		n->bytes_rx += ev->u.net.len;
	}
	if (n->vm >= 0) {
		vm = n->vm;
		vm_sends = !xmit; /* the host receives what the VM sends */
	} else if (t && t->role == ROLE_VHOST && (vm = host_thread_vm(h, t)) >= 0 &&
		   !vm_has_tap(io, vm)) {
		vm_sends = xmit;
	} else if (xmit && t && t->role == ROLE_TASK && (vm = host_thread_vm(h, t)) >= 0) {
		/* A process tenant sends what its threads transmit; what it
		 * receives is not told apart (softirqs run in any thread). */
		vm_sends = 1;
	} else {
		return;
	}
	v = h->vms[vm];
	v->acc.active = 1;
	if (vm_sends) {
		v->acc.net_tx_pkts++;
		v->acc.net_tx_bytes += ev->u.net.len;
		v->tot.net_tx_pkts++;
		v->tot.net_tx_bytes += ev->u.net.len;
	} else {
		v->net_rx_ts = ev->ts;
		v->acc.net_rx_pkts++;
		v->acc.net_rx_bytes += ev->u.net.len;
		v->tot.net_rx_pkts++;
		v->tot.net_rx_bytes += ev->u.net.len;
	}
}

/* Slot of an skb in the direct-mapped caches. */
static size_t skb_index(uint64_t skbaddr)
{
	/* skbs are cache-line aligned: mix the higher bits in */
	return (size_t)((skbaddr >> 6) ^ (skbaddr >> 18)) & (IO_SKB_OWNERS - 1);
}

static struct skb_owner *skb_slot(struct io *io, uint64_t skbaddr)
{
	return &io->skb_owner[skb_index(skbaddr)];
}

/* The VM that sent skb `skbaddr` through its tap, or -1. */
static int skb_sender(struct io *io, uint64_t skbaddr)
{
	struct skb_owner *o = skb_slot(io, skbaddr);

	return o->skbaddr == (int64_t)skbaddr ? o->vm : -1;
}

static void pkt_release(struct io *io, struct net_pkt *p)
{
	tidmap_remove(&io->skbs, p->skbaddr);
	squeue_remove(&io->nets[p->dev].q, &p->q);
	p->next_free = io->free_pkts;
	io->free_pkts = p;
}

static int net_queue(struct io *io, struct host *h, struct net_dev *n,
		     int owner, const struct ev *ev)
{
	struct net_pkt *p = tidmap_get(&io->skbs, (int64_t)ev->u.net.skbaddr);

	if (p) {
		squeue_advance(&io->nets[p->dev].q, h, SQ_NET, ev->ts);
		pkt_release(io, p);
	}
	p = io->free_pkts;
	if (p) {
		io->free_pkts = p->next_free;
	} else {
		p = malloc(sizeof(*p));
		if (!p) {
			err_fail(ERR_RESOURCE, "out of memory (packets)");
			return -1;
		}
	}
	memset(p, 0, sizeof(*p));
	p->skbaddr = (int64_t)ev->u.net.skbaddr;
	p->dev = (size_t)(n - io->nets);
	if (squeue_push(&n->q, &p->q, owner, ev->ts) < 0) {
		free(p);
		err_fail(ERR_RESOURCE, "out of memory (packet queue)");
		return -1;
	}
	if (tidmap_put(&io->skbs, p->skbaddr, p) < 0) {
		squeue_remove(&n->q, &p->q);
		free(p);
		return -1;
	}
	return 0;
}

/* ns a frame of `len` bytes holds the device's link, 0 while its rate
 * is unknown. */
static double wire_ns(const struct net_dev *n, uint64_t len)
{
	return n->send_bytes > 0 ? n->send_ns_sum / n->send_bytes * (double)len : 0.0;
}

struct rx_blame {
	struct vm_acc *a;
};

static void rx_blame(void *ctx, int other, double ns)
{
	struct rx_blame *b = ctx;
	struct culprit *c = vm_acc_culprit(b->a, other);

	if (c)
		c->net_ns += (uint64_t)(ns + 0.5);
}

/* skb, just queued on VM `vm`'s tap, was received on a shared device: a
 * frame for the VM on that device's receive side. */
static int net_rx_frame(struct io *io, struct host *h, int vm, const struct ev *ev)
{
	struct skb_rx *r = &io->skb_rx[skb_index(ev->u.net.skbaddr)];
	struct net_dev *d;
	struct rx_frame f;
	struct rx_blame b;
	double wire;

	if (r->skbaddr != (int64_t)ev->u.net.skbaddr || r->dev >= io->nnets)
		return 0;
	r->skbaddr = 0;
	d = &io->nets[r->dev];
	wire = wire_ns(d, r->len);
	if (wire <= 0)
		return 0;
	b.a = &h->vms[vm]->acc;
	if (rxlink_on_rx(&d->rx, vm, r->ts, wire, &f, rx_blame, &b) < 0)
		return 0; /* out of memory: this frame is not analysed */
	b.a->net_delay_ns += f.delay;
	b.a->net_done_ns += f.latency;
	return 0;
}

/* A packet starts to be sent: the one before it is done if this one was
 * already waiting when that one started (a busy link), which gives the
 * device's send time per packet. */
static void net_xmit(struct io *io, struct host *h, const struct ev *ev)
{
	struct net_pkt *p = tidmap_get(&io->skbs, (int64_t)ev->u.net.skbaddr);
	struct net_dev *n;

	if (!p)
		return;
	n = &io->nets[p->dev];
	squeue_advance(&n->q, h, SQ_NET, ev->ts);
	if (n->last_xmit && p->q.since <= n->last_xmit && ev->ts > n->last_xmit) {
		n->send_ns_sum += (double)(ev->ts - n->last_xmit);
		n->send_n++;
		n->send_bytes += (double)n->last_xmit_len;
	}
	n->last_xmit = ev->ts;
	n->last_xmit_len = ev->u.net.len;
	if (n->vm < 0 && p->q.owner >= 0) /* a request: its answer comes back here */
		rxlink_on_tx(&n->rx, p->q.owner, ev->ts + (uint64_t)wire_ns(n, ev->u.net.len));
	if (p->q.owner >= 0 && ev->ts >= p->q.since) {
		struct vm_acc *a = &h->vms[p->q.owner]->acc;
		double wait = (double)(ev->ts - p->q.since);

		sample_add(&a->net_queue, wait);
		a->net_delay_ns += squeue_delay(&n->q, &p->q);
		/* plus its own send time: its size over the link rate */
		a->net_done_ns += wait + (n->send_bytes > 0 ? wire_ns(n, ev->u.net.len) :
					  n->send_n ? n->send_ns_sum / (double)n->send_n : 0.0);
	}
	n->q.last_served = p->q.owner;
	pkt_release(io, p);
}

/* Was `skb` counted at its netif_rx? Forgets it then. */
static int from_backlog(struct net_dev *n, uint64_t skb)
{
	/* most devices never see netif_rx (a physical NIC, a tap): no scan */
	if (n->rx_next == 0)
		return 0;
	for (unsigned i = 0; i < NET_RX_BACKLOG; i++)
		if (n->rx_backlog[i] == skb && skb) {
			n->rx_backlog[i] = 0;
			return 1;
		}
	return 0;
}

/* A packet a device received: counted, and remembered by its skb: on a
 * VM's tap, as that VM's (the bridge forwards the same skb to the NIC);
 * on a shared device, as an arrival whose wait on the link's receive
 * side rxlink.h estimates when it is queued on a tap. */
static void net_received(struct io *io, struct host *h, struct net_dev *n,
			 struct thread *t, const struct ev *ev)
{
	count_traffic(io, h, n, t, ev);
	if (n->vm >= 0)
		*skb_slot(io, ev->u.net.skbaddr) = (struct skb_owner){
			(int64_t)ev->u.net.skbaddr, n->vm };
	else if (!n->tap_like)
		io->skb_rx[skb_index(ev->u.net.skbaddr)] =
			(struct skb_rx){ (int64_t)ev->u.net.skbaddr,
					 (uint32_t)(n - io->nets),
					 (uint32_t)ev->u.net.len, ev->ts };
}

int io_on_net(struct io *io, struct host *h, const struct ev *ev)
{
	struct thread *t = host_event_thread(h, ev);
	struct net_dev *n;
	int tvm = t ? host_thread_vm(h, t) : -1;

	if (!ev->u.net.ifname || (int64_t)ev->u.net.skbaddr == INT64_MIN)
		return 0;
	n = net_of(io, ev->u.net.ifname);
	if (!n)
		return -1;
	if (n->vm < 0 && n->tap_like && t && t->role == ROLE_VHOST && tvm >= 0)
		n->vm = tvm;
	squeue_advance(&n->q, h, SQ_NET, ev->ts);
	switch (ev->kind) {
	case EV_NET_QUEUE:
		if (n->vm >= 0)
			net_rx_frame(io, h, n->vm, ev);
		if (n->vm < 0) {
			int sender = skb_sender(io, ev->u.net.skbaddr);

			if (sender >= 0)
				tvm = sender;
		}
		return net_queue(io, h, n, n->vm >= 0 ? n->vm : tvm, ev);
	case EV_NET_XMIT:
		net_xmit(io, h, ev);
		count_traffic(io, h, n, t, ev);
		if (n->vm < 0 && skb_sender(io, ev->u.net.skbaddr) >= 0)
			skb_slot(io, ev->u.net.skbaddr)->skbaddr = 0; /* it left */
		return 0;
	case EV_NET_RX:
		n->rx_backlog[n->rx_next++ % NET_RX_BACKLOG] = ev->u.net.skbaddr;
		net_received(io, h, n, t, ev);
		return 0;
	case EV_NET_RECEIVE:
		/* the second sight of a packet handed to the backlog: once */
		if (!from_backlog(n, ev->u.net.skbaddr))
			net_received(io, h, n, t, ev);
		return 0;
	default:
		return 0;
	}
}

void io_flush(struct io *io, struct host *h, uint64_t now)
{
	size_t i;

	for (i = 0; i < io->ndisks; i++) {
		struct disk_dev *d = &io->disks[i];

		squeue_advance(&d->q, h, SQ_DISK, now);
		squeue_new_window(&d->q);
		while (d->q.head && now - d->q.head->since > DISK_STALE_NS) {
			disk_release(io, h, d, (struct disk_req *)d->q.head);
			io->dropped++;
		}
	}
	for (i = 0; i < io->nnets; i++) {
		struct net_dev *n = &io->nets[i];

		squeue_advance(&n->q, h, SQ_NET, now);
		while (n->q.head && now - n->q.head->since > NET_STALE_NS) {
			pkt_release(io, (struct net_pkt *)n->q.head);
			io->dropped++;
		}
	}
}

int io_holds(const struct io *io, int vm)
{
	size_t i;

	for (i = 0; i < io->ndisks; i++)
		if (squeue_holds(&io->disks[i].q, vm))
			return 1;
	for (i = 0; i < io->nnets; i++)
		if (squeue_holds(&io->nets[i].q, vm))
			return 1;
	return 0;
}

void io_forget_owner(struct io *io, int vm)
{
	size_t i;

	for (i = 0; i < io->ndisks; i++) {
		squeue_forget(&io->disks[i].q, vm);
		svc_base_forget(&io->disks[i].base, vm);
	}
	for (i = 0; i < io->nnets; i++) {
		struct net_dev *n = &io->nets[i];

		squeue_forget(&n->q, vm);
		rxlink_forget(&n->rx, vm);
		if (n->vm != vm)
			continue;
		n->vm = -1;
		/* no packet names its index once its queue is empty (skb_rx
		 * names shared devices only) */
		if (n->tap_like && !n->q.n)
			n->released = 1;
	}
	for (i = 0; i < IO_SKB_OWNERS; i++)
		if (io->skb_owner[i].skbaddr && io->skb_owner[i].vm == vm)
			io->skb_owner[i].skbaddr = 0;
}
