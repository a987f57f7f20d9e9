/* SPDX-License-Identifier: MIT */
#include "common/vms.h"
#include "common/err.h"
#include "common/json-file.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VMS_SCHEMA "vmint.vms/1"

/* Where a value sits, for messages: the file and "vms[2]: " or "". */
struct vms_ctx {
	const char *path;
	char where[32];
};

/* The value of `key` in `obj` when it has JSON type `type`. Returns 0 with
 * *out set (NULL when absent and optional) or -1 with a cause. */
static int vms_get(const struct vms_ctx *c, const json_t *obj, const char *key,
		   json_type type, int required, json_t **out)
{
	static const char *const what[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",  [JSON_INTEGER] = "an integer",
	};
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		err_append("'%s': %smissing key '%s'", c->path, c->where, key);
		return -1;
	}
	if (json_typeof(v) != type) {
		err_append("'%s': %skey '%s' must be %s", c->path, c->where, key,
			   what[type]);
		return -1;
	}
	*out = v;
	return 0;
}

static int vms_get_string(const struct vms_ctx *c, const json_t *obj,
			  const char *key, int required, char **out)
{
	json_t *v;

	*out = NULL;
	if (vms_get(c, obj, key, JSON_STRING, required, &v) < 0)
		return -1;
	if (!v)
		return 0;
	if (json_string_length(v) == 0) {
		err_append("'%s': %skey '%s' is empty", c->path, c->where, key);
		return -1;
	}
	*out = strdup(json_string_value(v));
	if (!*out) {
		err_append("'%s': out of memory", c->path);
		return -1;
	}
	return 0;
}

/* Reads integer `key` into *out when present (*out untouched otherwise)
 * and checks it lies in [min, max]. */
static int vms_get_int(const struct vms_ctx *c, const json_t *obj,
		       const char *key, int required, json_int_t min,
		       json_int_t max, json_int_t *out)
{
	json_t *v;

	if (vms_get(c, obj, key, JSON_INTEGER, required, &v) < 0)
		return -1;
	if (!v)
		return 0;
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		err_append("'%s': %skey '%s' is %" JSON_INTEGER_FORMAT
			   ", must be between %" JSON_INTEGER_FORMAT
			   " and %" JSON_INTEGER_FORMAT,
			   c->path, c->where, key, json_integer_value(v), min, max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int vms_check_schema(const struct vms_ctx *c, const json_t *root)
{
	json_t *v;

	if (vms_get(c, root, "schema", JSON_STRING, 1, &v) < 0)
		return -1;
	if (strcmp(json_string_value(v), VMS_SCHEMA) != 0) {
		err_append("'%s': key 'schema' is '%s', expected '%s'", c->path,
			   json_string_value(v), VMS_SCHEMA);
		return -1;
	}
	return 0;
}

static int vms_read_entry(struct vms_ctx *c, const json_t *item, size_t i,
			  struct vm_entry *e)
{
	json_int_t pid = 0, vcpus = 0;

	snprintf(c->where, sizeof(c->where), "vms[%zu]: ", i);
	if (!json_is_object(item)) {
		err_append("'%s': %smust be an object", c->path, c->where);
		return -1;
	}
	if (vms_get_int(c, item, "pid", 1, 1, INT32_MAX, &pid) < 0 ||
	    vms_get_string(c, item, "name", 1, &e->name) < 0 ||
	    vms_get_string(c, item, "uuid", 0, &e->uuid) < 0 ||
	    vms_get_int(c, item, "vcpus", 0, 1, 4096, &vcpus) < 0)
		return -1;
	e->pid = pid;
	e->vcpus = (int)vcpus;
	return 0;
}

/* Two VMs with one pid or one name would make the mapping ambiguous. */
static int vms_check_unique(const char *path, const struct vms_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (f->vms[i].pid == f->vms[j].pid) {
				err_append("'%s': vms[%zu]: pid %" PRId64
					   " is already the pid of vms[%zu]",
					   path, i, f->vms[i].pid, j);
				return -1;
			}
			if (strcmp(f->vms[i].name, f->vms[j].name) == 0) {
				err_append("'%s': vms[%zu]: name '%s' is already the name of vms[%zu]",
					   path, i, f->vms[i].name, j);
				return -1;
			}
		}
	}
	return 0;
}

static int vms_parse(const char *path, const json_t *root, struct vms_file *f)
{
	struct vms_ctx c = { .path = path, .where = "" };
	json_t *list, *item;
	size_t i;

	if (!json_is_object(root)) {
		err_append("'%s': not a JSON object", path);
		return -1;
	}
	if (vms_check_schema(&c, root) < 0 ||
	    vms_get_string(&c, root, "host", 0, &f->host) < 0 ||
	    vms_get(&c, root, "vms", JSON_ARRAY, 1, &list) < 0)
		return -1;
	f->vms = calloc(json_array_size(list) + 1, sizeof(*f->vms));
	if (!f->vms) {
		err_append("'%s': out of memory", path);
		return -1;
	}
	json_array_foreach(list, i, item) {
		f->n = i + 1; /* so vms_fini frees a half-read entry */
		if (vms_read_entry(&c, item, i, &f->vms[i]) < 0)
			return -1;
	}
	return vms_check_unique(path, f);
}

int vms_load(const char *path, struct vms_file *out)
{
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	root = json_file_load(path);
	if (!root)
		return -1;
	ret = vms_parse(path, root, out);
	json_decref(root);
	if (ret < 0)
		vms_fini(out);
	return ret;
}

void vms_fini(struct vms_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->vms[i].name);
		free(f->vms[i].uuid);
	}
	free(f->vms);
	free(f->host);
	memset(f, 0, sizeof(*f));
}

const struct vm_entry *vms_find(const struct vms_file *f, int64_t pid)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->vms[i].pid == pid)
			return &f->vms[i];
	return NULL;
}
