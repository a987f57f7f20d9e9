/* SPDX-License-Identifier: MIT */
/*
 * Draws whole scenarios: the host (size, kernel, preemption, slice,
 * disk kind, NIC, daemons), the placement of its VMs (alone, quiet,
 * pinned apart, pinned overlapping, overcommitted, spread), each VM's
 * guest habits and its workload phases with their knobs. The ranges are
 * those of datasets/README.md ("Drawn scenarios"); change both together.
 */
#include "datasets/sim-draw.h"
#include "datasets/sim-scenario.h"
#include "common/err.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAW_MIN_S 10
#define DRAW_MAX_S 14
#define DRAW_MAX_VMS 8

static const char *const knob_names[DRAW_KNOB__COUNT + 1] = { /* NULL-ended */
	"host", "kernel", "disk", "mix", "guest", "preempt", "shape", NULL,
};

static const char *const host_fam[] = { "small", "medium", "large", NULL };
static const char *const kernel_fam[] = { "3", "4", "5", "6", NULL };
static const char *const disk_fam[] = { "ssd", "nvme", "hdd", NULL };
static const char *const mix_fam[] = { "cpu", "disk", "net", "mixed", "idle",
				       NULL };
static const char *const guest_fam[] = { "linux", "windows", NULL };
/* In the order of enum sim_preempt's JSON names. */
static const char *const preempt_fam[] = { "full", "voluntary", "none", NULL };
static const char *const shape_fam[] = { "alone", "quiet", "pinned",
					 "overlap", "overcommit", "spread",
					 NULL };

static const char *const *const families[DRAW_KNOB__COUNT] = {
	host_fam, kernel_fam, disk_fam, mix_fam, guest_fam, preempt_fam,
	shape_fam,
};

/* How often each family comes up when the knob is not restricted. */
static const double host_w[] = { 0.50, 0.35, 0.15 };
static const double kernel_w[] = { 0.10, 0.30, 0.35, 0.25 };
static const double disk_w[] = { 1, 1, 1 };
static const double mix_w[] = { 0.25, 0.20, 0.20, 0.25, 0.10 };
static const double guest_w[] = { 0.75, 0.25 };
static const double preempt_w[] = { 1, 1, 1 };
static const double shape_w[] = { 0.12, 0.10, 0.13, 0.10, 0.25, 0.30 };

static const double *const weights[DRAW_KNOB__COUNT] = {
	host_w, kernel_w, disk_w, mix_w, guest_w, preempt_w, shape_w,
};

enum { MIX_CPU, MIX_DISK, MIX_NET, MIX_MIXED, MIX_IDLE };
enum { SHAPE_ALONE, SHAPE_QUIET, SHAPE_PINNED, SHAPE_OVERLAP,
       SHAPE_OVERCOMMIT, SHAPE_SPREAD };

static const char *const kernels[4][5] = {
	{ "3.10.0", "3.16.0", NULL },
	{ "4.4.0", "4.9.0", "4.15.0", "4.19.0", NULL },
	{ "5.4.0", "5.10.0", "5.15.0", NULL },
	{ "6.1.0", "6.5.0", "6.8.0", NULL },
};

static const char *const daemon_names[] = {
	"backupd", "updatedb", "logrotate", "scrubd", "mandb", "apt-check",
	"rsync", "smartd", "fstrim", "node_exporter", "puppet", "clamd",
};

struct drawer {
	gsl_rng *r;                  /* owned */
	const struct draw_filter *f; /* weak */
	int fam[DRAW_KNOB__COUNT];   /* the family drawn, -1: mixed */
	double dur;
	int cpus;
	int pids[DRAW_MAX_VMS];      /* QEMU pids drawn so far */
	int npids;
	/* The devices, to keep a phase bound by the resource it names. */
	double disk_us, disk_mb_s, seek_us, nic_mbit_s, rtt_us;
	int disk_parallel;
};

const char *draw_knob_name(enum draw_knob k)
{
	return knob_names[k];
}

const char *const *draw_family_names(enum draw_knob k)
{
	return families[k];
}

void draw_filter_init(struct draw_filter *f)
{
	for (int k = 0; k < DRAW_KNOB__COUNT; k++)
		f->only[k] = -1;
}

static void list_names(char *buf, size_t size, const char *const *names)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; names[i] && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
				      names[i]);
}

int draw_filter_add(struct draw_filter *f, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char list[160];

	for (int k = 0; eq && k < DRAW_KNOB__COUNT; k++) {
		if (strlen(knob_names[k]) != (size_t)(eq - kv) ||
		    strncmp(kv, knob_names[k], (size_t)(eq - kv)) != 0)
			continue;
		for (int v = 0; families[k][v]; v++)
			if (strcmp(eq + 1, families[k][v]) == 0) {
				f->only[k] = v;
				return 0;
			}
		list_names(list, sizeof(list), families[k]);
		err_fail(ERR_USAGE, "--family '%s': %s must be one of %s", kv,
			   knob_names[k], list);
		return -1;
	}
	list_names(list, sizeof(list), knob_names);
	err_fail(ERR_USAGE, "--family '%s' must be KEY=VALUE, KEY one of %s", kv, list);
	return -1;
}

static double uni(struct drawer *d, double lo, double hi)
{
	return gsl_ran_flat(d->r, lo, hi);
}

static double loguni(struct drawer *d, double lo, double hi)
{
	return exp(gsl_ran_flat(d->r, log(lo), log(hi)));
}

static int irange(struct drawer *d, int lo, int hi)
{
	return lo + (int)gsl_rng_uniform_int(d->r, (unsigned long)(hi - lo + 1));
}

static int chance(struct drawer *d, double p)
{
	return gsl_rng_uniform(d->r) < p;
}

/* Rounded to `decimals`, so that scenario.json reads well and parses
 * back to the very value used. */
static double rnd(double x, int decimals)
{
	double m = pow(10, decimals);

	return round(x * m) / m;
}

static int pick(struct drawer *d, const double *w, size_t n)
{
	gsl_ran_discrete_t *t = gsl_ran_discrete_preproc(n, w);
	int i;

	if (!t)
		return 0;
	i = (int)gsl_ran_discrete(d->r, t);
	gsl_ran_discrete_free(t);
	return i;
}

static int count_of(const char *const *names)
{
	int n = 0;

	while (names[n])
		n++;
	return n;
}

/* The family of knob k: the filter's, else drawn. */
static int family(struct drawer *d, enum draw_knob k)
{
	if (d->f && d->f->only[k] >= 0)
		return d->f->only[k];
	return pick(d, weights[k], (size_t)count_of(families[k]));
}

static json_t *draw_disk(struct drawer *d)
{
	int kind = d->fam[DRAW_DISK] = family(d, DRAW_DISK);
	json_t *o = json_object();
	double v;

	json_object_set_new(o, "kind", json_string(disk_fam[kind]));
	switch (kind) {
	case SIM_DISK_NVME:
		d->disk_mb_s = rnd(uni(d, 800, 3500), 0);
		d->disk_us = rnd(uni(d, 50, 150), 0);
		v = irange(d, 4, 32);
		d->disk_parallel = 1;
		break;
	case SIM_DISK_HDD:
		d->disk_mb_s = rnd(uni(d, 80, 220), 0);
		d->disk_us = rnd(uni(d, 100, 400), 0);
		d->seek_us = rnd(uni(d, 3000, 10000), 0);
		json_object_set_new(o, "seek_us", json_real(d->seek_us));
		v = 1;
		break;
	default:
		d->disk_mb_s = rnd(uni(d, 150, 550), 0);
		d->disk_us = rnd(uni(d, 80, 250), 0);
		v = 1;
		break;
	}
	json_object_set_new(o, "bandwidth_mb_s", json_real(d->disk_mb_s));
	json_object_set_new(o, "latency_us", json_real(d->disk_us));
	json_object_set_new(o, "queues", json_integer((json_int_t)v));
	return o;
}

static json_t *draw_nic(struct drawer *d)
{
	static const double rates[] = { 100, 1000, 2500, 10000, 25000 };
	static const double rate_w[] = { 0.10, 0.40, 0.15, 0.25, 0.10 };
	double coalesce = chance(d, 0.5) ? 0 : rnd(uni(d, 5, 200), 0);

	d->nic_mbit_s = rates[pick(d, rate_w, 5)];
	d->rtt_us = rnd(loguni(d, 20, 2000), 0);
	return json_pack("{s:f, s:f, s:f}", "rate_mbit_s", d->nic_mbit_s,
			 "coalesce_us", coalesce, "rtt_us", d->rtt_us);
}

static json_t *draw_daemons(struct drawer *d)
{
	static const double count_w[] = { 0.35, 0.35, 0.20, 0.10 };
	int n = pick(d, count_w, 4);
	json_t *arr = json_array();

	for (int i = 0; i < n; i++) {
		/* Short bursts (a cron job) or long ones (a backup). */
		double len = chance(d, 0.55) ? uni(d, 0.05, 0.5) : uni(d, 2, 10);
		double start = uni(d, 0, d->dur - 0.1);
		double end = start + len < d->dur ? start + len : d->dur;
		double max_share = d->cpus < 4 ? d->cpus : 4;

		json_array_append_new(arr, json_pack("{s:s, s:f, s:f, s:f}",
			"name", daemon_names[gsl_rng_uniform_int(d->r, 12)],
			"start_s", rnd(start, 2), "end_s", rnd(end, 2),
			"cpu_share", rnd(uni(d, 0.2, max_share), 2)));
	}
	return arr;
}

static json_t *draw_host(struct drawer *d)
{
	static const int lo[] = { 2, 5, 17 }, hi[] = { 4, 16, 64 };
	int size = d->fam[DRAW_HOST] = family(d, DRAW_HOST);
	int gen = d->fam[DRAW_KERNEL] = family(d, DRAW_KERNEL);
	int pre = d->fam[DRAW_PREEMPT] = family(d, DRAW_PREEMPT);
	const char *kernel = kernels[gen][gsl_rng_uniform_int(
		d->r, (unsigned long)count_of(kernels[gen]))];
	char name[32];
	json_t *h;

	d->cpus = irange(d, lo[size], hi[size]);
	snprintf(name, sizeof(name), "host-%04lx",
		 gsl_rng_uniform_int(d->r, 0x10000));
	h = json_pack("{s:s, s:i, s:s, s:s, s:f}", "name", name, "cpus",
		      d->cpus, "kernel", kernel, "preempt", preempt_fam[pre],
		      "slice_us", rnd(uni(d, 1500, 6000), -2));
	json_object_set_new(h, "cpu_speed", json_real(rnd(uni(d, 0.6, 1.6), 2)));
	json_object_set_new(h, "disk", draw_disk(d));
	json_object_set_new(h, "nic", draw_nic(d));
	json_object_set_new(h, "daemons", draw_daemons(d));
	return h;
}

static json_t *draw_guest(struct drawer *d)
{
	static const int linux_hz[] = { 100, 250, 1000 };
	static const double grow_w[] = { 0.2, 0.6, 0.2 };
	static const int grows[] = { 0, 2, 4 };
	int os = family(d, DRAW_GUEST), win = os == SIM_OS_WINDOWS;
	int hz = win ? (chance(d, 0.8) ? 64 : 1000) :
		 linux_hz[gsl_rng_uniform_int(d->r, 3)];
	int tickless = chance(d, win ? 0.9 : 0.75);
	int lapic = chance(d, win ? 0.5 : 0.25);
	double poll = chance(d, 0.4) ? 0 : rnd(loguni(d, 10, 500), 0);
	json_t *g;

	if (d->fam[DRAW_GUEST] == -2)
		d->fam[DRAW_GUEST] = os;
	else if (d->fam[DRAW_GUEST] != os)
		d->fam[DRAW_GUEST] = -1;
	g = json_pack("{s:s, s:i, s:b, s:s, s:f, s:f, s:i}",
		      "os", guest_fam[os], "hz", hz, "tickless", tickless,
		      "timer", lapic ? "lapic" : "tsc-deadline",
		      "exit_rate", rnd(loguni(d, 300, 10000), -1),
		      "halt_poll_us", poll,
		      "halt_poll_grow", grows[pick(d, grow_w, 3)]);
	json_object_set_new(g, "disk_kick",
			    json_string(chance(d, 0.7) ? "mmio" : "pio"));
	json_object_set_new(g, "net_kick",
			    json_string(chance(d, 0.6) ? "pio" : "mmio"));
	return g;
}

static const int io_sizes[] = { 4, 8, 16, 32, 64, 128, 256, 512, 1024 };

/* Compute: flat out 30% of the time, else from 0.2 (below, the guest
 * halts nearly all the time: doc/formats.md would call it idle). I/O:
 * log-uniform, so that light and heavy I/O are equally common. */
static double intensity(struct drawer *d, int io)
{
	if (io)
		return rnd(loguni(d, 0.05, 1), 2);
	return chance(d, 0.3) ? 1.0 : rnd(uni(d, 0.2, 1), 2);
}

/* Disk knobs of a phase; returns the time of one round of requests on
 * this host's disk alone, in us. */
static double disk_knobs(struct drawer *d, json_t *p, int max_depth)
{
	int depth = (int)round(loguni(d, 1, max_depth));
	int kb = io_sizes[gsl_rng_uniform_int(d->r, 9)];
	double one = kb * 1024 / d->disk_mb_s; /* us: MB/s = bytes/us */

	json_object_set_new(p, "depth", json_integer(depth));
	json_object_set_new(p, "io_kb", json_integer(kb));
	json_object_set_new(p, "read_share", json_real(rnd(uni(d, 0, 1), 2)));
	return d->disk_us + 0.4 * d->seek_us + (d->disk_parallel ? 1 : depth) * one;
}

/* Network knobs of a phase (half of them with answers of many frames,
 * a download); returns the time of one round trip, in us. */
static double net_knobs(struct drawer *d, json_t *p, int max_frames)
{
	double u = gsl_rng_uniform(d->r);
	int bytes = u < 0.7 ? 1514 : u < 0.9 ? irange(d, 64, 1500) : 9000;
	int frames = (int)round(loguni(d, 1, max_frames)), rx = 0, rx_bytes = 0;

	json_object_set_new(p, "frames", json_integer(frames));
	json_object_set_new(p, "frame_bytes", json_integer(bytes));
	if (chance(d, 0.5)) {
		rx = (int)round(loguni(d, 1, 16));
		rx_bytes = chance(d, 0.8) ? 1514 : irange(d, 64, 1500);
		json_object_set_new(p, "rx_frames", json_integer(rx));
		json_object_set_new(p, "rx_bytes", json_integer(rx_bytes));
	}
	/* Mbit/s = bit/us */
	return (frames * bytes + rx * rx_bytes) * 8 / d->nic_mbit_s + d->rtt_us;
}

/* One phase of workload `mix` (MIX_MIXED: a web server that computes
 * and talks, a batch job that computes and writes, a database or an API
 * that computes between its requests; the declared type is the
 * resource that bounds it). */
static json_t *draw_phase(struct drawer *d, int mix, double a, double b)
{
	json_t *p = json_pack("{s:f, s:f}", "start_s", a, "end_s", b);
	int sub = mix == MIX_MIXED ? (int)gsl_rng_uniform_int(d->r, 4) : 0;

	if (mix == MIX_IDLE) {
		json_object_set_new(p, "type", json_string("idle"));
		return p;
	}
	double round_us, work;

	if (mix == MIX_CPU || (mix == MIX_MIXED && sub < 2)) {
		json_object_set_new(p, "type", json_string("cpu"));
		json_object_set_new(p, "intensity", json_real(intensity(d, 0)));
		if (mix == MIX_CPU) {
			json_object_set_new(p, "burst_ms",
					    json_real(rnd(loguni(d, 1, 100), 1)));
			return p;
		}
		json_object_set_new(p, sub == 0 ? "io_net" : "io_disk",
				    json_real(rnd(uni(d, 0.2, 0.8), 2)));
		round_us = sub == 0 ? net_knobs(d, p, 16) : disk_knobs(d, p, 8);
		/* CPU bounds it: a burst lasts 3 I/O rounds at least. */
		work = loguni(d, 0.5, 10);
		if (work < 3 * round_us / 1000)
			work = 3 * round_us / 1000;
		json_object_set_new(p, "burst_ms", json_real(rnd(work, 2)));
		return p;
	}
	sub = mix == MIX_DISK || (mix == MIX_MIXED && sub == 2);
	json_object_set_new(p, "type", json_string(sub ? "disk" : "net"));
	json_object_set_new(p, "intensity", json_real(intensity(d, 1)));
	round_us = sub ? disk_knobs(d, p, 16) : net_knobs(d, p, 32);
	/* The I/O bounds it: the work per round takes half a round at most. */
	work = mix == MIX_MIXED ? loguni(d, 100, 500) : loguni(d, 10, 200);
	if (work > round_us / 2)
		work = round_us / 2 > 5 ? round_us / 2 : 5;
	json_object_set_new(p, "compute_us", json_real(rnd(work, 0)));
	return p;
}

/* Workload phases from `a` to `b`: one to three, cut at random. */
static json_t *draw_phases(struct drawer *d, int shape, double a, double b)
{
	int n = irange(d, 1, 3), mix;
	double cut[4];
	json_t *arr = json_array();

	cut[0] = a;
	cut[n] = b;
	for (int i = 1; i < n; i++)
		cut[i] = rnd(uni(d, a, b), 1);
	for (int i = 1; i < n; i++) /* sorted: n is at most 3 */
		if (cut[i] < cut[i - 1]) {
			double t = cut[i];

			cut[i] = cut[i - 1];
			cut[i - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		if (cut[i + 1] - cut[i] < 0.1)
			continue;
		if (shape == SHAPE_QUIET)
			mix = MIX_IDLE;
		else if (d->f && d->f->only[DRAW_MIX] >= 0)
			mix = chance(d, 0.1) ? MIX_IDLE : d->f->only[DRAW_MIX];
		else
			mix = pick(d, mix_w, 5);
		json_array_append_new(arr, draw_phase(d, mix, cut[i], cut[i + 1]));
	}
	return arr;
}

static int vcpu_size(struct drawer *d, int max)
{
	static const int sizes[] = { 1, 2, 4, 8, 16 };
	static const double w[] = { 0.3, 0.3, 0.25, 0.1, 0.05 };
	int v = sizes[pick(d, w, 5)];

	return v < max ? v : max;
}

/* A QEMU pid whose thread ids (pid .. pid + vCPUs + 4) meet no other's. */
static int draw_pid(struct drawer *d)
{
	for (;;) {
		int pid = 3000 + (int)gsl_rng_uniform_int(d->r, 400000), k;

		for (k = 0; k < d->npids; k++)
			if (abs(pid - d->pids[k]) < SIM_MAX_VCPUS + 8)
				break;
		if (k == d->npids) {
			d->pids[d->npids++] = pid;
			return pid;
		}
	}
}

static json_t *draw_vm(struct drawer *d, int shape, int i, int vcpus,
		       const int *pin)
{
	double start = chance(d, 0.8) ? 0 : rnd(uni(d, 0, d->dur / 2), 1);
	double end = d->dur;
	char name[32];
	json_t *vm;

	snprintf(name, sizeof(name), "vm%02d-%04lx", i,
		 gsl_rng_uniform_int(d->r, 0x10000));
	vm = json_pack("{s:s, s:i, s:i, s:f}", "name", name, "pid", draw_pid(d),
		       "vcpus", vcpus, "start_s", start);
	if (chance(d, 0.1)) {
		end = rnd(uni(d, start + d->dur / 4, d->dur - 0.5), 1);
		json_object_set_new(vm, "end_s", json_real(end));
	}
	if (pin) {
		json_t *p = json_array();

		for (int v = 0; v < vcpus; v++)
			json_array_append_new(p, json_integer(pin[v]));
		json_object_set_new(vm, "pin", p);
	}
	json_object_set_new(vm, "guest", draw_guest(d));
	json_object_set_new(vm, "workload", draw_phases(d, shape, start, end));
	return vm;
}

static json_t *draw_vms(struct drawer *d)
{
	int shape = d->fam[DRAW_SHAPE] = family(d, DRAW_SHAPE);
	int perm[SIM_MAX_CPUS], pin[SIM_MAX_VCPUS], target, total = 0;
	json_t *vms = json_array();

	for (int c = 0; c < d->cpus; c++)
		perm[c] = c;
	gsl_ran_shuffle(d->r, perm, (size_t)d->cpus, sizeof(int));
	switch (shape) {
	case SHAPE_ALONE:
		json_array_append_new(vms, draw_vm(d, shape, 0,
			vcpu_size(d, d->cpus), NULL));
		break;
	case SHAPE_PINNED: /* disjoint pCPU sets */
		for (int i = 0; i < DRAW_MAX_VMS && total < d->cpus; i++) {
			int v = vcpu_size(d, d->cpus - total);

			if (i > 0 && chance(d, 0.25))
				break;
			json_array_append_new(vms, draw_vm(d, shape, i, v,
							   perm + total));
			total += v;
		}
		break;
	case SHAPE_OVERLAP: { /* pins drawn from a shared pool of pCPUs */
		int pool = d->cpus / 2 > 1 ? d->cpus / 2 : 1;
		int n = irange(d, 2, 5);

		for (int i = 0; i < n; i++) {
			int v = vcpu_size(d, 2 * pool);

			for (int k = 0; k < v; k++)
				pin[k] = perm[gsl_rng_uniform_int(
					d->r, (unsigned long)pool)];
			json_array_append_new(vms, draw_vm(d, shape, i, v, pin));
		}
		break;
	}
	default: /* unpinned: quiet, overcommitted or spread */
		target = (int)ceil(d->cpus * (shape == SHAPE_OVERCOMMIT ?
			 uni(d, 1.2, 3.0) : uni(d, 0.2, 1.0)));
		if (shape == SHAPE_QUIET)
			target = irange(d, 1, 6);
		for (int i = 0; i < DRAW_MAX_VMS && total < target; i++) {
			/* Overcommitted by several VMs, not by one alone,
			 * and the target reached within DRAW_MAX_VMS. */
			int left = target - total, need;
			int v = shape == SHAPE_QUIET ? vcpu_size(d, 4) :
				vcpu_size(d, i == 0 && target > 1 ? target / 2 :
					  left);

			need = (left + DRAW_MAX_VMS - i - 1) / (DRAW_MAX_VMS - i);
			if (shape != SHAPE_QUIET && v < need)
				v = need < SIM_MAX_VCPUS ? need : SIM_MAX_VCPUS;
			json_array_append_new(vms, draw_vm(d, shape, i, v, NULL));
			total += shape == SHAPE_QUIET ? 1 : v;
		}
		break;
	}
	return vms;
}

/* The seed of draw `index`: the two mixed (splitmix64's finalizer), so
 * that neighbouring seeds and indices give unrelated streams. */
static unsigned long draw_seed(uint64_t seed, unsigned index)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ull + index + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (unsigned long)(z ^ (z >> 31));
}

static json_t *families_json(const struct drawer *d)
{
	json_t *o = json_object();

	for (int k = 0; k < DRAW_KNOB__COUNT; k++)
		json_object_set_new(o, knob_names[k], json_string(
			d->fam[k] >= 0 ? families[k][d->fam[k]] : "any"));
	return o;
}

json_t *draw_scenario(uint64_t seed, unsigned index,
		      const struct draw_filter *f)
{
	struct drawer d = { .f = f };
	json_t *doc, *host, *vms;
	uint64_t start;

	d.r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!d.r) {
		err_fail(ERR_RESOURCE, "out of memory");
		return NULL;
	}
	gsl_rng_set(d.r, draw_seed(seed, index));
	for (int k = 0; k < DRAW_KNOB__COUNT; k++)
		d.fam[k] = -1;
	d.fam[DRAW_GUEST] = -2; /* set by the first VM's guest */
	d.fam[DRAW_MIX] = f && f->only[DRAW_MIX] >= 0 ? f->only[DRAW_MIX] : -1;
	d.dur = irange(&d, DRAW_MIN_S, DRAW_MAX_S);
	/* Any offset against the window grid (a multiple of 1024 ns, which
	 * a double holds exactly at this magnitude). */
	start = 1700000000000000000ull +
		86400000000000ull * gsl_rng_uniform_int(d.r, 1000) +
		1024ull * gsl_rng_uniform_int(d.r, 976562);
	host = draw_host(&d);
	vms = draw_vms(&d);
	if (d.fam[DRAW_SHAPE] == SHAPE_QUIET)
		d.fam[DRAW_MIX] = MIX_IDLE;
	if (d.fam[DRAW_GUEST] < 0)
		d.fam[DRAW_GUEST] = -1;
	doc = json_pack("{s:s, s:I, s:f, s:I, s:I, s:o, s:o}",
			"schema", "vmint.scenario/1",
			"seed", (json_int_t)(gsl_rng_get(d.r) & 0xffffffffu),
			"duration_s", d.dur, "window_ns", (json_int_t)1000000000,
			"start_ns", (json_int_t)start, "host", host, "vms", vms);
	if (doc)
		json_object_set_new(doc, "draw", json_pack("{s:I, s:i, s:o}",
			"seed", (json_int_t)seed, "index", (int)index,
			"families", families_json(&d)));
	gsl_rng_free(d.r);
	if (!doc)
		err_fail(ERR_RESOURCE, "out of memory");
	return doc;
}
