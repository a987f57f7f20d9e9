/* SPDX-License-Identifier: MIT */
/* The scenario sampler: every draw is a valid scenario within the
 * documented ranges (datasets/README.md, "Drawn scenarios"), the draws
 * cover every family of every knob, a draw depends on (seed, index) only,
 * and a family restriction holds in what is drawn, not just in its name. */
#include "datasets/sim-draw.h"
#include "datasets/sim-scenario.h"
#include "datasets/sim-events.h"
#include "common/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#define NDRAWS 300

/* Draw `index` of `seed` parsed back as the simulator reads it. */
static json_t *draw_parsed(uint64_t seed, unsigned index,
			   const struct draw_filter *f, struct scenario *sc)
{
	json_t *doc = draw_scenario(seed, index, f);
	char *text;

	assert_non_null(doc);
	text = json_dumps(doc, JSON_REAL_PRECISION(6));
	assert_non_null(text);
	if (scenario_parse(sc, text, "draw")) {
		err_print(stderr);
		fail_msg("draw %u of seed %llu does not parse", index,
			 (unsigned long long)seed);
	}
	free(text);
	return doc;
}

static const char *family_of(const json_t *doc, enum draw_knob k)
{
	return json_string_value(json_object_get(json_object_get(
		json_object_get(doc, "draw"), "families"), draw_knob_name(k)));
}

static void check_ranges(const struct scenario *sc)
{
	assert_true(sc->cpus >= 2 && sc->cpus <= 64);
	assert_true(sc->duration_ns >= 10000000000ull &&
		    sc->duration_ns <= 14000000000ull);
	assert_true(sc->nvms >= 1 && sc->nvms <= 8);
	assert_true(sc->kver >= KVER(3, 10) && sc->kver <= KVER(6, 8));
	assert_true(sc->slice_ns >= 1500000 && sc->slice_ns <= 6000000);
	assert_true(sc->disk_queues >= 1 && sc->disk_queues <= 32);
	assert_true(sc->disk_kind == SIM_DISK_NVME || sc->disk_queues == 1);
	assert_true((sc->disk_kind == SIM_DISK_HDD) == (sc->disk_seek_ns > 0));
	assert_true(sc->nic_mbit_s >= 100 && sc->nic_mbit_s <= 25000);
	assert_true(sc->nic_coalesce_ns <= 200000);
	assert_true(sc->nic_rtt_ns >= 20000 && sc->nic_rtt_ns <= 2000000);
	assert_true(sc->cpu_speed >= 0.6 && sc->cpu_speed <= 1.6);
	assert_true(sc->ndaemons <= 3);
	for (int i = 0; i < sc->ndaemons; i++)
		assert_true(sc->daemons[i].cpu_share >= 0.2 &&
			    sc->daemons[i].cpu_share <= 4);
	for (int i = 0; i < sc->nvms; i++) {
		const struct sim_vm_spec *vm = &sc->vms[i];
		const struct sim_guest_spec *g = &vm->guest;

		assert_true(vm->vcpus >= 1 && vm->vcpus <= SIM_MAX_VCPUS);
		assert_true(vm->pid >= 3000 && vm->pid < 403000);
		assert_true(g->set);
		assert_true(g->hz == 64 || g->hz == 100 || g->hz == 250 ||
			    g->hz == 1000);
		assert_true(g->exit_rate >= 300 && g->exit_rate <= 10000);
		assert_true(g->halt_poll_ns <= 500000);
		assert_true(g->disk_kick == 49 || g->disk_kick == 30);
		assert_true(g->net_kick == 49 || g->net_kick == 30);
		for (int v = 0; v < vm->vcpus; v++)
			assert_true(vm->pin[v] < sc->cpus);
		for (int p = 0; p < vm->nphases; p++) {
			const struct sim_phase *ph = &vm->phases[p];

			assert_true(ph->start_ns >= vm->start_ns);
			assert_true(ph->end_ns <= sc->duration_ns);
			assert_true(ph->intensity >= (ph->load == WL_CPU ?
						      0.2 : 0.05));
			assert_true(ph->intensity <= 1);
			assert_true(ph->load == WL_CPU || ph->compute_us <= 500);
			/* A computing phase with I/O rounds computes longer. */
			assert_true(!(ph->io_disk > 0 || ph->io_net > 0) ||
				    ph->burst_ms >= 0.5);
			assert_true(ph->depth <= 16);
			assert_true(ph->frames <= 32);
			assert_true(ph->rx_frames <= 16);
		}
	}
}

static void test_ranges_and_coverage(void **state)
{
	int seen[DRAW_KNOB__COUNT][8] = { { 0 } };
	int loads[WL__COUNT] = { 0 }, windows = 0, mixed = 0;
	int short_daemon = 0, long_daemon = 0, pinned = 0, late = 0, rx = 0;

	(void)state;
	for (unsigned i = 0; i < NDRAWS; i++) {
		struct scenario sc;
		json_t *doc = draw_parsed(1, i, NULL, &sc);

		check_ranges(&sc);
		for (int k = 0; k < DRAW_KNOB__COUNT; k++) {
			const char *const *names = draw_family_names(k);
			const char *f = family_of(doc, k);

			assert_non_null(f);
			for (int v = 0; names[v]; v++)
				seen[k][v] += strcmp(f, names[v]) == 0;
		}
		for (int v = 0; v < sc.nvms; v++) {
			windows += sc.vms[v].guest.os == SIM_OS_WINDOWS;
			pinned += sc.vms[v].pin[0] >= 0;
			late += sc.vms[v].start_ns > 0;
			for (int p = 0; p < sc.vms[v].nphases; p++) {
				loads[sc.vms[v].phases[p].load]++;
				rx += sc.vms[v].phases[p].rx_frames > 0;
				mixed += sc.vms[v].phases[p].io_disk > 0 ||
					 sc.vms[v].phases[p].io_net > 0;
			}
		}
		for (int d = 0; d < sc.ndaemons; d++) {
			uint64_t len = sc.daemons[d].end_ns - sc.daemons[d].start_ns;

			short_daemon += len <= 500000000;
			long_daemon += len >= 2000000000;
		}
		scenario_free(&sc);
		json_decref(doc);
	}
	/* Every family of every knob comes up (the guest's "any" aside). */
	for (int k = 0; k < DRAW_KNOB__COUNT; k++) {
		const char *const *names = draw_family_names(k);

		for (int v = 0; names[v]; v++)
			if (k != DRAW_MIX)
				assert_true(seen[k][v] > 0);
	}
	assert_true(seen[DRAW_MIX][4] > 0); /* quiet hosts: idle */
	for (int l = 0; l < WL__COUNT; l++)
		assert_true(loads[l] > 20);
	assert_true(windows > 20 && mixed > 20 && pinned > 20 && late > 20);
	assert_true(rx > 20);
	assert_true(short_daemon > 10 && long_daemon > 10);
}

static void test_reproducible(void **state)
{
	json_t *a = draw_scenario(7, 5, NULL), *b = draw_scenario(7, 5, NULL);
	json_t *c = draw_scenario(8, 5, NULL), *d = draw_scenario(7, 6, NULL);

	(void)state;
	assert_true(json_equal(a, b));
	assert_false(json_equal(a, c));
	assert_false(json_equal(a, d));
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(a, "draw"), "index")), 5);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}

static int total_vcpus(const struct scenario *sc)
{
	int n = 0;

	for (int i = 0; i < sc->nvms; i++)
		n += sc->vms[i].vcpus;
	return n;
}

/* What family `v` of knob `k` means in the scenario itself. */
static void check_family(enum draw_knob k, const char *v,
			 const struct scenario *sc)
{
	uint64_t used = 0;

	switch (k) {
	case DRAW_HOST:
		assert_true(strcmp(v, "small") ? strcmp(v, "medium") ?
			    sc->cpus >= 17 : sc->cpus >= 5 && sc->cpus <= 16 :
			    sc->cpus <= 4);
		break;
	case DRAW_KERNEL:
		assert_int_equal(sc->kver / 1000, atoi(v));
		break;
	case DRAW_DISK:
		assert_string_equal(draw_family_names(DRAW_DISK)[sc->disk_kind], v);
		break;
	case DRAW_PREEMPT:
		assert_string_equal(draw_family_names(DRAW_PREEMPT)[sc->preempt], v);
		break;
	case DRAW_GUEST:
		for (int i = 0; i < sc->nvms; i++)
			assert_int_equal(sc->vms[i].guest.os,
					 strcmp(v, "windows") == 0);
		break;
	case DRAW_MIX:
		for (int i = 0; i < sc->nvms; i++)
			for (int p = 0; p < sc->vms[i].nphases; p++) {
				const struct sim_phase *ph = &sc->vms[i].phases[p];
				int io = ph->io_disk > 0 || ph->io_net > 0;

				if (ph->load == WL_IDLE)
					continue;
				/* Mixed: a computing phase with I/O rounds, or
				 * I/O with work between its rounds. */
				if (strcmp(v, "mixed") == 0)
					assert_true(io || ph->load != WL_CPU);
				else
					assert_string_equal(workload_name(ph->load), v);
				if (strcmp(v, "cpu") == 0)
					assert_false(io);
			}
		break;
	case DRAW_SHAPE:
		if (strcmp(v, "alone") == 0)
			assert_int_equal(sc->nvms, 1);
		if (strcmp(v, "quiet") == 0)
			for (int i = 0; i < sc->nvms; i++)
				for (int p = 0; p < sc->vms[i].nphases; p++)
					assert_int_equal(sc->vms[i].phases[p].load,
							 WL_IDLE);
		if (strcmp(v, "pinned") == 0) /* disjoint pCPU sets */
			for (int i = 0; i < sc->nvms; i++)
				for (int c = 0; c < sc->vms[i].vcpus; c++) {
					assert_true(sc->vms[i].pin[c] >= 0);
					assert_false(used >> sc->vms[i].pin[c] & 1);
					used |= 1ull << sc->vms[i].pin[c];
				}
		if (strcmp(v, "overlap") == 0) { /* from a pool of half */
			for (int i = 0; i < sc->nvms; i++)
				for (int c = 0; c < sc->vms[i].vcpus; c++) {
					assert_true(sc->vms[i].pin[c] >= 0);
					used |= 1ull << sc->vms[i].pin[c];
				}
			assert_true(__builtin_popcountll(used) <=
				    (sc->cpus / 2 > 1 ? sc->cpus / 2 : 1));
		}
		if (strcmp(v, "overcommit") == 0)
			assert_true(total_vcpus(sc) > sc->cpus && sc->nvms >= 2);
		if (strcmp(v, "spread") == 0)
			assert_true(total_vcpus(sc) <= sc->cpus);
		break;
	default:
		break;
	}
}

static void test_family_restriction(void **state)
{
	char kv[64];

	(void)state;
	for (int k = 0; k < DRAW_KNOB__COUNT; k++) {
		const char *const *names = draw_family_names(k);

		for (int v = 0; names[v]; v++) {
			struct draw_filter f;

			draw_filter_init(&f);
			snprintf(kv, sizeof(kv), "%s=%s", draw_knob_name(k),
				 names[v]);
			assert_int_equal(draw_filter_add(&f, kv), 0);
			for (unsigned i = 0; i < 15; i++) {
				struct scenario sc;
				json_t *doc = draw_parsed(3, i, &f, &sc);

				if (k != DRAW_MIX) /* quiet hosts say idle */
					assert_string_equal(family_of(doc, k),
							    names[v]);
				check_family(k, names[v], &sc);
				check_ranges(&sc);
				scenario_free(&sc);
				json_decref(doc);
			}
		}
	}
}

static void test_bad_family(void **state)
{
	struct draw_filter f;
	char msg[512];
	FILE *mem;

	(void)state;
	draw_filter_init(&f);
	assert_int_equal(draw_filter_add(&f, "disk=floppy"), -1);
	assert_int_equal(draw_filter_add(&f, "colour=red"), -1);
	assert_int_equal(draw_filter_add(&f, "disk"), -1);
	mem = fmemopen(msg, sizeof(msg), "w");
	err_print(mem);
	fclose(mem);
	assert_non_null(strstr(msg, "disk must be one of ssd, nvme, hdd"));
	assert_non_null(strstr(msg, "KEY one of host, kernel, disk, mix"));
	for (int k = 0; k < DRAW_KNOB__COUNT; k++)
		assert_int_equal(f.only[k], -1);
	err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_and_coverage),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_family_restriction),
		cmocka_unit_test(test_bad_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
