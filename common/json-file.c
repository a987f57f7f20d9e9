/* SPDX-License-Identifier: MIT */
#include "common/json-file.h"
#include "common/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

json_t *json_file_load(const char *path)
{
	json_error_t jerr;
	json_t *root;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		err_append("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (!root)
		err_append("'%s': line %d, column %d: not valid JSON: %s", path,
			   jerr.line, jerr.column, jerr.text);
	return root;
}
