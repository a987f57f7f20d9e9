/* SPDX-License-Identifier: MIT */
/* The babeltrace2 reader on real traces: discovery, grouping by host,
 * full reads (event counts as babeltrace2's sink.utils.counter reports
 * them, see ../shared/traces/README.md), and errors on broken input.
 * Without the real traces, the tests that read them are skipped. */
#include "extract/read/trace.h"
#include "common/err.h"
#include "unit-util.h"

static char traces[512];

struct tally {
	uint64_t switches, kinds[EV__COUNT], no_cpu, backwards;
	uint64_t done_writes, done_reads, no_ctx, fork_pid_known;
	uint64_t last_ts;
	int on_trace_calls;
};

static int count_event(void *ctx, const struct ev *ev)
{
	struct tally *t = ctx;

	t->kinds[ev->kind]++;
	if (ev->kind == EV_BLOCK_COMPLETE) {
		t->done_writes += (ev->u.block.rwbs & EV_RWBS_WRITE) != 0;
		t->done_reads += (ev->u.block.rwbs & EV_RWBS_READ) != 0;
	}
	if (ev->kind == EV_PROCESS_FORK && ev->u.fork.child_pid != EV_ABSENT)
		t->fork_pid_known++;
	if (ev->ctx_tid == EV_ABSENT || ev->ctx_pid == EV_ABSENT)
		t->no_ctx++;
	if (ev->cpu < 0)
		t->no_cpu++;
	if (ev->ts < t->last_ts)
		t->backwards++;
	t->last_ts = ev->ts;
	return 0;
}

static void count_trace(void *ctx, const struct trace_info *info)
{
	struct tally *t = ctx;

	(void)info;
	t->on_trace_calls++;
}

static int read_path(const char *rel, struct tally *t, struct trace_stats *st,
		     size_t *ngroups_out)
{
	char path[1024];
	char *paths[1] = { path };
	struct trace_group *groups;
	size_t ngroups;
	struct trace_handler h = { .ctx = t, .on_event = count_event,
				   .on_trace = count_trace };
	int ret;

	snprintf(path, sizeof(path), "%s/%s", traces, rel);
	memset(t, 0, sizeof(*t));
	if (trace_discover(paths, 1, &groups, &ngroups) != 0)
		return -1;
	*ngroups_out = ngroups;
	ret = trace_read(&groups[0], NULL, &h, st);
	trace_groups_free(groups, ngroups);
	return ret;
}

static void yum_is_read_fully_in_order(void **state)
{
	struct tally t;
	struct trace_stats st;
	size_t ng;

	(void)state;
	need_trace(traces, "tvl-yum");
	assert_int_equal(read_path("tvl-yum", &t, &st, &ng), 0);
	assert_int_equal(ng, 1);
	assert_int_equal(st.events, 586229);   /* babeltrace2 counter */
	assert_int_equal(t.kinds[EV_SCHED_SWITCH], 7350);
	assert_int_equal(t.kinds[EV_BLOCK_INSERT], 147);
	assert_int_equal(t.kinds[EV_BLOCK_ISSUE], 461);
	assert_int_equal(t.kinds[EV_BLOCK_COMPLETE], 619);
	assert_int_equal(t.kinds[EV_NET_RECEIVE], 41); /* net_if_receive_skb */
	assert_int_equal(t.no_cpu, 0);
	assert_int_equal(t.backwards, 0);
	assert_int_equal(st.ncpus, 4);
	assert_int_equal(t.on_trace_calls, 1);
	assert_string_equal(st.hostname, "dorsallaptop");
	trace_stats_fini(&st);
}

static void perf_trace_takes_cpu_from_perf_cpu(void **state)
{
	struct tally t;
	struct trace_stats st;
	size_t ng;

	(void)state;
	need_trace(traces, "tct-perf-taskset2");
	assert_int_equal(read_path("tct-perf-taskset2", &t, &st, &ng), 0);
	assert_int_equal(st.events, 1500);
	assert_int_equal(t.kinds[EV_SCHED_SWITCH], 562); /* sched:sched_switch */
	assert_int_equal(t.no_cpu, 0);
	trace_stats_fini(&st);
}

/* perf 6.1's CTF of a 6.18 kernel (PROVENANCE.md, babeltrace2's text):
 * rwbs letters, perf_tid/perf_pid on every event, `host` as hostname,
 * fork's child_pid a thread id (so no process). */
static void perf618_fields_by_perf_names_and_types(void **state)
{
	struct tally t;
	struct trace_stats st;
	size_t ng;

	(void)state;
	assert_int_equal(read_path("perf618-hogs-dd/trace", &t, &st, &ng), 0);
	assert_int_equal(st.events, 13977);
	assert_int_equal(t.kinds[EV_BLOCK_COMPLETE], 1939);
	assert_int_equal(t.done_writes, 1921); /* rwbs "WS" */
	assert_int_equal(t.done_reads, 18);    /* "RA" 8, "RM" 10 */
	assert_int_equal(t.kinds[EV_PROCESS_FORK], 5);
	assert_int_equal(t.fork_pid_known, 0);
	assert_int_equal(t.no_ctx, 0);
	assert_int_equal(t.no_cpu, 0);
	assert_int_equal(t.backwards, 0);
	assert_string_equal(st.hostname, "vm");
	trace_stats_fini(&st);
}

static void rwbs_letters_as_the_kernel_writes_them(void **state)
{
	(void)state;
	assert_int_equal(ev_rwbs_from_letters("WS"), EV_RWBS_WRITE | EV_RWBS_SYNC);
	assert_int_equal(ev_rwbs_from_letters("RA"), EV_RWBS_READ | EV_RWBS_RAHEAD);
	assert_int_equal(ev_rwbs_from_letters("RM"), EV_RWBS_READ | EV_RWBS_META);
	assert_int_equal(ev_rwbs_from_letters("D"), EV_RWBS_DISCARD);
	assert_int_equal(ev_rwbs_from_letters("DE"), EV_RWBS_DISCARD | EV_RWBS_SECURE);
	assert_int_equal(ev_rwbs_from_letters("F"), EV_RWBS_FLUSH);
	assert_int_equal(ev_rwbs_from_letters("FF"), EV_RWBS_PREFLUSH | EV_RWBS_FLUSH);
	assert_int_equal(ev_rwbs_from_letters("FWFS"),
			 EV_RWBS_PREFLUSH | EV_RWBS_WRITE | EV_RWBS_FUA | EV_RWBS_SYNC);
	assert_int_equal(ev_rwbs_from_letters("N"), 0);
	assert_int_equal(ev_rwbs_from_letters(""), 0);
}

/* Two single-stream traces of two hosts whose packets overlap: grouped by
 * host, each read fully without babeltrace2's muxer. */
static void synctraces_are_two_hosts_read_fully(void **state)
{
	char path[1024];
	char *paths[1] = { path };
	struct trace_group *groups;
	size_t ngroups;
	uint64_t total = 0;

	(void)state;
	need_trace(traces, "tct-synctraces");
	snprintf(path, sizeof(path), "%s/tct-synctraces", traces);
	assert_int_equal(trace_discover(paths, 1, &groups, &ngroups), 0);
	assert_int_equal(ngroups, 2);
	for (size_t i = 0; i < ngroups; i++) {
		struct tally t = { 0 };
		struct trace_handler h = { .ctx = &t, .on_event = count_event };
		struct trace_stats st;

		assert_int_equal(groups[i].ndirs, 1);
		assert_int_equal(trace_read(&groups[i], NULL, &h, &st), 0);
		if (strcmp(groups[i].hostname, "VM1") == 0)
			assert_int_equal(st.events, 110771);
		else
			assert_int_equal(st.events, 85729);
		total += st.events;
		trace_stats_fini(&st);
	}
	assert_int_equal(total, 110771 + 85729);
	trace_groups_free(groups, ngroups);
}

static void missing_path_is_an_error(void **state)
{
	char *paths[1] = { "/nonexistent/trace" };
	struct trace_group *groups;
	size_t n;

	(void)state;
	err_clear();
	assert_int_equal(trace_discover(paths, 1, &groups, &n), -1);
	assert_true(err_contains("/nonexistent/trace"));
	assert_true(err_contains("No such file"));
	err_clear();
}

static void dir_without_trace_is_an_error(void **state)
{
	char path[1024];
	char *paths[1] = { path };
	struct trace_group *groups;
	size_t n;

	(void)state;
	need_trace(traces, "tci-vm-xml-stubs");
	snprintf(path, sizeof(path), "%s/tci-vm-xml-stubs", traces);
	err_clear();
	assert_int_equal(trace_discover(paths, 1, &groups, &n), -1);
	assert_true(err_contains("no CTF trace"));
	err_clear();
}

/* A copy of a real trace in a new temporary directory, to be broken. */
static int trace_copy(char *dir, size_t len)
{
	char cmd[2048];

	snprintf(dir, len, "/tmp/vmint-test-trace-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -r '%s/tct-bug446190/bug446190/.' '%s/'",
		 traces, dir);
	return system(cmd);
}

static int read_dir(const char *dir)
{
	char *paths[1] = { (char *)dir };
	struct trace_group *groups;
	size_t n;
	struct tally t = { 0 };
	struct trace_handler h = { .ctx = &t, .on_event = count_event };
	struct trace_stats st;
	int ret;

	if (trace_discover(paths, 1, &groups, &n) != 0)
		return -1;
	ret = trace_read(&groups[0], NULL, &h, &st);
	trace_stats_fini(&st);
	trace_groups_free(groups, n);
	return ret;
}

static void corrupt_metadata_is_an_error(void **state)
{
	char dir[64], cmd[256];

	(void)state;
	need_trace(traces, "tct-bug446190/bug446190");
	assert_int_equal(trace_copy(dir, sizeof(dir)), 0);
	snprintf(cmd, sizeof(cmd), "printf '/* CTF 1.8 */\\ntrace { garbage' > '%s/metadata'", dir);
	assert_int_equal(system(cmd), 0);
	err_clear();
	assert_int_equal(read_dir(dir), -1);
	assert_true(err_contains(dir));
	err_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void truncated_stream_is_an_error(void **state)
{
	char dir[64], cmd[256];

	(void)state;
	need_trace(traces, "tct-bug446190/bug446190");
	assert_int_equal(trace_copy(dir, sizeof(dir)), 0);
	/* Cut a stream in the middle of a packet; drop the index so the
	 * reader cannot know in advance. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && rm -rf index && truncate -s 70001 channel0_0", dir);
	assert_int_equal(system(cmd), 0);
	err_clear();
	assert_int_equal(read_dir(dir), -1);
	assert_true(err_count() > 0);
	err_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Two copies of one overlapping trace: one host, so muxed, and the muxer
 * refuses; the error must say why and what to do. */
static void overlapping_packets_under_muxer_are_explained(void **state)
{
	char dir[64], cmd[2400];

	(void)state;
	need_trace(traces, "tct-synctraces/scp_src");
	snprintf(dir, sizeof(dir), "/tmp/vmint-test-twin-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -r '%s/tct-synctraces/scp_src' '%s/a' && "
		 "cp -r '%s/tct-synctraces/scp_src' '%s/b'", traces, dir, traces, dir);
	assert_int_equal(system(cmd), 0);
	err_clear();
	assert_int_equal(read_dir(dir), -1);
	assert_true(err_contains("overlapping packets"));
	err_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yum_is_read_fully_in_order),
		cmocka_unit_test(perf_trace_takes_cpu_from_perf_cpu),
		cmocka_unit_test(perf618_fields_by_perf_names_and_types),
		cmocka_unit_test(rwbs_letters_as_the_kernel_writes_them),
		cmocka_unit_test(synctraces_are_two_hosts_read_fully),
		cmocka_unit_test(missing_path_is_an_error),
		cmocka_unit_test(dir_without_trace_is_an_error),
		cmocka_unit_test(corrupt_metadata_is_an_error),
		cmocka_unit_test(truncated_stream_is_an_error),
		cmocka_unit_test(overlapping_packets_under_muxer_are_explained),
	};
	const char *env = getenv("VMINT_TRACES");

	snprintf(traces, sizeof(traces), "%s", env ? env : "../shared/traces");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
