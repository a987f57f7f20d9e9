/* SPDX-License-Identifier: MIT */
#include "extract/clock-offset.h"
#include "common/json-file.h"

#define CLOCK_OFFSET_SCHEMA "vmint.clock-offset/1"

int clock_offset_load(const char *path, int64_t *offset_ns)
{
	const struct json_at at = { .file = path, .null_is_absent = true };
	json_t *root = json_file_load(path);
	json_int_t off = 0;
	const char *clock;
	int ret = -1;

	if (!root)
		return -1;
	if (json_at_check_object(&at, root) < 0 ||
	    json_at_check_schema(&at, root, CLOCK_OFFSET_SCHEMA) < 0 ||
	    json_at_get_int(&at, root, "offset_ns", JSON_REQUIRED, INT64_MIN + 1,
			    INT64_MAX, &off) < 0 ||
	    json_at_get_string(&at, root, "clock", JSON_OPTIONAL, &clock) < 0)
		goto end;
	*offset_ns = off;
	ret = 0;
end:
	json_decref(root);
	return ret;
}
