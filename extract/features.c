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

/* Per vCPU-second: the VM's vCPUs (configured or seen), at least those
 * that ran. */
static double vcpu_share(const struct feat_ctx *c, double ns)
{
	unsigned n = c->vcpus > A->vcpus_active ? c->vcpus : A->vcpus_active;
	double x = time_ratio(c, ns) / (n ? n : 1);

	return x < 1.0 ? x : 1.0; /* blocks are charged where they end */
}

static double f_vcpu_busy(const struct feat_ctx *c, unsigned arg)
{
	UNUSED_ARG;
	return vcpu_share(c, (double)A->guest_ns + A->root_ns + A->wait_ns);
}
static double f_vcpu_blocked(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return vcpu_share(c, A->blocked_ns); }
static double f_vcpu_preempted(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return vcpu_share(c, A->preempted_ns); }
static double f_vcpu_blk_disk(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return vcpu_share(c, A->blk_io_disk_ns); }
static double f_vcpu_blk_net(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return vcpu_share(c, A->blk_io_net_ns); }
static double f_disk_busy(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return time_ratio(c, A->disk_busy_ns); }
static double f_disk_inflation(const struct feat_ctx *c, unsigned arg)
{
	UNUSED_ARG;
	return A->disk_base_ns > 0 ? A->disk_svc_ns / A->disk_base_ns - 1.0 : 0.0;
}
static double f_disk_req_share(const struct feat_ctx *c, unsigned arg)
{
	double own = (double)A->disk_rd + A->disk_wr;

	UNUSED_ARG;
	return ratio(own, own + c->others_disk_reqs);
}
static double f_net_pkt_share(const struct feat_ctx *c, unsigned arg)
{
	double own = (double)A->net_tx_pkts + A->net_rx_pkts;

	UNUSED_ARG;
	return ratio(own, own + c->others_net_pkts);
}
/* Per pCPU-second. */
static double per_pcpu(const struct feat_ctx *c, double ns)
{
	return time_ratio(c, ns) / (c->ncpus > 0 ? c->ncpus : 1);
}
static double f_host_cpu_load(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_pcpu(c, c->host->cpu_ns); }
static double f_host_only_cpu_load(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_pcpu(c, c->host->host_cpu_ns); }
static double f_others_cpu_load(const struct feat_ctx *c, unsigned arg) { UNUSED_ARG; return per_pcpu(c, c->others_cpu_ns); }

#define GUEST 1 /* see feature_def.guest */
#define NO 0
#define YES 1
#define W_ABS "an absolute amount per second: scales with the VM's size and the host's speed"
#define W_US "an absolute time in us: follows the host's speed and the simulator's constants"
#define W_EXIT "exit rates by reason follow the guest kernel (HZ, timer mode, halt polling), the guest OS and the virtio kick style, not the work"
#define W_BLK "the wakeup reason depends on how interrupts are delivered and which vector the guest uses"
#define W_OTHERS "the neighbours' absolute activity: scales with the host and their sizes"

#define EXIT_FAMILY(cls, nm) \
	{ "exits_" nm "_per_s", "1/s", "VM exits with reason " nm " per second", f_exits_cls, cls, GUEST, NO, W_EXIT }
#define EXIT_VAR(cls, nm) \
	{ "exits_" nm "_var", "1/s^2", "variance of the " nm " exit rate across the window's 10 sub-intervals", f_exits_var, cls, GUEST, NO, W_EXIT }
#define BLK_FAMILY(r, nm) \
	{ "blk_" nm "_per_s", "1/s", "vCPU blocks (halts) ended by a " nm " wakeup per second", f_blk_count, r, GUEST, NO, W_BLK }, \
	{ "blk_" nm "_ratio", "s/s", "time of those blocks per second of window (summed over vCPUs)", f_blk_ratio, r, GUEST, NO, W_BLK }, \
	{ "blk_" nm "_mean_us", "us", "mean duration of those blocks", f_blk_mean, r, GUEST, NO, W_BLK }

const struct feature_def features[] = {
	/* CPU */
	{ "vcpus_active", "count", "vCPU threads that ran in the window", f_vcpus_active, 0, GUEST, NO,
	  "the VM's size, not its behaviour" },
	{ "cpu_util", "s/s", "pCPU time of all the VM's threads (vCPU, emulation, vhost) per second", f_cpu_util, 0, 0, NO, W_ABS },
	{ "vcpu_guest_ratio", "ratio", "guest-mode (non-root) time per active vCPU per second", f_guest, 0, GUEST, YES,
	  "a share of each vCPU's time: the same on any host size" },
	{ "vcpu_root_ratio", "ratio", "hypervisor (root) time of vCPU threads per active vCPU per second", f_root, 0, GUEST, NO,
	  "exit handling cost: follows the exit mix and the host's speed" },
	{ "emu_cpu_util", "s/s", "CPU time of the QEMU emulation threads (I/O, workers) per second", f_emu, 0, GUEST, NO,
	  "the I/O path's CPU cost: follows QEMU's configuration (iothreads, aio) and the host's speed" },
	{ "vhost_cpu_util", "s/s", "CPU time of the VM's vhost threads per second", f_vhost, 0, GUEST, NO,
	  "per-packet CPU cost of the host: follows its speed and the NIC's offloads" },
	{ "exits_per_s", "1/s", "VM exits per second, all reasons", f_exits, 0, GUEST, NO, W_EXIT },
	EXIT_FAMILY(EXC_HLT, "hlt"),
	EXIT_FAMILY(EXC_EXTERNAL_INTERRUPT, "extint"),
	EXIT_FAMILY(EXC_EPT_VIOLATION, "ept_violation"),
	EXIT_FAMILY(EXC_EPT_MISCONFIG, "ept_misconfig"),
	EXIT_FAMILY(EXC_IO_INSTRUCTION, "io"),
	EXIT_FAMILY(EXC_MSR_WRITE, "msr_write"),
	EXIT_FAMILY(EXC_PREEMPTION_TIMER, "preempt_timer"),
	EXIT_FAMILY(EXC_PAUSE_INSTRUCTION, "pause"),
	EXIT_FAMILY(EXC_OTHER, "other"),
	{ "exits_var", "1/s^2", "variance of the exit rate across the window's 10 sub-intervals", f_exits_var, EXC__COUNT, GUEST, NO, W_EXIT },
	EXIT_VAR(EXC_HLT, "hlt"),
	EXIT_VAR(EXC_EXTERNAL_INTERRUPT, "extint"),
	EXIT_VAR(EXC_EPT_VIOLATION, "ept_violation"),
	EXIT_VAR(EXC_EPT_MISCONFIG, "ept_misconfig"),
	EXIT_VAR(EXC_IO_INSTRUCTION, "io"),
	EXIT_VAR(EXC_MSR_WRITE, "msr_write"),
	EXIT_VAR(EXC_PREEMPTION_TIMER, "preempt_timer"),
	EXIT_VAR(EXC_PAUSE_INSTRUCTION, "pause"),
	EXIT_VAR(EXC_OTHER, "other"),
	{ "preemptions_per_s", "1/s", "vCPU threads switched out while runnable, per second", f_preemptions, 0, 0, NO,
	  "follows the host scheduler's granularity and preemption model (PREEMPT_NONE/VOLUNTARY/FULL)" },
	{ "preempted_ratio", "s/s", "time vCPUs spent preempted (switched out runnable until back), per second", f_preempted, 0, 0, NO,
	  "summed over vCPUs: scales with the VM's size (vcpu_preempted_share is the per-vCPU one)" },
	{ "wait_ratio", "s/s", "vCPU runnable-wait time (wakeup or preemption until switch-in) per second", f_wait, 0, 0, NO,
	  "summed over vCPUs: scales with the VM's size" },
	{ "wait_mean_us", "us", "mean runnable wait of the waits ending in the window", f_wait_mean, 0, 0, NO, W_US },
	{ "wait_p95_us", "us", "95th percentile of those waits", f_wait_p95, 0, 0, NO, W_US },
	{ "wait_var_us2", "us^2", "variance of those waits", f_wait_var, 0, 0, NO, W_US },
	{ "wait_other_vm_ratio", "s/s", "runnable wait while another VM's thread held the pCPU, per second", f_wait_other, 0, 0, NO,
	  "summed over vCPUs: scales with the VM's size (cpu_delay_share is the normalised one)" },
	{ "wait_host_ratio", "s/s", "runnable wait while a host thread held the pCPU, per second", f_wait_host, 0, 0, NO,
	  "summed over vCPUs: scales with the VM's size (cpu_delay_share is the normalised one)" },
	{ "cpu_delay_share", "ratio", "vCPU wait while other VMs or the host held the pCPU / (vCPU run time + that wait): the labeling rule's cpu share", f_cpu_delay_share, 0, 0, YES,
	  "the labeling rule's own quantity, a share of the VM's CPU demand" },
	{ "blocked_ratio", "s/s", "time vCPUs were blocked (halted), per second", f_blocked, 0, GUEST, NO,
	  "summed over vCPUs: scales with the VM's size (vcpu_blocked_share is the per-vCPU one)" },
	BLK_FAMILY(BLK_TIMER, "timer"),
	BLK_FAMILY(BLK_TASK, "task"),
	BLK_FAMILY(BLK_DISK, "disk"),
	BLK_FAMILY(BLK_NET, "net"),
	/* disk */
	{ "disk_read_per_s", "1/s", "read requests issued for the VM per second", f_disk_rd, 0, 0, NO,
	  "an absolute rate: follows the device's speed and the guest's request size" },
	{ "disk_write_per_s", "1/s", "write requests issued for the VM per second", f_disk_wr, 0, 0, NO,
	  "an absolute rate: follows the device's speed and the guest's request size" },
	{ "disk_read_Bps", "B/s", "bytes read per second", f_disk_rd_b, 0, 0, NO, "an absolute rate: follows the device's speed" },
	{ "disk_write_Bps", "B/s", "bytes written per second", f_disk_wr_b, 0, 0, NO, "an absolute rate: follows the device's speed" },
	{ "disk_lat_mean_us", "us", "mean issue->complete latency of requests completed in the window", f_disk_lat_mean, 0, 0, NO,
	  "an absolute latency: NVMe, SSD and HDD differ by 100x (disk_lat_inflation is the relative one)" },
	{ "disk_lat_p95_us", "us", "95th percentile of that latency", f_disk_lat_p95, 0, 0, NO, W_US },
	{ "disk_lat_var_us2", "us^2", "variance of that latency", f_disk_lat_var, 0, 0, NO, W_US },
	{ "disk_queue_mean_us", "us", "mean insert->issue queueing time", f_disk_queue, 0, 0, NO,
	  "an absolute time that follows the I/O scheduler and the device's queue depth" },
	{ "disk_iat_var_us2", "us^2", "variance of the submission inter-arrival times", f_disk_iat_var, 0, 0, NO, W_US },
	{ "disk_other_inflight", "count", "mean number of other owners' requests in flight on the same device meanwhile", f_disk_other, 0, 0, NO,
	  "overlap is not delay: on a parallel device it follows the queue depths, not contention" },
	{ "disk_delay_share", "ratio", "time the VM's completed requests lost to other owners' requests (waiting while the device was full, service beyond the uncontended) / their insert->complete time", f_disk_delay, 0, 0, YES,
	  "the labeling rule's disk share, estimated against the device's own concurrency and service time" },
	/* network */
	{ "net_tx_pkts_per_s", "1/s", "packets the VM sent per second", f_net_tx, 0, 0, NO, "an absolute rate: follows the NIC's speed and the packet size" },
	{ "net_rx_pkts_per_s", "1/s", "packets the VM received per second", f_net_rx, 0, 0, NO, "an absolute rate: follows the NIC's speed and the packet size" },
	{ "net_tx_Bps", "B/s", "bytes the VM sent per second", f_net_tx_b, 0, 0, NO, "an absolute rate: follows the NIC's speed" },
	{ "net_rx_Bps", "B/s", "bytes the VM received per second", f_net_rx_b, 0, 0, NO, "an absolute rate: follows the NIC's speed" },
	{ "net_queue_mean_us", "us", "mean net_dev_queue->net_dev_xmit time of the VM's packets", f_net_queue, 0, 0, NO,
	  "an absolute time: follows the link rate, the ring size and interrupt coalescing" },
	{ "net_delay_share", "ratio", "time the VM's sent packets waited while other owners' packets were sent / their queue->xmit time plus the device's mean send time", f_net_delay, 0, 0, YES,
	  "the labeling rule's net share, a share of the VM's own packet time" },
	{ "vhost_wait_ratio", "s/s", "runnable-wait time of the VM's vhost threads per second", f_vhost_wait, 0, GUEST, NO,
	  "summed over vhost threads, whose number and kind (kthread or task) follow the kernel" },
	/* context */
	{ "host_cpu_util", "s/s", "CPU time of every thread on the host (VMs included, idle excluded) per second", f_host_cpu, 0, 0, NO,
	  "scales with the host's size (host_cpu_load is per pCPU)" },
	{ "host_only_cpu_util", "s/s", "CPU time of threads of no VM per second", f_host_only_cpu, 0, 0, NO,
	  "scales with the host's size (host_only_cpu_load is per pCPU)" },
	{ "others_cpu_util", "s/s", "CPU time of the other VMs' threads per second", f_others_cpu, 0, 0, NO,
	  "scales with the host's size (others_cpu_load is per pCPU)" },
	{ "others_disk_per_s", "1/s", "disk requests of the other VMs per second", f_others_disk, 0, 0, NO, W_OTHERS },
	{ "others_disk_Bps", "B/s", "disk bytes of the other VMs per second", f_others_disk_b, 0, 0, NO, W_OTHERS },
	{ "others_net_pkts_per_s", "1/s", "packets of the other VMs per second", f_others_net, 0, 0, NO, W_OTHERS },
	{ "others_net_Bps", "B/s", "network bytes of the other VMs per second", f_others_net_b, 0, 0, NO, W_OTHERS },
	/* lost events */
	{ "lost_events_per_s", "1/s", "events LTTng discarded in the window, per second", f_lost, 0, 0, NO,
	  "describes the tracer's buffers, not the VM" },
	{ "lost_events", "0/1", "1 when the window lost events (its other features undercount)", f_lost_flag, 0, 0, NO,
	  "describes the tracer's buffers, not the VM (a simulator never loses any)" },
	/* normalised by capacity and demand (issue 11): appended, so that the
	 * columns above keep their place */
	{ "vcpu_busy_share", "ratio", "vCPU run time + runnable wait per vCPU-second: the VM's CPU demand per vCPU", f_vcpu_busy, 0, GUEST, YES,
	  "a share of the VM's own vCPU capacity: the same on any host or guest size" },
	{ "vcpu_blocked_share", "ratio", "vCPU blocked (halted) time per vCPU-second", f_vcpu_blocked, 0, GUEST, YES,
	  "a share of the VM's own vCPU capacity" },
	{ "vcpu_preempted_share", "ratio", "vCPU time preempted per vCPU-second", f_vcpu_preempted, 0, GUEST, YES,
	  "a share of the VM's own vCPU capacity" },
	{ "vcpu_blk_disk_share", "ratio", "vCPU blocked time, in blocks at whose end the VM's own disk requests were in flight or had just (2 ms) completed, per vCPU-second", f_vcpu_blk_disk, 0, GUEST, YES,
	  "from the VM's own I/O timeline, not from interrupt delivery; a share of its vCPU capacity" },
	{ "vcpu_blk_net_share", "ratio", "vCPU blocked time, in blocks that ended just (2 ms) after the VM received a packet, per vCPU-second", f_vcpu_blk_net, 0, GUEST, YES,
	  "from the VM's own traffic, not from interrupt delivery; a share of its vCPU capacity" },
	{ "disk_busy_share", "ratio", "time the VM had disk requests in flight per second (summed over devices)", f_disk_busy, 0, 0, YES,
	  "a share of time: the same on a fast or a slow device for a VM that waits on its disk" },
	{ "disk_lat_inflation", "ratio", "issue->complete time of the VM's requests over their uncontended median (per device, size class and direction, learned online), minus 1", f_disk_inflation, 0, 0, YES,
	  "relative to the same device's own uncontended service: NVMe or HDD alike" },
	{ "disk_req_share", "ratio", "the VM's disk requests / all VMs' requests in the window", f_disk_req_share, 0, 0, YES,
	  "a share of the demand on the host's disks" },
	{ "net_pkt_share", "ratio", "the VM's packets / all VMs' packets in the window", f_net_pkt_share, 0, 0, YES,
	  "a share of the demand on the host's network" },
	{ "host_cpu_load", "ratio", "CPU time of every thread on the host per pCPU-second", f_host_cpu_load, 0, 0, YES,
	  "per pCPU: the same load reads the same on 4 or 64 pCPUs" },
	{ "host_only_cpu_load", "ratio", "CPU time of threads of no VM per pCPU-second", f_host_only_cpu_load, 0, 0, YES,
	  "per pCPU: the host's own load whatever its size" },
	{ "others_cpu_load", "ratio", "CPU time of the other VMs' threads per pCPU-second", f_others_cpu_load, 0, 0, YES,
	  "per pCPU: the neighbours' load whatever the host's size" },
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
