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

#endif
