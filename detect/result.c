/* SPDX-License-Identifier: MIT */
#include "detect/result.h"

#include <stdlib.h>
#include <string.h>

const char *action_name(enum action a)
{
	switch (a) {
	case ACT_LIMIT: return "limit";
	case ACT_PIN: return "pin";
	case ACT_MIGRATE: return "migrate";
	case ACT_ADD_RESOURCES: return "add_resources";
	case ACT_NONE: break;
	}
	return "none";
}

const char *detect_culprit_name(const struct detect_result *r, int vm)
{
	return vm == CULPRIT_HOST ? CULPRIT_HOST_NAME : r->vms[vm].name;
}

void detect_result_fini(struct detect_result *r)
{
	for (size_t i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->hostname);
	free(r->model_path);
	for (size_t i = 0; i < r->nvms; i++) {
		free(r->vms[i].name);
		free(r->vms[i].uuid);
	}
	free(r->vms);
	free(r->windows);
	free(r->episodes);
	for (size_t i = 0; i < r->nrecs; i++)
		free(r->recs[i].episodes);
	free(r->recs);
	memset(r, 0, sizeof(*r));
}
