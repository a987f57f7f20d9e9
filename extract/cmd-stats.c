/* SPDX-License-Identifier: MIT */
/* `vmint stats`: a per-VM summary of a host trace, like perf kvm stat. */
#include "common/version.h"
#include "extract/cmd.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/vms.h"
#include "extract/analysis.h"
#include "extract/host/exit-reason.h"
#include "extract/run.h"
#include "extract/read/trace.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP_THREADS 10

/* A thread, live or dead, as listed. */
struct thread_row {
	int64_t tid, pid;
	const char *comm; /* weak */
	int vm;
	enum thread_role role;
	uint64_t cpu_ns, wait_ns;
};

struct stats_run {
	struct analysis *a;
	struct trace_stats st;
	const struct trace_group *g;
	struct thread_row *threads; /* owned */
	size_t nthreads;
};

enum { OPT_JSON = CLI_OWN };

static const struct cli_option options[] = {
	{ "vms", CLI_VMS, "FILE", NULL },
	{ "json", OPT_JSON, NULL, "the same as JSON (schema vmint.stats/1), with the number "
	  "of events of each type, every thread and every disk" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_spec spec = {
	.cmd = "stats",
	.head =
		"usage: vmint stats TRACE... [--vms FILE] [--json]\n\n"
		"Summarizes a KVM host trace per VM, in the spirit of perf kvm stat:\n"
		"each VM's vCPUs, CPU, guest and preempted time, exit reasons (count,\n"
		"share, mean handling time from exit to next entry), disk and network\n"
		"totals; then the busiest host threads and the disks.\n",
	.opts = options,
	.notes =
		"Per-thread CPU time is counted like lttng-analyses' cputop; disk\n"
		"latencies (issue -> complete) like its iolatency. The traces must be of\n"
		"one host (their environment's hostname): traces of several hosts are\n"
		"bad input (exit 2).\n",
};

static int cmp_threads(const void *x, const void *y)
{
	const struct thread_row *a = x, *b = y;

	if (a->cpu_ns != b->cpu_ns)
		return a->cpu_ns < b->cpu_ns ? 1 : -1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int collect_threads(struct stats_run *r)
{
	struct host *h = &r->a->host;
	size_t n = h->threads.n + h->ndead, pos = 0, i;
	int64_t tid;
	void *v;

	r->threads = calloc(n ? n : 1, sizeof(*r->threads));
	if (!r->threads) {
		err_fail(ERR_RESOURCE, "out of memory (thread list)");
		return -1;
	}
	while (tidmap_next(&h->threads, &pos, &tid, &v)) {
		struct thread *t = v;

		int vm = host_thread_vm(h, t);

		r->threads[r->nthreads++] = (struct thread_row){
			t->tid, t->pid, t->comm, vm, t->role, t->cpu_ns, t->wait_ns };
	}
	for (i = 0; i < h->ndead; i++) {
		const struct thread_summary *s = &h->dead[i];

		r->threads[r->nthreads++] = (struct thread_row){
			s->tid, s->pid, s->comm, s->vm, s->role, s->cpu_ns, s->wait_ns };
	}
	qsort(r->threads, r->nthreads, sizeof(*r->threads), cmp_threads);
	return 0;
}

/* ---- text ---- */

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* The VM's exit reasons that occurred, most frequent first (perf kvm
 * stat's default sort). Returns their number; order[] gets the indexes. */
static const struct vm *sort_vm;

static int cmp_exits(const void *x, const void *y)
{
	uint64_t a = sort_vm->tot.exit_count[*(const unsigned *)x];
	uint64_t b = sort_vm->tot.exit_count[*(const unsigned *)y];

	if (a != b)
		return a < b ? 1 : -1;
	return *(const unsigned *)x < *(const unsigned *)y ? -1 : 1;
}

static unsigned exits_by_count(const struct vm *v, unsigned order[EXIT_INDEX_MAX])
{
	unsigned i, n = 0;

	for (i = 0; i < EXIT_INDEX_MAX; i++)
		if (v->tot.exit_count[i])
			order[n++] = i;
	sort_vm = v;
	qsort(order, n, sizeof(*order), cmp_exits);
	return n;
}

static void print_exits(const struct vm *v)
{
	unsigned order[EXIT_INDEX_MAX], k, nr = exits_by_count(v, order);

	if (!nr)
		return;
	printf("    %-24s %10s %8s %14s\n", "exit reason", "count", "share", "mean handling");
	for (k = 0; k < nr; k++) {
		unsigned i = order[k];
		uint64_t n = v->tot.exit_count[i];

		printf("    %-24s %10" PRIu64 " %7.2f%% %11.2f us\n", exit_reason_name(i), n,
		       100.0 * (double)n / (double)v->tot.exits,
		       (double)v->tot.exit_handle_ns[i] / (double)n / 1e3);
	}
}

/* A process tenant: no vCPU, guest mode or exits to tell. */
static void print_process(const struct vm *v)
{
	printf("process %s (pid %" PRId64 "): a process tenant\n", v->name, v->pid);
	printf("    CPU %.3f ms, runnable wait %.3f ms, preempted %.3f ms (%" PRIu64
	       " preemptions)\n", ms(v->tot.cpu_ns), ms(v->tot.wait_ns),
	       ms(v->tot.preempted_ns), v->tot.preemptions);
	printf("    disk %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64 " bytes; net sent %"
	       PRIu64 " packets %" PRIu64 " bytes, received %" PRIu64 " packets %" PRIu64
	       " bytes\n\n", v->tot.disk_rd, v->tot.disk_wr, v->tot.disk_bytes,
	       v->tot.net_tx_pkts, v->tot.net_tx_bytes, v->tot.net_rx_pkts,
	       v->tot.net_rx_bytes);
}

static void print_text(const struct stats_run *r)
{
	const struct host *h = &r->a->host;
	const struct io *io = &r->a->io;
	size_t i, shown = 0;

	printf("host %s: %" PRIu64 " events, %" PRIu64 " discarded, %d CPUs, %.3f s\n\n",
	       r->st.hostname[0] ? r->st.hostname : "?", r->st.events,
	       r->st.discarded_events, r->st.ncpus,
	       (double)(r->st.last_ns - r->st.first_ns) / 1e9);
	if (!host_vms_seen(h))
		printf("no virtual machine found\n\n");
	for (i = 0; i < h->nvms; i++) {
		const struct vm *v = h->vms[i];

		if (!v->seen)
			continue;
		if (v->kind == TENANT_PROCESS) {
			print_process(v);
			continue;
		}
		printf("VM %s (pid %" PRId64 "): %d vCPUs\n", v->name, v->pid, v->nvcpus);
		printf("    CPU %.3f ms, guest %.3f ms, root %.3f ms, runnable wait %.3f ms,"
		       " preempted %.3f ms (%" PRIu64 " preemptions), blocked %.3f ms\n",
		       ms(v->tot.cpu_ns), ms(v->tot.guest_ns), ms(v->tot.root_ns),
		       ms(v->tot.wait_ns), ms(v->tot.preempted_ns), v->tot.preemptions,
		       ms(v->tot.blocked_ns));
		printf("    exits %" PRIu64 "; disk %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
		       " bytes; net sent %" PRIu64 " packets %" PRIu64 " bytes, received %" PRIu64
		       " packets %" PRIu64 " bytes\n",
		       v->tot.exits, v->tot.disk_rd, v->tot.disk_wr, v->tot.disk_bytes,
		       v->tot.net_tx_pkts, v->tot.net_tx_bytes, v->tot.net_rx_pkts,
		       v->tot.net_rx_bytes);
		print_exits(v);
		printf("\n");
	}
	printf("busiest host threads:\n    %8s %8s %-16s %12s\n", "tid", "pid", "comm", "CPU ms");
	for (i = 0; i < r->nthreads && shown < TOP_THREADS; i++) {
		if (r->threads[i].vm >= 0)
			continue;
		printf("    %8" PRId64 " %8" PRId64 " %-16s %12.3f\n", r->threads[i].tid,
		       r->threads[i].pid, r->threads[i].comm, ms(r->threads[i].cpu_ns));
		shown++;
	}
	if (io->ndisks)
		printf("\ndisks:\n    %10s %9s %9s %9s %12s %12s %12s %12s\n", "dev", "requests",
		       "reads", "writes", "bytes", "avg us", "min us", "max us");
	for (i = 0; i < io->ndisks; i++) {
		const struct disk_dev *d = &io->disks[i];

		if (!d->requests)
			continue;
		printf("    %10" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %12" PRIu64
		       " %12.3f %12.3f %12.3f\n", d->dev, d->requests, d->reads, d->writes,
		       d->bytes, (double)d->lat_sum / (double)d->requests / 1e3,
		       d->lat_min / 1e3, d->lat_max / 1e3);
	}
	if (io->nnets)
		printf("\nnetwork interfaces (as the tracepoints see them):\n    %-15s %10s %12s "
		       "%10s %12s\n", "name", "tx packets", "tx bytes", "rx packets", "rx bytes");
	for (i = 0; i < io->nnets; i++) {
		const struct net_dev *n = &io->nets[i];

		printf("    %-15s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %12" PRIu64 "\n",
		       n->name, n->packets_tx, n->bytes_tx, n->packets_rx, n->bytes_rx);
	}
}

/* ---- JSON ---- */

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *json_trace(const struct stats_run *r)
{
	json_t *t = json_object(), *paths = json_array();
	size_t i;

	for (i = 0; i < r->g->ndirs; i++)
		json_array_append_new(paths, json_string(r->g->dirs[i]));
	json_object_set_new(t, "paths", paths);
	json_object_set_new(t, "hostname", r->st.hostname[0] ?
			    json_string(r->st.hostname) : json_null());
	json_object_set_new(t, "start_ns", jint(r->st.first_ns));
	json_object_set_new(t, "end_ns", jint(r->st.last_ns));
	json_object_set_new(t, "events", jint(r->st.events));
	json_object_set_new(t, "discarded_events", jint(r->st.discarded_events));
	json_object_set_new(t, "cpus", json_integer(r->st.ncpus));
	return t;
}

static json_t *json_event_counts(const struct stats_run *r)
{
	json_t *o = json_object();
	uint32_t i;

	for (i = 0; i < r->st.ntypes; i++)
		if (r->st.type_counts[i])
			json_object_set_new(o, ev_type_name(i), jint(r->st.type_counts[i]));
	return o;
}

static json_t *json_vm(const struct vm *v)
{
	json_t *o = json_object(), *ex = json_array(), *disk, *net;
	unsigned order[EXIT_INDEX_MAX], k, nr = exits_by_count(v, order);

	json_object_set_new(o, "name", json_string(v->name));
	json_object_set_new(o, "pid", json_integer(v->pid));
	/* Only said of process tenants: a VM's entry is as it always was. */
	if (v->kind == TENANT_PROCESS)
		json_object_set_new(o, "kind", json_string("process"));
	json_object_set_new(o, "uuid", v->uuid ? json_string(v->uuid) : json_null());
	json_object_set_new(o, "vcpus", json_integer(v->nvcpus));
	json_object_set_new(o, "cpu_ns", jint(v->tot.cpu_ns));
	json_object_set_new(o, "guest_ns", jint(v->tot.guest_ns));
	json_object_set_new(o, "root_ns", jint(v->tot.root_ns));
	json_object_set_new(o, "wait_ns", jint(v->tot.wait_ns));
	json_object_set_new(o, "preempted_ns", jint(v->tot.preempted_ns));
	json_object_set_new(o, "preemptions", jint(v->tot.preemptions));
	json_object_set_new(o, "blocked_ns", jint(v->tot.blocked_ns));
	json_object_set_new(o, "exits", jint(v->tot.exits));
	for (k = 0; k < nr; k++) {
		unsigned i = order[k];
		uint64_t n = v->tot.exit_count[i];
		json_t *e = json_object();

		json_object_set_new(e, "reason", json_string(exit_reason_name(i)));
		json_object_set_new(e, "count", jint(n));
		json_object_set_new(e, "share", json_real((double)n / (double)v->tot.exits));
		json_object_set_new(e, "mean_handling_ns",
				    json_real((double)v->tot.exit_handle_ns[i] / (double)n));
		json_array_append_new(ex, e);
	}
	json_object_set_new(o, "exit_reasons", ex);
	disk = json_object();
	json_object_set_new(disk, "reads", jint(v->tot.disk_rd));
	json_object_set_new(disk, "writes", jint(v->tot.disk_wr));
	json_object_set_new(disk, "bytes", jint(v->tot.disk_bytes));
	json_object_set_new(o, "disk", disk);
	net = json_object();
	json_object_set_new(net, "tx_packets", jint(v->tot.net_tx_pkts));
	json_object_set_new(net, "tx_bytes", jint(v->tot.net_tx_bytes));
	json_object_set_new(net, "rx_packets", jint(v->tot.net_rx_pkts));
	json_object_set_new(net, "rx_bytes", jint(v->tot.net_rx_bytes));
	json_object_set_new(o, "net", net);
	return o;
}

static json_t *json_threads(const struct stats_run *r)
{
	const struct host *h = &r->a->host;
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < r->nthreads; i++) {
		const struct thread_row *t = &r->threads[i];
		json_t *o = json_object();

		json_object_set_new(o, "tid", json_integer(t->tid));
		json_object_set_new(o, "pid", t->pid > 0 ? json_integer(t->pid) : json_null());
		json_object_set_new(o, "comm", json_string(t->comm));
		json_object_set_new(o, "cpu_ns", jint(t->cpu_ns));
		json_object_set_new(o, "vm", t->vm >= 0 ? json_string(h->vms[t->vm]->name) :
				    json_null());
		if (t->role == ROLE_TASK) /* a process tenant's thread */
			json_object_set_new(o, "wait_ns", jint(t->wait_ns));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *json_disks(const struct io *io)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < io->ndisks; i++) {
		const struct disk_dev *d = &io->disks[i];
		json_t *o, *lat;

		if (!d->requests)
			continue;
		o = json_object();
		json_object_set_new(o, "dev", jint(d->dev));
		json_object_set_new(o, "requests", jint(d->requests));
		json_object_set_new(o, "read", jint(d->reads));
		json_object_set_new(o, "write", jint(d->writes));
		json_object_set_new(o, "bytes", jint(d->bytes));
		lat = json_object();
		json_object_set_new(lat, "avg", json_real((double)d->lat_sum / (double)d->requests));
		json_object_set_new(lat, "min", jint(d->lat_min));
		json_object_set_new(lat, "max", jint(d->lat_max));
		json_object_set_new(o, "latency_ns", lat);
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Per interface: net_dev_xmit (tx) and receive events (rx), with the
 * tracepoints' len: the whole frame when sent, without its link-layer
 * header when received (eth_type_trans pulled it). */
static json_t *json_interfaces(const struct io *io)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < io->nnets; i++) {
		const struct net_dev *n = &io->nets[i];

		json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o, s:o}",
			"name", n->name, "tx_packets", jint(n->packets_tx),
			"tx_bytes", jint(n->bytes_tx), "rx_packets", jint(n->packets_rx),
			"rx_bytes", jint(n->bytes_rx)));
	}
	return arr;
}

static int print_json(const struct stats_run *r)
{
	const struct host *h = &r->a->host;
	json_t *root = json_object(), *vms = json_array();
	size_t i;
	int rc;

	json_object_set_new(root, "schema", json_string("vmint.stats/1"));
	json_object_set_new(root, "tool", json_pack("{s:s,s:s}", "name", "vmint",
						    "version", VMINT_VERSION));
	json_object_set_new(root, "trace", json_trace(r));
	json_object_set_new(root, "event_counts", json_event_counts(r));
	for (i = 0; i < h->nvms; i++)
		if (h->vms[i]->seen)
			json_array_append_new(vms, json_vm(h->vms[i]));
	json_object_set_new(root, "vms", vms);
	json_object_set_new(root, "threads", json_threads(r));
	json_object_set_new(root, "disks", json_disks(&r->a->io));
	json_object_set_new(root, "interfaces", json_interfaces(&r->a->io));
	rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
	fputc('\n', stdout);
	json_decref(root);
	if (rc < 0) {
		err_fail(ERR_RESOURCE, "cannot write the JSON summary");
		return -1;
	}
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct cli_common com = { 0 };
	struct cli cli;
	int json = 0, key, rc = VMINT_EXIT_OK;
	struct trace_group *groups = NULL;
	size_t ngroups = 0;
	struct vms_file vms = { 0 };
	struct stats_run r;
	struct analysis_config cfg = { .window_ns = 1000000000ull, .keep_dead_threads = 1 };

	cli_begin(&cli, &spec, &com);
	while ((key = cli_next(&cli, argc, argv)) > 0)
		if (key == OPT_JSON)
			json = 1;
	if (key < 0)
		return cli.status;
	if (optind >= argc)
		return cli_usage(&cli, "no trace given");
	memset(&r, 0, sizeof(r));
	if (trace_discover(argv + optind, (size_t)(argc - optind), &groups, &ngroups) < 0)
		return VMINT_EXIT_INPUT;
	if (ngroups != 1) {
		/* The command line is well formed; the traces are not one summary. */
		err_fail(ERR_INPUT, "the traces are of %zu hosts: give the traces of one host", ngroups);
		rc = VMINT_EXIT_INPUT;
		goto end;
	}
	r.g = &groups[0];
	if (run_load_vms(com.vms, r.g, argv + optind, (size_t)(argc - optind), &vms) < 0) {
		rc = VMINT_EXIT_INPUT;
		goto end;
	}
	cfg.vms = vms.n ? &vms : NULL;
	r.a = analysis_create(&cfg);
	if (!r.a) {
		rc = VMINT_EXIT_INTERNAL;
		goto end;
	}
	if (run_analysis(r.g, r.a, 1, &r.st) < 0) {
		rc = VMINT_EXIT_INPUT;
		goto end;
	}
	if (!host_vms_seen(&r.a->host))
		warn_msg("no virtual machine found");
	if (collect_threads(&r) < 0) {
		rc = VMINT_EXIT_INTERNAL;
		goto end;
	}
	if (json)
		rc = print_json(&r) < 0 ? VMINT_EXIT_INTERNAL : VMINT_EXIT_OK;
	else
		print_text(&r);
end:
	free(r.threads);
	trace_stats_fini(&r.st);
	analysis_destroy(r.a);
	vms_fini(&vms);
	trace_groups_free(groups, ngroups);
	return rc;
}
