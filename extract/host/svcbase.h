/* SPDX-License-Identifier: MIT */
#ifndef VMINT_EXTRACT_SVCBASE_H
#define VMINT_EXTRACT_SVCBASE_H

/*
 * A disk's uncontended service time (issue -> complete), learned online
 * from the requests during whose service no other owner had a request in
 * service: per owner (its own queue depth and access pattern included)
 * and device-wide, by size class and direction. Each holds a running
 * median and 90th percentile (GSL's P^2 estimator: constant memory, no
 * allocation per request). What a contended request took beyond the
 * 90th percentile is latency it lost (io.c); service over the median is
 * the disk_lat_inflation feature.
 *
 * Owns: the estimators (svc_base_fini). Memory grows with owners only.
 */

#include <stddef.h>
#include <stdint.h>

/* Requests of 4 KiB or less, 8 KiB, ..., 1 MiB or more; read / write. */
#define SVC_SIZES 9
#define SVC_CLASSES (2 * SVC_SIZES)
/* An estimate is used once this many uncontended requests fed it. */
#define SVC_MIN_SAMPLES 8

struct svc_est;

struct svc_base {
	struct svc_est *est; /* owned: nslots * SVC_CLASSES (slot 0: device) */
	size_t nslots;       /* slot owner + 2 (the host, -1, is slot 1) */
};

void svc_base_init(struct svc_base *b);
void svc_base_fini(struct svc_base *b);

/* The class of a request of `bytes` (write or read). */
unsigned svc_class(uint64_t bytes, int write);

/* An uncontended request of `owner` served in `ns`. Returns 0, or -1
 * when out of memory (the sample is then not learned). */
int svc_base_learn(struct svc_base *b, int owner, unsigned cls, double ns);

/* The median and 90th percentile of `owner`'s uncontended service in
 * class `cls` (its own once learned, else the device's). Returns 0, or
 * -1 when neither has SVC_MIN_SAMPLES yet. */
int svc_base_get(const struct svc_base *b, int owner, unsigned cls,
		 double *p50, double *p90);

/* Forgets `owner`'s own estimates (its slot is then a new owner's). */
void svc_base_forget(struct svc_base *b, int owner);

#endif
