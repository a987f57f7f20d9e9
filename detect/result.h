/* SPDX-License-Identifier: MIT */
#ifndef VMINT_DETECT_RESULT_H
#define VMINT_DETECT_RESULT_H

/*
 * What `vmint detect` concludes, before it is written out: per VM, per
 * (VM, window), episodes and recommendations. The report writers (JSON,
 * Watcher actions, Prometheus, HTML) read only this. Owns: every array
 * and string in struct detect_result (free with detect_result_fini).
 */

#include "common/vocab.h"

#include <stddef.h>
#include <stdint.h>

#define MAX_CULPRITS 4
#define MAX_TOP_EVENTS 5

struct culprit_share {
	int vm;       /* index into result.vms, or CULPRIT_HOST */
	double share; /* of the victim's delay on the resource, 0..1 */
};

struct top_event {
	char event[48];   /* event name as in the trace */
	char detail[32];  /* exit reason name for kvm exits, else "" */
	uint64_t count;   /* in the VM's interfered windows */
	double baseline_ratio; /* rate in interfered / rate in clean windows */
};

/* Resource use in one window, for the HTML lanes and for sizing limits. */
struct window_use {
	double cpu_cores;   /* pCPU time of the VM's threads / window */
	double wait_cores;  /* runnable-wait time of its vCPUs / window */
	double disk_iops, disk_bps;
	double net_pps, net_bps;
};

struct window_result {
	int vm;                  /* index into result.vms */
	uint64_t start_ns, end_ns;
	int interference;        /* the decision: model or measurement */
	int by_model, by_measurement; /* which said interfered (by_model: an
				  * alarm the guard let through, collect.h) */
	int model_vote;          /* the classifier's own decision, before the guard */
	double probability;      /* the classifier's P(interfered) */
	/* the out-of-distribution guard (model/classify.h) */
	int in_distribution;
	double max_kernel, out_of_range;
	const char *far_feature; /* weak (the model's name), or NULL */
	/* what the extractor measured, as the labeling rule counts it */
	double share[RES__COUNT];    /* delayed share by resource */
	double delay_ns[RES__COUNT]; /* delay caused by others */
	enum workload workload;  /* this window's class */
	int workload_by_rule;    /* the rule chose it (out of distribution) */
	double p_workload[WL__COUNT]; /* the classifier's estimates */
	int partial;             /* the VM lived less than half of it, or the
				  * trace covers less: not in its VM's vote */
	enum resource resource;  /* RES_NONE when not interfered */
	struct culprit_share culprits[MAX_CULPRITS];
	int nculprits;
	struct window_use use;
	uint64_t discarded_events; /* lost in this window: results less sure */
	/* Last, and only filled once the result is settled (collect.h): a
	 * window kept before that (watch's span, watch-ring.h) may leave
	 * them out and store the fields before `top` alone. */
	struct top_event top[MAX_TOP_EVENTS];
	int ntop;
};

struct report_totals {
	uint64_t cpu_ns, guest_ns, preempted_ns, exits;
	uint64_t disk_requests, disk_bytes, net_packets, net_bytes;
};

struct vm_result {
	char *name;  /* owned */
	char *uuid;  /* owned, NULL when vms.json does not give it */
	char tap[32]; /* its tap device as the trace shows it, or "" */
	int64_t pid;
	int vcpus;
	int process;                  /* a process tenant (vms.json "kind") */
	enum workload workload;
	double workload_prob[WL__COUNT];
	struct report_totals totals;
	int windows, interfered_windows;
	int ood_windows;                /* out of the model's distribution */
	int workload_votes[WL__COUNT];  /* whole windows of each class (all
					 * windows when none is whole) */
	int workload_rule_windows;      /* of them, classed by the rule */
};

struct episode {
	int vm;
	enum resource resource;
	uint64_t start_ns, end_ns;
	struct culprit_share culprits[MAX_CULPRITS]; /* mean share over windows */
	int nculprits;
	int windows;
	double max_probability;
	int first_window, last_window; /* indexes into result.windows */
};

enum action { ACT_NONE, ACT_LIMIT, ACT_PIN, ACT_MIGRATE, ACT_ADD_RESOURCES };
const char *action_name(enum action a);

#define MAX_PARAMS 4
struct recommendation {
	enum action action;
	int vm;                 /* subject (index), or CULPRIT_HOST, or -2: none */
	enum resource resource; /* RES_NONE: the advice is about none */
	char reason[512];
	int *episodes;          /* owned: indexes into result.episodes */
	int nepisodes;
	struct { char key[32]; double value; } params[MAX_PARAMS];
	int nparams;
	char command[512];      /* "" when no command applies */
	int watcher;            /* carries a Watcher action (needs the uuid) */
};

struct detect_result {
	/* what was analysed */
	char **paths;           /* owned */
	size_t npaths;
	char *hostname;         /* owned, may be NULL */
	uint64_t start_ns, end_ns, events, discarded_events;
	int cpus;
	char *model_path;       /* owned */
	uint64_t window_ns;

	struct vm_result *vms;  size_t nvms;      /* owned */
	struct window_result *windows; size_t nwindows; /* owned, by vm then time */
	struct episode *episodes; size_t nepisodes;     /* owned */
	struct recommendation *recs; size_t nrecs;      /* owned */
};

void detect_result_fini(struct detect_result *r);

/* Name of culprit `vm`: its VM's name, or CULPRIT_HOST_NAME (borrowed). */
const char *detect_culprit_name(const struct detect_result *r, int vm);

/* Merges consecutive interfered windows of one VM and one resource into
 * episodes (windows must be sorted by VM, then time; a gap of one window
 * or more ends an episode). Returns 0 or -1 (out of memory). */
int detect_find_episodes(struct detect_result *r);

/* What detect_find_episodes does with each window of an episode, for an
 * episode followed window by window (watch-episodes.h): episode_add adds
 * window `w` (of e's VM and resource, just after e's last window) to `e`
 * (running sums of culprit shares); episode_close turns the sums into
 * means over its windows, largest first. */
void episode_add(struct episode *e, const struct window_result *w);
void episode_close(struct episode *e);

#endif
