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

static int vms_read_entry(const struct json_at *root, const json_t *item,
			  size_t i, struct vm_entry *e)
{
	struct json_at at;
	json_int_t pid = 0, vcpus = 0;
	const char *kind = "vm";

	json_at_item(&at, root, "vms", i);
	if (json_at_check_object(&at, item) < 0 ||
	    json_at_get_int(&at, item, "pid", JSON_REQUIRED, 1, INT32_MAX, &pid) < 0 ||
	    json_at_dup_string(&at, item, "name", JSON_REQUIRED, &e->name) < 0 ||
	    json_at_dup_string(&at, item, "uuid", JSON_OPTIONAL, &e->uuid) < 0 ||
	    json_at_get_int(&at, item, "vcpus", JSON_OPTIONAL, 1, 4096, &vcpus) < 0 ||
	    json_at_get_string(&at, item, "kind", JSON_OPTIONAL, &kind) < 0)
		return -1;
	if (strcmp(kind, "vm") == 0)
		e->kind = VM_KIND_VM;
	else if (strcmp(kind, "process") == 0)
		e->kind = VM_KIND_PROCESS;
	else
		return json_at_fail(&at, "kind", "is '%s', expected 'vm' or 'process'", kind);
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
	const struct json_at at = { .file = path, .null_is_absent = true };
	json_t *list, *item;
	size_t i;

	if (json_at_check_object(&at, root) < 0 ||
	    json_at_check_schema(&at, root, VMS_SCHEMA) < 0 ||
	    json_at_dup_string(&at, root, "host", JSON_OPTIONAL, &f->host) < 0 ||
	    json_at_get(&at, root, "vms", JSON_ARRAY, JSON_REQUIRED, &list) < 0)
		return -1;
	f->vms = calloc(json_array_size(list) + 1, sizeof(*f->vms));
	if (!f->vms) {
		err_append("'%s': out of memory", path);
		return -1;
	}
	json_array_foreach(list, i, item) {
		f->n = i + 1; /* so vms_fini frees a half-read entry */
		if (vms_read_entry(&at, item, i, &f->vms[i]) < 0)
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
