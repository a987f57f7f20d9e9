/* SPDX-License-Identifier: MIT */
#include "model/labels.h"
#include "common/err.h"
#include "common/json-file.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABELS_SCHEMA "vmint.labels/1"
#define LABELS_DEFAULT_WINDOW_NS 1000000000ULL

static const char *const workloads[] = { "idle", "cpu", "disk", "net", NULL };
static const char *const resources[] = { "cpu", "disk", "net", NULL };

/* Where a value sits, for messages: the file and "intervals[3]: " or "". */
struct labels_ctx {
	const char *path;
	char where[48];
};

/* The value of `key` in `obj` when it has JSON type `type` (true and false
 * are both JSON_TRUE here). Returns 0 with *out set (NULL when absent and
 * optional) or -1 with a cause. */
static int labels_get(const struct labels_ctx *c, const json_t *obj,
		      const char *key, json_type type, int required,
		      json_t **out)
{
	static const char *const what[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",  [JSON_INTEGER] = "an integer",
		[JSON_TRUE] = "true or false",
	};
	json_t *v = json_object_get(obj, key);
	json_type t;

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		err_append("'%s': %smissing key '%s'", c->path, c->where, key);
		return -1;
	}
	t = json_is_boolean(v) ? JSON_TRUE : json_typeof(v);
	if (t != type) {
		err_append("'%s': %skey '%s' must be %s", c->path, c->where, key,
			   what[type]);
		return -1;
	}
	*out = v;
	return 0;
}

static int labels_get_u64(const struct labels_ctx *c, const json_t *obj,
			  const char *key, int required, uint64_t *out)
{
	json_t *v;

	if (labels_get(c, obj, key, JSON_INTEGER, required, &v) < 0)
		return -1;
	if (!v)
		return 0;
	if (json_integer_value(v) < 0) {
		err_append("'%s': %skey '%s' is negative", c->path, c->where,
			   key);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static char *labels_strdup(const struct labels_ctx *c, const char *s)
{
	char *d = strdup(s);

	if (!d)
		err_append("'%s': out of memory", c->path);
	return d;
}

static int labels_get_name(const struct labels_ctx *c, const json_t *obj,
			   const char *key, char **out)
{
	json_t *v;

	if (labels_get(c, obj, key, JSON_STRING, 1, &v) < 0)
		return -1;
	if (json_string_length(v) == 0) {
		err_append("'%s': %skey '%s' is empty", c->path, c->where, key);
		return -1;
	}
	*out = labels_strdup(c, json_string_value(v));
	return *out ? 0 : -1;
}

/* Reads optional enumerated string `key` into out[8] ("" when absent),
 * checking it is one of `allowed`. */
static int labels_get_enum(const struct labels_ctx *c, const json_t *obj,
			   const char *key, int required,
			   const char *const *allowed, char out[8])
{
	json_t *v;

	out[0] = '\0';
	if (labels_get(c, obj, key, JSON_STRING, required, &v) < 0)
		return -1;
	if (!v)
		return 0;
	for (size_t i = 0; allowed[i]; i++) {
		if (strcmp(json_string_value(v), allowed[i]) == 0) {
			strcpy(out, allowed[i]);
			return 0;
		}
	}
	err_append("'%s': %skey '%s' is '%s', expected one of %s", c->path,
		   c->where, key, json_string_value(v),
		   allowed == workloads ? "idle, cpu, disk, net" :
					  "cpu, disk, net");
	return -1;
}

static const struct label_vm *labels_find_vm(const struct labels *l,
					     const char *name)
{
	for (size_t i = 0; i < l->nvms; i++)
		if (strcmp(l->vms[i].name, name) == 0)
			return &l->vms[i];
	return NULL;
}

static int labels_read_vm(struct labels_ctx *c, const json_t *item, size_t i,
			  struct labels *l)
{
	struct label_vm *vm = &l->vms[i];
	json_t *pid;

	snprintf(c->where, sizeof(c->where), "vms[%zu]: ", i);
	if (!json_is_object(item)) {
		err_append("'%s': %smust be an object", c->path, c->where);
		return -1;
	}
	if (labels_get_name(c, item, "name", &vm->name) < 0)
		return -1;
	if (labels_find_vm(l, vm->name) != vm) {
		err_append("'%s': %sVM '%s' is listed twice", c->path, c->where,
			   vm->name);
		return -1;
	}
	if (labels_get(c, item, "pid", JSON_INTEGER, 0, &pid) < 0)
		return -1;
	vm->pid = pid ? json_integer_value(pid) : 0;
	return labels_get_enum(c, item, "workload", 0, workloads, vm->workload);
}

static int labels_read_culprits(struct labels_ctx *c, const json_t *item,
				const struct labels *l,
				struct label_culprit_list *out)
{
	json_t *list, *name;
	size_t i;

	if (labels_get(c, item, "culprits", JSON_ARRAY, 0, &list) < 0)
		return -1;
	if (!list)
		return 0;
	out->names = calloc(json_array_size(list) + 1, sizeof(*out->names));
	if (!out->names) {
		err_append("'%s': out of memory", c->path);
		return -1;
	}
	json_array_foreach(list, i, name) {
		const char *s = json_string_value(name);

		if (!s || (strcmp(s, "host") != 0 && !labels_find_vm(l, s))) {
			err_append("'%s': %skey 'culprits': item %zu must be the name of a VM listed in 'vms', or \"host\"",
				   c->path, c->where, i);
			return -1;
		}
		out->names[i] = labels_strdup(c, s);
		if (!out->names[i])
			return -1;
		out->n = i + 1;
	}
	return 0;
}

static int labels_read_interval(struct labels_ctx *c, const json_t *item,
				size_t i, struct labels *l)
{
	struct label_interval *iv = &l->iv[i];
	json_t *flag;

	snprintf(c->where, sizeof(c->where), "intervals[%zu]: ", i);
	if (!json_is_object(item)) {
		err_append("'%s': %smust be an object", c->path, c->where);
		return -1;
	}
	if (labels_get_name(c, item, "vm", &iv->vm) < 0)
		return -1;
	if (!labels_find_vm(l, iv->vm)) {
		err_append("'%s': %skey 'vm': '%s' is not a VM listed in 'vms'",
			   c->path, c->where, iv->vm);
		return -1;
	}
	if (labels_get_u64(c, item, "start_ns", 1, &iv->start_ns) < 0 ||
	    labels_get_u64(c, item, "end_ns", 1, &iv->end_ns) < 0)
		return -1;
	if (iv->start_ns >= iv->end_ns) {
		err_append("'%s': %skey 'end_ns' (%" PRIu64
			   ") must be after 'start_ns' (%" PRIu64 ")",
			   c->path, c->where, iv->end_ns, iv->start_ns);
		return -1;
	}
	if (labels_get(c, item, "interference", JSON_TRUE, 1, &flag) < 0)
		return -1;
	iv->interference = json_is_true(flag);
	/* An interval without interference has no resource to name. */
	if (iv->interference &&
	    labels_get_enum(c, item, "resource", 1, resources, iv->resource) < 0)
		return -1;
	if (labels_read_culprits(c, item, l, &iv->culprits) < 0)
		return -1;
	return labels_get_enum(c, item, "workload", 0, workloads, iv->workload);
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
			err_append("'%s': intervals of VM '%s' overlap: [%" PRIu64
				   ", %" PRIu64 ") and [%" PRIu64 ", %" PRIu64 ")",
				   path, a->vm, a->start_ns, a->end_ns,
				   b->start_ns, b->end_ns);
			return -1;
		}
	}
	return 0;
}

static int labels_read_list(struct labels_ctx *c, const json_t *root,
			    const char *key, json_t **list, void **array,
			    size_t size)
{
	if (labels_get(c, root, key, JSON_ARRAY, 1, list) < 0)
		return -1;
	*array = calloc(json_array_size(*list) + 1, size);
	if (!*array) {
		err_append("'%s': out of memory", c->path);
		return -1;
	}
	return 0;
}

static int labels_parse(const char *path, const json_t *root, struct labels *l)
{
	struct labels_ctx c = { .path = path, .where = "" };
	json_t *schema, *list, *item;
	void *array;
	size_t i;

	if (!json_is_object(root)) {
		err_append("'%s': not a JSON object", path);
		return -1;
	}
	if (labels_get(&c, root, "schema", JSON_STRING, 1, &schema) < 0)
		return -1;
	if (strcmp(json_string_value(schema), LABELS_SCHEMA) != 0) {
		err_append("'%s': key 'schema' is '%s', expected '%s'", path,
			   json_string_value(schema), LABELS_SCHEMA);
		return -1;
	}
	l->window_ns = LABELS_DEFAULT_WINDOW_NS;
	if (labels_get_u64(&c, root, "window_ns", 0, &l->window_ns) < 0)
		return -1;
	if (l->window_ns == 0) {
		err_append("'%s': key 'window_ns' must be positive", path);
		return -1;
	}

	if (labels_read_list(&c, root, "vms", &list, &array, sizeof(*l->vms)) < 0)
		return -1;
	l->vms = array;
	json_array_foreach(list, i, item) {
		l->nvms = i + 1; /* so labels_fini frees a half-read entry */
		if (labels_read_vm(&c, item, i, l) < 0)
			return -1;
	}

	c.where[0] = '\0';
	if (labels_read_list(&c, root, "intervals", &list, &array,
			     sizeof(*l->iv)) < 0)
		return -1;
	l->iv = array;
	json_array_foreach(list, i, item) {
		l->niv = i + 1;
		if (labels_read_interval(&c, item, i, l) < 0)
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
	out->resource = iv->interference ? iv->resource : "none";
	if (iv->workload[0]) {
		out->workload = iv->workload;
	} else {
		vm = labels_find_vm(l, iv->vm);
		out->workload = vm && vm->workload[0] ? vm->workload : NULL;
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
