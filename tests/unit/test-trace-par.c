/* SPDX-License-Identifier: MIT */
/* Reading with several decoding threads (trace_options.jobs, `-j N`)
 * hands the handler the very sequence of events that one graph does:
 * same count, same order (a running hash over every event's time, CPU,
 * name and fields), same stats; a handler error stops the workers. */
#include "extract/read/trace.h"
#include "common/err.h"
#include "unit-util.h"

static char traces[512];

struct digest {
	uint64_t events, hash, discarded, backwards, last_ts;
	uint64_t stop_after; /* fail the run at this event (0: never) */
	int on_trace_calls;
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ c[i]) * 0x100000001b3ull; /* FNV-1a */
}

static void mix_int(uint64_t *h, int64_t v)
{
	mix(h, &v, sizeof(v));
}

static void mix_str(uint64_t *h, const char *s)
{
	if (s)
		mix(h, s, strlen(s) + 1);
	else
		mix_int(h, -1);
}

static int on_event(void *ctx, const struct ev *ev)
{
	struct digest *d = ctx;
	uint64_t *h = &d->hash;

	if (d->stop_after && d->events == d->stop_after) {
		err_append("handler stops here");
		return -1;
	}
	d->events++;
	if (ev->ts < d->last_ts)
		d->backwards++;
	d->last_ts = ev->ts;
	mix_int(h, (int64_t)ev->ts);
	mix_int(h, ev->cpu);
	mix_int(h, ev->kind);
	mix_str(h, ev_type_name(ev->type_id));
	switch (ev->kind) {
	case EV_SCHED_SWITCH:
		mix_int(h, ev->u.sched_switch.prev_tid);
		mix_int(h, ev->u.sched_switch.next_tid);
		mix_int(h, ev->u.sched_switch.prev_state);
		mix_str(h, ev->u.sched_switch.prev_comm);
		mix_str(h, ev->u.sched_switch.next_comm);
		break;
	case EV_SCHED_WAKING:
	case EV_SCHED_WAKEUP:
	case EV_SCHED_WAKEUP_NEW:
		mix_int(h, ev->u.wakeup.tid);
		mix_int(h, ev->u.wakeup.target_cpu);
		mix_str(h, ev->u.wakeup.comm);
		break;
	case EV_STATEDUMP_PROCESS:
		mix_int(h, ev->u.statedump.tid);
		mix_int(h, ev->u.statedump.pid);
		mix_str(h, ev->u.statedump.name);
		break;
	case EV_PROCESS_FORK:
		mix_int(h, ev->u.fork.child_tid);
		mix_str(h, ev->u.fork.child_comm);
		break;
	case EV_PROCESS_EXEC:
		mix_int(h, ev->u.exec.tid);
		mix_str(h, ev->u.exec.filename);
		break;
	case EV_KVM_EXIT:
		mix_int(h, ev->u.kvm_exit.exit_reason);
		mix_int(h, ev->u.kvm_exit.vcpu_id);
		break;
	case EV_BLOCK_INSERT:
	case EV_BLOCK_ISSUE:
	case EV_BLOCK_COMPLETE:
		mix_int(h, (int64_t)ev->u.block.sector);
		mix_int(h, (int64_t)ev->u.block.nr_sector);
		mix_int(h, (int64_t)ev->u.block.rwbs);
		break;
	case EV_NET_QUEUE:
	case EV_NET_XMIT:
	case EV_NET_RECEIVE:
	case EV_NET_RX:
		mix_int(h, (int64_t)ev->u.net.skbaddr);
		mix_int(h, (int64_t)ev->u.net.len);
		mix_str(h, ev->u.net.ifname);
		break;
	default:
		break;
	}
	return 0;
}

static void on_discarded(void *ctx, int cpu, uint64_t begin_ns, uint64_t end_ns,
			 uint64_t count)
{
	struct digest *d = ctx;

	(void)cpu;
	(void)begin_ns;
	(void)end_ns;
	d->discarded += count;
}

static void on_trace(void *ctx, const struct trace_info *info)
{
	struct digest *d = ctx;

	(void)info;
	d->on_trace_calls++;
}

/* Reads the first group under `path` with `jobs` threads. */
static int digest_path(const char *path, int jobs, struct digest *d,
		       struct trace_stats *st)
{
	char *paths[1] = { (char *)path };
	struct trace_group *groups;
	size_t ngroups;
	struct trace_options opts = { .jobs = jobs };
	struct trace_handler h = { .ctx = d, .on_event = on_event,
				   .on_discarded = on_discarded,
				   .on_trace = on_trace };
	uint64_t stop = d->stop_after;
	int ret;

	memset(d, 0, sizeof(*d));
	d->stop_after = stop;
	d->hash = 0xcbf29ce484222325ull;
	if (trace_discover(paths, 1, &groups, &ngroups) != 0)
		return -1;
	ret = trace_read(&groups[0], &opts, &h, st);
	trace_groups_free(groups, ngroups);
	return ret;
}

static void assert_same_as_one_thread(const char *path, const int *jobs,
				      size_t njobs, uint64_t min_events)
{
	struct digest one = { 0 }, par = { 0 };
	struct trace_stats st1, stp;

	assert_int_equal(digest_path(path, 1, &one, &st1), 0);
	assert_true(one.events >= min_events);
	assert_int_equal(one.backwards, 0);
	for (size_t i = 0; i < njobs; i++) {
		assert_int_equal(digest_path(path, jobs[i], &par, &stp), 0);
		assert_int_equal(par.events, one.events);
		assert_true(par.hash == one.hash);
		assert_int_equal(par.discarded, one.discarded);
		assert_int_equal(par.on_trace_calls, one.on_trace_calls);
		assert_int_equal(stp.events, st1.events);
		assert_true(stp.first_ns == st1.first_ns);
		assert_true(stp.last_ns == st1.last_ns);
		assert_int_equal(stp.ncpus, st1.ncpus);
		assert_string_equal(stp.hostname, st1.hostname);
		trace_stats_fini(&stp);
	}
	trace_stats_fini(&st1);
}

/* The committed simulated sample: 2 streams, one per worker. */
static void sample_same_sequence(void **state)
{
	static const int jobs[] = { 2, 3 };

	(void)state;
	assert_same_as_one_thread("datasets/sample", jobs, 2, 100000);
}

/* A real LTTng trace of 4 CPUs (586,229 events, see the traces' README). */
static void yum_same_sequence(void **state)
{
	static const int jobs[] = { 2, 3, 4 };
	char path[1024];

	(void)state;
	need_trace(traces, "tvl-yum");
	snprintf(path, sizeof(path), "%s/tvl-yum", traces);
	assert_same_as_one_thread(path, jobs, 3, 586229);
}

/* Two copies of one trace as one host: every event has a twin at the
 * same time in another trace, so the merge must break ties as the muxer
 * does (trace, stream class, stream), or the sequences would differ. */
static void twin_traces_same_sequence(void **state)
{
	static const int jobs[] = { 2, 3, 4 };
	char dir[] = "/tmp/vmint-test-par.XXXXXX";
	char cmd[2048];
	struct digest one = { 0 };
	struct trace_stats st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -r datasets/sample/kernel '%s/a' && "
		 "cp -r datasets/sample/kernel '%s/b'", dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_same_as_one_thread(dir, jobs, 3, 200000);
	assert_int_equal(digest_path("datasets/sample", 1, &one, &st), 0);
	trace_stats_fini(&st);
	{
		struct digest two = { 0 };
		struct trace_stats st2;

		assert_int_equal(digest_path(dir, 2, &two, &st2), 0);
		assert_int_equal(two.events, 2 * one.events);
		trace_stats_fini(&st2);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The handler fails midway: the run stops (workers cancelled, joined)
 * with the handler's cause, and no event after it is delivered. */
static void handler_error_stops_the_workers(void **state)
{
	struct digest d = { .stop_after = 50000 };
	struct trace_stats st;

	(void)state;
	err_clear();
	assert_int_equal(digest_path("datasets/sample", 2, &d, &st), -1);
	assert_int_equal(d.events, 50000);
	assert_true(err_contains("handler stops here"));
	trace_stats_fini(&st);
	err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sample_same_sequence),
		cmocka_unit_test(yum_same_sequence),
		cmocka_unit_test(twin_traces_same_sequence),
		cmocka_unit_test(handler_error_stops_the_workers),
	};
	const char *env = getenv("VMINT_TRACES");

	snprintf(traces, sizeof(traces), "%s", env ? env : "../shared/traces");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
