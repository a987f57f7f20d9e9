/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: scenario parser (datasets/sim-scenario.c). A scenario
 * it accepts must hold what the simulator relies on (checked here). */
#include "common/err.h"
#include "datasets/sim-scenario.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const struct scenario *sc)
{
	if (sc->cpus < 1 || sc->cpus > SIM_MAX_CPUS || sc->nvms > SIM_MAX_VMS ||
	    sc->duration_ns == 0 || sc->window_ns == 0 || sc->disk_queues < 1 ||
	    sc->slice_ns == 0)
		abort();
	for (int i = 0; i < sc->nvms; i++) {
		const struct sim_vm_spec *vm = &sc->vms[i];

		if (vm->vcpus < 1 || vm->vcpus > SIM_MAX_VCPUS ||
		    !memchr(vm->name, 0, sizeof(vm->name)) ||
		    (vm->guest.set && vm->guest.hz < 1))
			abort();
		for (int v = 0; v < vm->vcpus; v++)
			if (vm->pin[v] < -1 || vm->pin[v] >= sc->cpus)
				abort();
		for (int p = 0; p < vm->nphases; p++) {
			const struct sim_phase *ph = &vm->phases[p];

			if (ph->load >= WL__COUNT || !strcmp(workload_name(ph->load), "?") ||
			    !(ph->intensity >= 0 && ph->intensity <= 1) ||
			    !(ph->io_disk + ph->io_net <= 1))
				abort();
			(void)scenario_phase_at(vm, ph->start_ns);
			(void)scenario_phase_at(vm, ph->end_ns);
		}
		(void)scenario_phase_at(vm, sc->duration_ns / 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0; /* scenario_parse takes a C string */
	if (scenario_parse(&sc, text, "fuzz") == 0) {
		check(&sc);
		scenario_free(&sc);
	}
	err_clear();
	free(text);
	return 0;
}
