/* SPDX-License-Identifier: MIT */
#include "detect/recommend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A VM interfered in at least this share of its windows (and in at least
 * MIN_PERSISTENT windows) suffers persistently: moving a VM is worth it. */
#define PERSISTENT_SHARE 0.5
#define MIN_PERSISTENT 3
/* Throttle a culprit to this share of what it used while it interfered. */
#define LIMIT_FACTOR 0.5
/* The host is overcommitted when the VMs' CPU demand (run + runnable wait)
 * reaches its pCPUs; then, unless one neighbour caused at least DOMINANT of
 * the delay, adding capacity is the answer rather than blaming anyone. */
#define SATURATED 1.0
#define DOMINANT 0.5
#define CPU_PERIOD_US 100000

/* What a VM suffered, from its supported windows only
 * (recommend_supported()). */
struct victim {
	int windows_by_res[RES__COUNT];
	int nres;
	enum resource main_res;
	int measured;     /* windows interfered by measurement */
	int windows;      /* supported interfered windows */
	int culprit;      /* main culprit on main_res, by delay caused */
	double culprit_delay, total_delay; /* ns on main_res */
};

static int priority(enum action a)
{
	switch (a) {
	case ACT_MIGRATE: return 4;
	case ACT_PIN: return 3;
	case ACT_LIMIT: return 2;
	case ACT_ADD_RESOURCES: return 1;
	case ACT_NONE: break;
	}
	return 0;
}

static void add_param(struct recommendation *rec, const char *key, double v)
{
	if (rec->nparams == MAX_PARAMS)
		return;
	snprintf(rec->params[rec->nparams].key, sizeof(rec->params[0].key), "%s", key);
	rec->params[rec->nparams++].value = v;
}

/* A window a recommendation may rest on (recommend.h). */
int recommend_supported(const struct window_result *w)
{
	return w->interference &&
	       (w->by_measurement || (w->by_model && w->in_distribution));
}

/* Mean use of VM `vm` over the victim's supported windows on `res` (same
 * start times): what it did while the victim was hurt. */
static struct window_use culprit_use(const struct detect_result *r, int victim,
				     enum resource res, int vm)
{
	struct window_use sum = { 0 };
	int n = 0;

	for (size_t v = 0; v < r->nwindows; v++) {
		const struct window_result *vw = &r->windows[v];

		if (vw->vm != victim || vw->resource != res || !recommend_supported(vw))
			continue;
		for (size_t w = 0; w < r->nwindows; w++) {
			const struct window_result *wr = &r->windows[w];

			if (wr->vm != vm || wr->start_ns != vw->start_ns)
				continue;
			sum.cpu_cores += wr->use.cpu_cores;
			sum.wait_cores += wr->use.wait_cores;
			sum.disk_iops += wr->use.disk_iops;
			sum.disk_bps += wr->use.disk_bps;
			sum.net_pps += wr->use.net_pps;
			sum.net_bps += wr->use.net_bps;
			n++;
		}
	}
	if (n) {
		sum.cpu_cores /= n; sum.wait_cores /= n;
		sum.disk_iops /= n; sum.disk_bps /= n;
		sum.net_pps /= n; sum.net_bps /= n;
	}
	return sum;
}

/* Is the host overcommitted: all VMs' CPU demand (run + runnable wait),
 * in the victim's CPU windows, at least its pCPUs? */
static int cpu_saturated(const struct detect_result *r, int victim)
{
	double demand = 0;

	for (size_t v = 0; v < r->nvms; v++) {
		struct window_use u = culprit_use(r, victim, RES_CPU, (int)v);

		demand += u.cpu_cores + u.wait_cores;
	}
	return r->cpus > 0 && demand >= SATURATED * r->cpus;
}

/* Delay (ns) that `culprit` caused `vm` on `res` over vm's supported
 * windows: its share of the delay measured there. */
static double caused(const struct detect_result *r, int culprit, int vm,
		     enum resource res)
{
	double d = 0;

	for (size_t i = 0; i < r->nwindows; i++) {
		const struct window_result *w = &r->windows[i];

		if (w->vm != vm || w->resource != res || !recommend_supported(w))
			continue;
		for (int c = 0; c < w->nculprits; c++)
			if (w->culprits[c].vm == culprit)
				d += w->culprits[c].share * w->delay_ns[res];
	}
	return d;
}

/* Was `culprit` ahead of `victim` in the queue on `res`: it delayed the
 * victim more than the victim delayed it? The host is never queued behind
 * a VM in the ledger, so it is ahead whenever it caused delay. */
static int ahead(const struct detect_result *r, int culprit, int victim,
		 enum resource res)
{
	double d = caused(r, culprit, victim, res);

	if (culprit == CULPRIT_HOST)
		return d > 0;
	return d > 0 && d > caused(r, victim, culprit, res);
}

/* Returns 0, or -1 when out of memory. */
static int summarize_victim(const struct detect_result *r, int vm, struct victim *v)
{
	double *by; /* delay caused, ns: [0] the host, [1 + i] VM i */

	memset(v, 0, sizeof(*v));
	v->main_res = RES_NONE;
	v->culprit = CULPRIT_HOST;
	for (size_t i = 0; i < r->nwindows; i++) {
		const struct window_result *w = &r->windows[i];

		if (w->vm != vm || !recommend_supported(w) || w->resource == RES_NONE)
			continue;
		if (v->windows_by_res[w->resource]++ == 0)
			v->nres++;
		v->windows++;
		v->measured += w->by_measurement;
	}
	for (enum resource res = RES_CPU; res < RES__COUNT; res++)
		if (v->windows_by_res[res] > 0 && (v->main_res == RES_NONE ||
		    v->windows_by_res[res] > v->windows_by_res[v->main_res]))
			v->main_res = res;
	if (v->main_res == RES_NONE)
		return 0;
	by = calloc(r->nvms + 1, sizeof(*by));
	if (!by)
		return -1;
	/* the main culprit: the most delay caused on the main resource */
	for (size_t i = 0; i < r->nwindows; i++) {
		const struct window_result *w = &r->windows[i];

		if (w->vm != vm || !recommend_supported(w) || w->resource != v->main_res)
			continue;
		v->total_delay += w->delay_ns[v->main_res];
		for (int c = 0; c < w->nculprits; c++)
			by[w->culprits[c].vm + 1] += w->culprits[c].share * w->delay_ns[v->main_res];
	}
	for (size_t k = 0; k <= r->nvms; k++) {
		if (by[k] > v->culprit_delay) {
			v->culprit_delay = by[k];
			v->culprit = (int)k - 1;
		}
	}
	free(by);
	return 0;
}

static int episodes_of(const struct detect_result *r, int vm, enum resource res,
		       int **out)
{
	int n = 0;

	*out = malloc((r->nepisodes ? r->nepisodes : 1) * sizeof(int));
	if (!*out)
		return -1;
	for (size_t e = 0; e < r->nepisodes; e++)
		if (r->episodes[e].vm == vm &&
		    (res == RES_NONE || r->episodes[e].resource == res))
			(*out)[n++] = (int)e;
	return n;
}

/* The smaller of two VMs (fewer vCPUs, then less CPU used): cheaper to move. */
static int smaller_vm(const struct detect_result *r, int a, int b)
{
	if (r->vms[a].vcpus != r->vms[b].vcpus)
		return r->vms[a].vcpus < r->vms[b].vcpus ? a : b;
	return r->vms[a].totals.cpu_ns <= r->vms[b].totals.cpu_ns ? a : b;
}

int recommend_persistent(int supported, int measured, int windows)
{
	return measured > 0 && supported >= MIN_PERSISTENT &&
	       supported >= PERSISTENT_SHARE * windows;
}

int recommend_migrate_subject(const struct detect_result *r, int victim, int culprit)
{
	return culprit == CULPRIT_HOST ? victim : smaller_vm(r, victim, culprit);
}

static void plan_migrate(const struct detect_result *r, int victim,
			 const struct victim *v, struct recommendation *rec)
{
	int subject = recommend_migrate_subject(r, victim, v->culprit);
	const struct vm_result *vr = &r->vms[victim];

	rec->action = ACT_MIGRATE;
	rec->vm = subject;
	rec->resource = v->main_res;
	snprintf(rec->reason, sizeof(rec->reason),
		 "%s was interfered in %d of its %d windows%s%s; %s is the "
		 "smaller VM to move away from %s",
		 vr->name, v->windows, vr->windows,
		 v->nres > 1 ? ", on several resources" : ", persistently",
		 v->culprit == CULPRIT_HOST ? " by host processes" : "",
		 detect_culprit_name(r, subject),
		 subject == victim ? detect_culprit_name(r, v->culprit) : vr->name);
	snprintf(rec->command, sizeof(rec->command),
		 "virsh migrate --live --persistent %s qemu+ssh://DESTINATION/system",
		 detect_culprit_name(r, subject));
	rec->watcher = r->vms[subject].uuid != NULL;
}

static void plan_cpu(const struct detect_result *r, int victim, int culprit,
		     struct recommendation *rec)
{
	const struct vm_result *vv = &r->vms[victim], *cv;
	struct window_use use;
	double per_vcpu;
	int quota;

	if (culprit == CULPRIT_HOST) {
		rec->action = ACT_LIMIT;
		rec->vm = CULPRIT_HOST;
		snprintf(rec->reason, sizeof(rec->reason),
			 "host processes held the pCPUs that %s's vCPUs waited for; "
			 "cap them (systemd CPUQuota=) or keep them off the VMs' pCPUs",
			 vv->name);
		return;
	}
	cv = &r->vms[culprit];
	if (vv->vcpus > 0 && cv->vcpus > 0 && vv->vcpus + cv->vcpus <= r->cpus) {
		/* Enough pCPUs to give each its own: no throttling needed. */
		int n = 0;

		rec->action = ACT_PIN;
		rec->vm = victim;
		add_param(rec, "victim_first_cpu", 0);
		add_param(rec, "culprit_first_cpu", vv->vcpus);
		snprintf(rec->reason, sizeof(rec->reason),
			 "%s's vCPUs waited for pCPUs held by %s; %d + %d vCPUs fit "
			 "on disjoint sets of the host's %d pCPUs",
			 vv->name, cv->name, vv->vcpus, cv->vcpus, r->cpus);
		for (int i = 0; i < vv->vcpus && n < (int)sizeof(rec->command) - 64; i++)
			n += snprintf(rec->command + n, sizeof(rec->command) - (size_t)n,
				      "%svirsh vcpupin %s %d %d --live", n ? "; " : "",
				      vv->name, i, i);
		for (int i = 0; i < cv->vcpus && n < (int)sizeof(rec->command) - 64; i++)
			n += snprintf(rec->command + n, sizeof(rec->command) - (size_t)n,
				      "; virsh vcpupin %s %d %d --live", cv->name, i,
				      vv->vcpus + i);
		return;
	}
	use = culprit_use(r, victim, RES_CPU, culprit);
	per_vcpu = cv->vcpus > 0 ? use.cpu_cores / cv->vcpus : use.cpu_cores;
	quota = (int)lround(CPU_PERIOD_US * fmin(1.0, fmax(0.1, LIMIT_FACTOR * per_vcpu)));
	rec->action = ACT_LIMIT;
	rec->vm = culprit;
	add_param(rec, "vcpu_quota_us", quota);
	add_param(rec, "vcpu_period_us", CPU_PERIOD_US);
	add_param(rec, "measured_cpu_cores", use.cpu_cores);
	snprintf(rec->reason, sizeof(rec->reason),
		 "%s held the pCPUs that %s's vCPUs waited for; it used %.2f "
		 "cores meanwhile: cap each vCPU at %d%%",
		 cv->name, vv->name, use.cpu_cores, quota * 100 / CPU_PERIOD_US);
	snprintf(rec->command, sizeof(rec->command),
		 "virsh schedinfo %s --live --set vcpu_period=%d,vcpu_quota=%d",
		 cv->name, CPU_PERIOD_US, quota);
}

static void plan_io(const struct detect_result *r, int victim, int culprit,
		    enum resource res, struct recommendation *rec)
{
	const struct vm_result *vv = &r->vms[victim];
	struct window_use use;

	rec->action = ACT_LIMIT;
	rec->vm = culprit;
	if (culprit == CULPRIT_HOST) {
		snprintf(rec->reason, sizeof(rec->reason),
			 "host processes delayed %s's %s traffic; throttle them "
			 "(systemd IOReadBandwidthMax= / tc)", vv->name,
			 resource_name(res));
		return;
	}
	use = culprit_use(r, victim, res, culprit);
	if (res == RES_DISK) {
		long iops = lround(fmax(10, LIMIT_FACTOR * use.disk_iops));
		long bps = lround(fmax(1 << 20, LIMIT_FACTOR * use.disk_bps));

		add_param(rec, "total_iops_sec", (double)iops);
		add_param(rec, "total_bytes_sec", (double)bps);
		snprintf(rec->reason, sizeof(rec->reason),
			 "%s's requests queued behind %s's on the shared disk; %s "
			 "issued %.0f requests/s (%.1f MB/s) meanwhile (disk target "
			 "vda assumed: see virsh domblklist)",
			 vv->name, r->vms[culprit].name, r->vms[culprit].name,
			 use.disk_iops, use.disk_bps / 1e6);
		snprintf(rec->command, sizeof(rec->command),
			 "virsh blkdeviotune %s vda --live --total-iops-sec %ld "
			 "--total-bytes-sec %ld", r->vms[culprit].name, iops, bps);
	} else {
		long kib = lround(fmax(128, LIMIT_FACTOR * use.net_bps / 1024));
		const char *tap = r->vms[culprit].tap;

		add_param(rec, "outbound_average_kib", (double)kib);
		snprintf(rec->reason, sizeof(rec->reason),
			 "%s's packets queued behind %s's on the shared NIC; %s sent "
			 "%.1f MB/s meanwhile%s",
			 vv->name, r->vms[culprit].name, r->vms[culprit].name,
			 use.net_bps / 1e6, tap[0] ? "" :
			 " (interface vnet0 assumed: see virsh domiflist)");
		snprintf(rec->command, sizeof(rec->command),
			 "virsh domiftune %s %s --live --outbound %ld,%ld,%ld",
			 r->vms[culprit].name, tap[0] ? tap : "vnet0", kib, kib * 2, kib);
	}
}

/* A process tenant is no libvirt domain: no virsh command or Watcher
 * action names it (the advice and its parameters stand). */
static void drop_domain_commands(const struct detect_result *r, struct recommendation *rec)
{
	for (size_t v = 0; v < r->nvms; v++) {
		char pin[96];

		if (!r->vms[v].process)
			continue;
		snprintf(pin, sizeof(pin), "vcpupin %s ", r->vms[v].name);
		if (rec->vm == (int)v || strstr(rec->command, pin)) {
			rec->command[0] = '\0';
			rec->watcher = 0;
		}
	}
}

static int push(struct detect_result *r, struct recommendation *rec)
{
	struct recommendation *n = realloc(r->recs, (r->nrecs + 1) * sizeof(*n));

	drop_domain_commands(r, rec);
	if (!n) {
		free(rec->episodes);
		return -1;
	}
	r->recs = n;
	r->recs[r->nrecs++] = *rec;
	return 0;
}

/* Keeps the strongest advice per subject VM, and drops a pin whose other
 * party is being migrated: no duplicate or contradictory advice. */
static void dedupe(struct detect_result *r)
{
	size_t out = 0;

	for (size_t i = 0; i < r->nrecs; i++) {
		struct recommendation *a = &r->recs[i];
		int keep = 1;

		for (size_t j = 0; j < r->nrecs && keep; j++) {
			const struct recommendation *b = &r->recs[j];

			if (i == j)
				continue;
			/* the host-level add_resources stands beside a limit
			 * of host processes: two different pieces of advice */
			if (b->vm == a->vm &&
			    (b->action == ACT_ADD_RESOURCES) == (a->action == ACT_ADD_RESOURCES) &&
			    (priority(b->action) > priority(a->action) ||
			     (b->action == a->action && j < i)))
				keep = 0;
			if (a->action == ACT_PIN && b->action == ACT_MIGRATE)
				keep = 0;
		}
		if (keep)
			r->recs[out++] = *a;
		else
			free(a->episodes);
	}
	r->nrecs = out;
}

/* One add_resources for the whole host, resting on the CPU episodes of
 * every VM in `over` (n of them) that waited while it was overcommitted. */
static int plan_host(struct detect_result *r, const int *over, int n)
{
	struct recommendation rec = { .action = ACT_ADD_RESOURCES, .vm = CULPRIT_HOST,
				      .resource = RES_CPU };
	int len;

	rec.episodes = malloc((r->nepisodes ? r->nepisodes : 1) * sizeof(int));
	if (!rec.episodes)
		return -1;
	for (size_t e = 0; e < r->nepisodes; e++)
		for (int i = 0; i < n; i++)
			if (r->episodes[e].vm == over[i] && r->episodes[e].resource == RES_CPU)
				rec.episodes[rec.nepisodes++] = (int)e;
	len = snprintf(rec.reason, sizeof(rec.reason),
		       "the VMs together asked for at least the host's %d pCPUs while "
		       "%d of them waited, no single neighbour to blame (", r->cpus, n);
	for (int i = 0; i < n && len > 0 && (size_t)len < sizeof(rec.reason) - 64; i++)
		len += snprintf(rec.reason + len, sizeof(rec.reason) - (size_t)len, "%s%s",
				i ? ", " : "", r->vms[over[i]].name);
	if (len > 0 && (size_t)len < sizeof(rec.reason))
		snprintf(rec.reason + len, sizeof(rec.reason) - (size_t)len,
			 "): add pCPUs or move load off this host");
	add_param(&rec, "host_cpus", r->cpus);
	add_param(&rec, "waiting_vms", n);
	return push(r, &rec);
}

/*
 * How recommendations are chosen (README.md says the same):
 *  - a VM is a subject only when it was measured as interfered in at least
 *    one window; the windows counted are the supported ones
 *    (recommend_supported()):
 *    measured, or flagged by the model in its distribution;
 *  - persistent (at least MIN_PERSISTENT windows and PERSISTENT_SHARE of
 *    its windows) or on several resources: migrate the victim or its main
 *    culprit, the smaller VM;
 *  - CPU on an overcommitted host (demand >= pCPUs) with no culprit causing
 *    DOMINANT of the delay: one add_resources for the host, for all such
 *    victims together;
 *  - otherwise the main culprit (most delay caused on the main resource):
 *    host processes get a limit; a VM gets a pin (CPU, when the two fit on
 *    disjoint pCPUs) or a limit, and only when it was ahead in the queue:
 *    it delayed the victim more than the victim delayed it. A victim is
 *    never limited on its own behalf; a mutual wait gets no limit.
 */
int detect_recommend(struct detect_result *r)
{
	int *over = malloc((r->nvms ? r->nvms : 1) * sizeof(int)), nover = 0;

	if (!over)
		return -1;
	for (size_t vm = 0; vm < r->nvms; vm++) {
		struct recommendation rec;
		struct victim v;
		int persistent;

		if (summarize_victim(r, (int)vm, &v) < 0) {
			free(over);
			return -1;
		}
		if (v.main_res == RES_NONE || v.measured == 0)
			continue;
		memset(&rec, 0, sizeof(rec));
		persistent = recommend_persistent(v.windows, v.measured, r->vms[vm].windows);
		if (v.nres > 1 || persistent) {
			plan_migrate(r, (int)vm, &v, &rec);
		} else if (v.main_res == RES_CPU && v.culprit_delay < DOMINANT * v.total_delay &&
			   cpu_saturated(r, (int)vm)) { /* the cheap test first */
			over[nover++] = (int)vm;
			continue;
		} else if (!ahead(r, v.culprit, (int)vm, v.main_res)) {
			continue; /* nobody to limit: the culprit waited as long */
		} else if (v.main_res == RES_CPU) {
			plan_cpu(r, (int)vm, v.culprit, &rec);
		} else {
			plan_io(r, (int)vm, v.culprit, v.main_res, &rec);
		}
		rec.resource = v.main_res;
		rec.nepisodes = episodes_of(r, (int)vm,
					    rec.action == ACT_MIGRATE ? RES_NONE : v.main_res,
					    &rec.episodes);
		if (rec.nepisodes < 0 || push(r, &rec) != 0) {
			free(over);
			return -1;
		}
	}
	if (nover && plan_host(r, over, nover) != 0) {
		free(over);
		return -1;
	}
	free(over);
	dedupe(r);
	if (r->nrecs == 0) {
		struct recommendation rec = { .action = ACT_NONE, .vm = -2,
					      .resource = RES_NONE };

		if (r->nvms == 0)
			snprintf(rec.reason, sizeof(rec.reason),
				 "no virtual machine found in the trace");
		else
			snprintf(rec.reason, sizeof(rec.reason),
				 "no interference measured in %zu windows of %zu VMs",
				 r->nwindows, r->nvms);
		return push(r, &rec);
	}
	return 0;
}
