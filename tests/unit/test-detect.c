/* SPDX-License-Identifier: MIT */
/* Episodes, recommendations and the report JSON on hand-built results. */
#include "detect/recommend.h"
#include "detect/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 1000000000ull
#define T0 (1700000000ull * W)

enum { A, B, C };

/* A (2 vCPUs) and B (4 vCPUs, busy) and C (idle) on a 4-pCPU host; A is
 * interfered on CPU by B in the windows listed in `bad`. */
static void build(struct detect_result *r, const int *bad, int nbad, int nwin)
{
	static const char *names[] = { "vmA", "vmB", "vmC" };
	static const int vcpus[] = { 2, 4, 1 };

	memset(r, 0, sizeof(*r));
	r->cpus = 4;
	r->window_ns = W;
	r->hostname = strdup("compute-1");
	r->nvms = 3;
	r->vms = calloc(3, sizeof(*r->vms));
	for (int v = 0; v < 3; v++) {
		r->vms[v].name = strdup(names[v]);
		r->vms[v].pid = 100 + v;
		r->vms[v].vcpus = vcpus[v];
		r->vms[v].windows = nwin;
	}
	r->vms[B].uuid = strdup("4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	r->nwindows = (size_t)(3 * nwin);
	r->windows = calloc(r->nwindows, sizeof(*r->windows));
	for (int v = 0; v < 3; v++) {
		for (int k = 0; k < nwin; k++) {
			struct window_result *w = &r->windows[v * nwin + k];

			w->vm = v;
			w->start_ns = T0 + (uint64_t)k * W;
			w->end_ns = w->start_ns + W;
			w->resource = RES_NONE;
			w->use.cpu_cores = v == B ? 3.0 : v == A ? 1.0 : 0.01;
			w->probability = 0.02;
			w->in_distribution = 1;
		}
	}
	for (int i = 0; i < nbad; i++) {
		struct window_result *w = &r->windows[A * nwin + bad[i]];

		w->interference = 1;
		w->by_measurement = 1;
		w->probability = 0.9 + 0.01 * i;
		w->resource = RES_CPU;
		/* 0.3 s of delay measured on whichever resource a test picks */
		for (int res = RES_CPU; res < RES__COUNT; res++) {
			w->share[res] = 0.3;
			w->delay_ns[res] = 0.3e9;
		}
		w->culprits[0] = (struct culprit_share){ B, 0.8 };
		w->culprits[1] = (struct culprit_share){ CULPRIT_HOST, 0.2 };
		w->nculprits = 2;
		r->vms[A].interfered_windows++;
	}
}

static void consecutive_windows_make_one_episode(void **state)
{
	struct detect_result r;
	int bad[] = { 2, 3, 4, 7 };

	(void)state;
	build(&r, bad, 4, 10);
	assert_int_equal(detect_find_episodes(&r), 0);
	assert_int_equal(r.nepisodes, 2);
	assert_int_equal(r.episodes[0].windows, 3);
	assert_true(r.episodes[0].start_ns == T0 + 2 * W);
	assert_true(r.episodes[0].end_ns == T0 + 5 * W);
	assert_int_equal(r.episodes[0].culprits[0].vm, B);
	assert_float_equal(r.episodes[0].culprits[0].share, 0.8, 1e-9);
	assert_float_equal(r.episodes[0].max_probability, 0.92, 1e-9);
	assert_int_equal(r.episodes[1].windows, 1);
	detect_result_fini(&r);
}

static void cpu_culprit_that_cannot_be_pinned_apart_is_limited(void **state)
{
	struct detect_result r;
	int bad[] = { 2, 3, 4 };

	(void)state;
	build(&r, bad, 3, 10);
	assert_int_equal(detect_find_episodes(&r), 0);
	assert_int_equal(detect_recommend(&r), 0);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_LIMIT);
	assert_int_equal(r.recs[0].vm, B);
	/* B used 3 cores on 4 vCPUs: 0.75 each, capped at half: 37.5% */
	assert_string_equal(r.recs[0].params[0].key, "vcpu_quota_us");
	assert_float_equal(r.recs[0].params[0].value, 37500, 0.5);
	assert_non_null(strstr(r.recs[0].command,
		"virsh schedinfo vmB --live --set vcpu_period=100000,vcpu_quota=37500"));
	assert_int_equal(r.recs[0].nepisodes, 1);
	detect_result_fini(&r);
}

static void disjoint_pcpus_give_a_pin(void **state)
{
	struct detect_result r;
	int bad[] = { 1 };

	(void)state;
	build(&r, bad, 1, 10);
	r.cpus = 8; /* 2 + 4 vCPUs fit apart */
	detect_find_episodes(&r);
	assert_int_equal(detect_recommend(&r), 0);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_PIN);
	assert_non_null(strstr(r.recs[0].command, "virsh vcpupin vmA 1 1 --live"));
	assert_non_null(strstr(r.recs[0].command, "virsh vcpupin vmB 3 5 --live"));
	detect_result_fini(&r);
}

static void persistent_interference_migrates_the_smaller_vm(void **state)
{
	struct detect_result r;
	int bad[] = { 0, 1, 2, 3, 4, 5 };
	json_t *actions;

	(void)state;
	build(&r, bad, 6, 10);
	detect_find_episodes(&r);
	assert_int_equal(detect_recommend(&r), 0);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_MIGRATE);
	assert_int_equal(r.recs[0].vm, A); /* 2 vCPUs < 4 */
	assert_int_equal(r.recs[0].watcher, 0); /* vmA has no uuid */
	actions = report_watcher_actions(&r);
	assert_int_equal(json_array_size(actions), 0);
	json_decref(actions);
	detect_result_fini(&r);
}

static void quiet_host_gets_none_and_a_valid_report(void **state)
{
	struct detect_result r;
	json_t *j, *recs;

	(void)state;
	build(&r, NULL, 0, 5);
	detect_find_episodes(&r);
	assert_int_equal(detect_recommend(&r), 0);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_NONE);
	j = report_to_json(&r);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "vmint.report/1");
	assert_int_equal(json_array_size(json_object_get(j, "windows")), 15);
	assert_int_equal(json_array_size(json_object_get(j, "episodes")), 0);
	recs = json_object_get(j, "recommendations");
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "action")), "none");
	json_decref(j);
	detect_result_fini(&r);
}

static void saturated_host_without_a_dominant_culprit_needs_resources(void **state)
{
	struct detect_result r;
	int bad[] = { 2, 3 };

	(void)state;
	build(&r, bad, 2, 10);
	for (int k = 2; k <= 3; k++) {
		struct window_result *w = &r.windows[A * 10 + k];

		w->culprits[0].share = 0.4;  /* B */
		w->culprits[1].share = 0.35; /* host */
		w->culprits[2] = (struct culprit_share){ C, 0.25 };
		w->nculprits = 3;
	}
	detect_find_episodes(&r);
	assert_int_equal(detect_recommend(&r), 0);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_ADD_RESOURCES);
	assert_int_equal(r.recs[0].vm, CULPRIT_HOST); /* about the host, not A */
	detect_result_fini(&r);
}

static void net_culprit_is_limited_on_its_own_tap(void **state)
{
	struct detect_result r;
	int bad[] = { 4 };

	(void)state;
	build(&r, bad, 1, 10);
	r.windows[A * 10 + 4].resource = RES_NET;
	r.windows[B * 10 + 4].use.net_bps = 80e6; /* B sent 80 MB/s meanwhile */
	snprintf(r.vms[B].tap, sizeof(r.vms[B].tap), "tap7");
	detect_find_episodes(&r);
	assert_int_equal(detect_recommend(&r), 0);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_LIMIT);
	assert_int_equal(r.recs[0].vm, B);
	/* half of 80e6 B/s in KiB/s */
	assert_non_null(strstr(r.recs[0].command,
		"virsh domiftune vmB tap7 --live --outbound 39063,78126,39063"));
	detect_result_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(consecutive_windows_make_one_episode),
		cmocka_unit_test(cpu_culprit_that_cannot_be_pinned_apart_is_limited),
		cmocka_unit_test(disjoint_pcpus_give_a_pin),
		cmocka_unit_test(persistent_interference_migrates_the_smaller_vm),
		cmocka_unit_test(quiet_host_gets_none_and_a_valid_report),
		cmocka_unit_test(saturated_host_without_a_dominant_culprit_needs_resources),
		cmocka_unit_test(net_culprit_is_limited_on_its_own_tap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
