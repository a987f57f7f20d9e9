/* SPDX-License-Identifier: MIT */
#include "common/vocab.h"

#include <stdio.h>
#include <string.h>

const char *const resource_names[RES__COUNT] = {
	[RES_NONE] = "none", [RES_CPU] = "cpu", [RES_DISK] = "disk", [RES_NET] = "net",
};
const char *const workload_names[WL__COUNT] = {
	[WL_IDLE] = "idle", [WL_CPU] = "cpu", [WL_DISK] = "disk", [WL_NET] = "net",
};
const char *const tenant_kind_names[TENANT__COUNT] = {
	[TENANT_VM] = "vm", [TENANT_PROCESS] = "process",
};

static const char *name_of(const char *const *names, int n, int i)
{
	return i >= 0 && i < n ? names[i] : "?";
}

const char *resource_name(int resource)
{
	return name_of(resource_names, RES__COUNT, resource);
}

const char *workload_name(int workload)
{
	return name_of(workload_names, WL__COUNT, workload);
}

const char *tenant_kind_name(int kind)
{
	return name_of(tenant_kind_names, TENANT__COUNT, kind);
}

int vocab_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int resource_from_name(const char *name)
{
	return vocab_index(resource_names, RES__COUNT, name);
}

int workload_from_name(const char *name)
{
	return vocab_index(workload_names, WL__COUNT, name);
}

int tenant_kind_from_name(const char *name)
{
	return vocab_index(tenant_kind_names, TENANT__COUNT, name);
}

const char *vocab_list(const char *const *names, int from, int n, char *buf,
		       size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (int i = from; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%s", i > from ? ", " : "", names[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}
