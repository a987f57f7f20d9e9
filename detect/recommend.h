/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_RECOMMEND_H
#define VMINT_DETECT_RECOMMEND_H

/*
 * Turns episodes into advice a scheduler or an operator can act on:
 * migrate, limit, pin, add_resources, or none, each with the episodes that
 * justify it, parameters sized from measured use, and a virsh command.
 * At most one recommendation per VM: a VM to migrate is not also limited.
 */

#include "detect/result.h"

/* Fills r->recs from r->vms, r->windows and r->episodes. Returns 0, or -1
 * when out of memory. */
int detect_recommend(struct detect_result *r);

/* The rules detect_recommend applies, for a caller that follows episodes
 * as they grow (watch-episodes.h):
 *  - a window a recommendation may rest on ("supported"): interfered by
 *    measurement, or by the model where the window is in its
 *    distribution (detect/evidence.h);
 *  - persistence: a VM measured as interfered (`measured` windows >= 1)
 *    whose supported interfered windows are at least MIN_PERSISTENT (3)
 *    and PERSISTENT_SHARE (half) of its `windows` suffers persistently,
 *    and is moved (migrate);
 *  - what is moved: the smaller VM (fewer vCPUs, then less CPU used,
 *    totals.cpu_ns) of the victim and its main culprit; the victim
 *    itself when the culprit is the host (CULPRIT_HOST). */
int recommend_supported(const struct window_result *w);
int recommend_persistent(int supported, int measured, int windows);
int recommend_migrate_subject(const struct detect_result *r, int victim, int culprit);

#endif
