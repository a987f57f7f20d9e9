/* SPDX-License-Identifier: MIT */
#include "common/labels.h"
#include "common/err.h"
#include "common/json-file.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABELS_SCHEMA "vmint.labels/1"
#define LABELS_DEFAULT_WINDOW_NS 1000000000ULL

/* Reads optional integer `key` into *out (untouched when absent), refusing
 * a negative value. */
static int labels_get_u64(const struct json_at *at, const json_t *obj,
			  const char *key, enum json_need need, uint64_t *out)
{
	json_t *v;

	if (json_at_get(at, obj, key, JSON_INTEGER, need, &v) < 0)
		return -1;
	if (!v)
		return 0;
	if (json_integer_value(v) < 0)
		return json_at_fail(at, key, "is negative");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A VM's or an interval's optional workload (LABEL_ABSENT when absent). */
static int labels_get_workload(const struct json_at *at, const json_t *obj,
			       int *out)
{
	*out = LABEL_ABSENT;
	return json_at_get_name(at, obj, "workload", JSON_OPTIONAL,
				workload_names, 0, WL__COUNT, out);
}

static const struct label_vm *labels_find_vm(const struct labels *l,
					     const char *name)
{
	for (size_t i = 0; i < l->nvms; i++)
		if (strcmp(l->vms[i].name, name) == 0)
			return &l->vms[i];
	return NULL;
}

static int labels_read_vm(const struct json_at *root, const json_t *item,
			  size_t i, struct labels *l)
{
	struct label_vm *vm = &l->vms[i];
	struct json_at at;
	json_t *pid;

	json_at_item(&at, root, "vms", i);
	if (json_at_check_object(&at, item) < 0 ||
	    json_at_dup_string(&at, item, "name", JSON_REQUIRED, &vm->name) < 0)
		return -1;
	if (labels_find_vm(l, vm->name) != vm)
		return json_at_fail(&at, NULL, "VM '%s' is listed twice", vm->name);
	if (json_at_get(&at, item, "pid", JSON_INTEGER, JSON_OPTIONAL, &pid) < 0)
		return -1;
	vm->pid = pid ? json_integer_value(pid) : 0;
	return labels_get_workload(&at, item, &vm->workload);
}

static int labels_read_culprits(const struct json_at *at, const json_t *item,
				const struct labels *l,
				struct label_culprit_list *out)
{
	json_t *list, *name;
	size_t i;

	if (json_at_get(at, item, "culprits", JSON_ARRAY, JSON_OPTIONAL, &list) < 0)
		return -1;
	if (!list)
		return 0;
	out->names = calloc(json_array_size(list) + 1, sizeof(*out->names));
	if (!out->names) {
		err_fail(ERR_RESOURCE, "'%s': out of memory", at->file);
		return -1;
	}
	json_array_foreach(list, i, name) {
		const char *s = json_string_value(name);

		if (!s || (strcmp(s, CULPRIT_HOST_NAME) != 0 && !labels_find_vm(l, s)))
			return json_at_fail(at, NULL, "key 'culprits': item %zu must be the name of a VM listed in 'vms', or \"" CULPRIT_HOST_NAME "\"",
					    i);
		out->names[i] = strdup(s);
		if (!out->names[i]) {
			err_fail(ERR_RESOURCE, "'%s': out of memory", at->file);
			return -1;
		}
		out->n = i + 1;
	}
	return 0;
}

static int labels_read_interval(const struct json_at *root, const json_t *item,
				size_t i, struct labels *l)
{
	struct label_interval *iv = &l->iv[i];
	struct json_at at;
	json_t *flag;
	int resource = RES_NONE;

	json_at_item(&at, root, "intervals", i);
	if (json_at_check_object(&at, item) < 0 ||
	    json_at_dup_string(&at, item, "vm", JSON_REQUIRED, &iv->vm) < 0)
		return -1;
	if (!labels_find_vm(l, iv->vm))
		return json_at_fail(&at, NULL, "key 'vm': '%s' is not a VM listed in 'vms'",
				    iv->vm);
	if (labels_get_u64(&at, item, "start_ns", JSON_REQUIRED, &iv->start_ns) < 0 ||
	    labels_get_u64(&at, item, "end_ns", JSON_REQUIRED, &iv->end_ns) < 0)
		return -1;
	if (iv->start_ns >= iv->end_ns)
		return json_at_fail(&at, "end_ns", "(%" PRIu64
				    ") must be after 'start_ns' (%" PRIu64 ")",
				    iv->end_ns, iv->start_ns);
	if (json_at_get(&at, item, "interference", JSON_TRUE, JSON_REQUIRED,
			&flag) < 0)
		return -1;
	iv->interference = json_is_true(flag);
	/* An interval without interference has no resource to name. */
	if (iv->interference &&
	    json_at_get_name(&at, item, "resource", JSON_REQUIRED, resource_names,
			     RES_CPU, RES__COUNT, &resource) < 0)
		return -1;
	iv->resource = resource;
	if (labels_read_culprits(&at, item, l, &iv->culprits) < 0)
		return -1;
	return labels_get_workload(&at, item, &iv->workload);
}

/* Orders intervals by VM name, then by time: each VM's intervals are then
 * one sorted run that labels_lookup() can binary-search. */
static int labels_cmp_interval(const void *a, const void *b)
{
	const struct label_interval *x = a, *y = b;
	int c = strcmp(x->vm, y->vm);

	if (c != 0)
		return c;
	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

/* Overlapping intervals of one VM would give a window two labels. */
static int labels_check_overlap(const char *path, const struct labels *l)
{
	for (size_t i = 1; i < l->niv; i++) {
		const struct label_interval *a = &l->iv[i - 1], *b = &l->iv[i];

		if (strcmp(a->vm, b->vm) == 0 && b->start_ns < a->end_ns) {
			err_fail(ERR_INPUT, "'%s': intervals of VM '%s' overlap: [%" PRIu64
				 ", %" PRIu64 ") and [%" PRIu64 ", %" PRIu64 ")",
				 path, a->vm, a->start_ns, a->end_ns,
				 b->start_ns, b->end_ns);
			return -1;
		}
	}
	return 0;
}

static int labels_read_list(const struct json_at *at, const json_t *root,
			    const char *key, json_t **list, void **array,
			    size_t size)
{
	if (json_at_get(at, root, key, JSON_ARRAY, JSON_REQUIRED, list) < 0)
		return -1;
	*array = calloc(json_array_size(*list) + 1, size);
	if (!*array) {
		err_fail(ERR_RESOURCE, "'%s': out of memory", at->file);
		return -1;
	}
	return 0;
}

static int labels_parse(const char *path, const json_t *root, struct labels *l)
{
	const struct json_at at = { .file = path, .null_is_absent = true };
	json_t *list, *item;
	void *array;
	size_t i;

	if (json_at_check_object(&at, root) < 0 ||
	    json_at_check_schema(&at, root, LABELS_SCHEMA) < 0)
		return -1;
	l->window_ns = LABELS_DEFAULT_WINDOW_NS;
	if (labels_get_u64(&at, root, "window_ns", JSON_OPTIONAL, &l->window_ns) < 0)
		return -1;
	if (l->window_ns == 0)
		return json_at_fail(&at, "window_ns", "must be positive");

	if (labels_read_list(&at, root, "vms", &list, &array, sizeof(*l->vms)) < 0)
		return -1;
	l->vms = array;
	json_array_foreach(list, i, item) {
		l->nvms = i + 1; /* so labels_fini frees a half-read entry */
		if (labels_read_vm(&at, item, i, l) < 0)
			return -1;
	}

	if (labels_read_list(&at, root, "intervals", &list, &array,
			     sizeof(*l->iv)) < 0)
		return -1;
	l->iv = array;
	json_array_foreach(list, i, item) {
		l->niv = i + 1;
		if (labels_read_interval(&at, item, i, l) < 0)
			return -1;
	}
	qsort(l->iv, l->niv, sizeof(*l->iv), labels_cmp_interval);
	return labels_check_overlap(path, l);
}

int labels_load(const char *path, struct labels *out)
{
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	root = json_file_load(path);
	if (!root)
		return -1;
	ret = labels_parse(path, root, out);
	json_decref(root);
	if (ret < 0)
		labels_fini(out);
	return ret;
}

void labels_fini(struct labels *l)
{
	for (size_t i = 0; i < l->niv; i++) {
		for (size_t j = 0; j < l->iv[i].culprits.n; j++)
			free(l->iv[i].culprits.names[j]);
		free(l->iv[i].culprits.names);
		free(l->iv[i].vm);
	}
	free(l->iv);
	for (size_t i = 0; i < l->nvms; i++)
		free(l->vms[i].name);
	free(l->vms);
	memset(l, 0, sizeof(*l));
}

/* Index of the first interval after every interval of VM `vm` that ends at
 * or before `t`: the first candidate that may overlap a window starting at
 * `t` (intervals of one VM do not overlap, so their ends are sorted too). */
static size_t labels_first_ending_after(const struct labels *l, const char *vm,
					uint64_t t)
{
	size_t lo = 0, hi = l->niv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->iv[mid].vm, vm);

		if (c < 0 || (c == 0 && l->iv[mid].end_ns <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void labels_fill(const struct labels *l, const struct label_interval *iv,
			struct window_label *out)
{
	const struct label_vm *vm;

	out->iv = iv;
	out->interference = iv->interference;
	out->resource = iv->resource;
	if (iv->workload != LABEL_ABSENT) {
		out->workload = iv->workload;
	} else {
		vm = labels_find_vm(l, iv->vm);
		out->workload = vm ? vm->workload : LABEL_ABSENT;
	}
}

int labels_lookup(const struct labels *l, const char *vm, uint64_t start_ns,
		  uint64_t end_ns, struct window_label *out)
{
	uint64_t len = end_ns - start_ns;
	size_t i;

	if (end_ns <= start_ns)
		return 0;
	for (i = labels_first_ending_after(l, vm, start_ns);
	     i < l->niv && l->iv[i].start_ns < end_ns &&
	     strcmp(l->iv[i].vm, vm) == 0;
	     i++) {
		const struct label_interval *iv = &l->iv[i];
		uint64_t lo = iv->start_ns > start_ns ? iv->start_ns : start_ns;
		uint64_t hi = iv->end_ns < end_ns ? iv->end_ns : end_ns;

		/* Covers at least half: 2 * overlap >= len, without overflow. */
		if (hi - lo >= len - len / 2) {
			labels_fill(l, iv, out);
			return 1;
		}
	}
	return 0;
}
