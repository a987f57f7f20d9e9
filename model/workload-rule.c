/* SPDX-License-Identifier: MIT */
#include "model/workload-rule.h"

#include <math.h>
#include <string.h>

static int column(const char *const *names, size_t n, const char *name, int *out)
{
	for (size_t j = 0; j < n; j++) {
		if (strcmp(names[j], name) == 0) {
			*out = (int)j;
			return 0;
		}
	}
	return -1;
}

int workload_rule_init(struct workload_rule *wr, const char *const *names, size_t n,
		       const char **missing)
{
	static const struct { const char *name; size_t off; } cols[] = {
#define COL(f, name) { name, offsetof(struct workload_rule, f) }
		COL(vcpus, "vcpus_active"), COL(guest, "vcpu_guest_ratio"),
		COL(root, "vcpu_root_ratio"), COL(preempted, "preempted_ratio"),
		COL(blk_net, "blk_net_ratio"),
		COL(rd, "disk_read_per_s"), COL(wr, "disk_write_per_s"),
		COL(rd_B, "disk_read_Bps"), COL(wr_B, "disk_write_Bps"),
		COL(lat_us, "disk_lat_mean_us"), COL(tx, "net_tx_pkts_per_s"),
		COL(rx, "net_rx_pkts_per_s"), COL(tx_B, "net_tx_Bps"),
		COL(rx_B, "net_rx_Bps"), COL(vhost, "vhost_cpu_util"),
#undef COL
	};

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (column(names, n, cols[i].name, (int *)((char *)wr + cols[i].off)) < 0) {
			*missing = cols[i].name;
			return -1;
		}
	if (column(names, n, "vcpu_blk_net_share", &wr->blk_net_share) < 0)
		wr->blk_net_share = -1;
	if (column(names, n, "disk_busy_share", &wr->disk_busy) < 0)
		wr->disk_busy = -1;
	return 0;
}

void workload_rule_inputs(const struct workload_rule *wr, const double *x,
			  struct wl_inputs *in)
{
	/* per active vCPU: a VM with no running vCPU counts as one */
	double vcpus = fmax(x[wr->vcpus], 1);

	in->busy = x[wr->guest] + x[wr->root] + x[wr->preempted] / vcpus;
	in->net_wait = x[wr->blk_net] / vcpus;
	in->disk_iops = x[wr->rd] + x[wr->wr];
	in->disk_Bps = x[wr->rd_B] + x[wr->wr_B];
	in->disk_inflight = in->disk_iops * x[wr->lat_us] * 1e-6;
	/* from the VM's own I/O timeline, where the extractor gives it */
	if (wr->blk_net_share >= 0)
		in->net_wait = x[wr->blk_net_share];
	if (wr->disk_busy >= 0)
		in->disk_inflight = x[wr->disk_busy];
	in->net_pps = x[wr->tx] + x[wr->rx];
	in->net_Bps = x[wr->tx_B] + x[wr->rx_B];
	in->vhost_cpu = x[wr->vhost];
	/* the vCPU count the shares above are per */
	in->vcpus = vcpus;
}

/* disk I/O at `level` times the steady rates */
static int disk_at(const struct wl_inputs *in, double level)
{
	return in->disk_iops >= level * WLR_DISK_IOPS || in->disk_Bps >= level * WLR_DISK_BPS;
}

static int net_at(const struct wl_inputs *in, double level)
{
	return in->net_pps >= level * WLR_NET_PPS || in->net_Bps >= level * WLR_NET_BPS;
}

static int steady_disk(const struct wl_inputs *in)
{
	return disk_at(in, 1);
}

static int steady_net(const struct wl_inputs *in)
{
	return net_at(in, 1);
}

/* vCPU-seconds of work per second, whatever the VM's size */
static double cores(const struct wl_inputs *in)
{
	return in->busy * fmax(in->vcpus, 1);
}

int workload_rule_plausible(const struct wl_inputs *in, enum workload wl)
{
	switch (wl) {
	case WL_IDLE:
		return cores(in) < WLR_IDLE_CORES && !steady_disk(in) && !steady_net(in);
	case WL_CPU:
		return cores(in) >= WLR_CONTRADICT * WLR_IDLE_CORES;
	case WL_DISK:
		return disk_at(in, WLR_CONTRADICT);
	case WL_NET:
		return net_at(in, WLR_CONTRADICT);
	case WL__COUNT:
		break;
	}
	return 0;
}

enum workload workload_rule_classify(const struct wl_inputs *in)
{
	int disk = steady_disk(in), net = steady_net(in);
	double c = cores(in), d, n;

	if (!disk && !net)
		return c >= WLR_IDLE_CORES ? WL_CPU : WL_IDLE;
	/* waiting, in thread-equivalents: requests outstanding on average
	 * (Little's law on its own requests), vCPUs halted for its own
	 * traffic or the vhost work it causes */
	d = disk ? in->disk_inflight : 0;
	n = net ? fmax(in->net_wait * fmax(in->vcpus, 1), in->vhost_cpu) : 0;
	if (disk && (!net || d >= n))
		return c >= WLR_IDLE_CORES && c > d ? WL_CPU : WL_DISK;
	return in->busy >= WLR_CPU_BOUND && in->busy >= in->net_wait ? WL_CPU : WL_NET;
}
