/* SPDX-License-Identifier: MIT */
#include "detect/collect.h"
#include "detect/evidence.h"
#include "detect/recommend.h"
#include "common/err.h"
#include "common/vocab.h"
#include "extract/features.h"
#include "model/model-dir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *event, *detail; } top_names[TK__COUNT] = {
	[TK_EXIT_FIRST + EXC_HLT] = { "kvm_x86_exit", "HLT" },
	[TK_EXIT_FIRST + EXC_EXTERNAL_INTERRUPT] = { "kvm_x86_exit", "EXTERNAL_INTERRUPT" },
	[TK_EXIT_FIRST + EXC_EPT_VIOLATION] = { "kvm_x86_exit", "EPT_VIOLATION" },
	[TK_EXIT_FIRST + EXC_EPT_MISCONFIG] = { "kvm_x86_exit", "EPT_MISCONFIG" },
	[TK_EXIT_FIRST + EXC_IO_INSTRUCTION] = { "kvm_x86_exit", "IO_INSTRUCTION" },
	[TK_EXIT_FIRST + EXC_MSR_WRITE] = { "kvm_x86_exit", "MSR_WRITE" },
	[TK_EXIT_FIRST + EXC_PREEMPTION_TIMER] = { "kvm_x86_exit", "PREEMPTION_TIMER" },
	[TK_EXIT_FIRST + EXC_PAUSE_INSTRUCTION] = { "kvm_x86_exit", "PAUSE_INSTRUCTION" },
	[TK_EXIT_FIRST + EXC_OTHER] = { "kvm_x86_exit", "other" },
	[TK_PREEMPT] = { "sched_switch", "vCPU preempted" },
	[TK_WAKE_TIMER] = { "sched_wakeup", "halted vCPU, timer" },
	[TK_WAKE_TASK] = { "sched_wakeup", "halted vCPU, task" },
	[TK_WAKE_DISK] = { "sched_wakeup", "halted vCPU, disk" },
	[TK_WAKE_NET] = { "sched_wakeup", "halted vCPU, net" },
	[TK_DISK_READ] = { "block_rq_issue", "read" },
	[TK_DISK_WRITE] = { "block_rq_issue", "write" },
	[TK_NET_TX] = { "net_dev_xmit", "" },
	[TK_NET_RX] = { "net_if_receive_skb", "" },
};

/* The workload rule reads the extractor's own columns. */
static int init_rule(struct collector *c)
{
	const char **names = malloc((nr_features ? nr_features : 1) * sizeof(*names));
	const char *missing = NULL;
	int ret;

	if (!names) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (size_t j = 0; j < nr_features; j++)
		names[j] = features[j].name;
	ret = workload_rule_init(&c->wrule, names, nr_features, &missing);
	free(names);
	if (ret < 0)
		err_fail(ERR_INTERNAL, "the workload rule needs feature '%s', which the extractor lacks",
			 missing);
	return ret;
}

int collect_init(struct collector *c, struct detect_result *res,
		 const struct model_dir *model)
{
	memset(c, 0, sizeof(*c));
	c->res = res;
	c->model = model;
	/* feature columns looked up once, not per row */
	c->lost_index = features_index("lost_events_per_s");
	c->share_index[RES_NONE] = -1;
	c->share_index[RES_CPU] = features_index("cpu_delay_share");
	c->share_index[RES_DISK] = features_index("disk_delay_share");
	c->share_index[RES_NET] = features_index("net_delay_share");
	c->filled = calloc(nr_features, sizeof(*c->filled));
	if (!c->filled) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	if (init_rule(c) < 0)
		return -1;
	return classify_init(&c->cls, model);
}

void collect_fini(struct collector *c)
{
	classify_fini(&c->cls);
	free(c->filled);
	free(c->counts);
	memset(c, 0, sizeof(*c));
}

void collect_begin_group(struct collector *c)
{
	c->vm_base = (int)c->res->nvms;
}

static void count_events(const struct vm_acc *acc, uint32_t *k)
{
	for (int e = 0; e < EXC__COUNT; e++)
		k[TK_EXIT_FIRST + e] = (uint32_t)acc->exits[e];
	k[TK_PREEMPT] = (uint32_t)acc->preemptions;
	k[TK_WAKE_TIMER] = (uint32_t)acc->blk_count[BLK_TIMER];
	k[TK_WAKE_TASK] = (uint32_t)acc->blk_count[BLK_TASK];
	k[TK_WAKE_DISK] = (uint32_t)acc->blk_count[BLK_DISK];
	k[TK_WAKE_NET] = (uint32_t)acc->blk_count[BLK_NET];
	k[TK_DISK_READ] = (uint32_t)acc->disk_rd;
	k[TK_DISK_WRITE] = (uint32_t)acc->disk_wr;
	k[TK_NET_TX] = (uint32_t)acc->net_tx_pkts;
	k[TK_NET_RX] = (uint32_t)acc->net_rx_pkts;
}

static double feature(const double *x, int index)
{
	return index >= 0 ? x[index] : 0;
}

/* Delayed share of each resource, as the labeling rule defines it. */
static void delay_shares(const struct collector *c, const double *x, double *share)
{
	for (int r = RES_NONE; r < RES__COUNT; r++)
		share[r] = feature(x, c->share_index[r]);
}

/* Delay on each resource caused by others, ns (the extractor's ledger
 * totals, as the labeling rule counts them). */
static void delays(const struct vm_acc *acc, double *d)
{
	d[RES_NONE] = 0;
	d[RES_CPU] = (double)(acc->wait_other_vm_ns + acc->wait_host_ns);
	d[RES_DISK] = acc->disk_delay_ns;
	d[RES_NET] = acc->net_delay_ns;
}

static uint64_t ledger_delay(const struct culprit *l, int res)
{
	return res == RES_CPU ? l->cpu_ns : res == RES_DISK ? l->disk_ns : l->net_ns;
}

/* Culprits on `res`, largest delay first, as shares of the total. */
static void fill_culprits(const struct window_row *row, int vm_base, int res,
			  struct window_result *w)
{
	uint64_t total = 0;

	w->nculprits = 0;
	for (size_t i = 0; i < row->nledger; i++)
		total += ledger_delay(&row->ledger[i], res);
	if (total == 0)
		return;
	for (size_t i = 0; i < row->nledger; i++) {
		uint64_t d = ledger_delay(&row->ledger[i], res);
		int pos, vm = row->ledger[i].vm;
		struct culprit_share cs = {
			.vm = vm == CULPRIT_HOST ? CULPRIT_HOST : vm_base + vm,
			.share = (double)d / (double)total,
		};

		if (d == 0)
			continue;
		/* insertion into the small sorted array */
		for (pos = w->nculprits; pos > 0 && w->culprits[pos - 1].share < cs.share; pos--)
			if (pos < MAX_CULPRITS)
				w->culprits[pos] = w->culprits[pos - 1];
		if (pos < MAX_CULPRITS) {
			w->culprits[pos] = cs;
			if (w->nculprits < MAX_CULPRITS)
				w->nculprits++;
		}
	}
}

static int grow(struct collector *c)
{
	struct detect_result *r = c->res;
	size_t cap = c->cap ? c->cap * 2 : 256;
	struct window_result *w = realloc(r->windows, cap * sizeof(*w));
	uint32_t (*k)[TK__COUNT];

	if (!w)
		return -1;
	r->windows = w;
	k = realloc(c->counts, cap * sizeof(*k));
	if (!k)
		return -1;
	c->counts = k;
	c->cap = cap;
	return 0;
}

/* A process tenant's workload in one window, from what it used: the
 * classifier learned VMs' guest behaviour (halts, exits), which a process
 * does not have. The workload rule's thresholds, in the same order of
 * precedence as for a VM with no steady I/O: computing, then storage,
 * then network. */
static enum workload process_workload(const struct window_use *u)
{
	if (u->cpu_cores >= WLR_IDLE_CORES)
		return WL_CPU;
	if (u->disk_iops >= WLR_DISK_IOPS || u->disk_bps >= WLR_DISK_BPS)
		return WL_DISK;
	if (u->net_pps >= WLR_NET_PPS || u->net_bps >= WLR_NET_BPS)
		return WL_NET;
	return WL_IDLE;
}

int collect_row(void *ctx, const struct window_row *row)
{
	struct collector *c = ctx;
	struct detect_result *r = c->res;
	struct classification cl;
	struct window_result *w;
	double share[RES__COUNT], delay[RES__COUNT];
	double covered_s = (double)row->covered_ns / 1e9;
	enum resource measured, model_res;
	const struct vm_acc *acc = row->acc;
	int process = row->vm->kind == TENANT_PROCESS;
	struct wl_inputs wi;

	if (r->nwindows == c->cap && grow(c) != 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	if (process) {
		/* The classifier knows VMs only: a process tenant's absent guest
		 * features enter it as zero, and its estimate does not decide. */
		for (size_t i = 0; i < nr_features; i++)
			c->filled[i] = isnan(row->features[i]) ? 0.0 : row->features[i];
		classify_row(&c->cls, c->filled, &cl);
	} else {
		classify_row(&c->cls, row->features, &cl);
	}
	w = &r->windows[r->nwindows];
	memset(w, 0, sizeof(*w));
	w->vm = c->vm_base + row->vm_index;
	w->start_ns = row->start_ns;
	w->end_ns = row->end_ns;
	delay_shares(c, row->features, share);
	delays(acc, delay);
	measured = evidence_measured(share, delay, row->end_ns - row->start_ns);
	model_res = evidence_model_alarm(&cl, share, delay, row->end_ns - row->start_ns);
	/* The measurement decides; the classifier adds an alarm only where
	 * the guard of detect/evidence.h lets it. */
	w->model_vote = cl.interference;
	w->by_model = !process && model_res != RES_NONE; /* a process: no model */
	w->by_measurement = measured != RES_NONE;
	w->interference = w->by_model || w->by_measurement;
	w->probability = cl.p_interference;
	w->in_distribution = cl.in_distribution;
	w->max_kernel = cl.max_kernel;
	w->out_of_range = cl.out_of_range;
	w->far_feature = cl.far_feature >= 0 ? c->model->names[cl.far_feature] : NULL;
	memcpy(w->share, share, sizeof(w->share));
	memcpy(w->delay_ns, delay, sizeof(w->delay_ns));
	w->resource = RES_NONE;
	w->discarded_events = 0;
	if (covered_s > 0) {
		w->use.cpu_cores = (double)acc->cpu_ns / 1e9 / covered_s;
		w->use.wait_cores = (double)acc->wait_ns / 1e9 / covered_s;
		w->use.disk_iops = (double)(acc->disk_rd + acc->disk_wr) / covered_s;
		w->use.disk_bps = (double)(acc->disk_rd_bytes + acc->disk_wr_bytes) / covered_s;
		w->use.net_pps = (double)(acc->net_tx_pkts + acc->net_rx_pkts) / covered_s;
		w->use.net_bps = (double)(acc->net_tx_bytes + acc->net_rx_bytes) / covered_s;
	}
	/* the classifier's class where it is trusted and what was measured
	 * allows it (workload_rule_plausible), else the rule's; a process
	 * tenant has no guest features for either: its measured use */
	if (process) {
		w->workload = process_workload(&w->use);
		w->workload_by_rule = 1;
	} else {
		workload_rule_inputs(&c->wrule, row->features, &wi);
		if (cl.in_distribution && workload_rule_plausible(&wi, cl.workload)) {
			w->workload = cl.workload;
		} else {
			w->workload = workload_rule_classify(&wi);
			w->workload_by_rule = 1;
		}
	}
	if (w->interference) {
		/* Root cause first: the measured resource; for a model-only
		 * alarm, the resource it was let through on. */
		w->resource = measured != RES_NONE ? measured : model_res;
		fill_culprits(row, c->vm_base, w->resource, w);
	}
	count_events(acc, c->counts[r->nwindows]);
	w->discarded_events = (uint64_t)llround(
		feature(row->features, c->lost_index) * covered_s);
	memcpy(w->p_workload, cl.p_workload, sizeof(w->p_workload));
	w->partial = 2 * row->present_ns < row->end_ns - row->start_ns;
	r->nwindows++;
	return 0;
}

struct report_totals collect_totals(const struct vm *v)
{
	return (struct report_totals){
		.cpu_ns = v->tot.cpu_ns, .guest_ns = v->tot.guest_ns,
		.preempted_ns = v->tot.preempted_ns, .exits = v->tot.exits,
		.disk_requests = v->tot.disk_rd + v->tot.disk_wr,
		.disk_bytes = v->tot.disk_bytes,
		.net_packets = v->tot.net_tx_pkts + v->tot.net_rx_pkts,
		.net_bytes = v->tot.net_tx_bytes + v->tot.net_rx_bytes,
	};
}

int collect_end_group(struct collector *c, const struct analysis *a)
{
	return collect_copy_vms(c->res, a);
}

int collect_copy_vms(struct detect_result *r, const struct analysis *a)
{
	size_t n = a->host.nvms;
	struct vm_result *v;

	if (n == 0)
		return 0;
	v = realloc(r->vms, (r->nvms + n) * sizeof(*v));
	if (!v) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	r->vms = v;
	for (size_t i = 0; i < n; i++) {
		const struct vm *src = a->host.vms[i];
		struct vm_result *dst = &r->vms[r->nvms + i];

		memset(dst, 0, sizeof(*dst));
		dst->name = strdup(src->name);
		dst->uuid = src->uuid ? strdup(src->uuid) : NULL;
		if (!dst->name || (src->uuid && !dst->uuid)) {
			r->nvms += i + 1;
			err_fail(ERR_RESOURCE, "out of memory");
			return -1;
		}
		dst->pid = src->pid;
		dst->process = src->kind == TENANT_PROCESS;
		/* the tap device the extractor tied to this VM (domiftune's interface) */
		for (size_t k = 0; k < a->io.nnets; k++)
			if (a->io.nets[k].vm == (int)i)
				snprintf(dst->tap, sizeof(dst->tap), "%s", a->io.nets[k].name);
		dst->vcpus = src->vcpus_config ? src->vcpus_config : src->nvcpus;
		dst->totals = collect_totals(src);
	}
	r->nvms += n;
	return 0;
}

/* Sorting windows by VM then time keeps each window's event counts with it. */
struct keyed {
	struct window_result w;
	uint32_t k[TK__COUNT];
};

static int by_vm_time(const void *a, const void *b)
{
	const struct window_result *x = &((const struct keyed *)a)->w;
	const struct window_result *y = &((const struct keyed *)b)->w;

	if (x->vm != y->vm)
		return x->vm < y->vm ? -1 : 1;
	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

static int sort_windows(struct detect_result *r, uint32_t (*counts)[TK__COUNT])
{
	struct keyed *tmp = malloc((r->nwindows ? r->nwindows : 1) * sizeof(*tmp));

	if (!tmp)
		return -1;
	for (size_t i = 0; i < r->nwindows; i++) {
		tmp[i].w = r->windows[i];
		memcpy(tmp[i].k, counts[i], sizeof(tmp[i].k));
	}
	qsort(tmp, r->nwindows, sizeof(*tmp), by_vm_time);
	for (size_t i = 0; i < r->nwindows; i++) {
		r->windows[i] = tmp[i].w;
		memcpy(counts[i], tmp[i].k, sizeof(tmp[i].k));
	}
	free(tmp);
	return 0;
}

/*
 * top_events of each interfered window: the window's count of each event
 * kind against the VM's mean over its clean windows (baseline_ratio; a
 * kind never seen in clean windows counts as a baseline of one event), the
 * largest ratios first, as the seed talk proposes.
 */
static void rank_top_events(struct detect_result *r, uint32_t (*counts)[TK__COUNT])
{
	size_t i = 0;

	while (i < r->nwindows) {
		size_t end = i, nclean = 0;
		double base[TK__COUNT] = { 0 };

		while (end < r->nwindows && r->windows[end].vm == r->windows[i].vm)
			end++;
		for (size_t j = i; j < end; j++) {
			if (r->windows[j].interference)
				continue;
			nclean++;
			for (int k = 0; k < TK__COUNT; k++)
				base[k] += counts[j][k];
		}
		for (size_t j = i; j < end; j++) {
			struct window_result *w = &r->windows[j];

			if (!w->interference)
				continue;
			for (int k = 0; k < TK__COUNT; k++) {
				double b = nclean ? base[k] / (double)nclean : 0;
				double ratio = counts[j][k] / fmax(b, 1.0);
				int pos;

				if (counts[j][k] == 0)
					continue;
				for (pos = w->ntop; pos > 0 && w->top[pos - 1].baseline_ratio < ratio; pos--)
					if (pos < MAX_TOP_EVENTS)
						w->top[pos] = w->top[pos - 1];
				if (pos >= MAX_TOP_EVENTS)
					continue;
				snprintf(w->top[pos].event, sizeof(w->top[pos].event), "%s", top_names[k].event);
				snprintf(w->top[pos].detail, sizeof(w->top[pos].detail), "%s", top_names[k].detail);
				w->top[pos].count = counts[j][k];
				w->top[pos].baseline_ratio = ratio;
				if (w->ntop < MAX_TOP_EVENTS)
					w->ntop++;
			}
		}
		i = end;
	}
}

/* Per VM: the class of most of its windows, with the model's mean
 * probabilities beside it, as doc/formats.md defines a VM's workload (the
 * class of most of its intervals). Only whole windows vote: one the VM
 * lived less than half of (started or stopped in it, or cut by the
 * trace's ends) is a partial sample of its work, and the labeling rule
 * leaves it out too; a VM with no whole window is judged on all of its.
 * A tie goes to work over idle (a VM busy half the time does not do
 * "next to nothing"), then to the larger mean probability. */
static int settle_workloads(struct detect_result *r)
{
	int *whole = calloc(r->nvms ? r->nvms : 1, sizeof(*whole));

	if (!whole)
		return -1;
	for (size_t w = 0; w < r->nwindows; w++) {
		const struct window_result *wr = &r->windows[w];
		struct vm_result *v = &r->vms[wr->vm];

		v->windows++;
		v->interfered_windows += wr->interference;
		v->ood_windows += !wr->in_distribution;
		whole[wr->vm] += !wr->partial;
	}
	for (size_t w = 0; w < r->nwindows; w++) {
		const struct window_result *wr = &r->windows[w];
		struct vm_result *v = &r->vms[wr->vm];

		if (wr->partial && whole[wr->vm])
			continue;
		v->workload_votes[wr->workload]++;
		v->workload_rule_windows += wr->workload_by_rule;
		for (int k = 0; k < WL__COUNT; k++)
			v->workload_prob[k] += wr->p_workload[k];
	}
	for (size_t v = 0; v < r->nvms; v++) {
		struct vm_result *vm = &r->vms[v];
		int voters = 0;

		for (int k = 0; k < WL__COUNT; k++)
			voters += vm->workload_votes[k];
		/* a process's classifier estimates mean nothing: its shares of
		 * windows stand for them */
		for (int k = 0; k < WL__COUNT; k++)
			vm->workload_prob[k] = !voters ? 0 : vm->process ?
				(double)vm->workload_votes[k] / voters :
				vm->workload_prob[k] / voters;
		vm->workload = WL_IDLE;
		for (int k = 1; k < WL__COUNT; k++)
			if (vm->workload_votes[k] > vm->workload_votes[vm->workload] ||
			    (vm->workload_votes[k] == vm->workload_votes[vm->workload] &&
			     (vm->workload == WL_IDLE ||
			      vm->workload_prob[k] > vm->workload_prob[vm->workload])))
				vm->workload = k;
	}
	free(whole);
	return 0;
}

int collect_finish(struct collector *c)
{
	return collect_settle(c->res, c->counts);
}

int collect_settle(struct detect_result *r, uint32_t (*counts)[TK__COUNT])
{
	if (sort_windows(r, counts) != 0 || detect_find_episodes(r) != 0 ||
	    settle_workloads(r) != 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	rank_top_events(r, counts);
	if (detect_recommend(r) != 0) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	return 0;
}

int collect_check_model(const struct model_dir *m, const char *path)
{
	const char **names = malloc(nr_features * sizeof(*names));
	int ret;

	if (!names) {
		err_fail(ERR_RESOURCE, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nr_features; i++)
		names[i] = features[i].name;
	ret = model_dir_check_names(m, names, nr_features, "vmint's extractor", path);
	free(names);
	return ret;
}
