/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_IO_H
#define VMINT_EXTRACT_IO_H

/*
 * Disk and network in the host model.
 *
 * Disk: requests matched insert -> issue -> complete by (dev, sector),
 * owned by the VM of the thread that inserted (else issued) them. What a
 * request lost to others (doc/formats.md: time queued behind other VMs'
 * requests) is, overlap not being delay on a device with internal
 * parallelism: its wait while the device was full (squeue.h), plus the
 * part of its service beyond the 90th percentile of its uncontended
 * service (svcbase.h), at most the time other owners' requests were in
 * service beside it, blamed on them by their share of the device in the
 * window. Per
 * device totals for `stats` follow lttng-analyses' iolatency: issue ->
 * complete with the same nr_sector, requests of 0 sectors ignored,
 * size = nr_sector * 512, even rwbs = read.
 *
 * Network: a VM's tap device is learned from its vhost thread's
 * net_dev_queue/xmit/receive events (names tap*, vnet*, macvtap*, tun*);
 * packets on that device are the VM's (xmit on the tap = the VM
 * receives, receive on the tap = the VM sends). Until a tap is known,
 * packets handled by the vhost thread itself count. A process tenant's
 * packets are those its threads queue and transmit (sent only: a receive
 * runs in whatever thread the softirq interrupts). Queueing is matched
 * queue -> xmit by skbaddr. A packet handed to the backlog (netif_rx:
 * veth, loopback, tun) is received again by netif_receive_skb when the
 * backlog is processed: counted once, at the first of the two. A packet
 * queued on a shared device (the physical NIC, a bond) belongs to the VM
 * whose tap received that skb just before (the bridge forwards the same
 * skb), whichever thread or softirq the forwarding ran in; else to the
 * current thread's VM. A frame received on a shared device and then
 * queued on a VM's tap was for that VM: its wait on the device's receive
 * side is rxlink.h's.
 *
 * Owns: devices, in-flight requests and packets (bounded: stale ones
 * are dropped at window borders).
 */

#include "extract/read/event.h"
#include "extract/host/host.h"
#include "extract/host/rxlink.h"
#include "extract/host/squeue.h"
#include "extract/host/svcbase.h"
#include "extract/host/tidmap.h"

struct disk_req;
struct net_pkt;

/* Packets between netif_rx and netif_receive_skb that are matched. */
#define NET_RX_BACKLOG 64

struct disk_dev {
	uint64_t dev;
	struct tidmap pending; /* sector -> struct disk_req (owned) */
	struct squeue q;
	struct svc_base base;  /* uncontended service times */
	/* lttng-analyses style totals */
	uint64_t requests, reads, writes, bytes;
	uint64_t lat_sum, lat_min, lat_max;
};

struct net_dev {
	char name[32];
	uint64_t hash;
	int vm;          /* tap of this VM, or -1 */
	int tap_like;    /* named as taps are (tap*, vnet*, macvtap*, tun*) */
	int released;    /* a free slot: the tap of a retired VM (io_forget_owner) */
	struct squeue q;
	uint64_t last_xmit;    /* time of the last net_dev_xmit */
	uint64_t last_xmit_len;
	double send_ns_sum;    /* back-to-back xmit gaps: send times */
	uint64_t send_n;
	double send_bytes;     /* bytes sent in those gaps (the link rate) */
	struct rxlink rx;      /* its receive side, when shared by VMs */
	uint64_t packets_tx, packets_rx, bytes_tx, bytes_rx; /* host view */
	/* skbs counted at netif_rx, whose netif_receive_skb is then not
	 * counted again: the last few, 0 when matched. */
	uint64_t rx_backlog[NET_RX_BACKLOG];
	unsigned rx_next;
};

/* Recent skbs received on a VM's tap: skbaddr -> the VM that sent it,
 * direct-mapped (a collision forgets the older skb: its packet then
 * falls back to the current thread). */
#define IO_SKB_OWNERS 1024

struct skb_owner {
	int64_t skbaddr; /* 0: free */
	int vm;
};

/* Recent skbs received on a shared device (not a tap): when one is then
 * queued on a VM's tap, it was a frame for that VM on that device's
 * receive side (rxlink.h). Direct-mapped as above. */
struct skb_rx {
	int64_t skbaddr; /* 0: free */
	uint32_t dev;    /* index in io->nets */
	uint32_t len;
	uint64_t ts;
};

struct io {
	struct disk_dev *disks; /* owned */
	size_t ndisks;
	struct net_dev *nets;   /* owned */
	size_t nnets;
	struct tidmap skbs;     /* skbaddr -> struct net_pkt (owned) */
	struct disk_req *free_reqs; /* owned: recycled */
	struct net_pkt *free_pkts;  /* owned: recycled */
	uint64_t dropped;       /* stale requests and packets dropped */
	struct skb_owner skb_owner[IO_SKB_OWNERS];
	struct skb_rx skb_rx[IO_SKB_OWNERS];
};

void io_init(struct io *io);
void io_fini(struct io *io);

/* Handlers; return 0 or -1 (out of memory, cause appended). */
int io_on_block(struct io *io, struct host *h, const struct ev *ev);
int io_on_net(struct io *io, struct host *h, const struct ev *ev);

/* At a window border: charges queues up to `now`, drops stale items. */
void io_flush(struct io *io, struct host *h, uint64_t now);

/* Whether VM `vm` has requests or packets in flight on some device. */
int io_holds(const struct io *io, int vm);

/* Forgets VM `vm`, which holds nothing (io_holds), before its slot is
 * retired (host_vm_retire): its state in each device's queue, service
 * baseline and receive link, the skbs it sent, and its tap, which a
 * later VM's vhost thread may claim again (libvirt reuses vnetN names);
 * an empty tap slot is then free for a device of another name. */
void io_forget_owner(struct io *io, int vm);

#endif
