/* SPDX-License-Identifier: MIT */
/*
 * bench-labels: the cost of labels_lookup (binary search over a VM's
 * sorted intervals) against a linear scan of the same intervals, on a
 * labels.json of 10 VMs x 10,000 one-second intervals, measured in one
 * run. Prints both rates and their ratio; `make bench` runs it. The
 * unit test (tests/unit/test-labels.c) checks the answers, never the time.
 */
#include "common/labels.h"
#include "common/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NVMS 10
#define NIVS 10000
#define LOOKUPS 200000
#define T0 1449478370000000000ULL
#define SEC 1000000000ULL

static int write_file(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fprintf(fp, "{\"schema\":\"vmint.labels/1\",\"window_ns\":1000000000,\"vms\":[");
	for (int v = 0; v < NVMS; v++)
		fprintf(fp, "%s{\"name\":\"vm%d\",\"pid\":%d}", v ? "," : "", v, 100 + v);
	fprintf(fp, "],\"intervals\":[");
	for (int k = 0; k < NIVS; k++)
		for (int v = 0; v < NVMS; v++)
			fprintf(fp, "%s{\"vm\":\"vm%d\",\"start_ns\":%llu,\"end_ns\":%llu,"
				"\"interference\":false}", k || v ? "," : "", v,
				T0 + (unsigned long long)k * SEC,
				T0 + (unsigned long long)(k + 1) * SEC);
	fprintf(fp, "]}\n");
	return fclose(fp);
}

/* The reference: every interval of the file, the first covering half. */
static const struct label_interval *linear(const struct labels *l, const char *vm,
					   uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < l->niv; i++) {
		const struct label_interval *iv = &l->iv[i];
		uint64_t lo = iv->start_ns > start ? iv->start_ns : start;
		uint64_t hi = iv->end_ns < end ? iv->end_ns : end;

		if (hi > lo && 2 * (hi - lo) >= end - start && strcmp(iv->vm, vm) == 0)
			return iv;
	}
	return NULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	char path[] = "/tmp/vmint-bench-labels-XXXXXX";
	struct labels l;
	unsigned seed = 42;
	size_t hits = 0, lin_lookups = LOOKUPS / 100, lin_hits = 0;
	double t0, t_bin, t_lin;
	int fd = mkstemp(path);

	if (fd < 0 || (close(fd), write_file(path)) != 0 || labels_load(path, &l) != 0) {
		err_print(stderr);
		fprintf(stderr, "bench-labels: cannot write or load %s\n", path);
		unlink(path);
		return 1;
	}
	unlink(path);
	t0 = now();
	for (int i = 0; i < LOOKUPS; i++) {
		struct window_label wl;
		char vm[8];
		uint64_t start = T0 + (uint64_t)(rand_r(&seed) % NIVS) * SEC;

		snprintf(vm, sizeof(vm), "vm%d", rand_r(&seed) % NVMS);
		hits += (size_t)labels_lookup(&l, vm, start, start + SEC, &wl);
	}
	t_bin = now() - t0;
	t0 = now();
	for (size_t i = 0; i < lin_lookups; i++) {
		char vm[8];
		uint64_t start = T0 + (uint64_t)(rand_r(&seed) % NIVS) * SEC;

		snprintf(vm, sizeof(vm), "vm%d", rand_r(&seed) % NVMS);
		lin_hits += linear(&l, vm, start, start + SEC) != NULL;
	}
	t_lin = now() - t0;
	printf("labels_lookup: %.0f lookups/s (%zu of %d labeled); linear scan: %.0f lookups/s; "
	       "ratio %.0fx\n", LOOKUPS / t_bin, hits, LOOKUPS, lin_lookups / t_lin,
	       (LOOKUPS / t_bin) / (lin_lookups / t_lin));
	labels_fini(&l);
	return hits == LOOKUPS && lin_hits == lin_lookups ? 0 : 1;
}
