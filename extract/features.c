/* SPDX-License-Identifier: MIT */
#include "extract/features.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

#define NS_PER_S 1e9
#define NS_PER_US 1e3

static double per_s(const struct feat_ctx *c, double x)
{
	return c->window_s > 0 ? x / c->window_s : 0.0;
}

static double ratio(double num, double den)
{
	return den > 0 ? num / den : 0.0;
}

/* A time in ns as a share of the window (summed over threads). */
static double time_ratio(const struct feat_ctx *c, double ns)
{
	return per_s(c, ns / NS_PER_S);
}

#define A (c->acc)
#define UNUSED_ARG (void)arg

static double f_vcpus_active(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return A->vcpus_active; }
static double f_cpu_util(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->cpu_ns); }
static double per_vcpu(const struct feat_ctx *c, double ns)
{
	return time_ratio(c, ns) / (A->vcpus_active ? A->vcpus_active : 1);
}
static double f_guest(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_vcpu(c, A->guest_ns); }
static double f_root(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_vcpu(c, A->root_ns); }
static double f_emu(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->emu_ns); }
static double f_vhost(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->vhost_ns); }
static double f_exits(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->exits_total); }
static double f_exits_cls(const struct feat_ctx *c, unsigned arg) { return per_s(c, A->exits[arg]); }

/* Variance of the exit rate (1/s) across the window's sub-intervals:
 * bursty exits versus a steady stream. arg: class, or EXC__COUNT. */
static double f_exits_var(const struct feat_ctx *c, unsigned arg)
{
	double rate[ACC_SUBINTERVALS];
	double sub_s = c->full_window_s / ACC_SUBINTERVALS;
	unsigned i;

	if (sub_s <= 0)
		return 0.0;
	for (i = 0; i < ACC_SUBINTERVALS; i++)
		rate[i] = A->sub_exits[i][arg] / sub_s;
	return gsl_stats_variance(rate, 1, ACC_SUBINTERVALS);
}

static double f_preemptions(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->preemptions); }
static double f_preempted(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->preempted_ns); }
static double f_wait(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->wait_ns); }
static double f_wait_mean(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_mean(&A->wait) / NS_PER_US; }
static double f_wait_p95(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_p95(&A->wait) / NS_PER_US; }
static double f_wait_var(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_variance(&A->wait) / (NS_PER_US * NS_PER_US); }
static double f_wait_other(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->wait_other_vm_ns); }
static double f_wait_host(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->wait_host_ns); }

/* The labeling rule's cpu quantity (doc/formats.md): the vCPUs' wait while
 * other VMs or the host held the pCPU / (their run time + that wait). A
 * process tenant's threads stand for the vCPUs (task_ns their run time;
 * a VM has none). */
static double f_cpu_delay_share(const struct feat_ctx *c, unsigned arg)
{
	double behind = (double)A->wait_other_vm_ns + A->wait_host_ns;

	UNUSED_ARG;
	return ratio(behind, (double)A->guest_ns + A->root_ns + A->task_ns + behind);
}

static double f_blocked(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->blocked_ns); }
static double f_blk_count(const struct feat_ctx *c, unsigned arg) { return per_s(c, A->blk_count[arg]); }
static double f_blk_ratio(const struct feat_ctx *c, unsigned arg) { return time_ratio(c, A->blk_ns[arg]); }
static double f_blk_mean(const struct feat_ctx *c, unsigned arg)
{
	return ratio(A->blk_ns[arg], A->blk_count[arg]) / NS_PER_US;
}

static double f_disk_rd(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->disk_rd); }
static double f_disk_wr(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->disk_wr); }
static double f_disk_rd_b(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->disk_rd_bytes); }
static double f_disk_wr_b(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->disk_wr_bytes); }
static double f_disk_lat_mean(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_mean(&A->disk_lat) / NS_PER_US; }
static double f_disk_lat_p95(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_p95(&A->disk_lat) / NS_PER_US; }
static double f_disk_lat_var(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_variance(&A->disk_lat) / (NS_PER_US * NS_PER_US); }
static double f_disk_queue(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_mean(&A->disk_queue) / NS_PER_US; }
static double f_disk_iat_var(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_variance(&A->disk_iat) / (NS_PER_US * NS_PER_US); }
static double f_disk_other(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return ratio(A->disk_other_inflight_ns, A->disk_life_ns); }
static double f_disk_delay(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return ratio(A->disk_delay_ns, A->disk_done_ns); }

static double f_net_tx(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->net_tx_pkts); }
static double f_net_rx(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->net_rx_pkts); }
static double f_net_tx_b(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->net_tx_bytes); }
static double f_net_rx_b(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, A->net_rx_bytes); }
static double f_net_queue(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return sample_mean(&A->net_queue) / NS_PER_US; }
static double f_net_delay(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return ratio(A->net_delay_ns, A->net_done_ns); }
static double f_vhost_wait(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->vhost_wait_ns); }

static double f_host_cpu(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, c->host->cpu_ns); }
static double f_host_only_cpu(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, c->host->host_cpu_ns); }
static double f_others_cpu(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, c->others_cpu_ns); }
static double f_others_disk(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, c->others_disk_reqs); }
static double f_others_disk_b(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, c->others_disk_bytes); }
static double f_others_net(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, c->others_net_pkts); }
static double f_others_net_b(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, c->others_net_bytes); }
static double f_lost(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_s(c, c->host->lost_events); }
static double f_lost_flag(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return c->host->lost_events ? 1.0 : 0.0; }

#define GUEST 1 /* see feature_def.guest */
#define EXIT_FAMILY(cls, nm) \
	{ "exits_" nm "_per_s", "1/s", "VM exits with reason " nm " per second", f_exits_cls, cls, GUEST }
#define EXIT_VAR(cls, nm) \
	{ "exits_" nm "_var", "1/s^2", "variance of the " nm " exit rate across the window's 10 sub-intervals", f_exits_var, cls, GUEST }
#define BLK_FAMILY(r, nm) \
	{ "blk_" nm "_per_s", "1/s", "vCPU blocks (halts) ended by a " nm " wakeup per second", f_blk_count, r, GUEST }, \
	{ "blk_" nm "_ratio", "s/s", "time of those blocks per second of window (summed over vCPUs)", f_blk_ratio, r, GUEST }, \
	{ "blk_" nm "_mean_us", "us", "mean duration of those blocks", f_blk_mean, r, GUEST }

const struct feature_def features[] = {
	/* CPU */
	{ "vcpus_active", "count", "vCPU threads that ran in the window", f_vcpus_active, 0, GUEST },
	{ "cpu_util", "s/s", "pCPU time of all the VM's threads (vCPU, emulation, vhost) per second", f_cpu_util, 0, 0 },
	{ "vcpu_guest_ratio", "ratio", "guest-mode (non-root) time per active vCPU per second", f_guest, 0, GUEST },
	{ "vcpu_root_ratio", "ratio", "hypervisor (root) time of vCPU threads per active vCPU per second", f_root, 0, GUEST },
	{ "emu_cpu_util", "s/s", "CPU time of the QEMU emulation threads (I/O, workers) per second", f_emu, 0, GUEST },
	{ "vhost_cpu_util", "s/s", "CPU time of the VM's vhost threads per second", f_vhost, 0, GUEST },
	{ "exits_per_s", "1/s", "VM exits per second, all reasons", f_exits, 0, GUEST },
	EXIT_FAMILY(EXC_HLT, "hlt"),
	EXIT_FAMILY(EXC_EXTERNAL_INTERRUPT, "extint"),
	EXIT_FAMILY(EXC_EPT_VIOLATION, "ept_violation"),
	EXIT_FAMILY(EXC_EPT_MISCONFIG, "ept_misconfig"),
	EXIT_FAMILY(EXC_IO_INSTRUCTION, "io"),
	EXIT_FAMILY(EXC_MSR_WRITE, "msr_write"),
	EXIT_FAMILY(EXC_PREEMPTION_TIMER, "preempt_timer"),
	EXIT_FAMILY(EXC_PAUSE_INSTRUCTION, "pause"),
	EXIT_FAMILY(EXC_OTHER, "other"),
	{ "exits_var", "1/s^2", "variance of the exit rate across the window's 10 sub-intervals", f_exits_var, EXC__COUNT, GUEST },
	EXIT_VAR(EXC_HLT, "hlt"),
	EXIT_VAR(EXC_EXTERNAL_INTERRUPT, "extint"),
	EXIT_VAR(EXC_EPT_VIOLATION, "ept_violation"),
	EXIT_VAR(EXC_EPT_MISCONFIG, "ept_misconfig"),
	EXIT_VAR(EXC_IO_INSTRUCTION, "io"),
	EXIT_VAR(EXC_MSR_WRITE, "msr_write"),
	EXIT_VAR(EXC_PREEMPTION_TIMER, "preempt_timer"),
	EXIT_VAR(EXC_PAUSE_INSTRUCTION, "pause"),
	EXIT_VAR(EXC_OTHER, "other"),
	{ "preemptions_per_s", "1/s", "vCPU threads switched out while runnable, per second", f_preemptions, 0, 0 },
	{ "preempted_ratio", "s/s", "time vCPUs spent preempted (switched out runnable until back), per second", f_preempted, 0, 0 },
	{ "wait_ratio", "s/s", "vCPU runnable-wait time (wakeup or preemption until switch-in) per second", f_wait, 0, 0 },
	{ "wait_mean_us", "us", "mean runnable wait of the waits ending in the window", f_wait_mean, 0, 0 },
	{ "wait_p95_us", "us", "95th percentile of those waits", f_wait_p95, 0, 0 },
	{ "wait_var_us2", "us^2", "variance of those waits", f_wait_var, 0, 0 },
	{ "wait_other_vm_ratio", "s/s", "runnable wait while another VM's thread held the pCPU, per second", f_wait_other, 0, 0 },
	{ "wait_host_ratio", "s/s", "runnable wait while a host thread held the pCPU, per second", f_wait_host, 0, 0 },
	{ "cpu_delay_share", "ratio", "vCPU wait while other VMs or the host held the pCPU / (vCPU run time + that wait): the labeling rule's cpu share", f_cpu_delay_share, 0, 0 },
	{ "blocked_ratio", "s/s", "time vCPUs were blocked (halted), per second", f_blocked, 0, GUEST },
	BLK_FAMILY(BLK_TIMER, "timer"),
	BLK_FAMILY(BLK_TASK, "task"),
	BLK_FAMILY(BLK_DISK, "disk"),
	BLK_FAMILY(BLK_NET, "net"),
	/* disk */
	{ "disk_read_per_s", "1/s", "read requests issued for the VM per second", f_disk_rd, 0, 0 },
	{ "disk_write_per_s", "1/s", "write requests issued for the VM per second", f_disk_wr, 0, 0 },
	{ "disk_read_Bps", "B/s", "bytes read per second", f_disk_rd_b, 0, 0 },
	{ "disk_write_Bps", "B/s", "bytes written per second", f_disk_wr_b, 0, 0 },
	{ "disk_lat_mean_us", "us", "mean issue->complete latency of requests completed in the window", f_disk_lat_mean, 0, 0 },
	{ "disk_lat_p95_us", "us", "95th percentile of that latency", f_disk_lat_p95, 0, 0 },
	{ "disk_lat_var_us2", "us^2", "variance of that latency", f_disk_lat_var, 0, 0 },
	{ "disk_queue_mean_us", "us", "mean insert->issue queueing time", f_disk_queue, 0, 0 },
	{ "disk_iat_var_us2", "us^2", "variance of the submission inter-arrival times", f_disk_iat_var, 0, 0 },
	{ "disk_other_inflight", "count", "mean number of other owners' requests in flight on the same device meanwhile", f_disk_other, 0, 0 },
	{ "disk_delay_share", "ratio", "time the VM's completed requests waited while other owners' requests were served / their insert->complete time", f_disk_delay, 0, 0 },
	/* network */
	{ "net_tx_pkts_per_s", "1/s", "packets the VM sent per second", f_net_tx, 0, 0 },
	{ "net_rx_pkts_per_s", "1/s", "packets the VM received per second", f_net_rx, 0, 0 },
	{ "net_tx_Bps", "B/s", "bytes the VM sent per second", f_net_tx_b, 0, 0 },
	{ "net_rx_Bps", "B/s", "bytes the VM received per second", f_net_rx_b, 0, 0 },
	{ "net_queue_mean_us", "us", "mean net_dev_queue->net_dev_xmit time of the VM's packets", f_net_queue, 0, 0 },
	{ "net_delay_share", "ratio", "time the VM's sent packets waited while other owners' packets were sent / their queue->xmit time plus the device's mean send time", f_net_delay, 0, 0 },
	{ "vhost_wait_ratio", "s/s", "runnable-wait time of the VM's vhost threads per second", f_vhost_wait, 0, GUEST },
	/* context */
	{ "host_cpu_util", "s/s", "CPU time of every thread on the host (VMs included, idle excluded) per second", f_host_cpu, 0, 0 },
	{ "host_only_cpu_util", "s/s", "CPU time of threads of no VM per second", f_host_only_cpu, 0, 0 },
	{ "others_cpu_util", "s/s", "CPU time of the other VMs' threads per second", f_others_cpu, 0, 0 },
	{ "others_disk_per_s", "1/s", "disk requests of the other VMs per second", f_others_disk, 0, 0 },
	{ "others_disk_Bps", "B/s", "disk bytes of the other VMs per second", f_others_disk_b, 0, 0 },
	{ "others_net_pkts_per_s", "1/s", "packets of the other VMs per second", f_others_net, 0, 0 },
	{ "others_net_Bps", "B/s", "network bytes of the other VMs per second", f_others_net_b, 0, 0 },
	/* lost events */
	{ "lost_events_per_s", "1/s", "events LTTng discarded in the window, per second", f_lost, 0, 0 },
	{ "lost_events", "0/1", "1 when the window lost events (its other features undercount)", f_lost_flag, 0, 0 },
};

const size_t nr_features = sizeof(features) / sizeof(features[0]);

void features_compute(const struct feat_ctx *c, double *out)
{
	size_t i;

	for (i = 0; i < nr_features; i++)
		out[i] = c->process && features[i].guest ? NAN :
			 features[i].compute(c, features[i].arg);
}

int features_index(const char *name)
{
	size_t i;

	for (i = 0; i < nr_features; i++)
		if (strcmp(features[i].name, name) == 0)
			return (int)i;
	return -1;
}
