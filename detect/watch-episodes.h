/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_WATCH_EPISODES_H
#define VMINT_DETECT_WATCH_EPISODES_H

/*
 * `vmint watch --watcher-actions F`: episodes followed window by window,
 * and a record for a scheduler when one becomes persistent and when it
 * ends.
 *
 * An episode is detect's (episode.c): consecutive interfered windows of
 * one VM on one resource, so a VM has at most one open. It becomes
 * persistent by recommend's rule (recommend.h) applied to its own
 * windows, the rule detect applies to a VM's: at least one of them
 * measured, and its supported windows at least MIN_PERSISTENT (3) and
 * half of its windows. Then one "persistent" record, with the Watcher
 * action detect would give (migrate the smaller of the VM and its main
 * culprit on the episode, recommend_migrate_subject), never again for
 * that episode; when the VM's next window is not interfered on that
 * resource, or does not follow (a window missing), one "ended" record,
 * and the episode is forgotten. Episodes that never became persistent
 * leave no record.
 *
 * Records are JSON lines appended to the file, each in one write (whole
 * even when the run is stopped). Owns: the open episodes (one per VM) and
 * the file.
 */

#include "detect/result.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

struct watch;

#define EP_CULPRITS 16

struct open_episode {
	int open;             /* 0: none */
	int announced;        /* its "persistent" record is written */
	int subject;          /* the VM to move (index), once announced */
	struct episode e;     /* running sums (episode_add) */
	int supported, measured; /* what recommend's rule counts */
	/* delay caused on the resource over the supported windows, by
	 * culprit: the main one is the largest (recommend.c) */
	struct { int vm; double delay_ns; } by[EP_CULPRITS];
	int nby;
};

struct watch_episodes {
	const char *path;    /* weak */
	FILE *fp;            /* owned */
	struct open_episode *vm; /* owned: by the analysis's VM index */
	size_t nvm;
	uint64_t persistent, ended; /* records written */
};

/* Opens `path` for appending. Returns 0 or -1 (cause appended). */
int episodes_open(struct watch_episodes *s, const char *path);

/* Closes the file. Returns 0 or -1 (cause appended: a write failed). */
int episodes_close(struct watch_episodes *s);

/* Window `r` of watch `w` closed, while chunk `chunk` was read. Returns
 * 0 or -1 (cause appended). */
int episodes_window(struct watch_episodes *s, const struct watch *w,
		    const struct window_result *r);

/* VM `vm` ended (its slot retired: analysis_config.on_vm_retired): its
 * open episode ends with its last window. Returns 0 or -1. */
int episodes_vm_retired(struct watch_episodes *s, const struct watch *w, int vm);

/* Whether an open episode names VM index `vm` (its own, its culprits,
 * the VM it would move): the slot must not go to another VM yet. */
int episodes_name(const struct watch_episodes *s, int vm);

#endif
