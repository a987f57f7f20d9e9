/* SPDX-License-Identifier: MIT */
/* The clauses of "How recommendations are chosen" (detect/recommend.c,
 * README.md), each on a hand-built detect_result: evidence a migrate or
 * limit may rest on, a limit only for the culprit ahead in the queue, a
 * pin only for a named neighbour, one host-level add_resources, and no
 * action for a VM never measured as interfered. */
#include "detect/recommend.h"
#include "detect/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#define W 1000000000ull
#define T0 (1700000000ull * W)
#define NWIN 10

enum { A, B, C };

/* Three 2-vCPU VMs on a 16-pCPU host (room to pin), quiet by default:
 * A uses 1 core, B 1.5, C 0.5. */
static void build(struct detect_result *r)
{
	static const char *names[] = { "vmA", "vmB", "vmC" };
	static const double cores[] = { 1.0, 1.5, 0.5 };

	memset(r, 0, sizeof(*r));
	r->cpus = 16;
	r->window_ns = W;
	r->nvms = 3;
	r->vms = calloc(3, sizeof(*r->vms));
	for (int v = 0; v < 3; v++) {
		r->vms[v].name = strdup(names[v]);
		r->vms[v].vcpus = 2;
		r->vms[v].windows = NWIN;
	}
	r->nwindows = 3 * NWIN;
	r->windows = calloc(r->nwindows, sizeof(*r->windows));
	for (int v = 0; v < 3; v++) {
		for (int k = 0; k < NWIN; k++) {
			struct window_result *w = &r->windows[v * NWIN + k];

			w->vm = v;
			w->start_ns = T0 + (uint64_t)k * W;
			w->end_ns = w->start_ns + W;
			w->in_distribution = 1;
			w->use.cpu_cores = cores[v];
			w->use.disk_iops = 100;
			w->use.disk_bps = 50e6;
		}
	}
}

/* Window k of `vm` interfered on `res`, `delay` s of it caused by
 * `culprit` (share 1), measured or by the model only. */
static void hurt(struct detect_result *r, int vm, int k, enum resource res,
		 int culprit, double delay, int measured)
{
	struct window_result *w = &r->windows[vm * NWIN + k];

	w->interference = 1;
	w->by_measurement = measured;
	w->by_model = !measured;
	w->model_vote = 1;
	w->probability = 0.95;
	w->resource = res;
	w->share[res] = 0.3;
	w->delay_ns[res] = delay * 1e9;
	w->culprits[0] = (struct culprit_share){ culprit, 1.0 };
	w->nculprits = 1;
	r->vms[vm].interfered_windows++;
}

static void run(struct detect_result *r)
{
	assert_int_equal(detect_find_episodes(r), 0);
	assert_int_equal(detect_recommend(r), 0);
}

/* Model-only windows out of distribution support nothing; in distribution
 * they do, but only for a VM measured as interfered somewhere. */
static void model_alone_never_makes_an_action(void **state)
{
	struct detect_result r;

	(void)state;
	build(&r);
	for (int k = 0; k < NWIN; k++) {
		hurt(&r, A, k, RES_NET, B, 0.2, 0);
		r.windows[A * NWIN + k].in_distribution = 0;
	}
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_NONE);
	detect_result_fini(&r);

	/* in distribution, yet never measured: still nothing */
	build(&r);
	for (int k = 0; k < NWIN; k++)
		hurt(&r, A, k, RES_NET, B, 0.2, 0);
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_NONE);
	detect_result_fini(&r);
}

/* Measured once, then the model's in-distribution windows count too: 1
 * measured + 5 model windows of 10 are persistent: migrate. */
static void model_windows_in_distribution_back_a_measured_victim(void **state)
{
	struct detect_result r;

	(void)state;
	build(&r);
	hurt(&r, A, 0, RES_DISK, B, 0.2, 1);
	for (int k = 1; k <= 5; k++)
		hurt(&r, A, k, RES_DISK, B, 0.2, 0);
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_MIGRATE);
	assert_non_null(strstr(r.recs[0].reason, "interfered in 6 of its 10 windows"));
	detect_result_fini(&r);

	/* the same 5 model windows out of distribution: 1 window, no migrate */
	build(&r);
	hurt(&r, A, 0, RES_DISK, B, 0.2, 1);
	for (int k = 1; k <= 5; k++) {
		hurt(&r, A, k, RES_DISK, B, 0.2, 0);
		r.windows[A * NWIN + k].in_distribution = 0;
	}
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_LIMIT);
	assert_int_equal(r.recs[0].vm, B);
	detect_result_fini(&r);
}

/* B's big writes delay A (0.2 s) more than A's delay B (0.01 s): the limit
 * goes to B, and none to A, though A is also B's culprit. */
static void limit_goes_to_the_culprit_ahead_never_to_the_victim(void **state)
{
	struct detect_result r;

	(void)state;
	build(&r);
	hurt(&r, A, 3, RES_DISK, B, 0.2, 1);
	hurt(&r, B, 3, RES_DISK, A, 0.01, 1);
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_LIMIT);
	assert_int_equal(r.recs[0].vm, B);
	assert_non_null(strstr(r.recs[0].command, "virsh blkdeviotune vmB"));
	detect_result_fini(&r);

	/* each waited as long for the other: nobody is ahead, no limit */
	build(&r);
	hurt(&r, A, 3, RES_DISK, B, 0.1, 1);
	hurt(&r, B, 3, RES_DISK, A, 0.1, 1);
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_NONE);
	detect_result_fini(&r);
}

/* A pin needs a named neighbour holding the pCPUs: host processes get a
 * limit of their own, never a pin, even with pCPUs to spare. */
static void pin_only_for_a_named_neighbour(void **state)
{
	struct detect_result r;

	(void)state;
	build(&r);
	hurt(&r, A, 2, RES_CPU, B, 0.2, 1);
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_PIN);
	assert_non_null(strstr(r.recs[0].reason, "held by vmB"));
	detect_result_fini(&r);

	build(&r);
	hurt(&r, A, 2, RES_CPU, CULPRIT_HOST, 0.2, 1);
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_LIMIT);
	assert_int_equal(r.recs[0].vm, CULPRIT_HOST);
	detect_result_fini(&r);
}

/* Overcommit: VMs' demand >= pCPUs and no neighbour causing half the
 * delay: ONE add_resources about the host, resting on every victim's
 * episodes, not one per VM. */
static void overcommit_is_one_host_recommendation(void **state)
{
	struct detect_result r;
	json_t *j, *rec;

	(void)state;
	build(&r);
	r.cpus = 2; /* 1 + 1.5 + 0.5 cores of run time + wait >= 2 */
	for (int v = A; v <= C; v++) {
		struct window_result *w = &r.windows[v * NWIN + 4];

		hurt(&r, v, 4, RES_CPU, (v + 1) % 3, 0.2, 1);
		/* three culprits, none dominant */
		w->culprits[0].share = 0.4;
		w->culprits[1] = (struct culprit_share){ (v + 2) % 3, 0.35 };
		w->culprits[2] = (struct culprit_share){ CULPRIT_HOST, 0.25 };
		w->nculprits = 3;
	}
	run(&r);
	assert_int_equal(r.nrecs, 1);
	assert_int_equal(r.recs[0].action, ACT_ADD_RESOURCES);
	assert_int_equal(r.recs[0].vm, CULPRIT_HOST);
	assert_int_equal(r.recs[0].nepisodes, 3);
	assert_non_null(strstr(r.recs[0].reason, "3 of them waited"));
	j = report_to_json(&r);
	rec = json_array_get(json_object_get(j, "recommendations"), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "vm")), "host");
	json_decref(j);
	detect_result_fini(&r);

	/* the same waits with demand below the pCPUs: no add_resources */
	build(&r);
	r.cpus = 8;
	for (int v = A; v <= C; v++)
		hurt(&r, v, 4, RES_CPU, (v + 1) % 3, 0.2, 1);
	run(&r);
	for (size_t i = 0; i < r.nrecs; i++)
		assert_int_not_equal(r.recs[i].action, ACT_ADD_RESOURCES);
	detect_result_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model_alone_never_makes_an_action),
		cmocka_unit_test(model_windows_in_distribution_back_a_measured_victim),
		cmocka_unit_test(limit_goes_to_the_culprit_ahead_never_to_the_victim),
		cmocka_unit_test(pin_only_for_a_named_neighbour),
		cmocka_unit_test(overcommit_is_one_host_recommendation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
