/* SPDX-License-Identifier: MIT */
/* watch's episodes, followed window by window, and their records. */
#include "detect/watch-episodes.h"
#include "common/err.h"
#include "detect/collect.h"
#include "detect/recommend.h"
#include "detect/report.h"
#include "detect/watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int episodes_open(struct watch_episodes *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->path = path;
	/* a log that grows, as --jsonl: appended, never rewritten */
	if (!(s->fp = fopen(path, "a"))) {
		err_fail(ERR_RESOURCE, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int episodes_close(struct watch_episodes *s)
{
	int ret = 0;

	if (s->fp && fclose(s->fp) != 0) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", s->path, strerror(errno));
		ret = -1;
	}
	free(s->vm);
	memset(s, 0, sizeof(*s));
	return ret;
}

static struct open_episode *slot(struct watch_episodes *s, int vm)
{
	if ((size_t)vm >= s->nvm) {
		size_t n = (size_t)vm + 1;
		struct open_episode *g = realloc(s->vm, n * sizeof(*g));

		if (!g) {
			err_fail(ERR_RESOURCE, "out of memory");
			return NULL;
		}
		memset(g + s->nvm, 0, (n - s->nvm) * sizeof(*g));
		s->vm = g;
		s->nvm = n;
	}
	return &s->vm[vm];
}

/* The delay culprits caused over the supported windows (recommend.c's
 * summarize_victim): beyond EP_CULPRITS of them, the rest are left out. */
static void add_delay(struct open_episode *o, const struct window_result *w)
{
	for (int c = 0; c < w->nculprits; c++) {
		double d = w->culprits[c].share * w->delay_ns[w->resource];
		int i;

		for (i = 0; i < o->nby && o->by[i].vm != w->culprits[c].vm; i++)
			;
		if (i == o->nby) {
			if (o->nby == EP_CULPRITS)
				continue;
			o->by[o->nby].vm = w->culprits[c].vm;
			o->by[o->nby++].delay_ns = 0;
		}
		o->by[i].delay_ns += d;
	}
}

/* The main culprit: the most delay caused; on a tie the host, then the
 * VM of the lower index (recommend.c's order). */
static int main_culprit(const struct open_episode *o)
{
	int best = CULPRIT_HOST;
	double most = 0;

	for (int i = 0; i < o->nby; i++)
		if (o->by[i].delay_ns > most ||
		    (o->by[i].delay_ns == most && most > 0 && o->by[i].vm < best)) {
			most = o->by[i].delay_ns;
			best = o->by[i].vm;
		}
	return best;
}

/* One record: {"event", "episode", "migrate", "watcher"?}, as detect's
 * report would say the episode and its Watcher action. */
static int write_record(struct watch_episodes *s, const struct watch *w,
			struct open_episode *o, const char *event, uint64_t at_ns)
{
	struct detect_result r = { 0 };
	struct episode e = o->e;
	const struct vm_result *subj;
	json_t *j = NULL;
	char *text = NULL;
	int ret = -1;

	/* the VMs as they stand: names, uuids, vCPUs and CPU used so far */
	if (collect_copy_vms(&r, w->a) < 0)
		goto end;
	r.hostname = (char *)(w->stats.hostname[0] ? w->stats.hostname : NULL);
	if (!o->announced)
		o->subject = recommend_migrate_subject(&r, o->e.vm, main_culprit(o));
	subj = &r.vms[o->subject];
	episode_close(&e);
	j = json_pack("{s:s, s:I, s:o, s:s}", "event", event, "at_ns", (json_int_t)at_ns,
		      "episode", report_episode_json(&r, &e), "migrate", subj->name);
	/* a Watcher action needs the domain's uuid; a process tenant is none */
	if (j && subj->uuid && !subj->process)
		json_object_set_new(j, "watcher", report_watcher_action(&r, o->subject));
	if (j && w->chunk)
		json_object_set_new(j, "chunk", json_string(w->chunk));
	text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	if (!text) {
		err_fail(ERR_RESOURCE, "cannot build a record of '%s': out of memory", s->path);
		goto end;
	}
	/* one line, far shorter than the stdio buffer: one write */
	if (fprintf(s->fp, "%s\n", text) < 0 || fflush(s->fp) != 0) {
		err_fail(ERR_RESOURCE, "cannot write '%s': %s", s->path, strerror(errno ? errno : EIO));
		goto end;
	}
	ret = 0;
end:
	free(text);
	json_decref(j);
	r.hostname = NULL; /* borrowed */
	detect_result_fini(&r);
	return ret;
}

static int end_episode(struct watch_episodes *s, const struct watch *w,
		       struct open_episode *o, uint64_t at_ns)
{
	int ret = 0;

	if (o->announced) {
		ret = write_record(s, w, o, "ended", at_ns);
		s->ended += ret == 0;
	}
	memset(o, 0, sizeof(*o));
	return ret;
}

int episodes_window(struct watch_episodes *s, const struct watch *w,
		    const struct window_result *r)
{
	struct open_episode *o = slot(s, r->vm);
	int interfered = r->interference && r->resource != RES_NONE;

	if (!o)
		return -1;
	/* detect's rule (episode.c): the same resource, the next window */
	if (o->open && (!interfered || r->resource != o->e.resource ||
			r->start_ns != o->e.end_ns) &&
	    end_episode(s, w, o, r->end_ns) < 0)
		return -1;
	if (!interfered)
		return 0;
	if (!o->open) {
		o->open = 1;
		o->e.vm = r->vm;
		o->e.resource = r->resource;
		o->e.start_ns = r->start_ns;
	}
	episode_add(&o->e, r);
	if (recommend_supported(r)) {
		o->supported++;
		o->measured += r->by_measurement;
		add_delay(o, r);
	}
	if (!o->announced && recommend_persistent(o->supported, o->measured, o->e.windows)) {
		if (write_record(s, w, o, "persistent", r->end_ns) < 0)
			return -1;
		o->announced = 1;
		s->persistent++;
	}
	return 0;
}

int episodes_vm_retired(struct watch_episodes *s, const struct watch *w, int vm)
{
	struct open_episode *o;

	if (vm < 0 || (size_t)vm >= s->nvm || !s->vm[vm].open)
		return 0;
	o = &s->vm[vm];
	return end_episode(s, w, o, o->e.end_ns);
}

int episodes_name(const struct watch_episodes *s, int vm)
{
	for (size_t i = 0; i < s->nvm; i++) {
		const struct open_episode *o = &s->vm[i];

		if (!o->open)
			continue;
		if (o->e.vm == vm || (o->announced && o->subject == vm))
			return 1;
		for (int k = 0; k < o->nby; k++)
			if (o->by[k].vm == vm)
				return 1;
	}
	return 0;
}
